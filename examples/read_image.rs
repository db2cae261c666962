//! Read the MRZ of one image with the library.
//!
//! ```sh
//! cargo run -p kyc-ocr-cli --example read_image -- [IMAGE]
//! ```
//!
//! Without an argument it reads the bundled example passport (`fixtures/example/passport.jpg`).

use std::error::Error;
use std::path::{Path, PathBuf};

use kyc_ocr::engine::{Engine, EngineParams};

/// The bundled example, found from the crate that builds this example.
fn default_image() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/example/passport.jpg")
}

/// Reads `path` and returns the MRZ lines (empty when no MRZ was found).
fn read(path: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    // Build the engine once (it loads the embedded recogniser) and reuse it for every image.
    let engine = Engine::new(EngineParams::default())?;
    let bytes = std::fs::read(path)?;
    let out = engine.read(&bytes)?;
    match &out.mrz {
        Some(mrz) => {
            println!(
                "{}: {} {} (confidence {:.2}, {:.0} ms)",
                path.display(),
                mrz.format,
                if mrz.is_valid() { "valid" } else { "invalid" },
                out.confidence,
                out.timings.total_ms
            );
            for line in &mrz.lines {
                println!("  {line}");
            }
            let f = &mrz.fields;
            println!(
                "  surname {}, given names {}",
                f.surname.value, f.given_names.value
            );
            println!("  document number {}", f.document_number.value);
            Ok(mrz.lines.clone())
        }
        None => {
            println!("{}: no mrz found", path.display());
            Ok(Vec::new())
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(default_image, PathBuf::from);
    read(&path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The example runs on the bundled image and reads its truth.
    #[test]
    fn reads_the_bundled_example() {
        let truth =
            std::fs::read_to_string(super::default_image().with_file_name("truth.jsonl")).unwrap();
        let truth: serde_json::Value = serde_json::from_str(truth.lines().next().unwrap()).unwrap();
        let lines = super::read(&super::default_image()).unwrap();
        assert_eq!(serde_json::json!(lines), truth["lines"]);
    }
}
