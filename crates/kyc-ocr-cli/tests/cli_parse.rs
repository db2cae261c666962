//! `kyc-ocr parse` run as a process: JSON schema, exit codes, stdin, errors on stderr.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const L1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
const L2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyc-ocr"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn valid_specimen_json_exit_0() {
    let out = run(&["parse", "--json", L1, L2], None);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["schema"], "kyc-ocr/parse/v1");
    assert_eq!(v["format"], "td3");
    assert_eq!(v["valid"], true);
    assert_eq!(v["lines"], serde_json::json!([L1, L2]));
    let f = &v["fields"];
    assert_eq!(f["surname"]["value"], "ERIKSSON");
    assert_eq!(f["given_names"]["value"], "ANNA MARIA");
    assert_eq!(f["document_number"]["value"], "L898902C3");
    assert_eq!(f["document_number"]["check"], "valid");
    assert_eq!(f["birth_date"]["value"], "1974-08-12");
    assert_eq!(f["birth_date"]["check"], "valid");
    assert_eq!(f["expiry_date"]["value"], "2012-04-15");
    assert_eq!(f["optional_data"]["value"], "ZE184226B");
    assert_eq!(f["composite"]["check"], "valid");
    assert_eq!(f["sex"]["value"], "female");
    assert_eq!(f["issuing_state"]["country"], "Utopia (specimen)");
    assert!(f["surname"].get("check").is_none());
    assert_eq!(v["repairs"], serde_json::json!([]));
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn invalid_check_digit_exit_1() {
    let bad = L2.replace("7408122F", "7408123F");
    let out = run(&["parse", "--json", "--no-repair", L1, &bad], None);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["fields"]["birth_date"]["check"], "invalid");
    assert_eq!(
        v["errors"][0],
        "check digit of date of birth is 3, expected 2"
    );
}

#[test]
fn a_document_kind_the_layout_cannot_hold_is_malformed_exit_1() {
    // Every check digit holds, but a TD1 card's code must start with A, C or I.
    let card = [
        "V<UTOMC0X47419021658409834<<<<",
        "8607106M2911180UTO<<<<<<<<<<<8",
        "GROSS<JAEGER<<ANNA<LENA<<<<<<<",
    ];
    let out = run(
        &["parse", "--json", "--no-repair", card[0], card[1], card[2]],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["valid"], false);
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] == "valid"));
    assert_eq!(v["malformed_fields"], serde_json::json!(["document_code"]));
    assert_eq!(v["errors"][0], "document_code is malformed (see warnings)");
    let human = run(&["parse", "--no-repair", card[0], card[1], card[2]], None);
    assert_eq!(human.status.code(), Some(1));
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.contains("result          malformed: document_code"),
        "{text}"
    );
    assert!(text.contains("expected one of ACI for td1"), "{text}");
}

#[test]
fn repairs_are_reported() {
    let misread = L2.replace("7408122F", "74O8122F");
    let out = run(&["parse", "--json", &format!("{L1}|{misread}")], None);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["repairs"][0]["from"], "O");
    assert_eq!(v["repairs"][0]["to"], "0");
    assert_eq!(v["repairs"][0]["field"], "birth_date");
    assert_eq!(v["lines"][1], L2);
}

#[test]
fn stdin_and_human_output() {
    let out = run(
        &["parse"],
        Some(&format!("\n  {}\n{}\n", L1.to_lowercase(), L2)),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("surname         ERIKSSON"), "{text}");
    assert!(
        text.contains("result          every check digit valid"),
        "{text}"
    );
}

#[test]
fn not_an_mrz_exit_2_one_line_on_stderr() {
    let out = run(&["parse", "hello world"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err, "kyc-ocr: not an mrz: found 1 lines, expected 2 or 3\n");

    let out = run(&["parse", "--json", L1, &L2[..43]], None);
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    assert_eq!(v["errors"][0]["kind"], "line_length");
    assert_eq!(
        v["errors"][0]["message"],
        "line 2 has 43 characters, expected 44 for td3"
    );
    assert_eq!(String::from_utf8(out.stderr).unwrap().lines().count(), 1);
}
