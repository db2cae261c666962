//! `kyc-ocr check`: a typed KYC form against a document's MRZ, for people or as JSON
//! (schema kyc-ocr/check/v1).
//!
//! Exit codes: 0 consistent; 1 prompt, unreadable or refused; 2 input error (a form field that
//! cannot be used, a missing MRZ source, bad flags).

use std::io::Write;

use anyhow::{bail, Context};
use kyc_ocr::compare::{
    self, CheckOptions, DateOrder, FieldStatus, FormError, RawForm, Report, Verdict,
};
use kyc_ocr::mrz::{self, ParseOptions};
use serde_json::json;

/// Flags of `kyc-ocr check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Photo or scan of the document whose MRZ is read (instead of --mrz).
    #[arg(value_name = "IMAGE")]
    pub image: Option<std::path::PathBuf>,
    /// MRZ text, lines separated by newlines or `|`.
    #[arg(long, value_name = "TEXT")]
    pub mrz: Option<String>,
    /// How to read IMAGE (ignored with --mrz).
    #[command(flatten)]
    pub engine: crate::cmd::read::EngineFlags,
    /// Write IMAGE with the located zone, line boxes and recognised characters (low confidence in
    /// red) to this PNG file.
    #[arg(long, value_name = "OUT.png")]
    pub debug_image: Option<std::path::PathBuf>,
    /// Print the report as JSON (schema kyc-ocr/check/v1) instead of text for people.
    #[arg(long)]
    pub json: bool,
    /// individual or organization.
    #[arg(long)]
    pub account_type: Option<String>,
    /// passport or other (other documents go to manual verification).
    #[arg(long)]
    pub document_type: Option<String>,
    /// Surname as typed.
    #[arg(long)]
    pub surname: Option<String>,
    /// Given names as typed.
    #[arg(long)]
    pub given_names: Option<String>,
    /// Full name in one field ("GIVEN SURNAME", "SURNAME GIVEN" or "SURNAME, GIVEN"), instead of
    /// --surname and --given-names.
    #[arg(long)]
    pub name: Option<String>,
    /// Document number; spaces and dashes are ignored.
    #[arg(long)]
    pub document_number: Option<String>,
    /// Nationality: alpha-3, alpha-2 or English name.
    #[arg(long)]
    pub nationality: Option<String>,
    /// Issuing country: alpha-3, alpha-2 or English name.
    #[arg(long)]
    pub issuing_country: Option<String>,
    /// Date of birth in any common format (1984-06-07, 07/06/1984, 7 Jun 1984, ...).
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Date of expiry in any common format.
    #[arg(long)]
    pub expiry_date: Option<String>,
    /// M, F, X, male or female.
    #[arg(long)]
    pub sex: Option<String>,
    /// Day/month order of ambiguous typed dates.
    #[arg(long, value_enum, default_value_t = OrderArg::Dmy)]
    pub date_order: OrderArg,
    /// The check date, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Refuse holders younger than this many years.
    #[arg(long, value_name = "YEARS")]
    pub minimum_age: Option<u8>,
    /// Do not refuse expired documents.
    #[arg(long)]
    pub allow_expired: bool,
    /// Check documents other than passports too, instead of sending them to manual verification.
    #[arg(long)]
    pub allow_other_documents: bool,
    /// Check the zone as read: never take a typed character the image also supports where the
    /// reading differs or is in doubt.
    #[arg(long)]
    pub as_read: bool,
}

/// `--date-order` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// Day, month, year.
    Dmy,
    /// Month, day, year.
    Mdy,
    /// Year, month, day.
    Ymd,
}

/// Where the MRZ comes from. The image pipeline adds its variant here (`kyc-ocr check IMAGE`).
#[derive(Debug)]
enum MrzSource {
    /// MRZ text typed or pasted on the command line.
    Text(String),
    /// A photo or scan, read by the engine.
    Image(std::path::PathBuf),
}

/// Validates the flags in one place: the MRZ source and the check options.
fn settings(args: &Args) -> anyhow::Result<(MrzSource, CheckOptions)> {
    let source = match (&args.mrz, &args.image) {
        (Some(_), Some(_)) => bail!("give either IMAGE or --mrz, not both"),
        (None, Some(path)) => MrzSource::Image(path.clone()),
        (Some(text), None) if !text.trim().is_empty() => MrzSource::Text(text.clone()),
        (Some(_), None) => bail!("--mrz is empty"),
        (None, None) => bail!("no mrz given: use IMAGE or --mrz TEXT"),
    };
    if args.debug_image.is_some() && args.image.is_none() {
        bail!("--debug-image needs an IMAGE to draw on");
    }
    let mut options = CheckOptions {
        date_order: match args.date_order {
            OrderArg::Dmy => DateOrder::Dmy,
            OrderArg::Mdy => DateOrder::Mdy,
            OrderArg::Ymd => DateOrder::Ymd,
        },
        ..CheckOptions::default()
    };
    if let Some(t) = &args.today {
        options.today = t
            .parse::<jiff::civil::Date>()
            .with_context(|| format!("--today {t:?} is not a YYYY-MM-DD date"))?;
    }
    options.policy.minimum_age = args.minimum_age;
    options.policy.refuse_expired = !args.allow_expired;
    options.policy.manual_review_for_other_documents = !args.allow_other_documents;
    options.typed_support = !args.as_read;
    Ok((source, options))
}

fn raw_form(args: &Args) -> RawForm {
    RawForm {
        account_type: args.account_type.clone(),
        document_type: args.document_type.clone(),
        surname: args.surname.clone(),
        given_names: args.given_names.clone(),
        name: args.name.clone(),
        document_number: args.document_number.clone(),
        nationality: args.nationality.clone(),
        issuing_country: args.issuing_country.clone(),
        birth_date: args.birth_date.clone(),
        expiry_date: args.expiry_date.clone(),
        sex: args.sex.clone(),
    }
}

/// Runs the command and returns the exit code (see the module documentation).
pub fn run(args: Args) -> crate::Outcome {
    let (source, options) = settings(&args)?;
    let form = match raw_form(&args).parse(&options) {
        Ok(f) => f,
        Err(e) => return form_error(&args, e),
    };
    let report = match source {
        MrzSource::Text(text) => {
            let lines: Vec<&str> = text.split(['\n', '|']).collect();
            let parse_options = ParseOptions {
                today: options.today,
                ..ParseOptions::default()
            };
            match mrz::parse_lines(&lines, &parse_options) {
                Ok(m) => compare::check(&m, &form, &options),
                Err(e) => Report::unreadable_without_mrz(format!("no mrz could be read: {e}")),
            }
        }
        MrzSource::Image(path) => {
            let engine = crate::cmd::read::build(kyc_ocr::engine::EngineParams {
                parse: ParseOptions {
                    today: options.today,
                    ..ParseOptions::default()
                },
                ..args.engine.params()
            })?;
            // Shared with `read`: the same file-naming errors, and the debug image when asked.
            // Where the form names the kind of document, its MRZ is the one checked, should the
            // image show another beside it (a visa facing a passport's data page).
            let out = crate::cmd::read::read_file(
                &engine,
                &path,
                args.debug_image.as_deref(),
                form.document_type,
            )?;
            let hint = out.capture_hint();
            let report = match (out.mrz, out.location, out.parse_error) {
                (Some(m), _, _) => compare::check(&m, &form, &options),
                (None, None, _) => Report::no_mrz_found(form.document_type),
                (None, Some(_), e) => Report::unreadable_without_mrz(format!(
                    "an mrz was found but could not be read{}",
                    e.map(|e| format!(": {e}")).unwrap_or_default()
                )),
            };
            // Where the check could not settle it, say what a new image should do better.
            report.with_capture_hint(hint)
        }
    };
    // anstream strips the human output's colour when stdout is not a terminal (or --color never).
    let mut out = anstream::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write_human(&mut out, &report)?;
    }
    out.flush()?;
    Ok(if report.verdict == Verdict::Consistent {
        0
    } else {
        1
    })
}

/// A form field that cannot be used: exit 2, with the error as JSON too when asked for.
fn form_error(args: &Args, e: FormError) -> crate::Outcome {
    if args.json {
        let v = json!({
            "schema": compare::SCHEMA,
            "error": { "kind": e.kind(), "field": e.field(), "message": e.to_string() },
        });
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        out.flush()?;
    }
    Err(anyhow::Error::new(e).context("invalid form"))
}

fn words(key: &str) -> String {
    key.replace('_', " ")
}

/// Verdict first, then the next steps, each compared field (document / typed / result) with one
/// sentence per mismatch, refusals and flags.
fn write_human(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    use crate::output::{paint, BAD, GOOD, WARN};
    let verdict_style = if r.verdict == Verdict::Consistent {
        GOOD
    } else {
        BAD
    };
    writeln!(out, "verdict: {}", paint(verdict_style, r.verdict.name()))?;
    writeln!(out, "  {}", r.summary)?;
    if let Some(hint) = &r.capture_hint {
        writeln!(out, "  {} {hint}", paint(WARN, "new image:"))?;
    }
    if !r.options.is_empty() {
        let steps: Vec<String> = r
            .options
            .iter()
            .map(|o| {
                words(
                    &serde_json::to_value(o)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                )
            })
            .collect();
        writeln!(out, "next steps: {}", steps.join("; "))?;
    }
    for f in &r.fields {
        let status = match f.status {
            FieldStatus::Match => paint(GOOD, "match"),
            FieldStatus::Mismatch => paint(BAD, "mismatch"),
            FieldStatus::Unsure => paint(WARN, "unsure"),
            _ => paint(WARN, "other"),
        };
        writeln!(
            out,
            "{}: document {} / typed {} / {status}",
            f.field, f.document, f.typed
        )?;
        if let Some(note) = &f.note {
            writeln!(out, "  ({note})")?;
        }
    }
    for m in &r.mismatches {
        writeln!(out, "- {}", m.reason)?;
    }
    for refusal in &r.refusals {
        writeln!(out, "{} {}", paint(BAD, "refused:"), refusal.reason)?;
    }
    let mut flags = Vec::new();
    if r.flags.document_expired {
        flags.push("document expired".to_string());
    }
    if r.flags.repairs_applied > 0 {
        flags.push(format!(
            "{} mrz characters repaired",
            r.flags.repairs_applied
        ));
    }
    if r.flags.name_truncated {
        flags.push("name truncated in the mrz".to_string());
    }
    if !r.flags.unprotected_fields_decided.is_empty() {
        let f: Vec<&str> = r
            .flags
            .unprotected_fields_decided
            .iter()
            .map(|f| f.label())
            .collect();
        flags.push(format!(
            "decided by fields no check digit protects: {}",
            f.join(", ")
        ));
    }
    if !r.flags.typed_over_read.is_empty() {
        let c: Vec<String> = r
            .flags
            .typed_over_read
            .iter()
            .map(|c| {
                format!(
                    "line {} position {}: read {}, typed {} ({}%)",
                    c.line + 1,
                    c.position + 1,
                    c.read,
                    c.typed,
                    c.percent
                )
            })
            .collect();
        flags.push(format!(
            "taken as typed where the image supports it: {}",
            c.join(", ")
        ));
    }
    if !flags.is_empty() {
        writeln!(out, "{} {}", paint(WARN, "flags:"), flags.join("; "))?;
    }
    Ok(())
}
