//! Scores the localiser alone on a generator folder (`kyc-ocr synth --out DIR ...`): located rate
//! (zone IoU >= 0.5 with the truth), right line count and line length, and locate time, without the
//! recogniser's cost; for an image file instead of a folder, whether any zone is found.
//! `cargo run --release -p kyc-ocr --example locate_eval -- DIR|IMAGE...`.

mod support;

use std::path::Path;
use std::time::Instant;
use support::quad;

use kyc_ocr::decode::{decode, DecodeLimits};
use kyc_ocr::locate::{locate, LocateParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `FINE=N` tries another fine-search size (a tuning aid).
    let mut params = LocateParams::default();
    if let Some(n) = std::env::var("FINE").ok().and_then(|v| v.parse().ok()) {
        params.fine_work_size = n;
    }
    // `FULL=N` caps the full-resolution search's long side at N.
    if let Some(n) = std::env::var("FULL").ok().and_then(|v| v.parse().ok()) {
        params.full_work_size = n;
    }
    for dir in std::env::args().skip(1) {
        let dir = Path::new(&dir);
        // A single image (one without an MRZ, say): only whether a zone is found.
        if dir.is_file() {
            let grey = decode(&std::fs::read(dir)?, &DecodeLimits::default())?.to_luma8();
            let t = Instant::now();
            let found = locate(&grey, &params);
            println!(
                "{}: {} ({}x{}, {:.1} ms)",
                dir.display(),
                if found.is_some() {
                    "zone found"
                } else {
                    "no zone"
                },
                grey.width(),
                grey.height(),
                t.elapsed().as_secs_f32() * 1000.0
            );
            continue;
        }
        let truth = std::fs::read_to_string(dir.join("truth.jsonl"))?;
        let (mut n, mut located, mut shape) = (0, 0, 0);
        let mut times = Vec::new();
        let mut misses = Vec::new();
        // Each located line's height over its truth line's: how tight the boxes the rectifier
        // cuts are (the recogniser learnt on the margins these boxes give).
        let mut heights = Vec::new();
        // Where each zone was found, for drawing over the images when a miss needs looking at.
        let mut dump = String::new();
        for line in truth.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line)?;
            let image = v["image"].as_str().unwrap_or_default();
            let want_lines = v["lines"].as_array().map_or(0, Vec::len);
            let want_len = v["lines"][0].as_str().map_or(0, str::len);
            let grey =
                decode(&std::fs::read(dir.join(image))?, &DecodeLimits::default())?.to_luma8();
            let t = Instant::now();
            let found = locate(&grey, &params);
            times.push(t.elapsed().as_secs_f32() * 1000.0);
            n += 1;
            let lines: Vec<_> = found.iter().flat_map(|f| f.lines.iter()).collect();
            dump += &format!(
                "{}\n",
                serde_json::json!({ "image": image, "lines": serde_json::to_value(&lines)? })
            );
            let iou = match (&found, quad(&v["mrz_quad"])) {
                (Some(f), Some(q)) => f.quad.iou(&q),
                _ => 0.0,
            };
            if iou >= 0.5 {
                located += 1;
                let f = found.as_ref().map(|f| (f.lines.len(), f.line_len));
                if f == Some((want_lines, want_len)) {
                    shape += 1;
                    let want = v["line_quads"]
                        .as_array()
                        .map(|a| a.iter().filter_map(quad));
                    if let (Some(found), Some(want)) = (&found, want) {
                        // The zone may be found upside down: pair the lines by height order.
                        let mut got: Vec<f32> = found.lines.iter().map(|q| q.height()).collect();
                        let mut want: Vec<f32> = want.map(|q| q.height()).collect();
                        got.sort_by(f32::total_cmp);
                        want.sort_by(f32::total_cmp);
                        heights.extend(got.iter().zip(&want).map(|(g, w)| g / w.max(1.0)));
                    }
                } else {
                    misses.push(format!("{image}:shape{f:?}"));
                }
            } else {
                misses.push(format!("{image}:iou{iou:.2}"));
            }
        }
        std::fs::write(dir.join("located.jsonl"), dump)?;
        times.sort_by(f32::total_cmp);
        heights.sort_by(f32::total_cmp);
        let pct = |k: usize| 100.0 * k as f32 / n.max(1) as f32;
        println!(
            "{}: located {:.1}% shape {:.1}% ({n} images), locate median {:.1} ms p90 {:.1} ms, \
             line height / truth median {:.2} (p10 {:.2}, p90 {:.2})",
            dir.display(),
            pct(located),
            pct(shape),
            times.get(n / 2).copied().unwrap_or(0.0),
            times.get(n * 9 / 10).copied().unwrap_or(0.0),
            heights.get(heights.len() / 2).copied().unwrap_or(0.0),
            heights.get(heights.len() / 10).copied().unwrap_or(0.0),
            heights.get(heights.len() * 9 / 10).copied().unwrap_or(0.0),
        );
        if !misses.is_empty() {
            println!("  misses: {}", misses.join(" "));
        }
    }
    Ok(())
}
