//! Integration tests of the MRZ text engine: ICAO 9303 specimens, repair, malformed input and
//! property tests over composed documents.

use kyc_ocr::mrz::{
    self, check_digit, compose, parse, parse_lines, parse_reading, CharCandidate, CheckStatus,
    CheckedField, LineReading, Mrz, MrzData, MrzErrorKind, MrzFormat, ParseOptions, Sex,
};
use proptest::prelude::*;

fn opts() -> ParseOptions {
    ParseOptions {
        today: jiff::civil::date(2025, 6, 1),
        ..ParseOptions::default()
    }
}

fn parse_at(text: &str) -> Mrz {
    let lines: Vec<&str> = text.split('\n').collect();
    parse_lines(&lines, &opts()).unwrap()
}

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
const MRVA: &str =
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<";
const MRVB: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<";

/// The specimens' printed digits, recomputed here rather than trusted.
#[test]
fn specimen_digits_recomputed() {
    let cases: &[(&str, char)] = &[
        ("L898902C3", '6'),
        ("740812", '2'),
        ("120415", '9'),
        ("ZE184226B<<<<<", '1'),
        ("L898902C36740812212041592E184226B<<<<<1", '0'), // overwritten below
        ("D23145890", '7'),
        ("L8988901C", '4'),
        ("400907", '8'),
        ("961210", '9'),
    ];
    for (data, digit) in cases.iter().filter(|c| !c.0.contains("2E18")) {
        assert_eq!(check_digit::compute_char(data), Some(*digit), "{data}");
    }
    // Composites over the exact ICAO ranges.
    let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let td3 = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43]);
    assert_eq!(check_digit::compute_char(&td3), Some('0'));
    let l2 = "D231458907UTO7408122F1204159<<<<<<<6";
    let td2 = format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..35]);
    assert_eq!(check_digit::compute_char(&td2), Some('6'));
    let (a, b) = (
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
    );
    let td1 = format!("{}{}{}{}", &a[5..30], &b[0..7], &b[8..15], &b[18..29]);
    assert_eq!(check_digit::compute_char(&td1), Some('6'));
}

struct Expect {
    text: &'static str,
    format: MrzFormat,
    code: &'static str,
    number: &'static str,
    nationality: &'static str,
    birth: (i32, u8, u8),
    expiry: (i32, u8, u8),
    optional: &'static str,
    checks: &'static [CheckedField],
}

#[test]
fn icao_specimens_every_field() {
    use CheckedField::*;
    let cases = [
        Expect {
            text: TD3,
            format: MrzFormat::Td3,
            code: "P",
            number: "L898902C3",
            nationality: "UTO",
            birth: (1974, 8, 12),
            expiry: (2012, 4, 15),
            optional: "ZE184226B",
            checks: &[
                DocumentNumber,
                BirthDate,
                ExpiryDate,
                PersonalNumber,
                Composite,
            ],
        },
        Expect {
            text: TD1,
            format: MrzFormat::Td1,
            code: "I",
            number: "D23145890",
            nationality: "UTO",
            birth: (1974, 8, 12),
            expiry: (2012, 4, 15),
            optional: "",
            checks: &[DocumentNumber, BirthDate, ExpiryDate, Composite],
        },
        Expect {
            text: TD2,
            format: MrzFormat::Td2,
            code: "I",
            number: "D23145890",
            nationality: "UTO",
            birth: (1974, 8, 12),
            expiry: (2012, 4, 15),
            optional: "",
            checks: &[DocumentNumber, BirthDate, ExpiryDate, Composite],
        },
        Expect {
            text: MRVA,
            format: MrzFormat::MrvA,
            code: "V",
            number: "L8988901C",
            nationality: "XXX",
            birth: (1940, 9, 7),
            expiry: (1996, 12, 10),
            optional: "6ZE184226B",
            checks: &[DocumentNumber, BirthDate, ExpiryDate],
        },
        Expect {
            text: MRVB,
            format: MrzFormat::MrvB,
            code: "V",
            number: "L8988901C",
            nationality: "XXX",
            birth: (1940, 9, 7),
            expiry: (1996, 12, 10),
            optional: "",
            checks: &[DocumentNumber, BirthDate, ExpiryDate],
        },
    ];
    for e in cases {
        let m = parse_at(e.text);
        let f = &m.fields;
        let ctx = e.format.name();
        assert_eq!(m.format, e.format, "{ctx}");
        assert!(m.is_valid(), "{ctx}: {:?}", m.checks);
        assert!(m.repairs.is_empty(), "{ctx}: {:?}", m.repairs);
        assert!(m.warnings.is_empty(), "{ctx}: {:?}", m.warnings);
        assert_eq!(m.lines.join("\n"), e.text, "{ctx}");
        assert_eq!(f.document_code.value, e.code, "{ctx}");
        assert_eq!(f.issuing_state.value, "UTO", "{ctx}");
        assert_eq!(f.surname.value, "ERIKSSON", "{ctx}");
        assert_eq!(f.given_names.value, "ANNA MARIA", "{ctx}");
        assert!(!f.name_truncated, "{ctx}");
        assert_eq!(f.document_number.value, e.number, "{ctx}");
        assert_eq!(f.nationality.value, e.nationality, "{ctx}");
        let d = |x: (i32, u8, u8)| (Some(x.0), Some(x.1), Some(x.2));
        let b = &f.birth_date.value;
        assert_eq!((b.year, b.month, b.day), d(e.birth), "{ctx}");
        let x = &f.expiry_date.value;
        assert_eq!((x.year, x.month, x.day), d(e.expiry), "{ctx}");
        assert_eq!(f.sex.value, Sex::Female, "{ctx}");
        assert_eq!(f.sex.raw, "F", "{ctx}");
        assert_eq!(f.optional_data.value, e.optional, "{ctx}");
        assert_eq!(
            f.optional_data_2.as_ref().map(|o| o.value.as_str()),
            (e.format == MrzFormat::Td1).then_some(""),
            "{ctx}"
        );
        let fields: Vec<CheckedField> = m.checks.iter().map(|c| c.field).collect();
        assert_eq!(fields, e.checks, "{ctx}");
        assert_eq!(
            m.issuing_country().map(|c| c.name),
            Some("Utopia (specimen)")
        );
    }
}

#[test]
fn spans_and_raw_text() {
    let m = parse_at(TD3);
    let f = &m.fields;
    assert_eq!(
        (
            f.surname.span.line,
            f.surname.span.start,
            f.surname.span.end
        ),
        (0, 5, 13)
    );
    assert_eq!(f.given_names.raw, "ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
    assert_eq!(f.birth_date.raw, "740812");
    assert_eq!((f.birth_date.span.start, f.birth_date.span.end), (13, 19));
    assert_eq!(f.optional_data.raw, "ZE184226B<<<<<");
    let c = m.check(CheckedField::Composite).unwrap();
    assert_eq!((c.span.line, c.span.start), (1, 43));
}

#[test]
fn tolerant_input_forms() {
    let cases = [
        "  p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<  \n\n  l898902c36uto7408122f1204159ze184226b<<<<<10 \n",
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<|L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        "P<UTOERIKSSON<<ANNA<MARIA <<<<<<<<<<<<<<<<<<<\r\nL898902C36 UTO7408122F1204159ZE184226B<<<<<10\r\n",
    ];
    for t in cases {
        let m = parse(t).unwrap();
        assert_eq!(m.lines.join("\n"), TD3, "{t:?}");
        assert!(m.is_valid());
    }
    let args = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    assert!(parse_lines(&args, &opts()).unwrap().is_valid());
}

#[test]
fn malformed_input_errors_verbatim() {
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    let cases: Vec<(String, MrzErrorKind, &str)> = vec![
        ("".into(), MrzErrorKind::Empty, "no mrz text"),
        (" \n\n |".into(), MrzErrorKind::Empty, "no mrz text"),
        (
            l1.into(),
            MrzErrorKind::LineCount,
            "found 1 lines, expected 2 or 3",
        ),
        (
            format!("{l1}\n{l2}\n{l2}\n{l2}"),
            MrzErrorKind::LineCount,
            "found 4 lines, expected 2 or 3",
        ),
        (
            format!("{l1}\n{}", &l2[..43]),
            MrzErrorKind::LineLength,
            "line 2 has 43 characters, expected 44 for td3",
        ),
        (
            format!("{}\n{}", &l1[..40], &l2[..40]),
            MrzErrorKind::LineLength,
            "line 1 has 40 characters, expected 44 (td3, mrva) or 36 (td2, mrvb, french_id)",
        ),
        (
            format!("{l1}\n{l2}<"),
            MrzErrorKind::LineLength,
            "line 2 has 45 characters, expected 44 for td3",
        ),
        (
            format!("{l1}\n{l1}\n{l1}"),
            MrzErrorKind::LineLength,
            "line 1 has 44 characters, expected 30 for td1",
        ),
        (
            format!("{l1}\nL898902C36UTO74#8122F1204159ZE184226B<<<<<10"),
            MrzErrorKind::InvalidCharacter,
            "line 2 position 16 has '#', outside the mrz alphabet (A-Z, 0-9, <)",
        ),
        (
            format!("P<UTOÉRIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n{l2}"),
            MrzErrorKind::InvalidCharacter,
            "line 1 position 6 has 'É', outside the mrz alphabet (A-Z, 0-9, <)",
        ),
        (
            "x".repeat(20_000),
            MrzErrorKind::InputTooLarge,
            "input has 20000 bytes, more than any mrz (limit 16384)",
        ),
    ];
    for (text, kind, msg) in cases {
        let e = parse(&text).unwrap_err();
        assert_eq!(e.kind(), kind, "{text:?}");
        assert_eq!(e.to_string(), msg, "{text:?}");
    }
}

#[test]
fn ten_megabytes_of_garbage_fail_fast() {
    let garbage: String = (0..10_000_000u32)
        .map(|i| char::from(b"AZ<09\n|#"[(i.wrapping_mul(2_654_435_761) >> 29) as usize]))
        .collect();
    let t = std::time::Instant::now();
    let e = parse(&garbage).unwrap_err();
    assert_eq!(e.kind(), MrzErrorKind::InputTooLarge);
    assert!(t.elapsed() < std::time::Duration::from_millis(100));
    let lines: Vec<&str> = garbage.split('\n').collect();
    assert_eq!(
        parse_lines(&lines, &opts()).unwrap_err().kind(),
        MrzErrorKind::InputTooLarge
    );
}

#[test]
fn check_failures_name_field_and_digits() {
    // Birth date check digit 2 replaced by 3.
    let bad = TD3.replace("7408122F", "7408123F");
    let o = ParseOptions {
        repair: false,
        ..opts()
    };
    let lines: Vec<&str> = bad.split('\n').collect();
    let m = parse_lines(&lines, &o).unwrap();
    assert!(!m.is_valid());
    let c = m.check(CheckedField::BirthDate).unwrap();
    assert_eq!(
        c.status,
        CheckStatus::Invalid {
            found: '3',
            expected: '2'
        }
    );
    assert_eq!(
        c.describe(),
        "check digit of date of birth is 3, expected 2"
    );
    // The composite covers the birth digit too.
    assert!(matches!(
        m.check(CheckedField::Composite).unwrap().status,
        CheckStatus::Invalid { .. }
    ));
    assert_eq!(m.fields.surname.value, "ERIKSSON");
}

#[test]
fn td3_empty_personal_number_digit_may_be_filler_or_zero() {
    let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    let body = "L898902C36UTO7408122F1204159<<<<<<<<<<<<<<";
    let composite = |l2: &str| {
        check_digit::compute_char(&format!("{}{}{}", &l2[0..10], &l2[13..20], &l2[21..43])).unwrap()
    };
    for (cd, status) in [('<', CheckStatus::Absent), ('0', CheckStatus::Valid)] {
        let mut l2 = format!("{body}{cd}");
        l2.push(composite(&l2));
        let m = parse_lines(&[l1, l2.as_str()], &opts()).unwrap();
        assert_eq!(
            m.check(CheckedField::PersonalNumber).unwrap().status,
            status,
            "{l2}"
        );
        assert!(m.is_valid(), "{l2}");
        assert_eq!(m.fields.optional_data.value, "");
    }
}

#[test]
fn long_td1_and_td2_document_numbers() {
    // 12-character number: 9 in the field, `<`, the rest in the optional data, digit, `<`.
    for format in [MrzFormat::Td1, MrzFormat::Td2] {
        let data = MrzData {
            document_code: "I".into(),
            document_number: "D23145890734".into(),
            optional_data: "AB".into(),
            ..sample(format)
        };
        let lines = compose(&data).unwrap();
        let cd = check_digit::compute_char("D23145890734").unwrap();
        let (number_line, tail) = match format {
            MrzFormat::Td1 => (&lines[0][5..15], &lines[0][15..21]),
            _ => (&lines[1][0..10], &lines[1][28..34]),
        };
        assert_eq!(number_line, "D23145890<");
        assert_eq!(tail, format!("734{cd}<A"));
        let m = parse_lines(&lines, &opts()).unwrap();
        assert!(m.is_valid(), "{:?}", m.checks);
        assert_eq!(m.fields.document_number.value, "D23145890734");
        assert_eq!(m.fields.optional_data.value, "AB");
        assert_eq!(
            m.fields.document_number.span.end - m.fields.document_number.span.start,
            9
        );
    }
    // The second reading: the digit computed over the 9 characters, the `<` and the continuation.
    let cd = check_digit::compute_char("D23145890<734").unwrap();
    let mut l1 = format!("I<UTOD23145890<734{cd}<");
    l1.push_str(&"<".repeat(30 - l1.len()));
    let mut l2 = "7408122F1204159UTO<<<<<<<<<<<".to_string();
    let comp = format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]);
    l2.push(check_digit::compute_char(&comp).unwrap());
    let l3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let m = parse_lines(&[l1.as_str(), &l2, l3], &opts()).unwrap();
    assert_eq!(
        m.check(CheckedField::DocumentNumber).unwrap().status,
        CheckStatus::Valid
    );
    assert_eq!(m.fields.document_number.value, "D23145890734");
}

#[test]
fn germany_d_unknown_date_parts_sex_x() {
    let data = MrzData {
        issuing_state: "D".into(),
        nationality: "D".into(),
        birth_date: "7408<<".into(),
        sex: 'X',
        ..sample(MrzFormat::Td3)
    };
    let lines = compose(&data).unwrap();
    assert!(lines[0].starts_with("P<D<<"));
    let m = parse_lines(&lines, &opts()).unwrap();
    assert!(m.is_valid());
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    assert_eq!(m.fields.issuing_state.value, "D");
    assert_eq!(m.nationality_country().map(|c| c.alpha2), Some("DE"));
    let b = m.fields.birth_date.value;
    assert_eq!((b.year, b.month, b.day), (Some(1974), Some(8), None));
    assert_eq!(b.civil(), None);
    assert_eq!(m.fields.sex.value, Sex::Unspecified);
    assert_eq!(m.fields.sex.raw, "X");
}

#[test]
fn impossible_dates_warn_and_keep_other_fields() {
    let cases = [
        ("741312", "date of birth has month 13, expected 01-12"),
        (
            "740832",
            "date of birth has day 32, which that month does not have",
        ),
        (
            "750230",
            "date of birth has day 30, which that month does not have",
        ),
        (
            "740800",
            "date of birth has day 00, which that month does not have",
        ),
    ];
    for (birth, warning) in cases {
        let lines = compose(&MrzData {
            birth_date: birth.into(),
            ..sample(MrzFormat::Td3)
        })
        .unwrap();
        let m = parse_lines(&lines, &opts()).unwrap();
        // Every check digit passes, yet the zone is not valid: no document has that date.
        assert!(
            m.checks.iter().all(|c| c.status == CheckStatus::Valid),
            "{birth}"
        );
        assert!(!m.is_valid(), "{birth}");
        assert_eq!(
            m.malformed_fields,
            vec!["birth_date".to_string()],
            "{birth}"
        );
        assert_eq!(m.warnings, vec![warning.to_string()], "{birth}");
        assert_eq!(m.fields.birth_date.value.civil(), None);
        assert_eq!(m.fields.surname.value, "ERIKSSON");
        assert_eq!(m.fields.document_number.value, "L898902C3");
    }
    // 29 February exists in leap years only.
    let lines = compose(&MrzData {
        birth_date: "000229".into(),
        ..sample(MrzFormat::Td3)
    })
    .unwrap();
    assert!(parse_lines(&lines, &opts()).unwrap().warnings.is_empty());
    let lines = compose(&MrzData {
        birth_date: "010229".into(),
        ..sample(MrzFormat::Td3)
    })
    .unwrap();
    assert_eq!(parse_lines(&lines, &opts()).unwrap().warnings.len(), 1);
}

#[test]
fn century_rules() {
    // today = 2025-06-01; birth: latest date not after today; expiry: [1956, 2055].
    let cases = [
        ("250531", "300101", 2025, 2030),
        ("250602", "551231", 1925, 2055),
        ("000101", "560101", 2000, 1956),
        ("991231", "990101", 1999, 1999),
    ];
    for (birth, expiry, by, ey) in cases {
        let lines = compose(&MrzData {
            birth_date: birth.into(),
            expiry_date: expiry.into(),
            ..sample(MrzFormat::Td3)
        })
        .unwrap();
        let m = parse_lines(&lines, &opts()).unwrap();
        assert_eq!(m.fields.birth_date.value.year, Some(by), "{birth}");
        assert_eq!(m.fields.expiry_date.value.year, Some(ey), "{expiry}");
    }
    // A narrower window chooses the nearest year to it.
    let o = ParseOptions {
        expiry_years_past: 10,
        expiry_years_future: 10,
        ..opts()
    };
    let lines = compose(&MrzData {
        expiry_date: "700101".into(),
        ..sample(MrzFormat::Td3)
    })
    .unwrap();
    assert_eq!(
        parse_lines(&lines, &o)
            .unwrap()
            .fields
            .expiry_date
            .value
            .year,
        Some(2070)
    );
}

#[test]
fn names_split_and_truncation() {
    let cases = [
        (
            "VAN DER BERG",
            "JAN PIETER",
            "VAN DER BERG",
            "JAN PIETER",
            false,
        ),
        ("MADONNA", "", "MADONNA", "", false),
        (
            "WOLFESCHLEGELSTEINHAUSENBERGERDORFF",
            "HUBERT BLAINE",
            "WOLFESCHLEGELSTEINHAUSENBERGERDORFF",
            "HU",
            true,
        ),
    ];
    for (s, g, es, eg, trunc) in cases {
        let lines = compose(&MrzData {
            surname: s.into(),
            given_names: g.into(),
            ..sample(MrzFormat::Td3)
        })
        .unwrap();
        let m = parse_lines(&lines, &opts()).unwrap();
        assert_eq!(m.fields.surname.value, es);
        assert_eq!(m.fields.given_names.value, eg);
        assert_eq!(m.fields.name_truncated, trunc, "{s}");
    }
}

#[test]
fn plain_text_class_forced_repairs() {
    // '0' in the name and 'O' in the birth date; 'O' in the document number (alphanumeric: only
    // the check digits can tell).
    let text = TD3
        .replace("ERIKSSON<<", "ERIKSS0N<<")
        .replace("7408122F", "74O8122F")
        .replace("L898902C3", "L8989O2C3");
    let m = parse_at(&text);
    assert!(m.is_valid(), "{:?}", m.checks);
    assert_eq!(m.lines.join("\n"), TD3);
    let got: Vec<(usize, usize, char, char, &str)> = m
        .repairs
        .iter()
        .map(|r| (r.line, r.position, r.from, r.to, r.field.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 11, '0', 'O', "surname"),
            (1, 5, 'O', '0', "document_number"),
            (1, 15, 'O', '0', "birth_date"),
        ]
    );
    assert_eq!(
        m.repairs[0].reason,
        "'0' cannot stand in name (letters and < only)"
    );
    assert_eq!(
        m.repairs[1].reason,
        "confirmed by its check digit and the composite check digit"
    );
}

#[test]
fn no_repair_option_reports_as_read() {
    let text = TD3.replace("7408122F", "74O8122F");
    let lines: Vec<&str> = text.split('\n').collect();
    let m = parse_lines(
        &lines,
        &ParseOptions {
            repair: false,
            ..opts()
        },
    )
    .unwrap();
    assert!(m.repairs.is_empty());
    assert!(!m.is_valid());
    assert_eq!(
        m.warnings,
        vec!["date of birth has a malformed month at line 2 positions 16-17".to_string()]
    );
}

fn reading(text: &str) -> Vec<LineReading> {
    text.split('\n').map(LineReading::from_text).collect()
}

fn set_alternatives(r: &mut [LineReading], line: usize, pos: usize, alts: &[(char, f32)]) {
    r[line].positions[pos] = alts
        .iter()
        .map(|&(ch, log_prob)| CharCandidate { ch, log_prob })
        .collect();
}

#[test]
fn reading_repair_prefers_confirmed_alternative() {
    // Birth date digit 8 (position 16) read as 3 with 8 as runner-up: only 8 passes both digits.
    let mut r = reading(TD3);
    set_alternatives(&mut r, 1, 16, &[('3', -0.2), ('5', -1.9), ('8', -2.0)]);
    let m = parse_reading(&r, &opts()).unwrap();
    assert!(m.is_valid());
    assert_eq!(m.lines[1], TD3.split('\n').nth(1).unwrap());
    assert_eq!(m.repairs.len(), 1);
    assert_eq!((m.repairs[0].from, m.repairs[0].to), ('3', '8'));
    assert_eq!(m.repairs[0].field, "birth_date");
}

#[test]
fn reading_repair_needs_the_composite_too() {
    // The expiry digit alone would accept a wrong expiry date if both it and its digit were
    // misread consistently; the composite must confirm. Here the only alternatives offered make
    // the expiry check pass but the composite fail, so nothing is changed.
    let mut r = reading(TD3);
    // expiry 120415 -> read 120475? Offer changes at position 25 ('1') that satisfy the expiry
    // digit only together with a digit change; the composite then rejects them.
    set_alternatives(&mut r, 1, 26, &[('6', -0.1), ('5', -3.0)]);
    set_alternatives(&mut r, 1, 27, &[('9', -0.1), ('0', -3.0)]);
    let m = parse_reading(&r, &opts()).unwrap();
    // Reading 120416 with digit 9 is invalid; 120415/9 is the truth and confirmed.
    assert!(m.is_valid());
    assert_eq!(&m.lines[1][21..28], "1204159");
    // Remove the true alternative: 120416 with digit 0 passes the expiry digit, not the composite.
    let mut r = reading(TD3);
    set_alternatives(&mut r, 1, 26, &[('6', -0.1)]);
    set_alternatives(&mut r, 1, 27, &[('9', -0.1), ('0', -3.0)]);
    let m = parse_reading(&r, &opts()).unwrap();
    assert!(!m.is_valid());
    assert!(m.repairs.is_empty(), "{:?}", m.repairs);
    assert_eq!(&m.lines[1][21..28], "1204169");
}

#[test]
fn unprotected_fields_and_invisible_classes() {
    // Every ICAO layout leaves the same six fields to the recogniser; a visa its optional data too.
    let six = [
        "document_code",
        "issuing_state",
        "surname",
        "given_names",
        "nationality",
        "sex",
    ];
    for mrz in [TD1, TD2, TD3] {
        assert_eq!(parse_at(mrz).unprotected_fields(), six, "{mrz}");
    }
    for mrz in [MRVA, MRVB] {
        let mut with_optional = six.to_vec();
        with_optional.push("optional_data");
        assert_eq!(parse_at(mrz).unprotected_fields(), with_optional, "{mrz}");
    }
    for class in mrz::INVISIBLE_SUBSTITUTIONS {
        let values: Vec<u32> = class
            .chars()
            .map(|c| check_digit::char_value(c).unwrap() % 10)
            .collect();
        assert!(values.windows(2).all(|w| w[0] == w[1]), "{class}");
    }
    // A `<` read as K in the name passes every check digit: only unprotected_fields warns.
    let m = parse_at(&TD3.replace("ANNA<MARIA", "ANNAKMARIA"));
    assert!(m.is_valid());
    assert_eq!(m.fields.given_names.value, "ANNAKMARIA");
}

#[test]
fn compose_errors() {
    let cases = [
        (
            MrzData {
                document_number: "L898902C3X".into(),
                ..sample(MrzFormat::Td3)
            },
            MrzErrorKind::FieldTooLong,
            "document number has 10 characters, at most 9 fit",
        ),
        (
            MrzData {
                birth_date: "1974-08-12".into(),
                ..sample(MrzFormat::Td3)
            },
            MrzErrorKind::InvalidField,
            "date of birth must be 6 characters of digits or <, in yymmdd order",
        ),
        (
            MrzData {
                sex: 'Q',
                ..sample(MrzFormat::Td3)
            },
            MrzErrorKind::InvalidField,
            "sex is 'Q', expected M, F, X or <",
        ),
        (
            MrzData {
                surname: "MÜLLER".into(),
                ..sample(MrzFormat::Td3)
            },
            MrzErrorKind::InvalidField,
            "surname has character 'Ü' at position 2, outside the mrz alphabet",
        ),
        (
            MrzData {
                issuing_state: "UTOPIA".into(),
                ..sample(MrzFormat::Td3)
            },
            MrzErrorKind::FieldTooLong,
            "issuing state has 6 characters, at most 3 fit",
        ),
    ];
    for (d, kind, msg) in cases {
        let e = compose(&d).unwrap_err();
        assert_eq!((e.kind(), e.to_string().as_str()), (kind, msg));
    }
}

#[test]
fn compose_reproduces_specimens() {
    let td3 = compose(&sample(MrzFormat::Td3)).unwrap();
    assert_eq!(td3.join("\n"), TD3);
    let td1 = compose(&MrzData {
        document_code: "I".into(),
        document_number: "D23145890".into(),
        optional_data: String::new(),
        ..sample(MrzFormat::Td1)
    })
    .unwrap();
    assert_eq!(td1.join("\n"), TD1);
    let td2 = compose(&MrzData {
        document_code: "I".into(),
        document_number: "D23145890".into(),
        optional_data: String::new(),
        ..sample(MrzFormat::Td2)
    })
    .unwrap();
    assert_eq!(td2.join("\n"), TD2);
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Mrz>();
    check::<mrz::MrzError>();
    check::<LineReading>();
    check::<ParseOptions>();
}

fn sample(format: MrzFormat) -> MrzData {
    MrzData {
        format,
        document_code: "P".into(),
        issuing_state: "UTO".into(),
        surname: "ERIKSSON".into(),
        given_names: "ANNA MARIA".into(),
        document_number: "L898902C3".into(),
        nationality: "UTO".into(),
        birth_date: "740812".into(),
        sex: 'F',
        expiry_date: "120415".into(),
        optional_data: "ZE184226B".into(),
        optional_data_2: String::new(),
    }
}

// ---- property tests ----

fn format_strategy() -> impl Strategy<Value = MrzFormat> {
    prop_oneof![
        Just(MrzFormat::Td1),
        Just(MrzFormat::Td2),
        Just(MrzFormat::Td3),
        Just(MrzFormat::MrvA),
        Just(MrzFormat::MrvB),
    ]
}

fn date_strategy() -> impl Strategy<Value = String> {
    (0u8..100, 1u8..13, 1u8..29).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

prop_compose! {
    fn doc_strategy()(
        format in format_strategy(),
        surname in "[A-Z]{1,10}( [A-Z]{1,6})?",
        given in "([A-Z]{1,8}( [A-Z]{1,6})?)?",
        number in "[A-Z0-9]{1,9}",
        long_tail in "[A-Z0-9]{0,3}",
        nationality in prop::sample::select(
            kyc_ocr::countries::COUNTRIES.iter().map(|c| c.mrz_code).collect::<Vec<_>>(),
        ),
        birth in date_strategy(),
        expiry in date_strategy(),
        sex in prop_oneof![Just('M'), Just('F'), Just('<')],
        optional in "[A-Z0-9]{0,5}",
        optional2 in "[A-Z0-9]{0,8}",
    ) -> MrzData {
        let visa = matches!(format, MrzFormat::MrvA | MrzFormat::MrvB);
        let long = matches!(format, MrzFormat::Td1 | MrzFormat::Td2) && number.len() == 9 && !long_tail.is_empty();
        MrzData {
            format,
            document_code: if visa { "V".into() } else if format == MrzFormat::Td3 { "P".into() } else { "ID".into() },
            issuing_state: "UTO".into(),
            surname,
            given_names: given,
            document_number: if long { format!("{number}{long_tail}") } else { number },
            nationality: nationality.to_string(),
            birth_date: birth,
            sex,
            expiry_date: expiry,
            optional_data: if long { String::new() } else { optional },
            optional_data_2: optional2,
        }
    }
}

/// Whether `doc`'s surname, `<<` and given names fit its layout's name field (30 characters on a
/// TD1 card's third line, the line less its first five elsewhere).
fn name_fits(doc: &MrzData) -> bool {
    let field = match doc.format {
        MrzFormat::Td1 => 30,
        f => f.line_len() - 5,
    };
    let given = if doc.given_names.is_empty() {
        0
    } else {
        2 + doc.given_names.len()
    };
    doc.surname.len() + given <= field
}

fn protected_positions(m: &Mrz) -> Vec<(usize, usize)> {
    let f = &m.fields;
    let mut v = Vec::new();
    for s in [
        f.document_number.span,
        f.birth_date.span,
        f.expiry_date.span,
    ] {
        v.extend((s.start..s.end).map(|p| (s.line, p)));
    }
    v.extend(m.checks.iter().map(|c| (c.span.line, c.span.start)));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn compose_parse_round_trip(doc in doc_strategy()) {
        // Names longer than the layout's name field are truncated by design (tested apart), so
        // only those that fit can come back as they went in.
        prop_assume!(name_fits(&doc));
        let lines = compose(&doc).unwrap();
        let m = parse_lines(&lines, &opts()).unwrap();
        prop_assert_eq!(m.format, doc.format);
        prop_assert!(m.is_valid(), "{:?} {:?}", lines, m.checks);
        prop_assert!(m.repairs.is_empty());
        prop_assert_eq!(&m.lines, &lines);
        prop_assert_eq!(&m.fields.surname.value, &doc.surname);
        prop_assert_eq!(&m.fields.given_names.value, &doc.given_names);
        prop_assert_eq!(&m.fields.document_number.value, &doc.document_number);
        prop_assert_eq!(&m.fields.nationality.value, &doc.nationality);
        prop_assert_eq!(&m.fields.birth_date.raw, &doc.birth_date);
        prop_assert_eq!(&m.fields.expiry_date.raw, &doc.expiry_date);
        prop_assert_eq!(m.fields.sex.raw.chars().next(), Some(doc.sex));
        prop_assert_eq!(&m.fields.optional_data.value, &doc.optional_data);
        if doc.format == MrzFormat::Td1 {
            prop_assert_eq!(&m.fields.optional_data_2.as_ref().unwrap().value, &doc.optional_data_2);
        }
    }

    #[test]
    fn single_change_in_protected_field_is_detected(doc in doc_strategy(), pick in any::<prop::sample::Index>(), with in "[A-Z0-9<]") {
        let lines = compose(&doc).unwrap();
        let clean = parse_lines(&lines, &opts()).unwrap();
        let positions = protected_positions(&clean);
        let (l, p) = positions[pick.index(positions.len())];
        let mut bytes: Vec<Vec<u8>> = lines.iter().map(|s| s.as_bytes().to_vec()).collect();
        let new = with.as_bytes()[0];
        prop_assume!(bytes[l][p] != new);
        // '<' and '0' are equal to a check digit only in an empty TD3 personal number's digit,
        // which is not among these positions; any other change alters some digit's sum.
        bytes[l][p] = new;
        let changed: Vec<String> = bytes.into_iter().map(|b| String::from_utf8(b).unwrap()).collect();
        let m = parse_lines(&changed, &ParseOptions { repair: false, ..opts() }).unwrap();
        // Equal-value substitutions (A for 0 ...) slip through one digit but not every digit
        // unless the layout has no composite: then only a change of value mod 10 is caught.
        let a = kyc_ocr::mrz::check_digit::char_value(char::from(lines[l].as_bytes()[p])).unwrap() % 10;
        let b = kyc_ocr::mrz::check_digit::char_value(char::from(new)).unwrap() % 10;
        if a != b {
            prop_assert!(!m.is_valid(), "{:?}", changed);
        }
    }

    #[test]
    fn repair_never_confirms_a_rejected_value(doc in doc_strategy(), picks in prop::collection::vec((any::<prop::sample::Index>(), "[A-Z0-9<]", -3.0f32..0.0), 1..4)) {
        let lines = compose(&doc).unwrap();
        let clean = parse_lines(&lines, &opts()).unwrap();
        let positions = protected_positions(&clean);
        let mut r: Vec<LineReading> = lines.iter().map(|l| LineReading::from_text(l)).collect();
        for (pick, with, lp) in &picks {
            let (l, p) = positions[pick.index(positions.len())];
            let truth = r[l].positions[p][0];
            r[l].positions[p] = vec![CharCandidate { ch: with.chars().next().unwrap(), log_prob: -0.05 }, CharCandidate { ch: truth.ch, log_prob: *lp }];
        }
        let m = parse_reading(&r, &opts()).unwrap();
        // Whatever was chosen, every check the result claims valid holds on its lines.
        let again = parse_lines(&m.lines, &ParseOptions { repair: false, ..opts() }).unwrap();
        prop_assert_eq!(&again.checks, &m.checks);
        let ok = |f: CheckedField| m.check(f).is_none_or(|c| !matches!(c.status, CheckStatus::Invalid { .. }));
        for rep in m.repairs.iter().filter(|r| r.reason.starts_with("confirmed")) {
            let field = match rep.field.trim_end_matches("_check") {
                "document_number" => CheckedField::DocumentNumber,
                "birth_date" => CheckedField::BirthDate,
                "expiry_date" => CheckedField::ExpiryDate,
                "optional_data" => CheckedField::PersonalNumber,
                _ => CheckedField::Composite,
            };
            prop_assert!(ok(field), "{:?} {:?}", rep, m.checks);
            prop_assert!(ok(CheckedField::Composite), "{:?} {:?}", rep, m.checks);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}") {
        let _ = parse(&s);
    }

    #[test]
    fn mrz_like_text_never_panics(s in "[A-Z0-9<\n|]{0,120}") {
        let _ = parse(&s);
    }

    #[test]
    fn french_card_shaped_text_never_panics(l1 in "[I1][DO]FRA[A-Z0-9<]{31}", l2 in "[A-Z0-9<]{36}") {
        let _ = parse(&format!("{l1}\n{l2}"));
    }

    #[test]
    fn french_cards_compose_and_parse_back(
        surname in "[A-Z]{1,12}( [A-Z]{1,8})?",
        given in "[A-Z]{1,6}( [A-Z]{1,5})?",
        number in "[0-9]{12}",
        office in "[0-9]{6}",
        birth in date_strategy(),
        sex in prop_oneof![Just('M'), Just('F')],
    ) {
        let doc = MrzData {
            format: MrzFormat::FrenchId,
            document_code: "ID".into(),
            issuing_state: "FRA".into(),
            surname: surname.clone(),
            given_names: given.clone(),
            document_number: number.clone(),
            nationality: String::new(),
            birth_date: birth.clone(),
            sex,
            expiry_date: String::new(),
            optional_data: office.clone(),
            optional_data_2: String::new(),
        };
        let lines = compose(&doc).unwrap();
        let m = parse_lines(&lines, &opts()).unwrap();
        prop_assert_eq!(m.format, MrzFormat::FrenchId);
        prop_assert!(m.is_valid(), "{:?} {:?}", lines, m.checks);
        prop_assert!(m.repairs.is_empty());
        prop_assert_eq!(&m.fields.surname.value, &surname);
        prop_assert_eq!(&m.fields.given_names.value, &given);
        prop_assert_eq!(&m.fields.document_number.value, &number);
        prop_assert_eq!(&m.fields.optional_data.value, &office);
        prop_assert_eq!(&m.fields.birth_date.raw, &birth);
    }
}

/// The fuzz seed corpus (`fuzz/seeds/mrz_text`, crashes found included) replayed: every input gives
/// a parse or a typed error, and a valid parse re-parses to the same lines.
#[test]
fn fuzz_seeds_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/mrz_text");
    let mut valid = 0;
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        seen += 1;
        if let Ok(m) = kyc_ocr::mrz::parse(text) {
            if m.is_valid() {
                valid += 1;
                let again = parse_lines(&m.lines, &ParseOptions::default()).unwrap();
                assert_eq!(again.lines, m.lines, "{text:?}");
            }
        }
    }
    assert!(seen >= 7, "only {seen} seeds");
    // The specimens of all five formats (and the confused one, repaired) are valid.
    assert!(valid >= 5, "only {valid} valid seeds");
}

/// The first fuzz crash: a visa with sex `G` and expiry year `BS` passed as valid.
#[test]
fn malformed_sex_and_expiry_are_not_valid() {
    let m = kyc_ocr::mrz::parse(
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL7977802C4XXX4009078GBS12109<<<<<<<<",
    )
    .unwrap();
    assert!(!m.is_valid());
    assert!(
        m.malformed_fields.contains(&"sex".to_string()),
        "{:?}",
        m.malformed_fields
    );
}

#[test]
fn a_line_alone_is_forced_to_the_classes_of_the_layout_line_it_must_be() {
    use kyc_ocr::mrz::{constrain_line, CharCandidate, LineReading};
    let reading = |text: &str| LineReading::from_text(text);
    // A TD3 name line: a 0 in the surname can only be an O.
    assert_eq!(
        constrain_line(&reading("P<RUSSEMEN0VA<<MARIYA<<<<<<<<<<<<<<<<<<<<<<<")),
        "P<RUSSEMENOVA<<MARIYA<<<<<<<<<<<<<<<<<<<<<<<"
    );
    // A TD3 second line: an O inside the birth date is a 0, a letter-only nationality keeps its O.
    assert_eq!(
        constrain_line(&reading("L898902C36UTO74O8122F1204159ZE184226B<<<<<10")),
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    );
    // The recogniser's own runner-up wins over the confusion table.
    let mut r = reading("IDD<<MUSTERFRAU<<HABEDINE<<<<<<<<<<<<<<<<<<<");
    r.positions[9] = vec![
        CharCandidate {
            ch: '8',
            log_prob: -0.3,
        },
        CharCandidate {
            ch: 'E',
            log_prob: -1.5,
        },
    ];
    assert_eq!(
        constrain_line(&r),
        "IDD<<MUSTERFRAU<<HABEDINE<<<<<<<<<<<<<<<<<<<"
    );
    // A length no layout has, and a reading that fits no line well, stay as read.
    assert_eq!(constrain_line(&reading("ABC0")), "ABC0");
    let digits = "0123456789".repeat(3);
    assert_eq!(constrain_line(&reading(&digits)), digits);
}

#[test]
fn a_french_card_line_is_forced_to_its_own_classes_not_to_td2s() {
    use kyc_ocr::mrz::{constrain_line, LineReading};
    // The French identity card's second line (36 characters, not a TD2 line): TD2's classes
    // would turn seven letters of its given names into digits; its own only the O of its date.
    assert_eq!(
        constrain_line(&LineReading::from_text(
            "1402751042152CAMILLE<<ROSE<88O3171F1"
        )),
        FRENCH_ID.split('\n').nth(1).unwrap()
    );
}

/// A French identity card of 1988-2021 (two lines of 36, its own layout), with made-up data and
/// every check digit computed.
const FRENCH_ID: &str =
    "IDFRABERNARD<<<<<<<<<<<<<<<<<<751042\n1402751042152CAMILLE<<ROSE<8803171F1";

#[test]
fn french_identity_card_every_field() {
    let m = parse_at(FRENCH_ID);
    assert_eq!(m.format, MrzFormat::FrenchId);
    assert!(m.is_valid(), "{:?}", m.checks);
    let f = &m.fields;
    assert_eq!(f.document_code.value, "ID");
    assert_eq!(f.issuing_state.value, "FRA");
    assert_eq!(f.surname.value, "BERNARD");
    assert_eq!(f.given_names.value, "CAMILLE ROSE");
    assert!(!f.name_truncated);
    assert_eq!(f.document_number.value, "140275104215");
    assert_eq!(f.optional_data.value, "751042");
    assert_eq!(
        f.birth_date.value.civil(),
        Some(jiff::civil::date(1988, 3, 17))
    );
    assert_eq!(f.sex.value, Sex::Female);
    // No nationality field: the card is issued to French nationals, so it is the issuing state's.
    assert_eq!(
        (f.nationality.value.as_str(), f.nationality.span),
        ("FRA", f.issuing_state.span)
    );
    // No expiry date at all.
    assert_eq!(f.expiry_date.raw, "");
    assert_eq!(f.expiry_date.value.civil(), None);
    let checked: Vec<CheckedField> = m.checks.iter().map(|c| c.field).collect();
    assert_eq!(
        checked,
        [
            CheckedField::DocumentNumber,
            CheckedField::BirthDate,
            CheckedField::Composite
        ]
    );
    // The last digit covers names and sex too: no field stands unchecked.
    assert!(m.unprotected_fields().is_empty());
    // The last digit covers all of line 1 and line 2 up to it: a changed surname letter fails it.
    let m = parse_at(&FRENCH_ID.replace("BERNARD", "BERNARO"));
    assert_eq!(m.format, MrzFormat::FrenchId);
    assert!(matches!(
        m.check(CheckedField::Composite).map(|c| c.status),
        Some(CheckStatus::Invalid { .. })
    ));
    // Given names cut at the field's end are marked, to be compared by prefix.
    let m = parse_at(&FRENCH_ID.replace("CAMILLE<<ROSE<", "CAMILLE<<ROSEL"));
    assert!(m.fields.name_truncated);
}

#[test]
fn french_identity_card_is_told_from_a_td2_card_and_repaired_by_its_own_digits() {
    // A worn I read 1, and an O for the 0 of the birth date: still the French layout, and its
    // birth-date digit repairs the date.
    let m = parse_at(
        &FRENCH_ID
            .replace("IDFRA", "1DFRA")
            .replace("880317", "88O317"),
    );
    assert_eq!(m.format, MrzFormat::FrenchId);
    assert!(m.is_valid(), "{:?}", m.checks);
    assert_eq!(m.lines.join("\n"), FRENCH_ID);
    // The card number starts with the issue year and month, digits: an L there is a 1 (as a
    // check digit sees it, L and 1 are the same value, so only the class can tell them apart).
    let m = parse_at(&FRENCH_ID.replacen("1402751042152", "L402751042152", 1));
    assert!(m.is_valid(), "{:?}", m.checks);
    assert_eq!(m.fields.document_number.value, "140275104215");
    // A TD2 card of France would carry a nationality, letters, where the French card's number
    // ends: it stays a TD2.
    let td2 = "IDFRAMARTIN<<PAUL<<<<<<<<<<<<<<<<<<<\nX1234567<4FRA8001014M3001019<<<<<<<2";
    let m = parse_at(td2);
    assert_eq!(m.format, MrzFormat::Td2);
}

#[test]
fn french_identity_card_composes_as_it_parses() {
    let doc = MrzData {
        format: MrzFormat::FrenchId,
        document_code: "ID".into(),
        issuing_state: "FRA".into(),
        surname: "BERNARD".into(),
        given_names: "CAMILLE ROSE".into(),
        document_number: "140275104215".into(),
        nationality: String::new(),
        birth_date: "880317".into(),
        sex: 'F',
        expiry_date: String::new(),
        optional_data: "751042".into(),
        optional_data_2: String::new(),
    };
    assert_eq!(compose(&doc).unwrap().join("\n"), FRENCH_ID);
}
