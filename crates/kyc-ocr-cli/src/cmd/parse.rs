//! `kyc-ocr parse`: MRZ text to a parsed, validated document, for people or as JSON.

use std::io::{Read, Write};

use anyhow::Context;
use kyc_ocr::mrz::{self, CheckStatus, CheckedField, Field, Mrz, MrzDate, ParseOptions};
use serde_json::{json, Value};

/// The JSON schema identifier; bump it when a field changes meaning or disappears.
pub const SCHEMA: &str = "kyc-ocr/parse/v1";

/// Flags of `kyc-ocr parse`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// MRZ lines, one per argument (or several separated by `|`); read from stdin when absent.
    pub lines: Vec<String>,
    /// Print JSON (schema kyc-ocr/parse/v1) instead of text for people.
    #[arg(long)]
    pub json: bool,
    /// Validate the text as read: no class-forced or check-digit-guided repair.
    #[arg(long)]
    pub no_repair: bool,
}

/// Runs the command: 0 when every check digit is valid, 1 when some is not, 2 (as an error) when
/// the text is not an MRZ.
pub fn run(args: Args) -> crate::Outcome {
    let lines: Vec<String> = if args.lines.is_empty() {
        let mut buf = String::new();
        std::io::stdin()
            .take(mrz::MAX_INPUT_BYTES as u64 + 1)
            .read_to_string(&mut buf)
            .context("cannot read mrz text from stdin")?;
        vec![buf]
    } else {
        args.lines
    };
    // Each argument may itself hold several lines.
    let split: Vec<&str> = lines.iter().flat_map(|l| l.split(['\n', '|'])).collect();
    let opts = ParseOptions {
        repair: !args.no_repair,
        ..ParseOptions::default()
    };
    // anstream strips the human output's colour when stdout is not a terminal (or --color never).
    let mut out = anstream::stdout().lock();
    match mrz::parse_lines(&split, &opts) {
        Ok(m) => {
            if args.json {
                // Serialised first so a closed pipe surfaces as an io error, not a serde one.
                writeln!(out, "{}", serde_json::to_string_pretty(&to_json(&m))?)?;
            } else {
                write_human(&mut out, &m)?;
            }
            out.flush()?;
            Ok(if m.is_valid() { 0 } else { 1 })
        }
        Err(e) => {
            if args.json {
                let v = json!({
                    "schema": SCHEMA,
                    "valid": false,
                    "errors": [{ "kind": e.kind(), "message": e.to_string() }],
                });
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                out.flush()?;
            }
            Err(anyhow::Error::new(e).context("not an mrz"))
        }
    }
}

fn check_of(m: &Mrz, f: CheckedField) -> Option<Value> {
    m.check(f).map(|c| match c.status {
        CheckStatus::Valid => json!("valid"),
        CheckStatus::Absent => json!("absent"),
        CheckStatus::Invalid { .. } => json!("invalid"),
    })
}

fn text_field(f: &Field<String>) -> Value {
    json!({ "value": f.value, "raw": f.raw, "span": f.span })
}

fn date_value(d: &MrzDate) -> Value {
    match d.civil() {
        Some(c) => json!(c.to_string()),
        None => Value::Null,
    }
}

fn date_field(f: &Field<MrzDate>, check: Option<Value>) -> Value {
    let mut v = json!({
        "value": date_value(&f.value),
        "year": f.value.year, "month": f.value.month, "day": f.value.day,
        "raw": f.raw, "span": f.span,
    });
    if let Some(c) = check {
        v["check"] = c;
    }
    v
}

fn with_check(mut v: Value, check: Option<Value>) -> Value {
    if let Some(c) = check {
        v["check"] = c;
    }
    v
}

fn country(v: Value, c: Option<&kyc_ocr::countries::Country>) -> Value {
    let mut v = v;
    v["country"] = c.map_or(Value::Null, |c| json!(c.name));
    v
}

/// The documented JSON of schema [`SCHEMA`].
pub fn to_json(m: &Mrz) -> Value {
    let f = &m.fields;
    let mut fields = serde_json::Map::new();
    fields.insert("document_code".into(), text_field(&f.document_code));
    fields.insert(
        "issuing_state".into(),
        country(text_field(&f.issuing_state), m.issuing_country()),
    );
    fields.insert("surname".into(), text_field(&f.surname));
    fields.insert("given_names".into(), text_field(&f.given_names));
    fields.insert(
        "name_truncated".into(),
        json!({ "value": f.name_truncated }),
    );
    fields.insert(
        "document_number".into(),
        with_check(
            text_field(&f.document_number),
            check_of(m, CheckedField::DocumentNumber),
        ),
    );
    fields.insert(
        "nationality".into(),
        country(text_field(&f.nationality), m.nationality_country()),
    );
    fields.insert(
        "birth_date".into(),
        date_field(&f.birth_date, check_of(m, CheckedField::BirthDate)),
    );
    fields.insert(
        "sex".into(),
        json!({ "value": f.sex.value, "raw": f.sex.raw, "span": f.sex.span }),
    );
    fields.insert(
        "expiry_date".into(),
        date_field(&f.expiry_date, check_of(m, CheckedField::ExpiryDate)),
    );
    fields.insert(
        "optional_data".into(),
        with_check(
            text_field(&f.optional_data),
            check_of(m, CheckedField::PersonalNumber),
        ),
    );
    if let Some(o) = &f.optional_data_2 {
        fields.insert("optional_data_2".into(), text_field(o));
    }
    if let Some(c) = check_of(m, CheckedField::Composite) {
        fields.insert("composite".into(), json!({ "value": null, "check": c }));
    }
    let errors: Vec<String> = m
        .checks
        .iter()
        .filter(|c| matches!(c.status, CheckStatus::Invalid { .. }))
        .map(|c| c.describe())
        .chain(
            m.malformed_fields
                .iter()
                .map(|f| format!("{f} is malformed (see warnings)")),
        )
        .chain(m.unconfirmed_fields.iter().map(|f| {
            format!("{f}: its check digit holds, but the reading is too unsure for it to confirm")
        }))
        .chain(m.pitch_breaks.iter().map(|b| {
            format!(
                "{}: line {} after position {} breaks the zone's fixed pitch (a character read \
                 twice or missed)",
                b.field,
                b.line + 1,
                b.position + 1
            )
        }))
        .collect();
    json!({
        "schema": SCHEMA,
        "format": m.format,
        "lines": m.lines,
        "valid": m.is_valid(),
        "fields": fields,
        "checks": m.checks,
        "repairs": m.repairs,
        "warnings": m.warnings,
        "unprotected_fields": m.unprotected_fields(),
        "malformed_fields": m.malformed_fields,
        "unconfirmed_fields": m.unconfirmed_fields,
        "composite_computed": m.composite_computed,
        "pitch_breaks": m.pitch_breaks,
        "errors": errors,
    })
}

/// The fields where the reading breaks the zone's pitch, each once, in MRZ order.
pub(crate) fn pitch_break_fields(m: &Mrz) -> Vec<&str> {
    let mut fields: Vec<&str> = Vec::new();
    for b in &m.pitch_breaks {
        if !fields.contains(&b.field.as_str()) {
            fields.push(&b.field);
        }
    }
    fields
}

fn status_text(m: &Mrz, f: CheckedField) -> String {
    use crate::output::{paint, BAD, GOOD};
    match m.check(f) {
        None => String::new(),
        Some(c) => match c.status {
            CheckStatus::Valid => paint(GOOD, "check valid"),
            CheckStatus::Absent => "check absent".into(),
            CheckStatus::Invalid { found, expected } => paint(
                BAD,
                format_args!("check INVALID ({found}, expected {expected})"),
            ),
        },
    }
}

fn date_text(d: &Field<MrzDate>) -> String {
    if d.raw.is_empty() {
        return "(not on this document)".to_string();
    }
    match d.value.civil() {
        Some(c) => c.to_string(),
        None => {
            let p = |v: Option<i32>, w: usize| v.map_or("?".repeat(w), |v| format!("{v:0w$}"));
            format!(
                "{}-{}-{} (raw {})",
                p(d.value.year, 4),
                p(d.value.month.map(i32::from), 2),
                p(d.value.day.map(i32::from), 2),
                d.raw
            )
        }
    }
}

fn write_human(out: &mut impl Write, m: &Mrz) -> std::io::Result<()> {
    let f = &m.fields;
    let named = |code: &str, c: Option<&kyc_ocr::countries::Country>| match c {
        Some(c) => format!("{code} ({})", c.name),
        None if code.is_empty() => "(none)".to_string(),
        None => format!("{code} (unknown code)"),
    };
    writeln!(out, "format          {}", m.format)?;
    for l in &m.lines {
        writeln!(out, "                {l}")?;
    }
    writeln!(out, "document code   {}", f.document_code.value)?;
    writeln!(
        out,
        "issuing state   {}",
        named(&f.issuing_state.value, m.issuing_country())
    )?;
    writeln!(out, "surname         {}", f.surname.value)?;
    writeln!(
        out,
        "given names     {}{}",
        f.given_names.value,
        if f.name_truncated { " (truncated)" } else { "" }
    )?;
    writeln!(
        out,
        "document number {:<20} {}",
        f.document_number.value,
        status_text(m, CheckedField::DocumentNumber)
    )?;
    writeln!(
        out,
        "nationality     {}{}",
        named(&f.nationality.value, m.nationality_country()),
        if m.format == mrz::MrzFormat::FrenchId {
            ", as the card is issued to nationals only"
        } else {
            ""
        }
    )?;
    writeln!(
        out,
        "date of birth   {:<20} {}",
        date_text(&f.birth_date),
        status_text(m, CheckedField::BirthDate)
    )?;
    let sex = match f.sex.value {
        mrz::Sex::Male => "male",
        mrz::Sex::Female => "female",
        mrz::Sex::Unspecified => "unspecified",
    };
    writeln!(out, "sex             {sex}")?;
    writeln!(
        out,
        "date of expiry  {:<20} {}",
        date_text(&f.expiry_date),
        status_text(m, CheckedField::ExpiryDate)
    )?;
    writeln!(
        out,
        "optional data   {:<20} {}",
        f.optional_data.value,
        status_text(m, CheckedField::PersonalNumber)
    )?;
    if let Some(o) = &f.optional_data_2 {
        writeln!(out, "optional data 2 {}", o.value)?;
    }
    if m.check(CheckedField::Composite).is_some() {
        writeln!(
            out,
            "composite       {:<20} {}",
            "",
            status_text(m, CheckedField::Composite)
        )?;
    }
    let warn = |label: &str| crate::output::paint(crate::output::WARN, label);
    for r in &m.repairs {
        writeln!(
            out,
            "{}        line {} position {}: {} -> {} in {} ({})",
            warn("repaired"),
            r.line + 1,
            r.position + 1,
            r.from,
            r.to,
            r.field,
            r.reason
        )?;
    }
    for w in &m.warnings {
        writeln!(out, "{}         {w}", warn("warning"))?;
    }
    let unprotected = m.unprotected_fields();
    if !unprotected.is_empty() {
        writeln!(
            out,
            "{}  {}",
            warn("no check digit"),
            unprotected.join(", ")
        )?;
    }
    let digits_hold = m
        .checks
        .iter()
        .all(|c| !matches!(c.status, CheckStatus::Invalid { .. }));
    let result = if m.is_valid() {
        crate::output::paint(crate::output::GOOD, "every check digit valid")
    } else if digits_hold && !m.malformed_fields.is_empty() {
        // Every digit holds, yet a field cannot be what the layout allows (see the warnings).
        crate::output::paint(
            crate::output::BAD,
            format!("malformed: {}", m.malformed_fields.join(", ")),
        )
    } else if digits_hold && !m.unconfirmed_fields.is_empty() {
        // Every digit holds, yet on characters too unsure for it to confirm them.
        crate::output::paint(
            crate::output::BAD,
            format!("unconfirmed: {}", m.unconfirmed_fields.join(", ")),
        )
    } else if digits_hold {
        // Every digit holds, yet the characters read do not sit at the zone's fixed pitch.
        crate::output::paint(
            crate::output::BAD,
            format!("off pitch: {}", pitch_break_fields(m).join(", ")),
        )
    } else {
        crate::output::paint(crate::output::BAD, "some check digits invalid")
    };
    writeln!(out, "result          {result}")
}
