//! The consistency check: what a customer typed into a KYC form against the document's MRZ.
//!
//! Parse the form with [`RawForm::parse`] (typed [`FormError`] naming the field), then call
//! [`check`] with a parsed [`Mrz`]. The [`Report`] carries the verdict, the next steps offered to
//! the customer, every compared field with both values, the mismatches (each with a kind and a
//! sentence), the policy refusals and flags. An inconsistency is a result, not an error.
//!
//! Comparison rules:
//! - names go through ICAO 9303 Part 3 transliteration with every allowed variant
//!   ([`crate::translit`]); case, accents per the table, spacing and the order of a full name are
//!   formatting, never a mismatch; a name the MRZ truncated matches a typed name that starts with it;
//! - document numbers ignore typed spaces and dashes and case;
//! - dates compare on the parts the MRZ knows (`<` is unknown), and on the two year digits the MRZ
//!   holds, so the typed century stands;
//! - countries compare as codes (`D`, `DEU`, `DE` and `Germany` are one country);
//! - sex `X` matches the MRZ's unspecified `<` (or `X`).
//!
//! Verdict, most severe first: `unreadable` (check digits invalid after repair), `refused` (a
//! [`Policy`] rule), `prompt` (one or more mismatches), `consistent`. Document type: only passports
//! are checked automatically; an MRZ document code other than `P...`, or a typed document type
//! "other", is refused with the next step "go for manual verification" (switch off with
//! [`Policy::manual_review_for_other_documents`]).
//!
//! ```
//! use kyc_ocr::compare::{check, CheckOptions, MismatchKind, RawForm, Verdict};
//!
//! let options = CheckOptions { today: jiff::civil::date(2010, 1, 1), ..CheckOptions::default() };
//! let mrz = kyc_ocr::mrz::parse_lines(
//!     &[
//!         "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
//!         "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
//!     ],
//!     &kyc_ocr::mrz::ParseOptions { today: options.today, ..Default::default() },
//! )?;
//! let raw = RawForm {
//!     name: Some("Anna-Maria Eriksson".into()),
//!     birth_date: Some("08/12/1974".into()),
//!     ..RawForm::default()
//! };
//! let report = check(&mrz, &raw.parse(&options)?, &options);
//! assert_eq!(report.verdict, Verdict::Prompt);
//! assert_eq!(report.mismatches[0].kind, MismatchKind::Swapped); // day and month
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod form;
mod names;
mod policy;
mod support;
mod typed_date;
mod verdict;

pub use form::{
    AccountType, DocumentType, FormError, FormErrorKind, RawForm, TypedForm, MAX_FIELD_CHARS,
};
pub use policy::Policy;
pub use support::{NAME_OVERRIDE_SUPPORT, TWO_WAY, TYPED_SUPPORT, UNSEEN};
pub use typed_date::DateOrder;
pub use verdict::{
    CaptureHint, FieldName, FieldResult, FieldStatus, Flags, ImageEdge, Mismatch, MismatchKind,
    MrzSummary, NextStep, Refusal, RefusalRule, Report, TypedChar, Verdict, MIN_TEXT_HEIGHT_PX,
    SCHEMA,
};

use crate::countries::{self, Country};
use crate::mrz::{Mrz, MrzDate, Sex};
use names::DocName;

/// How to check: the policy, the date the check happens on, and how to read typed dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOptions {
    /// The policy rules.
    pub policy: Policy,
    /// The check date: expiry and minimum age are judged against it, and two-digit typed years
    /// take their century from it.
    pub today: jiff::civil::Date,
    /// Day/month order of ambiguous typed dates (default day-first).
    pub date_order: DateOrder,
    /// Where an image's zone prompts or is unreadable as read, read it again with the typed values
    /// the recogniser supports ([`check`]; default `true`). `false` checks the zone as read.
    pub typed_support: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            policy: Policy::default(),
            today: jiff::Zoned::now().date(),
            date_order: DateOrder::default(),
            typed_support: true,
        }
    }
}

/// Checks a typed form against a parsed MRZ; see the [module documentation](self) for the rules.
///
/// A zone read from an image that prompts or stays unreadable as read is read once more with the
/// typed values in place of the fields they fill: where the recogniser gave every typed character
/// at least [`TYPED_SUPPORT`] (and, where it read another, the two hold [`TWO_WAY`] together, and
/// a letter that overrules the reading in a field no check digit covers has
/// [`NAME_OVERRIDE_SUPPORT`]) and
/// the check digits then hold, the image is consistent with the form, and the report lists the
/// characters taken from it ([`Flags::typed_over_read`]).
pub fn check(mrz: &Mrz, form: &TypedForm, options: &CheckOptions) -> Report {
    let mut report = check_read(mrz, form, options);
    if !options.typed_support || !matches!(report.verdict, Verdict::Prompt | Verdict::Unreadable) {
        note_unseen_composite(&mut report);
        return report;
    }
    let Some(typed) = support::typed_reading(mrz, form, options) else {
        return report;
    };
    let mut second = check_read(&typed.mrz, form, options);
    if second.verdict != Verdict::Consistent {
        return report;
    }
    second.flags.typed_over_read = typed.changed;
    second.flags.composite_unseen |= typed.composite_unseen;
    second.summary = format!(
        "{}; the image supports the typed values where it was read otherwise or in doubt",
        second.summary
    );
    note_unseen_composite(&mut second);
    second
}

/// Says in a consistent report's summary that its composite digit was never seen.
fn note_unseen_composite(report: &mut Report) {
    if report.flags.composite_unseen && report.verdict == Verdict::Consistent {
        report.summary.push_str(
            "; the composite check digit cannot be seen in the image, and every field's own \
             check digit holds",
        );
    }
}

/// The check against the zone as given.
fn check_read(mrz: &Mrz, form: &TypedForm, options: &CheckOptions) -> Report {
    let f = &mrz.fields;
    let mut fields: Vec<FieldResult> = Vec::new();
    let mut mismatches: Vec<Mismatch> = Vec::new();
    let mut compared: Vec<FieldName> = Vec::new();

    let doc_type = DocumentType::of_document_code(&f.document_code.value);
    if let Some(t) = form.document_type {
        compared.push(FieldName::DocumentType);
        push_simple(
            &mut fields,
            &mut mismatches,
            FieldName::DocumentType,
            doc_type.name(),
            t.name(),
            t == doc_type,
            None,
        );
    }

    let doc_name = DocName::new(&f.surname.value, &f.given_names.value, f.name_truncated);
    if let Some(full) = &form.full_name {
        compared.push(FieldName::Name);
        let (r, m) = names::compare_full(full, &doc_name);
        fields.push(r);
        mismatches.extend(m);
    } else if form.surname.is_some() || form.given_names.is_some() {
        compared.extend(form.surname.as_ref().map(|_| FieldName::Surname));
        compared.extend(form.given_names.as_ref().map(|_| FieldName::GivenNames));
        let (r, m) = names::compare_parts(
            form.surname.as_deref(),
            form.given_names.as_deref(),
            &doc_name,
        );
        fields.extend(r);
        mismatches.extend(m);
    }

    if let Some(typed) = &form.document_number {
        compared.push(FieldName::DocumentNumber);
        let doc: String = f
            .document_number
            .value
            .chars()
            .filter(|&c| c != '<')
            .collect();
        if *typed == doc {
            push_simple(
                &mut fields,
                &mut mismatches,
                FieldName::DocumentNumber,
                &doc,
                typed,
                true,
                None,
            );
        } else {
            let dist = strsim::damerau_levenshtein(typed, &doc);
            let (kind, reason) = if dist == 1 {
                (
                    MismatchKind::Typo,
                    format!("document number {typed} differs from the document's {doc} by one character"),
                )
            } else {
                (
                    MismatchKind::Different,
                    format!("document number {typed} differs from the document's {doc}"),
                )
            };
            fields.push(FieldResult {
                field: FieldName::DocumentNumber,
                document: doc.clone(),
                typed: typed.clone(),
                status: FieldStatus::Mismatch,
                note: None,
            });
            mismatches.push(Mismatch {
                field: FieldName::DocumentNumber,
                typed: typed.clone(),
                document: doc,
                kind,
                distance: Some(dist),
                reason,
            });
        }
    }

    for (field, typed, doc_code) in [
        (
            FieldName::Nationality,
            form.nationality,
            &f.nationality.value,
        ),
        (
            FieldName::IssuingCountry,
            form.issuing_country,
            &f.issuing_state.value,
        ),
    ] {
        let Some(typed) = typed else { continue };
        compared.push(field);
        let doc_display = country_display(doc_code);
        let typed_display = format!("{} ({})", typed.mrz_code, typed.name);
        push_simple(
            &mut fields,
            &mut mismatches,
            field,
            &doc_display,
            &typed_display,
            same_country(typed, doc_code),
            None,
        );
    }

    let mut birth_for_policy = Some(f.birth_date.value);
    for (field, typed, doc) in [
        (FieldName::BirthDate, form.birth_date, &f.birth_date.value),
        (
            FieldName::ExpiryDate,
            form.expiry_date,
            &f.expiry_date.value,
        ),
    ] {
        let Some(typed) = typed else { continue };
        compared.push(field);
        let (mut result, mismatch) = compare_date(field, typed, doc);
        if field == FieldName::ExpiryDate && f.expiry_date.raw.is_empty() {
            // The layout has no expiry field (the French identity card): nothing to compare.
            result.note = Some(
                "the document's mrz holds no expiry date; the typed date is not compared".into(),
            );
        }
        if field == FieldName::BirthDate && result.status == FieldStatus::Match {
            // The MRZ holds two year digits; a typed date that agrees with them settles the century.
            birth_for_policy = Some(MrzDate {
                year: doc.year.map(|_| i32::from(typed.year())),
                ..*doc
            });
        }
        fields.push(result);
        mismatches.extend(mismatch);
    }

    if let Some(typed) = form.sex {
        compared.push(FieldName::Sex);
        push_simple(
            &mut fields,
            &mut mismatches,
            FieldName::Sex,
            sex_display(f.sex.value),
            sex_display(typed),
            typed == f.sex.value,
            None,
        );
    }

    let today = options.today;
    let effective_type = if form.document_type == Some(DocumentType::Other) {
        DocumentType::Other
    } else {
        doc_type
    };
    let refusals = policy::apply(
        &options.policy,
        mrz,
        effective_type,
        birth_for_policy,
        today,
    );
    let unprotected = unprotected_fields(mrz);
    let valid = mrz.is_valid();
    // A compared field the recogniser was unsure of cannot confirm a match, even when every check
    // digit holds (a check digit misses equal-value swaps and never covers names).
    let uncertain: Vec<FieldName> = compared
        .iter()
        .copied()
        .filter(|&f| {
            let keys: &[&str] = match f {
                FieldName::DocumentType => &["document_code"],
                FieldName::Surname => &["surname"],
                FieldName::GivenNames => &["given_names"],
                FieldName::Name => &["surname", "given_names"],
                FieldName::DocumentNumber => &["document_number"],
                FieldName::Nationality => &["nationality"],
                FieldName::IssuingCountry => &["issuing_state"],
                FieldName::BirthDate => &["birth_date"],
                FieldName::ExpiryDate => &["expiry_date"],
                FieldName::Sex => &["sex"],
                FieldName::AccountType => &[],
            };
            keys.iter()
                .any(|k| mrz.uncertain_fields.iter().any(|u| u == k))
        })
        .collect();

    let (verdict, options_out, summary, decided): (Verdict, Vec<NextStep>, String, Vec<FieldName>) =
        if !valid {
            let spoken = |f: &str| f.replace('_', " ");
            let bad: Vec<String> = mrz
                .checks
                .iter()
                .filter(|c| matches!(c.status, crate::mrz::CheckStatus::Invalid { .. }))
                .map(|c| c.describe())
                .chain(
                    mrz.malformed_fields
                        .iter()
                        .map(|f| format!("{} malformed", spoken(f))),
                )
                .chain(
                    mrz.unconfirmed_fields
                        .iter()
                        .map(|f| format!("{} barely seen", spoken(f))),
                )
                .chain(
                    mrz.pitch_breaks
                        .iter()
                        .map(|b| format!("{} off the line's pitch", spoken(&b.field))),
                )
                .collect();
            (
                Verdict::Unreadable,
                vec![NextStep::NewImage, NextStep::GoForManualVerification],
                format!(
                    "the document could not be read reliably ({}); please take a new image",
                    bad.join(", ")
                ),
                Vec::new(),
            )
        } else if !refusals.is_empty() {
            let mut next = Vec::new();
            let mut decided = Vec::new();
            for r in &refusals {
                match r.rule {
                    RefusalRule::NotAPassport => {
                        next.push(NextStep::GoForManualVerification);
                        if form.document_type != Some(DocumentType::Other) {
                            decided.push(FieldName::DocumentType);
                        }
                    }
                    RefusalRule::Expired => next.push(NextStep::UseAnotherDocument),
                    RefusalRule::MainlandChinesePassport => decided.push(FieldName::Nationality),
                    RefusalRule::UnderMinimumAge => {}
                }
            }
            next.dedup();
            let summary = refusals
                .iter()
                .map(|r| r.reason.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            (Verdict::Refused, next, summary, decided)
        } else if !mismatches.is_empty() {
            let n = mismatches.len();
            let decided = mismatches.iter().map(|m| m.field).collect();
            (
                Verdict::Prompt,
                vec![
                    NextStep::GoForManualVerification,
                    NextStep::DoubleCheckAndResubmit,
                ],
                format!(
                    "{n} typed field{} differ{} from the document",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "s" } else { "" }
                ),
                decided,
            )
        } else if !uncertain.is_empty() {
            let names: Vec<&str> = uncertain.iter().map(|f| f.label()).collect();
            (
                Verdict::Prompt,
                vec![NextStep::NewImage, NextStep::GoForManualVerification],
                format!(
                    "the document's {} could not be read with confidence; please take a new image",
                    names.join(", ")
                ),
                Vec::new(),
            )
        } else {
            let summary = if compared.is_empty() {
                "no typed field was given, so nothing was compared".to_string()
            } else {
                format!("all {} compared fields match the document", compared.len())
            };
            (Verdict::Consistent, Vec::new(), summary, compared.clone())
        };

    // A field that matches only the reading the image does not confirm says so, field by field.
    for r in fields.iter_mut() {
        if r.status == FieldStatus::Match && uncertain.contains(&r.field) {
            r.status = FieldStatus::Unsure;
        }
    }

    let mut unprotected_decided: Vec<FieldName> = Vec::new();
    for d in decided {
        if unprotected.contains(&d) && !unprotected_decided.contains(&d) {
            unprotected_decided.push(d);
        }
    }

    Report {
        schema: SCHEMA,
        verdict,
        options: options_out,
        summary,
        mismatches,
        compared,
        fields,
        refusals,
        flags: Flags {
            document_expired: policy::is_expired(mrz, today),
            repairs_applied: mrz.repairs.len(),
            name_truncated: f.name_truncated,
            unprotected_fields_decided: unprotected_decided,
            typed_over_read: Vec::new(),
            composite_unseen: mrz.composite_computed,
        },
        mrz: Some(MrzSummary::of(mrz)),
        capture_hint: None,
    }
}

fn push_simple(
    fields: &mut Vec<FieldResult>,
    mismatches: &mut Vec<Mismatch>,
    field: FieldName,
    document: &str,
    typed: &str,
    matched: bool,
    note: Option<String>,
) {
    fields.push(FieldResult {
        field,
        document: document.to_string(),
        typed: typed.to_string(),
        status: if matched {
            FieldStatus::Match
        } else {
            FieldStatus::Mismatch
        },
        note,
    });
    if !matched {
        mismatches.push(Mismatch {
            field,
            typed: typed.to_string(),
            document: document.to_string(),
            kind: MismatchKind::Different,
            distance: None,
            reason: format!("{field} {typed} differs from the document's {document}"),
        });
    }
}

/// The report fields that no check digit protects in this MRZ's layout.
fn unprotected_fields(mrz: &Mrz) -> Vec<FieldName> {
    let mut out = Vec::new();
    for name in mrz.unprotected_fields() {
        match name {
            "document_code" => out.push(FieldName::DocumentType),
            "issuing_state" => out.push(FieldName::IssuingCountry),
            "surname" => out.extend([FieldName::Surname, FieldName::Name]),
            "given_names" => out.extend([FieldName::GivenNames, FieldName::Name]),
            "nationality" => out.push(FieldName::Nationality),
            "sex" => out.push(FieldName::Sex),
            _ => {}
        }
    }
    out
}

/// British nationality classes (citizens of the overseas territories, nationals overseas, ...):
/// a customer who picks "United Kingdom" for them typed their nationality correctly.
const BRITISH: &[&str] = &["GBR", "GBD", "GBN", "GBO", "GBP", "GBS"];

fn same_country(typed: &Country, doc_code: &str) -> bool {
    let doc_code = doc_code.trim_end_matches('<');
    match countries::by_mrz_code(doc_code) {
        Some(doc) => {
            doc.mrz_code == typed.mrz_code
                || (BRITISH.contains(&doc.mrz_code) && typed.mrz_code == "GBR")
        }
        None => typed.mrz_code == doc_code || typed.alpha3 == doc_code,
    }
}

fn country_display(code: &str) -> String {
    let code = code.trim_end_matches('<');
    match countries::by_mrz_code(code) {
        Some(c) => format!("{} ({})", c.mrz_code, c.name),
        None => code.to_string(),
    }
}

fn sex_display(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Unspecified => "X",
    }
}

/// A date as `YYYY-MM-DD`, unknown parts as `XX`.
fn mrz_date_display(d: &MrzDate) -> String {
    let two = |v: Option<u8>| v.map_or("XX".to_string(), |v| format!("{v:02}"));
    let year = d.year.map_or("XXXX".to_string(), |y| format!("{y:04}"));
    format!("{year}-{}-{}", two(d.month), two(d.day))
}

fn compare_date(
    field: FieldName,
    typed: jiff::civil::Date,
    doc: &MrzDate,
) -> (FieldResult, Option<Mismatch>) {
    let (ty, tm, td) = (
        i32::from(typed.year()),
        typed.month() as u8,
        typed.day() as u8,
    );
    // Only the two year digits are in the MRZ; its century is a guess the typed date may settle.
    let year_ok = doc
        .year
        .is_none_or(|y| y.rem_euclid(100) == ty.rem_euclid(100));
    let month_ok = doc.month.is_none_or(|m| m == tm);
    let day_ok = doc.day.is_none_or(|d| d == td);
    let document = mrz_date_display(doc);
    let typed_s = typed.to_string();
    let unknown = doc.year.is_none() || doc.month.is_none() || doc.day.is_none();
    if year_ok && month_ok && day_ok {
        let note = unknown.then(|| {
            "the document leaves part of this date unknown; compared on the known parts".to_string()
        });
        let result = FieldResult {
            field,
            document,
            typed: typed_s,
            status: FieldStatus::Match,
            note,
        };
        return (result, None);
    }
    let swapped = year_ok && doc.month == Some(td) && doc.day == Some(tm) && tm != td;
    // Digits that differ in YYMMDD, counting only the known parts.
    let digits = |a: Option<u32>, b: u32| {
        a.map_or(0, |a| {
            usize::from(a / 10 != b / 10) + usize::from(a % 10 != b % 10)
        })
    };
    let differing = digits(
        doc.year.map(|y| y.rem_euclid(100) as u32),
        ty.rem_euclid(100) as u32,
    ) + digits(doc.month.map(u32::from), u32::from(tm))
        + digits(doc.day.map(u32::from), u32::from(td));
    let (kind, reason) = if swapped {
        (
            MismatchKind::Swapped,
            format!("{field} {typed_s} has day and month swapped; the document says {document}"),
        )
    } else if differing == 1 {
        (
            MismatchKind::Typo,
            format!("{field} {typed_s} differs from the document's {document} by one digit"),
        )
    } else {
        (
            MismatchKind::Different,
            format!("{field} {typed_s} differs from the document's {document}"),
        )
    };
    let result = FieldResult {
        field,
        document: document.clone(),
        typed: typed_s.clone(),
        status: FieldStatus::Mismatch,
        note: None,
    };
    let mismatch = Mismatch {
        field,
        typed: typed_s,
        document,
        kind,
        distance: None,
        reason,
    };
    (result, Some(mismatch))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mrz::{compose, parse_lines, MrzData, MrzFormat, ParseOptions};

    const TODAY: jiff::civil::Date = jiff::civil::date(2025, 6, 1);

    fn mrz(nationality: &str, birth: &str, expiry: &str) -> Mrz {
        let data = MrzData {
            format: MrzFormat::Td3,
            document_code: "P".into(),
            issuing_state: nationality.into(),
            surname: "ERIKSSON".into(),
            given_names: "ANNA MARIA".into(),
            document_number: "L898902C3".into(),
            nationality: nationality.into(),
            birth_date: birth.into(),
            sex: 'F',
            expiry_date: expiry.into(),
            optional_data: String::new(),
            optional_data_2: String::new(),
        };
        let lines = compose(&data).expect("compose");
        parse_lines(
            &lines,
            &ParseOptions {
                today: TODAY,
                ..ParseOptions::default()
            },
        )
        .expect("parse")
    }

    fn form(raw: RawForm) -> (TypedForm, CheckOptions) {
        let options = CheckOptions {
            today: TODAY,
            ..CheckOptions::default()
        };
        (raw.parse(&options).expect("form"), options)
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Report>();
        assert_send_sync::<TypedForm>();
        assert_send_sync::<RawForm>();
        assert_send_sync::<CheckOptions>();
        assert_send_sync::<FormError>();
    }

    #[test]
    fn flags_name_the_unprotected_fields_that_decided() {
        let cases: Vec<(RawForm, &str, Verdict, Vec<FieldName>)> = vec![
            (
                RawForm {
                    surname: Some("Eriksson".into()),
                    birth_date: Some("1974-08-12".into()),
                    ..RawForm::default()
                },
                "UTO",
                Verdict::Consistent,
                vec![FieldName::Surname],
            ),
            (
                RawForm {
                    sex: Some("M".into()),
                    birth_date: Some("1974-08-13".into()),
                    ..RawForm::default()
                },
                "UTO",
                Verdict::Prompt,
                vec![FieldName::Sex],
            ),
            (
                RawForm {
                    surname: Some("Eriksson".into()),
                    ..RawForm::default()
                },
                "CHN",
                Verdict::Refused,
                vec![FieldName::Nationality],
            ),
        ];
        for (raw, nationality, verdict, decided) in cases {
            let (f, o) = form(raw);
            let r = check(&mrz(nationality, "740812", "300415"), &f, &o);
            assert_eq!(r.verdict, verdict, "{r:?}");
            assert_eq!(r.flags.unprotected_fields_decided, decided, "{r:?}");
        }
    }

    #[test]
    fn expiry_flag_stands_when_the_rule_is_off() {
        let (f, mut o) = form(RawForm::default());
        o.policy.refuse_expired = false;
        let r = check(&mrz("UTO", "740812", "120415"), &f, &o);
        assert_eq!(r.verdict, Verdict::Consistent);
        assert!(r.flags.document_expired);
        assert_eq!(
            r.summary,
            "no typed field was given, so nothing was compared"
        );
    }

    #[test]
    fn unknown_date_parts_match_with_a_note() {
        let (f, o) = form(RawForm {
            birth_date: Some("1974-08-31".into()),
            ..RawForm::default()
        });
        let r = check(&mrz("UTO", "7408<<", "300415"), &f, &o);
        assert_eq!(r.verdict, Verdict::Consistent);
        assert_eq!(r.fields[0].document, "1974-08-XX");
        assert_eq!(
            r.fields[0].note.as_deref(),
            Some("the document leaves part of this date unknown; compared on the known parts")
        );
    }

    #[test]
    fn a_french_identity_card_compares_on_the_fields_it_has() {
        // Given names cut at 14 characters; no nationality or expiry field.
        let card = parse_lines(
            &[
                "IDFRABERNARD<<<<<<<<<<<<<<<<<<751042",
                "1402751042152CAMILLE<<ROSEL8803171F2",
            ],
            &ParseOptions {
                today: TODAY,
                ..ParseOptions::default()
            },
        )
        .expect("parse");
        assert!(card.is_valid(), "{:?}", card.checks);
        let (f, mut o) = form(RawForm {
            surname: Some("Bernard".into()),
            given_names: Some("Camille Roselyne".into()),
            nationality: Some("France".into()),
            birth_date: Some("1988-03-17".into()),
            expiry_date: Some("2031-05-02".into()),
            sex: Some("F".into()),
            ..RawForm::default()
        });
        // Not a passport: the product sends it to manual review unless told otherwise.
        assert_eq!(check(&card, &f, &o).verdict, Verdict::Refused);
        o.policy.manual_review_for_other_documents = false;
        let r = check(&card, &f, &o);
        assert_eq!(r.verdict, Verdict::Consistent, "{r:?}");
        let expiry = r
            .fields
            .iter()
            .find(|x| x.field == FieldName::ExpiryDate)
            .expect("expiry listed");
        assert_eq!(
            expiry.note.as_deref(),
            Some("the document's mrz holds no expiry date; the typed date is not compared")
        );
        assert!(!r.flags.document_expired);
        // A given name the card does not start with still prompts.
        let (f, _) = form(RawForm {
            given_names: Some("Camille Rose Anne".into()),
            ..RawForm::default()
        });
        assert_eq!(check(&card, &f, &o).verdict, Verdict::Prompt);
    }

    #[test]
    fn an_uncertain_compared_field_prompts() {
        // (uncertain mrz fields, verdict, summary)
        let cases: [(&[&str], Verdict, &str); 3] = [
            (&[], Verdict::Consistent, "all 2 compared fields match the document"),
            (
                &["given_names"],
                Verdict::Consistent,
                "all 2 compared fields match the document",
            ),
            (
                &["surname", "birth_date"],
                Verdict::Prompt,
                "the document's surname, birth date could not be read with confidence; please take a new image",
            ),
        ];
        for (uncertain, verdict, summary) in cases {
            let (f, o) = form(RawForm {
                surname: Some("Eriksson".into()),
                birth_date: Some("1974-08-12".into()),
                ..RawForm::default()
            });
            let mut m = mrz("UTO", "740812", "300415");
            m.uncertain_fields = uncertain.iter().map(|s| s.to_string()).collect();
            let r = check(&m, &f, &o);
            assert_eq!(
                (r.verdict, r.summary.as_str()),
                (verdict, summary),
                "{uncertain:?}"
            );
            // Field by field: the ones the image does not confirm are unsure, the rest match.
            for field in &r.fields {
                let key = match field.field {
                    FieldName::Surname => "surname",
                    FieldName::BirthDate => "birth_date",
                    _ => "",
                };
                let want = if uncertain.contains(&key) {
                    FieldStatus::Unsure
                } else {
                    FieldStatus::Match
                };
                assert_eq!(field.status, want, "{uncertain:?} {}", field.field);
            }
        }
    }

    #[test]
    fn a_capture_hint_joins_only_an_unsettled_report() {
        let hint = CaptureHint::for_unsure_read(10.0);
        let unread =
            Report::unreadable_without_mrz("no mrz could be read").with_capture_hint(hint.clone());
        assert_eq!(unread.capture_hint, hint);
        assert_eq!(
            unread.options,
            [NextStep::NewImage, NextStep::GoForManualVerification]
        );
        let mut prompt = Report::unreadable_without_mrz("x");
        prompt.verdict = Verdict::Prompt;
        prompt.options = vec![NextStep::DoubleCheckAndResubmit];
        let prompt = prompt.with_capture_hint(hint.clone());
        assert_eq!(
            prompt.options,
            [NextStep::NewImage, NextStep::DoubleCheckAndResubmit]
        );
        let mut consistent = Report::unreadable_without_mrz("x");
        consistent.verdict = Verdict::Consistent;
        consistent.options = Vec::new();
        let consistent = consistent.with_capture_hint(hint);
        assert_eq!(consistent.capture_hint, None);
        assert!(consistent.options.is_empty());
    }

    #[test]
    fn no_zone_found_says_where_the_document_kind_keeps_it() {
        for (kind, says) in [
            (Some(DocumentType::Passport), "photo page of the passport"),
            (Some(DocumentType::Other), "the back of most identity cards"),
            (
                None,
                "a passport's photo page, the back of most identity cards",
            ),
        ] {
            let r = Report::no_mrz_found(kind);
            assert_eq!(r.verdict, Verdict::Unreadable, "{kind:?}");
            assert!(
                r.summary.starts_with("no machine readable zone found"),
                "{kind:?}"
            );
            assert!(r.summary.contains(says), "{kind:?}: {}", r.summary);
            assert_eq!(
                r.options,
                [NextStep::NewImage, NextStep::GoForManualVerification]
            );
        }
    }

    #[test]
    fn unreadable_constructor_offers_a_new_image() {
        let r = Report::unreadable_without_mrz("no mrz was found in the image");
        assert_eq!(r.verdict, Verdict::Unreadable);
        assert_eq!(
            r.options,
            [NextStep::NewImage, NextStep::GoForManualVerification]
        );
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).expect("json");
        assert_eq!(v["schema"], SCHEMA);
        assert_eq!(v["verdict"], "unreadable");
        assert_eq!(v["mrz"], serde_json::Value::Null);
    }
}
