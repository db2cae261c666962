//! The consistency check against a table of documents and typed forms
//! (`tests/data/compare_cases.tsv`): formatting variants that must stay consistent, real
//! differences that must prompt with the right field and kind, policy refusals, unreadable MRZs and
//! form errors. Zero wrong verdicts allowed; a count summary is printed.
//!
//! Table columns, tab-separated: case id, document id (defined in `documents` below), the typed form
//! as `key=value` pairs separated by `;`, expected verdict (`consistent`, `prompt`, `refused`,
//! `unreadable`, or `error:<form error kind>`), and for prompts the expected field and kind of the
//! first mismatch (for refusals the rule in the field column).
//! Form keys: sur, given, name, num, nat, iss, birth, exp, sex, type, acct, order (dmy/mdy/ymd),
//! policy (`-other`, `-expired`, `-chn`, `minage=N`, comma-separated).

use std::collections::BTreeMap;
use std::time::Instant;

use kyc_ocr::compare::{check, CheckOptions, DateOrder, RawForm, Report, Verdict};
use kyc_ocr::mrz::{compose, parse_lines, Mrz, MrzData, MrzFormat, ParseOptions};

const TODAY: jiff::civil::Date = jiff::civil::date(2025, 6, 1);

#[allow(clippy::too_many_arguments)]
fn doc(
    format: MrzFormat,
    code: &str,
    issuing: &str,
    surname: &str,
    given: &str,
    number: &str,
    nationality: &str,
    birth: &str,
    sex: char,
    expiry: &str,
) -> MrzData {
    MrzData {
        format,
        document_code: code.into(),
        issuing_state: issuing.into(),
        surname: surname.into(),
        given_names: given.into(),
        document_number: number.into(),
        nationality: nationality.into(),
        birth_date: birth.into(),
        sex,
        expiry_date: expiry.into(),
        optional_data: String::new(),
        optional_data_2: String::new(),
    }
}

/// The documents of the table, by id. Names are as the issuing state writes them in the MRZ.
fn documents() -> BTreeMap<&'static str, MrzData> {
    use MrzFormat::{Td1, Td3};
    let d = |f, c, i, s, g, n, nat, b, sex, e| doc(f, c, i, s, g, n, nat, b, sex, e);
    BTreeMap::from([
        (
            "erik",
            d(
                Td3,
                "P",
                "UTO",
                "ERIKSSON",
                "ANNA MARIA",
                "L898902C3",
                "UTO",
                "740812",
                'F',
                "300415",
            ),
        ),
        (
            "mueller",
            d(
                Td3,
                "P",
                "D",
                "MUELLER",
                "JUERGEN HANS",
                "C01X00T47",
                "D",
                "840607",
                'M',
                "310101",
            ),
        ),
        (
            "muller",
            d(
                Td3,
                "P",
                "D",
                "MULLER",
                "JURGEN",
                "C01X00T48",
                "D",
                "840607",
                'M',
                "310101",
            ),
        ),
        (
            "ozturk",
            d(
                Td3,
                "P",
                "TUR",
                "OZTURK",
                "MEHMET CAGLAR",
                "U12345678",
                "TUR",
                "900115",
                'M',
                "290630",
            ),
        ),
        (
            "yildiz",
            d(
                Td3,
                "P",
                "TUR",
                "YILDIZ",
                "IREM",
                "U87654321",
                "TUR",
                "010101",
                'F',
                "310101",
            ),
        ),
        (
            "odegaard",
            d(
                Td3,
                "P",
                "NOR",
                "OEDEGAARD",
                "AASE",
                "12345678",
                "NOR",
                "851224",
                'F',
                "280101",
            ),
        ),
        (
            "lofgren",
            d(
                Td3, "P", "SWE", "LOEFGREN", "BJOERN", "98765432", "SWE", "700301", 'M', "270505",
            ),
        ),
        (
            "sorensen",
            d(
                Td3,
                "P",
                "DNK",
                "SOERENSEN",
                "SOEREN",
                "11223344",
                "DNK",
                "660606",
                'M',
                "300909",
            ),
        ),
        (
            "thors",
            d(
                Td3,
                "P",
                "ISL",
                "THORSDOTTIR",
                "THORUNN",
                "A1234567",
                "ISL",
                "920229",
                'F',
                "321231",
            ),
        ),
        (
            "ibanez",
            d(
                Td3,
                "P",
                "ESP",
                "IBANEZ PENA",
                "MARIA JOSE",
                "PAA123456",
                "ESP",
                "790505",
                'F',
                "290707",
            ),
        ),
        (
            "munoz",
            d(
                Td3,
                "P",
                "ESP",
                "MUNXXOZ",
                "INXXIGO",
                "PAB654321",
                "ESP",
                "860202",
                'M',
                "300303",
            ),
        ),
        (
            "lefevre",
            d(
                Td3,
                "P",
                "FRA",
                "LEFEVRE",
                "FRANCOIS XAVIER",
                "18AB12345",
                "FRA",
                "811111",
                'M',
                "290303",
            ),
        ),
        (
            "dalembert",
            d(
                Td3,
                "P",
                "FRA",
                "DALEMBERT",
                "JEAN LE ROND",
                "19CD54321",
                "FRA",
                "771116",
                'M',
                "300101",
            ),
        ),
        (
            "zolkiewska",
            d(
                Td3,
                "P",
                "POL",
                "ZOLKIEWSKA",
                "MALGORZATA",
                "EA1234567",
                "POL",
                "880229",
                'F',
                "300620",
            ),
        ),
        (
            "dvorakova",
            d(
                Td3,
                "P",
                "CZE",
                "DVORAKOVA",
                "RUZENA",
                "40123456",
                "CZE",
                "750718",
                'F',
                "280808",
            ),
        ),
        (
            "shcherbakov",
            d(
                Td3,
                "P",
                "RUS",
                "SHCHERBAKOV",
                "IURII",
                "751234567",
                "RUS",
                "690101",
                'M',
                "290202",
            ),
        ),
        (
            "khachaturian",
            d(
                Td3,
                "P",
                "RUS",
                "KHACHATURIAN",
                "ZHANNA",
                "751234568",
                "RUS",
                "820330",
                'F',
                "310310",
            ),
        ),
        (
            "hnatiuk",
            d(
                Td3, "P", "UKR", "HNATIUK", "YAROSLAV", "FE123456", "UKR", "930909", 'M', "290919",
            ),
        ),
        (
            "papadopoulos",
            d(
                Td3,
                "P",
                "GRC",
                "PAPADOPOULOS",
                "GEORGIOS",
                "AE1234567",
                "GRC",
                "800808",
                'M',
                "270727",
            ),
        ),
        (
            "christodoulou",
            d(
                Td3,
                "P",
                "GRC",
                "CHRISTODOULOU",
                "EVANGELOS",
                "AN7654321",
                "GRC",
                "710707",
                'M',
                "300101",
            ),
        ),
        (
            "szoke",
            d(
                Td3, "P", "HUN", "SZOKE", "GYORGY", "BA123456", "HUN", "550505", 'M', "290101",
            ),
        ),
        (
            "stefanescu",
            d(
                Td3,
                "P",
                "ROU",
                "STEFANESCU",
                "IOANA",
                "051234567",
                "ROU",
                "990909",
                'F',
                "280808",
            ),
        ),
        (
            "gross",
            d(
                Td3,
                "P",
                "D",
                "GROSS",
                "GUENTER",
                "C4J6R2L19",
                "D",
                "580808",
                'M',
                "290909",
            ),
        ),
        (
            "obrien",
            d(
                Td3,
                "P",
                "IRL",
                "OBRIEN",
                "SEAN PATRICK",
                "PA1234567",
                "IRL",
                "830317",
                'M',
                "290317",
            ),
        ),
        (
            "garcia",
            d(
                Td3,
                "P",
                "COL",
                "GARCIA MARQUEZ",
                "GABRIEL JOSE",
                "AB123456",
                "COL",
                "270306",
                'M',
                "300101",
            ),
        ),
        (
            "vanderberg",
            d(
                Td3,
                "P",
                "NLD",
                "VAN DER BERG",
                "JAN",
                "NX1234567",
                "NLD",
                "600101",
                'M',
                "280101",
            ),
        ),
        (
            "wolfe",
            d(
                Td3,
                "P",
                "GBR",
                "WOLFESCHLEGELSTEINHAUSEN",
                "HUBERT BLAINE CHARLES",
                "123456789",
                "GBR",
                "520229",
                'M',
                "290101",
            ),
        ),
        (
            "alexandro",
            d(
                Td3,
                "P",
                "GRC",
                "ALEXANDROPOULOU KONSTANTINIDOU",
                "AIKATERINI",
                "AK1234567",
                "GRC",
                "870505",
                'F',
                "300505",
            ),
        ),
        (
            "mustermann",
            d(
                Td1,
                "ID",
                "D",
                "MUSTERMANN",
                "ERIKA",
                "T22000129",
                "D",
                "640812",
                'F',
                "310331",
            ),
        ),
        (
            "smith_x",
            d(
                Td3, "P", "NZL", "SMITH", "ALEX", "LA123456", "NZL", "950505", 'X', "300303",
            ),
        ),
        (
            "smith_u",
            d(
                Td3, "P", "NZL", "SMITH", "SAM", "LA654321", "NZL", "960606", '<', "300303",
            ),
        ),
        (
            "doe_day",
            d(
                Td3, "P", "UTO", "DOE", "JOHN", "X1234567", "UTO", "7408<<", 'M', "300415",
            ),
        ),
        (
            "doe_year",
            d(
                Td3, "P", "UTO", "DOE", "JANE", "X7654321", "UTO", "74<<<<", 'F', "300415",
            ),
        ),
        (
            "zhang",
            d(
                Td3,
                "P",
                "CHN",
                "ZHANG",
                "WEI",
                "E12345678",
                "CHN",
                "900101",
                'M',
                "300101",
            ),
        ),
        (
            "expired",
            d(
                Td3,
                "P",
                "UTO",
                "ERIKSSON",
                "ANNA MARIA",
                "L898902C3",
                "UTO",
                "740812",
                'F',
                "120415",
            ),
        ),
        (
            "young",
            d(
                Td3, "P", "UTO", "YOUNG", "TIM", "Y1234567", "UTO", "100101", 'M', "300101",
            ),
        ),
    ])
}

/// The lines of a document, with optional corruption for unreadable cases: `erik!` changes the
/// birth date's check digit and the composite (no single repair fixes both consistently).
fn mrz_of(id: &str, docs: &BTreeMap<&str, MrzData>) -> Mrz {
    let (base, corrupt) = match id.strip_suffix('!') {
        Some(b) => (b, true),
        None => (id, false),
    };
    let data = docs
        .get(base)
        .unwrap_or_else(|| panic!("unknown document {base}"));
    let mut lines = compose(data).unwrap_or_else(|e| panic!("compose {base}: {e}"));
    if corrupt {
        // TD3 line 2: birth check digit at 0-based 19, a digit of the birth date at 13-18.
        let mut l: Vec<char> = lines[1].chars().collect();
        l[15] = if l[15] == '9' {
            '0'
        } else {
            char::from(l[15] as u8 + 1)
        };
        l[17] = if l[17] == '9' {
            '0'
        } else {
            char::from(l[17] as u8 + 1)
        };
        lines[1] = l.into_iter().collect();
    }
    let opts = ParseOptions {
        today: TODAY,
        ..ParseOptions::default()
    };
    parse_lines(&lines, &opts).unwrap_or_else(|e| panic!("parse {base}: {e}"))
}

fn form_of(spec: &str) -> (RawForm, CheckOptions) {
    let mut raw = RawForm::default();
    let mut options = CheckOptions {
        today: TODAY,
        ..CheckOptions::default()
    };
    for pair in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .unwrap_or_else(|| panic!("bad pair {pair:?}"));
        let v = Some(v.to_string());
        match k.trim() {
            "sur" => raw.surname = v,
            "given" => raw.given_names = v,
            "name" => raw.name = v,
            "num" => raw.document_number = v,
            "nat" => raw.nationality = v,
            "iss" => raw.issuing_country = v,
            "birth" => raw.birth_date = v,
            "exp" => raw.expiry_date = v,
            "sex" => raw.sex = v,
            "type" => raw.document_type = v,
            "acct" => raw.account_type = v,
            "order" => {
                options.date_order = match v.as_deref() {
                    Some("mdy") => DateOrder::Mdy,
                    Some("ymd") => DateOrder::Ymd,
                    _ => DateOrder::Dmy,
                }
            }
            "policy" => {
                for rule in v.as_deref().unwrap_or_default().split(',') {
                    match rule.trim() {
                        "-other" => options.policy.manual_review_for_other_documents = false,
                        "-expired" => options.policy.refuse_expired = false,
                        "-chn" => options.policy.refuse_mainland_chinese_passports = false,
                        r => {
                            let n = r.strip_prefix("minage=").and_then(|n| n.parse().ok());
                            options.policy.minimum_age =
                                Some(n.unwrap_or_else(|| panic!("bad rule {r}")));
                        }
                    }
                }
            }
            other => panic!("unknown key {other}"),
        }
    }
    (raw, options)
}

fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What one case produced, in the table's vocabulary.
fn outcome(report: &Report) -> (String, String, String) {
    let verdict = snake(&report.verdict);
    match report.verdict {
        Verdict::Prompt => {
            let m = &report.mismatches[0];
            (verdict, m.field.key().to_string(), snake(&m.kind))
        }
        Verdict::Refused => (verdict, snake(&report.refusals[0].rule), String::new()),
        _ => (verdict, String::new(), String::new()),
    }
}

#[test]
fn compare_table() {
    let docs = documents();
    let table = include_str!("data/compare_cases.tsv");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut total = 0;
    let mut times: Vec<(std::time::Duration, &str)> = Vec::new();
    let mut seen_ids = std::collections::BTreeSet::new();
    for (lineno, line) in table.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(cols.len() >= 4, "line {}: {line:?}", lineno + 1);
        let (id, doc_id, spec, expect) = (cols[0], cols[1], cols[2], cols[3]);
        assert!(seen_ids.insert(id), "duplicate case id {id}");
        let exp_field = cols.get(4).copied().unwrap_or("");
        let exp_kind = cols.get(5).copied().unwrap_or("");
        total += 1;
        *counts.entry(expect.to_string()).or_default() += 1;

        let mrz = mrz_of(doc_id, &docs);
        let (raw, options) = form_of(spec);
        let got = match raw.parse(&options) {
            Err(e) => (
                format!("error:{}", snake(&e.kind())),
                String::new(),
                String::new(),
            ),
            Ok(form) => {
                let start = Instant::now();
                let report = check(&mrz, &form, &options);
                times.push((start.elapsed(), id));
                // Every report serialises with the documented top-level keys.
                let json: serde_json::Value =
                    serde_json::from_str(&report.to_json()).expect("json");
                for key in [
                    "schema",
                    "verdict",
                    "options",
                    "mismatches",
                    "compared",
                    "flags",
                    "mrz",
                ] {
                    assert!(json.get(key).is_some(), "{id}: json lacks {key}");
                }
                outcome(&report)
            }
        };
        let expected = (
            expect.to_string(),
            exp_field.to_string(),
            exp_kind.to_string(),
        );
        if got != expected {
            wrong.push(format!(
                "{id} ({doc_id}; {spec}): expected {expected:?}, got {got:?}"
            ));
        }
    }
    times.sort();
    let median = times.get(times.len() / 2).map(|t| t.0).unwrap_or_default();
    let slowest = times.last().copied().unwrap_or_default();
    eprintln!(
        "compare table: {total} cases, {} wrong; check() median {median:?}, slowest {:?} ({})",
        wrong.len(),
        slowest.0,
        slowest.1
    );
    for (verdict, n) in &counts {
        eprintln!("  {verdict}: {n}");
    }
    assert!(
        wrong.is_empty(),
        "{} wrong verdicts:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        counts.get("consistent").copied().unwrap_or(0) >= 100,
        "too few consistent cases"
    );
    assert!(
        counts.get("prompt").copied().unwrap_or(0) >= 100,
        "too few prompt cases"
    );
}
