//! Read every image of a folder in parallel with one shared engine, results in file-name order.
//!
//! ```sh
//! cargo run --release -p kyc-ocr-cli --example batch_folder -- [DIR] [THREADS]
//! ```
//!
//! Without arguments it reads the bundled clean documents (`fixtures/docs/clean`). The engine is
//! `Send + Sync`: build it once and share it by reference across plain threads, each taking the
//! next image when it finishes one. (Plain threads rather than a rayon pool: the engine runs its
//! recogniser in a one-thread pool per calling thread, and a rayon worker waiting on another pool
//! spins instead of sleeping.)

use std::error::Error;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use kyc_ocr::engine::{Engine, EngineParams};

fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/docs/clean")
}

/// One image's outcome: its MRZ lines, or why it failed.
type Outcome = Result<Vec<String>, String>;

/// Reads the images of `dir` on `threads` threads; results in file-name order.
fn read_folder(dir: &Path, threads: usize) -> Result<Vec<(PathBuf, Outcome)>, Box<dyn Error>> {
    let mut images: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("png"))
        })
        .collect();
    images.sort();
    let engine = Engine::new(EngineParams::default())?;
    let next = AtomicUsize::new(0);
    // One slot per image, filled by whichever thread reads it: the output keeps the input order.
    let slots: Vec<Mutex<Option<Outcome>>> = images.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = images.get(i) else { break };
                // One bad file is one failed result, never the end of the batch.
                let outcome = std::fs::read(path)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| engine.read(&bytes).map_err(|e| e.to_string()))
                    .map(|out| out.mrz.map(|m| m.lines).unwrap_or_default());
                *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
            });
        }
    });
    Ok(images
        .into_iter()
        .zip(slots)
        .map(|(path, slot)| {
            let outcome = slot.into_inner().unwrap_or_else(|e| e.into_inner());
            (path, outcome.unwrap_or_else(|| Err("not read".to_string())))
        })
        .collect())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args_os().skip(1);
    let dir = args.next().map_or_else(default_dir, PathBuf::from);
    let threads = match args.next() {
        Some(n) => n.to_string_lossy().parse()?,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let start = Instant::now();
    let results = read_folder(&dir, threads)?;
    for (path, outcome) in &results {
        match outcome {
            Ok(lines) if lines.is_empty() => println!("{}: no mrz", path.display()),
            Ok(lines) => println!("{}: {}", path.display(), lines.join(" | ")),
            Err(e) => println!("{}: error: {e}", path.display()),
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{} images in {secs:.1} s ({:.1} images/s, {threads} threads)",
        results.len(),
        results.len() as f64 / secs
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_bundled_folder_in_order_and_matches_the_truth() {
        let dir = super::default_dir();
        let truth: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("truth.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let results = super::read_folder(&dir, 2).unwrap();
        assert_eq!(results.len(), truth.len());
        for ((path, outcome), t) in results.iter().zip(&truth) {
            assert_eq!(path.file_name().unwrap(), t["image"].as_str().unwrap());
            let lines = outcome.as_ref().unwrap();
            assert_eq!(serde_json::json!(lines), t["lines"], "{}", path.display());
        }
    }
}
