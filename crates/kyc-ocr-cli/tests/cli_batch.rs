//! `kyc-ocr batch`, `read --debug-image` and the shared output conventions (colour, `--verbose`,
//! closed pipes), run as a process on documents rendered by `kyc-ocr synth`.
//!
//! The images are rendered with the clean preset so that reads are exact with any reasonable
//! recogniser: the tests compare MRZ lines with the generator's truth, never confidences, so they
//! survive a retrained model.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

fn kyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyc-ocr"))
        .args(args)
        .output()
        .expect("run kyc-ocr")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Four clean documents (TD3, TD1, TD2, MRV-A) and their truth, rendered once per test run.
struct Docs {
    dir: PathBuf,
    truth: Vec<Value>,
}

fn docs() -> &'static Docs {
    static DOCS: OnceLock<Docs> = OnceLock::new();
    DOCS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-batch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = kyc(&[
            "synth",
            "--out",
            dir.to_str().unwrap(),
            "--count",
            "4",
            "--seed",
            "11",
            "--preset",
            "clean",
            "--json",
        ]);
        assert!(out.status.success(), "synth: {}", text(&out.stderr));
        let truth: Vec<Value> = std::fs::read_to_string(dir.join("truth.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // synth --json names what it wrote, in the truth's order.
        let written: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(written["schema"], "kyc-ocr/synth/v1");
        assert_eq!(written["count"], 4);
        assert_eq!(written["truth"], dir.join("truth.jsonl").to_str().unwrap());
        let names: Vec<&Value> = truth.iter().map(|t| &t["image"]).collect();
        assert_eq!(written["images"], serde_json::json!(names));
        Docs { dir, truth }
    })
}

fn image(i: usize) -> PathBuf {
    docs().dir.join(docs().truth[i]["image"].as_str().unwrap())
}

fn json_lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not json ({e}): {l}")))
        .collect()
}

/// A file that is not an image, in a folder of its own.
fn corrupt_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("truncated.jpg");
    std::fs::write(&path, [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J']).unwrap();
    path
}

#[test]
fn batch_json_lines_are_in_input_order_with_errors_in_place() {
    let bad = corrupt_file();
    let missing = Path::new("/nonexistent/kyc-ocr/none.png");
    // Files in a scrambled order, a corrupt one and a missing one among them: the output must
    // follow this order whatever order the 3 workers finish in.
    let order = [
        image(2),
        bad.clone(),
        image(0),
        missing.to_path_buf(),
        image(3),
        image(1),
    ];
    let mut args = vec!["batch", "--json", "--jobs", "3"];
    args.extend(order.iter().map(|p| p.to_str().unwrap()));
    let out = kyc(&args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let lines = json_lines(&out);
    assert_eq!(lines.len(), order.len(), "one object per input");
    for (v, path) in lines.iter().zip(&order) {
        assert_eq!(v["schema"], "kyc-ocr/read/v1");
        assert_eq!(v["image"], path.to_str().unwrap());
    }
    for (line, truth) in [(0, 2), (2, 0), (4, 3), (5, 1)] {
        let v = &lines[line];
        assert!(v.get("error").is_none(), "{v}");
        assert_eq!(v["mrz"]["lines"], docs().truth[truth]["lines"], "{v}");
        assert_eq!(v["mrz"]["valid"], true);
        assert!(v["timings"]["total_ms"].as_f64().unwrap() > 0.0);
    }
    let bad_error = lines[1]["error"].as_str().unwrap();
    assert!(
        bad_error.starts_with(&format!("cannot read the mrz of {}: ", bad.display())),
        "{bad_error}"
    );
    assert_eq!(
        lines[3]["error"].as_str().unwrap(),
        format!(
            "cannot read {}: No such file or directory (os error 2)",
            missing.display()
        )
    );

    // Stderr: one line per failed file naming it, then the summary.
    let err = text(&out.stderr);
    let err_lines: Vec<&str> = err.lines().collect();
    assert_eq!(err_lines.len(), 3, "{err}");
    assert!(err_lines[0].starts_with(&format!(
        "kyc-ocr: cannot read the mrz of {}",
        bad.display()
    )));
    assert!(err_lines[1].starts_with(&format!("kyc-ocr: cannot read {}", missing.display())));
    assert!(
        err_lines[2].starts_with("batch: 4 read, 4 valid, 0 invalid, 0 without mrz, 2 failed in "),
        "{err}"
    );
    assert!(err_lines[2].contains("images/s, 3 threads)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn batch_of_a_directory_reads_its_images_in_name_order() {
    let out = kyc(&["batch", "--json", docs().dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    // truth.jsonl is skipped: only images.
    assert_eq!(lines.len(), docs().truth.len());
    for (v, truth) in lines.iter().zip(&docs().truth) {
        assert_eq!(v["image"], image_path(truth));
        assert_eq!(v["mrz"]["lines"], truth["lines"]);
    }
}

/// A directory of the formats uploads arrive in: every file is taken, HEIC, GIF and JPEG 2000
/// among them, and each reads the example's zone.
#[test]
fn batch_of_a_directory_takes_every_format_the_engine_decodes() {
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let formats = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/formats");
    let names = [
        "passport.heic",
        "passport-iphone.HEIC",
        "passport.gif",
        "passport.jp2",
        "passport-cmyk.jpg",
    ];
    for name in names {
        std::fs::copy(formats.join(name.replace("HEIC", "heic")), dir.join(name)).unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
    let out = kyc(&["batch", "--json", "-j", "1", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let mut read: Vec<String> = lines
        .iter()
        .map(|v| {
            assert_eq!(v["mrz"]["valid"], true, "{v}");
            assert_eq!(
                v["mrz"]["lines"][0],
                "P<KAZKHABIBULLIN<<SERGEI<PETROVICH<<<<<<<<<<"
            );
            let path = PathBuf::from(v["image"].as_str().unwrap());
            path.file_name().unwrap().to_str().unwrap().to_string()
        })
        .collect();
    read.sort();
    let mut want: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    want.sort();
    assert_eq!(read, want);
    let _ = std::fs::remove_dir_all(&dir);
}

fn image_path(truth: &Value) -> String {
    docs()
        .dir
        .join(truth["image"].as_str().unwrap())
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn batch_human_output_names_each_file_and_its_lines() {
    let out = kyc(&["batch", "-j", "2", image(0).to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{}: td3 valid (confidence ", image(0).display())),
        "{stdout}"
    );
    for line in docs().truth[0]["lines"].as_array().unwrap() {
        assert!(
            stdout.contains(&format!("  {}\n", line.as_str().unwrap())),
            "{stdout}"
        );
    }
    // Piped: no escape codes, no progress bar.
    assert!(!stdout.contains('\u{1b}') && !text(&out.stderr).contains('\u{1b}'));
}

#[test]
fn batch_usage_errors_exit_2() {
    let out = kyc(&["batch", "--jobs", "0", "x.jpg"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), "kyc-ocr: --jobs must be at least 1\n");

    let empty = std::env::temp_dir().join(format!("kyc-ocr-cli-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = kyc(&["batch", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).ends_with("kyc-ocr: no images to read\n"),
        "{}",
        text(&out.stderr)
    );

    let out = kyc(&["batch"]);
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
}

#[test]
fn closed_pipe_is_not_an_error() {
    // Like `kyc-ocr batch ... | head -1`: the reader goes away after the first line. A corrupt
    // file last would make the exit code 2 if the batch ran to the end.
    let mut args = vec![
        "batch".to_string(),
        "--json".into(),
        "-j".into(),
        "1".into(),
    ];
    for _ in 0..3 {
        for i in 0..docs().truth.len() {
            args.push(image(i).to_str().unwrap().to_string());
        }
    }
    args.push(corrupt_file().to_str().unwrap().to_string());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyc-ocr"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The BufReader (and the pipe's read end) is dropped here.
    assert!(first.contains("kyc-ocr/read/v1"));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
}

#[test]
fn read_debug_image_draws_on_the_input() {
    let png = std::env::temp_dir().join(format!("kyc-ocr-cli-debug-{}.png", std::process::id()));
    let out = kyc(&[
        "read",
        image(0).to_str().unwrap(),
        "--debug-image",
        png.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = &json_lines(&out)[0];
    assert_eq!(v["mrz"]["lines"], docs().truth[0]["lines"]);

    let drawn = image::open(&png).expect("debug image is a png").to_rgb8();
    let (w, h) = (
        docs().truth[0]["width"].as_u64().unwrap() as u32,
        docs().truth[0]["height"].as_u64().unwrap() as u32,
    );
    assert_eq!(drawn.width(), w);
    assert!(drawn.height() > h, "a text strip under the image");
    // The zone outline (pure blue-ish) is drawn on the document.
    let blue = drawn.pixels().filter(|p| p.0 == [40, 90, 255]).count();
    assert!(blue > 100, "{blue} zone pixels");
    std::fs::remove_file(&png).unwrap();

    let out = kyc(&[
        "read",
        image(0).to_str().unwrap(),
        image(1).to_str().unwrap(),
        "--debug-image",
        png.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "kyc-ocr: --debug-image takes one image, got 2\n"
    );
}

#[test]
fn color_flag_controls_escape_codes() {
    const L: &str =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let always = kyc(&["parse", "--color", "always", L]);
    assert!(
        text(&always.stdout).contains("\u{1b}["),
        "{}",
        text(&always.stdout)
    );
    let never = kyc(&["--color", "never", "parse", L]);
    assert!(!text(&never.stdout).contains('\u{1b}'));
    // The plain text is the same either way.
    assert_eq!(
        anstream::adapter::strip_str(&text(&always.stdout)).to_string(),
        text(&never.stdout)
    );
    let bad = kyc(&["parse", "--color", "sometimes", L]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn verbose_logs_stages_and_timings_but_no_personal_data() {
    let out = kyc(&[
        "--verbose",
        "batch",
        image(0).to_str().unwrap(),
        image(1).to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("info batch: 2 images on"), "{err}");
    assert!(err.contains("info image 1: read in "), "{err}");
    assert!(err.contains(" ms (decode "), "{err}");
    assert!(err.contains("info engine built in "), "{err}");
    let read = kyc(&["-v", "read", image(1).to_str().unwrap()]);
    assert_eq!(read.status.code(), Some(0));
    let read_err = text(&read.stderr);
    assert!(read_err.contains("info image 1: read in "), "{read_err}");
    let log: Vec<&str> = err
        .lines()
        .chain(read_err.lines())
        .filter(|l| l.contains(" info "))
        .collect();
    assert!(log.len() >= 6, "{err}{read_err}");
    for truth in &docs().truth[..2] {
        let f = &truth["fields"];
        for personal in [
            f["mrz_surname"].as_str().unwrap(),
            f["document_number"].as_str().unwrap(),
            truth["image"].as_str().unwrap(),
        ] {
            for line in &log {
                assert!(!line.contains(personal), "{personal:?} logged: {line}");
            }
        }
    }
}

/// The README's first command: the bundled example passport against the form its holder typed.
#[test]
fn readme_start_command_is_consistent_and_draws_a_debug_image() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let png = std::env::temp_dir().join(format!("kyc-ocr-cli-check-{}.png", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_kyc-ocr"))
        .current_dir(&root)
        .args([
            "check",
            "fixtures/example/passport.jpg",
            "--surname",
            "Khabibullin",
            "--given-names",
            "Sergei Petrovich",
            "--birth-date",
            "18.06.1986",
            "--nationality",
            "Kazakhstan",
            "--document-number",
            "6Z10845C",
            "--sex",
            "M",
            "--debug-image",
            png.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout.lines().next(),
        Some("verdict: consistent"),
        "{stdout}"
    );
    assert!(stdout.contains("document number: document 6Z10845C / typed 6Z10845C / match"));
    let drawn = image::open(&png).unwrap();
    assert_eq!(drawn.width(), 1280);
    std::fs::remove_file(&png).unwrap();

    let out = kyc(&[
        "check",
        "--mrz",
        "X|Y",
        "--debug-image",
        png.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "kyc-ocr: --debug-image needs an IMAGE to draw on\n"
    );
}

/// A PDF scan of two pages, the first without an MRZ: `read` reads the pages in turn and says
/// which gave the zone; the debug image shows that page.
#[test]
fn a_pdf_scan_is_read_page_by_page() {
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/formats/two-pages.pdf");
    let out = kyc(&["read", "--json", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(v["page"], 1);
    assert_eq!(v["mrz"]["valid"], true);
    assert_eq!(
        v["mrz"]["lines"][0],
        "P<KAZKHABIBULLIN<<SERGEI<PETROVICH<<<<<<<<<<"
    );
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let debug = dir.join("debug.png");
    let out = kyc(&[
        "read",
        "--json",
        pdf.to_str().unwrap(),
        "--debug-image",
        debug.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let with_debug: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(with_debug["page"], 1);
    assert_eq!(with_debug["mrz"]["lines"], v["mrz"]["lines"]);
    // The page drawn is the 800x600 second page, with the strip of recognised lines under it.
    let drawn = image::open(&debug).unwrap();
    assert_eq!(drawn.width(), 800);
    assert!(drawn.height() > 600);
    // People read which page it was, counted from 1.
    let out = kyc(&["read", pdf.to_str().unwrap()]);
    assert!(
        text(&out.stdout).starts_with(&format!("{} (page 2): td3 valid", pdf.display())),
        "{}",
        text(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tiff_of_several_pages_is_read_page_by_page() {
    // A fax-like TIFF: a cover without an MRZ, then the flat-bed scan (1399x1312) in black and
    // white. With the debug image too, the second page is read and drawn.
    let tif = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/formats/two-pages.tif");
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-tif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let debug = dir.join("debug.png");
    for extra in [&[][..], &["--debug-image", debug.to_str().unwrap()][..]] {
        let mut args = vec!["read", "--json", tif.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = kyc(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let v: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
        assert_eq!(v["page"], 1, "{extra:?}");
        assert_eq!(v["mrz"]["valid"], true, "{extra:?}");
    }
    assert_eq!(image::open(&debug).unwrap().width(), 1399);
    let _ = std::fs::remove_dir_all(&dir);
}
