//! Check what a customer typed into a KYC form against the document's MRZ.
//!
//! ```sh
//! cargo run -p kyc-ocr-cli --example check_form -- [IMAGE]
//! ```
//!
//! Without an argument it checks the bundled example passport against a form typed with the
//! usual variations (mixed case, a full name in one field, a day-first date).

use std::error::Error;
use std::path::{Path, PathBuf};

use kyc_ocr::compare::{self, CheckOptions, RawForm, Report};
use kyc_ocr::engine::{Engine, EngineParams};

fn default_image() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/example/passport.jpg")
}

/// The form as the customer typed it, raw strings as they come from a web form.
fn typed_form() -> RawForm {
    RawForm {
        name: Some("Sergei Petrovich Khabibullin".into()),
        birth_date: Some("18/06/1986".into()),
        nationality: Some("Kazakhstan".into()),
        document_number: Some("6Z10845C".into()),
        sex: Some("male".into()),
        document_type: Some("passport".into()),
        ..RawForm::default()
    }
}

/// Reads `path` and checks `raw` against it.
fn check(path: &Path, raw: &RawForm, options: &CheckOptions) -> Result<Report, Box<dyn Error>> {
    // A form field that cannot be used (an impossible date, say) is a typed error naming the field.
    let form = raw.parse(options)?;
    let engine = Engine::new(EngineParams::default())?;
    let bytes = std::fs::read(path)?;
    // Where the form names the kind of document, read that kind's MRZ: an image may show a visa
    // beside the passport's data page.
    let out = match form.document_type {
        Some(want) => engine.read_wanting(&bytes, want)?,
        None => engine.read(&bytes)?,
    };
    // No MRZ is a verdict (ask for a new image), not an error.
    Ok(match &out.mrz {
        Some(mrz) => compare::check(mrz, &form, options),
        None => Report::unreadable_without_mrz("no mrz found in the image".to_string()),
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(default_image, PathBuf::from);
    let report = check(&path, &typed_form(), &CheckOptions::default())?;
    println!("verdict: {}", report.verdict.name());
    println!("  {}", report.summary);
    for m in &report.mismatches {
        println!("- {}", m.reason);
    }
    // The report serialises to the documented JSON schema kyc-ocr/check/v1.
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_ocr::compare::{MismatchKind, Verdict};

    #[test]
    fn the_bundled_example_is_consistent_and_a_typo_is_a_prompt() {
        let options = CheckOptions {
            today: jiff::civil::date(2026, 11, 26),
            ..CheckOptions::default()
        };
        let report = check(&default_image(), &typed_form(), &options).unwrap();
        assert_eq!(report.verdict, Verdict::Consistent, "{}", report.summary);

        let typo = RawForm {
            document_number: Some("6Z10854C".into()),
            ..typed_form()
        };
        let report = check(&default_image(), &typo, &options).unwrap();
        assert_eq!(report.verdict, Verdict::Prompt);
        assert_eq!(report.mismatches.len(), 1);
        assert_ne!(report.mismatches[0].kind, MismatchKind::Swapped);
    }
}
