//! Shared set-up of the benchmarks: the committed benchmark fixtures and their truth.
//!
//! The fixtures in `fixtures/bench/` are documents of typical sizes (a 1280x960 phone photo, a
//! 2480x3508 A4 scan, a 600x400 low-resolution scan), rendered by `kyc-ocr synth` (one folder
//! each, see `fixtures/README.md`) with their MRZ lines in `truth.jsonl`. Every measured closure asserts its result against that truth, so a
//! fast wrong answer cannot pass.

use std::path::{Path, PathBuf};

/// One benchmark image with the MRZ lines it holds.
pub struct BenchCase {
    /// Short name used in benchmark ids (`photo_1280x960`).
    pub name: String,
    /// The encoded image file.
    pub bytes: Vec<u8>,
    /// The MRZ lines printed on the document.
    pub lines: Vec<String>,
}

/// The repository's `fixtures/bench/` folder.
pub fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bench")
}

/// Loads every case of `fixtures/bench/<case>/truth.jsonl`, sorted by name; a case is named by
/// its folder and size (`photo_1280x960`).
///
/// Panics with a clear message when the fixtures are missing: a benchmark without its input
/// measures nothing.
pub fn load_cases() -> Vec<BenchCase> {
    let dir = bench_dir();
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.join("truth.jsonl").is_file())
        .collect();
    folders.sort();
    let mut cases = Vec::new();
    for folder in folders {
        let truth = std::fs::read_to_string(folder.join("truth.jsonl")).expect("truth is readable");
        let kind = folder
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("case");
        for line in truth.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value =
                serde_json::from_str(line).expect("truth.jsonl line is JSON");
            let image = v["image"].as_str().expect("truth has an image name");
            let lines = truth_lines(&v);
            let bytes = std::fs::read(folder.join(image))
                .unwrap_or_else(|e| panic!("cannot read fixture {kind}/{image}: {e}"));
            let name = format!("{kind}_{}x{}", v["width"], v["height"]);
            cases.push(BenchCase { name, bytes, lines });
        }
    }
    assert!(
        !cases.is_empty(),
        "no benchmark fixtures in {}",
        dir.display()
    );
    cases
}

/// The MRZ lines of one `truth.jsonl` record.
fn truth_lines(record: &serde_json::Value) -> Vec<String> {
    record["lines"]
        .as_array()
        .expect("truth has MRZ lines")
        .iter()
        .map(|l| l.as_str().expect("MRZ line is a string").to_owned())
        .collect()
}

/// The case named `name`, for benchmarks that need one particular size.
pub fn case<'a>(cases: &'a [BenchCase], name: &str) -> &'a BenchCase {
    cases
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no benchmark fixture named {name}"))
}

/// A 12-megapixel phone frame (4032x3024, JPEG quality 90) with `case`'s image scaled by `k` at
/// (1500, 1000) on a plain grey background: a document photographed from afar, whose MRZ only a
/// finer search finds. Built at set-up rather than committed (a few MB of JPEG).
pub fn in_phone_frame(case: &BenchCase, k: f32) -> BenchCase {
    use image::{imageops, ImageEncoder, Luma};
    let grey = image::load_from_memory(&case.bytes)
        .expect("the fixture decodes")
        .to_luma8();
    let (w, h) = (grey.width() as f32 * k, grey.height() as f32 * k);
    let small = imageops::resize(
        &grey,
        w.round() as u32,
        h.round() as u32,
        imageops::FilterType::Triangle,
    );
    let mut frame = image::GrayImage::from_pixel(4032, 3024, Luma([110]));
    imageops::replace(&mut frame, &small, 1500, 1000);
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .write_image(
            frame.as_raw(),
            frame.width(),
            frame.height(),
            image::ExtendedColorType::L8,
        )
        .expect("the frame encodes");
    BenchCase {
        name: format!("phone_frame_{k}x_4032x3024"),
        bytes,
        lines: case.lines.clone(),
    }
}

/// The example passport photo as a 1-bit Floyd-Steinberg dithered PNG
/// (`fixtures/formats/passport-dithered.png`), as a fax or a black-and-white scan delivers it:
/// the one input that takes the descreen step.
pub fn dithered_case() -> BenchCase {
    example_format_case("passport-dithered.png", "dithered_1280x960")
}

/// The example passport photo, 800x600, as the JPEG page image of a PDF scan
/// (`fixtures/formats/passport-scan.pdf`): the decode finds the image in the PDF first.
pub fn pdf_case() -> BenchCase {
    example_format_case("passport-scan.pdf", "pdf_jpeg_800x600")
}

/// The example passport at 800x600 as a JPEG 2000 file (`fixtures/formats/passport.jp2`): its
/// decoder, not `image`'s, costs most of the read.
pub fn jpeg2000_case() -> BenchCase {
    example_format_case("passport.jp2", "jpeg2000_800x600")
}

/// The example passport at 1280x960 as an iPhone writes a HEIC
/// (`fixtures/formats/passport-iphone.heic`: 512 x 512 tiles, stored on its side with a rotation
/// box).
pub fn heic_case() -> BenchCase {
    example_format_case("passport-iphone.heic", "heic_1280x960")
}

/// The example passport in another encoding, `fixtures/formats/<file>`, with its truth.
fn example_format_case(file: &str, name: &str) -> BenchCase {
    let fixtures = bench_dir().join("..");
    let truth = std::fs::read_to_string(fixtures.join("example/truth.jsonl"))
        .expect("the example's truth is readable");
    let v: serde_json::Value = serde_json::from_str(truth.lines().next().unwrap_or_default())
        .expect("truth.jsonl line is JSON");
    let lines = truth_lines(&v);
    let bytes =
        std::fs::read(fixtures.join("formats").join(file)).expect("the format fixture is readable");
    BenchCase {
        name: name.to_owned(),
        bytes,
        lines,
    }
}
