//! `kyc-ocr synth` and `kyc-ocr eval` together: a generated folder read back, with the capture
//! hints the reader gave.

use std::process::Command;

use serde_json::Value;

fn kyc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kyc-ocr"))
        .args(args)
        .output()
        .expect("run kyc-ocr")
}

/// Runs `kyc-ocr synth` with `args`, which must succeed.
fn synth(args: &[&str]) {
    let out = kyc(&[&["synth"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn photos_that_cut_the_zone_off_are_counted_under_their_hint() {
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-cut-eval-{}", std::process::id()));
    let dir_str = dir.to_str().expect("utf-8 temp path");
    synth(&[
        "--out",
        dir_str,
        "--count",
        "3",
        "--seed",
        "31",
        "--format",
        "td3",
        "--preset",
        "photo",
        "--cut-off",
        "1",
    ]);
    let eval = kyc(&["eval", dir_str, "--json"]);
    std::fs::remove_dir_all(&dir).ok();
    let v: Value = serde_json::from_slice(&eval.stdout).expect("eval json");
    assert_eq!(v["all"]["counts"]["items"], 3);
    assert_eq!(v["all"]["counts"]["exact"], 0);
    assert_eq!(
        v["capture_hints"],
        serde_json::json!({ "cut_off": { "items": 3, "exact": 0 } })
    );
    let failures = v["failures"].as_array().expect("failures");
    assert!(failures.iter().all(|f| f["capture_hint"] == "cut_off"));

    let bad = kyc(&["synth", "--out", dir_str, "--cut-off", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid --cut-off 1.5"));
}

#[test]
fn an_image_the_engine_cannot_read_counts_as_not_read_and_the_evaluation_goes_on() {
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-err-eval-{}", std::process::id()));
    let dir_str = dir.to_str().expect("utf-8 temp path");
    let synth = kyc(&[
        "synth", "--out", dir_str, "--count", "2", "--seed", "5", "--preset", "clean",
    ]);
    assert!(synth.status.success());
    // The first image cut inside its headers, as an interrupted upload can leave it (cut in its
    // scan data, a JPEG still decodes, grey below the cut).
    let first = dir.join("000000.jpg");
    let bytes = std::fs::read(&first).expect("synth wrote 000000.jpg");
    std::fs::write(&first, &bytes[..300]).expect("truncate");
    let eval = kyc(&["eval", dir_str, "--json", "--check"]);
    let human = kyc(&["eval", dir_str]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(eval.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&eval.stdout).expect("eval json");
    assert_eq!(v["errors"], 1);
    assert_eq!(v["all"]["counts"]["items"], 2);
    assert_eq!(v["all"]["counts"]["exact"], 1);
    assert_eq!(v["check"]["counts"]["truthful_unreadable"], 1);
    let failures = v["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["image"], "000000.jpg");
    let error = failures[0]["error"].as_str().expect("an error message");
    assert!(error.contains("truncated or corrupt"), "{error}");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("errors: 1 images the engine gave up on"),
        "{text}"
    );
}

#[test]
fn mirrored_and_dithered_captures_are_read_and_reported() {
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-mirror-{}", std::process::id()));
    let dir_str = dir.to_str().expect("utf-8 temp path");
    // Mirror images of passports (a selfie camera), then 1-bit dithered PNG scans (a fax).
    for (flag, preset, image_format) in [("--mirror", "photo", "jpg"), ("--dither", "scan", "png")]
    {
        synth(&[
            "--out",
            dir_str,
            "--count",
            "2",
            "--seed",
            "32",
            "--format",
            "td3",
            "--preset",
            preset,
            "--image-format",
            image_format,
            flag,
            "1",
        ]);
        let eval = kyc(&["eval", dir_str, "--json"]);
        let v: Value = serde_json::from_slice(&eval.stdout).expect("eval json");
        assert_eq!(v["all"]["counts"]["items"], 2, "{flag}");
        assert_eq!(v["all"]["counts"]["exact"], 2, "{flag}");
        let image = dir.join(format!("000000.{image_format}"));
        let read = kyc(&["read", "--json", image.to_str().unwrap()]);
        assert_eq!(read.status.code(), Some(0), "{flag}");
        let r: Value = serde_json::from_slice(&read.stdout).expect("read json");
        assert_eq!(r["mrz"]["valid"], true, "{flag}");
        assert_eq!(r["mirrored"], flag == "--mirror", "{flag}");
        let human = kyc(&["read", image.to_str().unwrap()]);
        let said = String::from_utf8_lossy(&human.stdout).contains("read as a mirror image");
        assert_eq!(said, flag == "--mirror", "{flag}");
        std::fs::remove_dir_all(&dir).ok();
    }
    let bad = kyc(&["synth", "--out", dir_str, "--mirror", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("invalid --mirror 1.5"));
}

#[test]
fn bent_pages_are_generated_and_read_along_their_arcs() {
    let dir = std::env::temp_dir().join(format!("kyc-ocr-cli-bend-{}", std::process::id()));
    let dir_str = dir.to_str().expect("utf-8 temp path");
    // Passports held open: each MRZ line an arc, its ends and middle 2.5 characters apart.
    synth(&[
        "--out", dir_str, "--count", "2", "--seed", "32", "--format", "td3", "--preset", "photo",
        "--bend", "2.5",
    ]);
    let eval = kyc(&["eval", dir_str, "--json"]);
    let v: Value = serde_json::from_slice(&eval.stdout).expect("eval json");
    assert_eq!(v["all"]["counts"]["items"], 2);
    assert_eq!(v["all"]["counts"]["exact"], 2);
    let read = kyc(&["read", "--json", dir.join("000000.jpg").to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    for (value, why) in [("5", "above 4"), ("2-1", "reversed"), ("x", "not a number")] {
        let bad = kyc(&["synth", "--out", dir_str, "--bend", value]);
        assert_eq!(bad.status.code(), Some(2), "{why}");
        let said = String::from_utf8_lossy(&bad.stderr);
        assert!(
            said.contains(&format!("invalid bend \"{value}\"")),
            "{why}: {said}"
        );
    }
    assert_eq!(read.status.code(), Some(0));
}
