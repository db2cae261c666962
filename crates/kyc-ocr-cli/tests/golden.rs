//! Golden JSON: the documented schemas' output for fixed inputs, compared with
//! `fixtures/golden/<case>.json` after removing timing fields.
//!
//! The cases run on MRZ text, not images, so a retrained recogniser cannot change them; image
//! reads are covered by `cli_batch.rs`, which compares MRZ lines with the generator's truth.
//!
//! A difference fails the test with both versions. To accept a deliberate change, regenerate and
//! review the diff: `REGENERATE_GOLDEN=1 cargo test -p kyc-ocr-cli --test golden`. The files are
//! never rewritten otherwise, and a missing file is a failure, not a silent first write.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

const TD3_1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const TD3_2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1_1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<";
const TD1_2: &str = "7408122F1204159UTO<<<<<<<<<<<6";
const TD1_3: &str = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
/// The TD3 specimen with the birth date's check digit wrong (2 -> 3).
const TD3_2_BAD_BIRTH: &str = "L898902C36UTO7408123F1204159ZE184226B<<<<<10";
/// The TD3 specimen's document number with an O where the recogniser should have read 0.
const TD3_2_O_FOR_0: &str = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10";
const SPECIMEN: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// Every case: a name (the golden file's stem), the arguments, the expected exit code.
fn cases() -> Vec<(&'static str, Vec<&'static str>, i32)> {
    vec![
        (
            "parse_td3_specimen",
            vec!["parse", "--json", TD3_1, TD3_2],
            0,
        ),
        (
            "parse_td1_specimen",
            vec!["parse", "--json", TD1_1, TD1_2, TD1_3],
            0,
        ),
        (
            "parse_td3_bad_birth_check_digit",
            vec!["parse", "--json", "--no-repair", TD3_1, TD3_2_BAD_BIRTH],
            1,
        ),
        (
            "parse_td3_repaired_o_for_0",
            vec!["parse", "--json", TD3_1, TD3_2_O_FOR_0],
            0,
        ),
        (
            "parse_not_an_mrz",
            vec!["parse", "--json", "hello world"],
            2,
        ),
        (
            "check_consistent",
            vec![
                "check",
                "--json",
                "--mrz",
                SPECIMEN,
                "--today",
                "2010-01-01",
                "--surname",
                "Eriksson",
                "--given-names",
                "Anna Maria",
                "--birth-date",
                "12.08.1974",
                "--sex",
                "F",
                "--nationality",
                "Utopia",
                "--document-number",
                "L898902C3",
            ],
            0,
        ),
        (
            "check_prompt_name_and_birth_date",
            vec![
                "check",
                "--json",
                "--mrz",
                SPECIMEN,
                "--today",
                "2010-01-01",
                "--name",
                "Anna Eriksson",
                "--birth-date",
                "1974-12-08",
            ],
            1,
        ),
        (
            "check_refused_expired",
            vec![
                "check",
                "--json",
                "--mrz",
                SPECIMEN,
                "--today",
                "2020-01-01",
                "--surname",
                "Eriksson",
                "--given-names",
                "Anna Maria",
            ],
            1,
        ),
        (
            "check_form_error",
            vec![
                "check",
                "--json",
                "--mrz",
                SPECIMEN,
                "--today",
                "2010-01-01",
                "--birth-date",
                "31/31/1974",
            ],
            2,
        ),
    ]
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden")
}

/// Removes what legitimately changes between runs: timings (`timings` objects, `*_ms` fields).
fn strip_timings(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, _| k != "timings" && !k.ends_with("_ms"));
            map.values_mut().for_each(strip_timings);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_timings),
        _ => {}
    }
}

fn run_case(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyc-ocr"))
        .args(args)
        .output()
        .expect("run kyc-ocr");
    let mut stdout: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: stdout is not one JSON value ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    strip_timings(&mut stdout);
    (out.status.code().expect("exit code"), stdout)
}

#[test]
fn golden_outputs_match() {
    let regenerate = std::env::var_os("REGENERATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, args, want_code) in cases() {
        let (code, stdout) = run_case(&args);
        assert_eq!(code, want_code, "{name}: exit code");
        let actual = json!({ "args": args, "exit_code": code, "stdout": stdout });
        let path = golden_dir().join(format!("{name}.json"));
        if regenerate {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            failures.push(format!(
                "{name}: {} is missing; run REGENERATE_GOLDEN=1 cargo test -p kyc-ocr-cli --test golden",
                path.display()
            ));
            continue;
        };
        let expected: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not json: {e}", path.display()));
        if expected != actual {
            failures.push(format!(
                "{name}: output differs from {}\nexpected: {}\nactual:   {}",
                path.display(),
                serde_json::to_string(&expected).unwrap(),
                serde_json::to_string(&actual).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(accept deliberate changes with REGENERATE_GOLDEN=1 cargo test -p kyc-ocr-cli --test golden)",
        failures.join("\n\n")
    );
}

#[test]
fn every_golden_file_has_a_case() {
    // A renamed or dropped case must not leave a stale file behind that nobody checks.
    let names: Vec<String> = cases().iter().map(|c| format!("{}.json", c.0)).collect();
    for entry in std::fs::read_dir(golden_dir()).expect("fixtures/golden exists") {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if file.ends_with(".json") {
            assert!(names.contains(&file), "fixtures/golden/{file} has no case");
        }
    }
}

#[test]
fn strip_timings_removes_only_timing_fields() {
    let mut v = json!({
        "timings": { "total_ms": 3.0 }, "confidence": 0.9,
        "items": [{ "decode_ms": 1.0, "image": "a.jpg" }],
    });
    strip_timings(&mut v);
    assert_eq!(
        v,
        json!({ "confidence": 0.9, "items": [{ "image": "a.jpg" }] })
    );
}
