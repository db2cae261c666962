//! Cuts training lines for the recogniser out of generator documents with this pipeline's own
//! locate and rectify stages, so that the model trains on exactly what inference feeds it.
//!
//! `cargo run --release -p kyc-ocr --example dump_lines -- SYNTH_DIR... OUT_DIR`
//!
//! Each SYNTH_DIR is a `kyc-ocr synth` folder (images and `truth.jsonl`). A document contributes its
//! lines only when the located zone overlaps the truth (IoU >= 0.5) with the right line count; the
//! reading direction comes from the truth, not from the recogniser, so a line is never paired with
//! the wrong text. OUT_DIR receives `<doc>_<k>.png` crops (height 32) and a `lines.tsv` of
//! `file<TAB>text` rows, the format `kyc-ocr eval` and `models/train_recogniser.py` read.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use support::quad;

use kyc_ocr::decode::{decode, DecodeLimits};
use kyc_ocr::locate::{locate, LocateParams, Point, Quad};
use kyc_ocr::rectify::rectify;

/// The shortest located line kept, as a share of its truth quad's length (the truth quad bounds
/// the ink; a whole located line measures about 0.97-1.09 of it, one cut by a character or
/// more 0.96 or less).
const MIN_LENGTH_RATIO: f32 = 0.97;

fn dist(a: Point, b: Point) -> f32 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let Some(out) = args.pop().filter(|_| !args.is_empty()) else {
        return Err("usage: dump_lines SYNTH_DIR... OUT_DIR".into());
    };
    std::fs::create_dir_all(&out)?;
    let params = LocateParams::default();
    let mut tsv = String::new();
    let (mut docs, mut used, mut short) = (0, 0, 0);
    for dir in &args {
        let tag = dir.file_name().and_then(|s| s.to_str()).unwrap_or("d");
        let truth = std::fs::read_to_string(dir.join("truth.jsonl"))?;
        for line in truth.lines().filter(|l| !l.trim().is_empty()) {
            docs += 1;
            let v: serde_json::Value = serde_json::from_str(line)?;
            let image = v["image"].as_str().unwrap_or_default();
            let texts: Vec<&str> = v["lines"]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
                .unwrap_or_default();
            let (Some(want), Ok(bytes)) = (quad(&v["mrz_quad"]), std::fs::read(dir.join(image)))
            else {
                continue;
            };
            let grey = decode(&bytes, &DecodeLimits::default())?.to_luma8();
            let Some(mut found) = locate(&grey, &params) else {
                continue;
            };
            if found.quad.iou(&want) < 0.5 || found.lines.len() != texts.len() {
                continue;
            }
            // A located line shorter than its printed text has a cut end: paired with the whole
            // truth it would teach the model to invent characters it cannot see.
            let truth_lines: Vec<Quad> = v["line_quads"]
                .as_array()
                .map(|a| a.iter().filter_map(quad).collect())
                .unwrap_or_default();
            let cut = truth_lines.len() == found.lines.len()
                && found
                    .lines
                    .iter()
                    .zip(&truth_lines)
                    .any(|(f, t)| f.length() < MIN_LENGTH_RATIO * t.length());
            if cut {
                short += 1;
                continue;
            }
            if dist(found.quad.0[0], want.0[0]) > dist(found.quad.0[2], want.0[0]) {
                found = found.flipped();
            }
            used += 1;
            let stem = Path::new(image)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("x");
            for (k, (crop, text)) in rectify(&grey, &found).iter().zip(&texts).enumerate() {
                let name = format!("{tag}_{stem}_{k}.png");
                crop.image.save(out.join(&name))?;
                writeln!(tsv, "{name}\t{text}")?;
            }
        }
    }
    std::fs::write(out.join("lines.tsv"), tsv)?;
    eprintln!(
        "{used} of {docs} documents located with the right line count and whole lines ({short} with a cut line left out)"
    );
    Ok(())
}
