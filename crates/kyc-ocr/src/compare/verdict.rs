//! The report of a consistency check: verdict, next steps, mismatches, flags and the MRZ summary.
//!
//! The report is shown to the customer who typed the form, so it may carry the typed and document
//! values; it must never be logged.

use serde::Serialize;

use crate::compare::DocumentType;
use crate::mrz::{Check, Mrz, MrzFormat, Repair};

/// The version of the JSON schema of [`Report`]; bumped on any incompatible change.
pub const SCHEMA: &str = "kyc-ocr/check/v1";

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every compared field matches and the MRZ's check digits are valid.
    Consistent,
    /// One or more typed fields differ from the document: ask the customer.
    Prompt,
    /// No MRZ, or check digits that stay invalid after repair: ask for a new image.
    Unreadable,
    /// A policy rule stops the automatic check (see [`super::Policy`]).
    Refused,
}

impl Verdict {
    /// The snake_case name used in JSON and human output.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::Prompt => "prompt",
            Verdict::Unreadable => "unreadable",
            Verdict::Refused => "refused",
        }
    }
}

/// What the customer may do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Hand the case to a person.
    GoForManualVerification,
    /// Correct the typed form and submit it again.
    DoubleCheckAndResubmit,
    /// Take a new photo or scan of the document.
    NewImage,
    /// Use another (valid) document.
    UseAnotherDocument,
}

/// A field of the typed form, as named in reports and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    /// Individual or organisation (never compared: the MRZ has no such field).
    AccountType,
    /// Passport or other document.
    DocumentType,
    /// Surname (primary identifier).
    Surname,
    /// Given names (secondary identifier).
    GivenNames,
    /// The name as a whole: a typed full name, or surname and given names judged together.
    Name,
    /// Document number.
    DocumentNumber,
    /// Nationality.
    Nationality,
    /// Issuing country.
    IssuingCountry,
    /// Date of birth.
    BirthDate,
    /// Date of expiry.
    ExpiryDate,
    /// Sex.
    Sex,
}

impl FieldName {
    /// The field as words, for sentences (`birth date`).
    pub fn label(self) -> &'static str {
        match self {
            FieldName::AccountType => "account type",
            FieldName::DocumentType => "document type",
            FieldName::Surname => "surname",
            FieldName::GivenNames => "given names",
            FieldName::Name => "name",
            FieldName::DocumentNumber => "document number",
            FieldName::Nationality => "nationality",
            FieldName::IssuingCountry => "issuing country",
            FieldName::BirthDate => "birth date",
            FieldName::ExpiryDate => "expiry date",
            FieldName::Sex => "sex",
        }
    }

    /// The snake_case key used in JSON (`birth_date`).
    pub fn key(self) -> &'static str {
        match self {
            FieldName::AccountType => "account_type",
            FieldName::DocumentType => "document_type",
            FieldName::Surname => "surname",
            FieldName::GivenNames => "given_names",
            FieldName::Name => "name",
            FieldName::DocumentNumber => "document_number",
            FieldName::Nationality => "nationality",
            FieldName::IssuingCountry => "issuing_country",
            FieldName::BirthDate => "birth_date",
            FieldName::ExpiryDate => "expiry_date",
            FieldName::Sex => "sex",
        }
    }
}

impl std::fmt::Display for FieldName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// How a typed value differs from the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MismatchKind {
    /// A small spelling difference (edit distance in [`Mismatch::distance`]).
    Typo,
    /// Two things in the wrong places: surname and given names, or day and month.
    Swapped,
    /// A part present on one side only (a middle name left out or added).
    MissingPart,
    /// Anything else.
    Different,
}

/// One typed field that differs from the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The field.
    pub field: FieldName,
    /// The value as typed (names as typed; dates, codes and sex normalised).
    pub typed: String,
    /// The value on the document (names in MRZ letters, parts separated by spaces).
    pub document: String,
    /// How they differ.
    pub kind: MismatchKind,
    /// The Damerau-Levenshtein distance between the closest allowed spelling and the document,
    /// for names and document numbers.
    pub distance: Option<usize>,
    /// One sentence for the customer.
    pub reason: String,
}

/// Whether one compared field matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldStatus {
    /// Equal after normalisation.
    Match,
    /// Different (a [`Mismatch`] says how).
    Mismatch,
    /// Equal to the reading, but the image does not show the field clearly enough to confirm
    /// it (a field of [`crate::mrz::Mrz::uncertain_fields`]): the reason a prompt without
    /// mismatches asks for a new image.
    Unsure,
}

/// One compared field, for the field-by-field listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldResult {
    /// The field.
    pub field: FieldName,
    /// The value on the document.
    pub document: String,
    /// The value as typed.
    pub typed: String,
    /// Match or mismatch.
    pub status: FieldStatus,
    /// Why a match is a match where it is not plain equality (a truncated name, a
    /// transliteration variant, an unknown part of a date).
    pub note: Option<String>,
}

/// A policy rule that refused the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalRule {
    /// Mainland Chinese passports (nationality `CHN`) cannot pass KYC for now.
    MainlandChinesePassport,
    /// The document expired before the check date.
    Expired,
    /// The holder is younger than the policy's minimum age.
    UnderMinimumAge,
    /// Only passports are checked automatically; other documents go to a person.
    NotAPassport,
}

/// A rule that refused, with its sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The rule.
    pub rule: RefusalRule,
    /// One sentence for the customer.
    pub reason: String,
}

/// Facts beside the verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// The document's expiry date is before the check date (whether or not the policy refuses it).
    pub document_expired: bool,
    /// How many characters the MRZ engine repaired.
    pub repairs_applied: usize,
    /// The MRZ name field is full, so names were compared by prefix.
    pub name_truncated: bool,
    /// Fields no check digit protects that decided the verdict: an OCR error there would pass
    /// every check, so a person may want to look at them.
    pub unprotected_fields_decided: Vec<FieldName>,
    /// The characters where the verdict rests on the typed value rather than the reading: the
    /// recogniser read another character there, or was in doubt, and gave the typed one at least
    /// [`super::TYPED_SUPPORT`]. Empty when the zone was taken as read.
    pub typed_over_read: Vec<TypedChar>,
    /// The composite check digit (the zone's last, where a thumb holds the page) could not be
    /// seen and was left unchecked: every other check digit held, on the reading
    /// ([`crate::mrz::Mrz::composite_computed`]) or with the typed values (the recogniser under
    /// [`super::UNSEEN`] there). It would only have checked those fields again.
    pub composite_unseen: bool,
}

/// One character of the zone taken as typed (see [`Flags::typed_over_read`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypedChar {
    /// 0-based MRZ line.
    pub line: usize,
    /// 0-based position on the line.
    pub position: usize,
    /// The character read there.
    pub read: char,
    /// The character typed.
    pub typed: char,
    /// The recogniser's probability of the typed character, in percent.
    pub percent: u8,
}

/// What the report shows of the MRZ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MrzSummary {
    /// The layout.
    pub format: MrzFormat,
    /// The lines after repair.
    pub lines: Vec<String>,
    /// Every check digit is valid (or legitimately absent).
    pub check_digits_valid: bool,
    /// Every check digit and its result.
    pub checks: Vec<Check>,
    /// The characters the engine changed.
    pub repairs: Vec<Repair>,
    /// Problems that did not stop decoding.
    pub warnings: Vec<String>,
}

impl MrzSummary {
    /// The summary of a parsed MRZ.
    pub fn of(mrz: &Mrz) -> MrzSummary {
        MrzSummary {
            format: mrz.format,
            lines: mrz.lines.clone(),
            check_digits_valid: mrz.is_valid(),
            checks: mrz.checks.clone(),
            repairs: mrz.repairs.clone(),
            warnings: mrz.warnings.clone(),
        }
    }
}

/// The result of a consistency check; serialises to the versioned JSON schema [`SCHEMA`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The outcome.
    pub verdict: Verdict,
    /// What the customer may do next.
    pub options: Vec<NextStep>,
    /// One sentence that explains the verdict.
    pub summary: String,
    /// The typed fields that differ from the document.
    pub mismatches: Vec<Mismatch>,
    /// The fields that were compared (the typed form's absent fields are not).
    pub compared: Vec<FieldName>,
    /// Every compared field with both values.
    pub fields: Vec<FieldResult>,
    /// The policy rules that refused.
    pub refusals: Vec<Refusal>,
    /// Facts beside the verdict.
    pub flags: Flags,
    /// The MRZ the check used; `None` when there was none.
    pub mrz: Option<MrzSummary>,
    /// What a new image should do better, where the image itself is why the check could not
    /// settle it; `None` for text, and for an image that read confidently or gave no such reason.
    pub capture_hint: Option<CaptureHint>,
}

/// Why a new image of the document would read better than this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaptureHint {
    /// The zone's characters are too few pixels high to read reliably.
    TooSmall {
        /// The located text lines' mean height, in the image's pixels.
        text_height_px: f32,
    },
    /// The zone runs off the image: its lines reach the image's edge, so characters may lie
    /// outside it (a photo cropped too tightly, or the document partly out of frame).
    CutOff {
        /// The edge of the image (as displayed, EXIF orientation applied) the zone runs off.
        edge: ImageEdge,
    },
    /// Characters of one line could not be seen while the rest of it reads clearly: a finger,
    /// glare or a shadow over part of the zone.
    Obscured {
        /// The line, from 1.
        line: usize,
        /// The first character not seen, from 1.
        first: usize,
        /// The last character not seen, from 1.
        last: usize,
    },
}

/// An edge of an image as displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageEdge {
    /// The left edge.
    Left,
    /// The right edge.
    Right,
    /// The top edge.
    Top,
    /// The bottom edge.
    Bottom,
}

impl std::fmt::Display for ImageEdge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ImageEdge::Left => "left",
            ImageEdge::Right => "right",
            ImageEdge::Top => "top",
            ImageEdge::Bottom => "bottom",
        })
    }
}

/// Text lines lower than this (in pixels) read unreliably. On 500 hard generator documents
/// (`kyc-ocr eval`, seeds 10011, 10013, 10016, 20002, 20005), 69 of 83 zones whose lines are under
/// 16 px high were not read exactly, against 23 of 75 at 16-24 px and 41 of 342 from 24 px up.
/// Size alone is no verdict (sharp photos read exactly with 9 px lines), so the hint is only given
/// for a read that is unsure.
pub const MIN_TEXT_HEIGHT_PX: f32 = 16.0;

/// The height from which lines read reliably, for the customer's instruction.
const GOOD_TEXT_HEIGHT_PX: f32 = 24.0;

impl CaptureHint {
    /// The hint for a zone whose reading was not confident, from its text height; `None` where
    /// the size is no reason to retake.
    pub fn for_unsure_read(text_height_px: f32) -> Option<CaptureHint> {
        (text_height_px > 0.0 && text_height_px < MIN_TEXT_HEIGHT_PX)
            .then_some(CaptureHint::TooSmall { text_height_px })
    }
}

impl std::fmt::Display for CaptureHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureHint::TooSmall { text_height_px } => write!(
                f,
                "the machine readable zone's characters are only {text_height_px:.0} px high in \
                 this image; a closer, sharp photo, with them at least {GOOD_TEXT_HEIGHT_PX:.0} px \
                 high, reads more reliably"
            ),
            CaptureHint::CutOff { edge } => write!(
                f,
                "the machine readable zone runs off the {edge} edge of this image; a photo with \
                 the whole zone in it, and some margin around it, reads more reliably"
            ),
            CaptureHint::Obscured { line, first, last } => {
                let chars = if first == last {
                    format!("character {first}")
                } else {
                    format!("characters {first}-{last}")
                };
                write!(
                    f,
                    "{chars} of line {line} of the machine readable zone cannot be seen in this \
                     image; a photo with nothing over the zone (fingers, glare, shadows) reads \
                     more reliably"
                )
            }
        }
    }
}

impl Report {
    /// The report for an image in which no MRZ was found at all, saying what the customer should
    /// photograph instead: the wrong page or side (a passport's cover, an identity card's front)
    /// is the commonest cause, and the form's document type says where that kind keeps its zone.
    pub fn no_mrz_found(document_type: Option<DocumentType>) -> Report {
        let what = match document_type {
            Some(DocumentType::Passport) => {
                "the whole photo page of the passport, flat and in focus; its foot holds two \
                 lines of letters, digits and <"
            }
            Some(DocumentType::Other) => {
                "the whole side of the document that holds two or three lines of letters, digits \
                 and < (the back of most identity cards and residence permits), flat and in focus"
            }
            None => {
                "the whole side of the document that holds two or three lines of letters, digits \
                 and < (a passport's photo page, the back of most identity cards), flat and in \
                 focus"
            }
        };
        Report::unreadable_without_mrz(format!(
            "no machine readable zone found in the image: photograph {what}"
        ))
    }

    /// The report for an image (or text) in which no MRZ could be found or parsed; `why` is one
    /// sentence for the customer (it must not contain personal data read from the document).
    pub fn unreadable_without_mrz(why: impl Into<String>) -> Report {
        Report {
            schema: SCHEMA,
            verdict: Verdict::Unreadable,
            options: vec![NextStep::NewImage, NextStep::GoForManualVerification],
            summary: why.into(),
            mismatches: Vec::new(),
            compared: Vec::new(),
            fields: Vec::new(),
            refusals: Vec::new(),
            flags: Flags::default(),
            mrz: None,
            capture_hint: None,
        }
    }

    /// Attaches what a new image should do better (the engine's `ReadOutput::capture_hint` for
    /// the image the MRZ came from) where the check did not come out consistent, and then offers
    /// a new image first; a consistent report stays as it is.
    pub fn with_capture_hint(mut self, hint: Option<CaptureHint>) -> Report {
        if self.verdict != Verdict::Consistent && hint.is_some() {
            self.capture_hint = hint;
            if !self.options.contains(&NextStep::NewImage) {
                self.options.insert(0, NextStep::NewImage);
            }
        }
        self
    }

    /// The report as JSON (one line).
    pub fn to_json(&self) -> String {
        // Every type in a report serialises infallibly (no maps with non-string keys, no floats).
        serde_json::to_string(self).unwrap_or_default()
    }
}
