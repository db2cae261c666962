//! Public types of the MRZ text engine: the parsed document, its check digits and repairs, the
//! recogniser's per-position candidates, parse options, the composer's input and the error type.

use serde::{Deserialize, Serialize};

/// The MRZ layouts: those of ICAO 9303, and the one national layout in wide use beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzFormat {
    /// ID card size: three lines of 30 characters.
    Td1,
    /// Two lines of 36 characters (older ID cards, some travel documents).
    Td2,
    /// Passport: two lines of 44 characters.
    Td3,
    /// Full-size visa: two lines of 44 characters, starting with `V`.
    #[serde(rename = "mrva")]
    MrvA,
    /// Small visa: two lines of 36 characters, starting with `V`.
    #[serde(rename = "mrvb")]
    MrvB,
    /// The French national identity card of 1988-2021 (valid into the 2030s): two lines of 36
    /// characters in a layout of its own, not ICAO's. Line 1 holds `IDFRA`, the surname and the
    /// issuing office; line 2 the 12-character card number, the given names, birth date and sex.
    /// It has no nationality field (the card is issued to French nationals only) and no expiry
    /// date.
    FrenchId,
}

impl MrzFormat {
    /// Every layout.
    pub const ALL: [MrzFormat; 6] = [
        MrzFormat::Td1,
        MrzFormat::Td2,
        MrzFormat::Td3,
        MrzFormat::MrvA,
        MrzFormat::MrvB,
        MrzFormat::FrenchId,
    ];

    /// The number of lines of this layout.
    pub fn line_count(self) -> usize {
        match self {
            MrzFormat::Td1 => 3,
            _ => 2,
        }
    }

    /// The number of characters on each line of this layout.
    pub fn line_len(self) -> usize {
        match self {
            MrzFormat::Td1 => 30,
            MrzFormat::Td2 | MrzFormat::MrvB | MrzFormat::FrenchId => 36,
            MrzFormat::Td3 | MrzFormat::MrvA => 44,
        }
    }

    /// The short lowercase name used in messages and JSON (`td3`, `mrva`).
    pub fn name(self) -> &'static str {
        match self {
            MrzFormat::Td1 => "td1",
            MrzFormat::Td2 => "td2",
            MrzFormat::Td3 => "td3",
            MrzFormat::MrvA => "mrva",
            MrzFormat::MrvB => "mrvb",
            MrzFormat::FrenchId => "french_id",
        }
    }
}

impl std::fmt::Display for MrzFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a field sits in the MRZ: 0-based line, character range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// 0-based line index.
    pub line: usize,
    /// 0-based index of the first character.
    pub start: usize,
    /// 0-based index one past the last character.
    pub end: usize,
}

/// One decoded field with the exact MRZ characters it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field<T> {
    /// The decoded value.
    pub value: T,
    /// The exact MRZ characters of the field, fillers (`<`) included.
    pub raw: String,
    /// Where the field sits (for a long TD1/TD2 document number, the first part).
    pub span: Span,
}

/// The holder's sex as the MRZ states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `<` or `X` (the raw character stays in [`Field::raw`]).
    Unspecified,
}

/// A YYMMDD date; each part is `None` where the MRZ writes `<` (unknown).
///
/// Month and day hold the digits as written, so an impossible date (month 13, 30 February) keeps its
/// numbers; [`MrzDate::civil`] is `None` for it and the parser warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MrzDate {
    /// The full four-digit year after the century rule of [`ParseOptions`].
    pub year: Option<i32>,
    /// Month 1-12 (or the out-of-range number as written).
    pub month: Option<u8>,
    /// Day of the month (or the out-of-range number as written).
    pub day: Option<u8>,
}

impl MrzDate {
    /// The calendar date, or `None` if any part is unknown or the date does not exist.
    pub fn civil(&self) -> Option<jiff::civil::Date> {
        let year = i16::try_from(self.year?).ok()?;
        let month = i8::try_from(self.month?).ok()?;
        let day = i8::try_from(self.day?).ok()?;
        jiff::civil::Date::new(year, month, day).ok()
    }
}

/// Every field of an MRZ, decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MrzFields {
    /// Document code with fillers stripped: `P`, `PD`, `I`, `ID`, `V`, ...
    pub document_code: Field<String>,
    /// Issuing state or organisation code, fillers stripped: `UTO`, `D`.
    pub issuing_state: Field<String>,
    /// Primary identifier, parts joined with a space (`ERIKSSON`).
    pub surname: Field<String>,
    /// Secondary identifier, parts joined with a space (`ANNA MARIA`); may be empty.
    pub given_names: Field<String>,
    /// The last position of the name field holds a letter, so the name may be truncated: compare
    /// it with typed names by prefix.
    pub name_truncated: bool,
    /// Document number, fillers stripped; a long TD1/TD2 number is joined with its continuation in
    /// the optional data (the span is that of the first part).
    pub document_number: Field<String>,
    /// Nationality code, fillers stripped. The French identity card of 1988-2021
    /// ([`MrzFormat::FrenchId`]) has no nationality field; it is issued to French nationals only,
    /// so this is its issuing state's field (`FRA`, with that field's span).
    pub nationality: Field<String>,
    /// Date of birth.
    pub birth_date: Field<MrzDate>,
    /// Sex.
    pub sex: Field<Sex>,
    /// Date of expiry. The French identity card of 1988-2021 ([`MrzFormat::FrenchId`]) has none:
    /// every part is unknown, and the raw text and the span are empty.
    pub expiry_date: Field<MrzDate>,
    /// TD3 personal number, or the optional data of TD1 line 1 / TD2 / visas, fillers stripped
    /// (for a long TD1/TD2 document number, what follows its continuation); on the French
    /// identity card, the issuing office's code at the end of line 1.
    pub optional_data: Field<String>,
    /// TD1 line 2 optional data; `None` for other formats.
    pub optional_data_2: Option<Field<String>>,
}

impl MrzFields {
    /// The issuing state and nationality codes ICAO does not list, named (`"issuing state"`,
    /// `"nationality"`) with their value; an empty code is not counted.
    pub(crate) fn unknown_country_codes(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("issuing state", &self.issuing_state.value),
            ("nationality", &self.nationality.value),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty() && crate::countries::by_mrz_code(v).is_none())
        .map(|(what, v)| (what, v.as_str()))
    }
}

/// The state of one check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CheckStatus {
    /// The digit matches its data.
    Valid,
    /// The digit does not match its data.
    Invalid {
        /// The character the MRZ holds.
        found: char,
        /// The digit the data calls for.
        expected: char,
    },
    /// Legitimately not there: the TD3 personal-number digit written `<` over an empty field.
    Absent,
}

/// Which field a check digit protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckedField {
    /// Document number.
    DocumentNumber,
    /// Date of birth.
    BirthDate,
    /// Date of expiry.
    ExpiryDate,
    /// TD3 personal number (optional data).
    PersonalNumber,
    /// The composite digit over the number, dates and optional data.
    Composite,
}

impl CheckedField {
    /// The field name used in messages (`date of birth`).
    pub fn label(self) -> &'static str {
        match self {
            CheckedField::DocumentNumber => "document number",
            CheckedField::BirthDate => "date of birth",
            CheckedField::ExpiryDate => "date of expiry",
            CheckedField::PersonalNumber => "personal number",
            CheckedField::Composite => "composite",
        }
    }

    /// The snake_case key used in JSON (`birth_date`).
    pub fn key(self) -> &'static str {
        match self {
            CheckedField::DocumentNumber => "document_number",
            CheckedField::BirthDate => "birth_date",
            CheckedField::ExpiryDate => "expiry_date",
            CheckedField::PersonalNumber => "optional_data",
            CheckedField::Composite => "composite",
        }
    }
}

/// One check digit and its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The field it protects.
    pub field: CheckedField,
    /// Valid, invalid or absent (flattened in JSON: `"status": "invalid", "found": "3", ...`).
    #[serde(flatten)]
    pub status: CheckStatus,
    /// Where the digit sits.
    pub span: Span,
}

impl Check {
    /// A lowercase sentence for people: "check digit of date of birth is 3, expected 7".
    pub fn describe(&self) -> String {
        match self.status {
            CheckStatus::Valid => format!("check digit of {} is valid", self.field.label()),
            CheckStatus::Absent => format!("check digit of {} is absent", self.field.label()),
            CheckStatus::Invalid { found, expected } => format!(
                "check digit of {} is {}, expected {}",
                self.field.label(),
                found,
                expected
            ),
        }
    }
}

/// One character the engine changed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repair {
    /// 0-based line.
    pub line: usize,
    /// 0-based position on the line.
    pub position: usize,
    /// The character read.
    pub from: char,
    /// The character kept.
    pub to: char,
    /// The field's snake_case name (`birth_date`, `surname`).
    pub field: String,
    /// Why: a class-forced substitution, or the check digits that confirm it.
    pub reason: String,
}

/// A step between two characters of a reading that breaks the MRZ's fixed pitch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PitchBreak {
    /// 0-based line.
    pub line: usize,
    /// 0-based position of the character before the step (the step is to `position + 1`).
    pub position: usize,
    /// The field's snake_case name at `position` (`surname`, `optional_data`), or `filler`.
    pub field: String,
}

/// A parsed, validated (and possibly repaired) MRZ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mrz {
    /// The layout.
    pub format: MrzFormat,
    /// The MRZ lines after repair.
    pub lines: Vec<String>,
    /// Every field, decoded.
    pub fields: MrzFields,
    /// Every check digit of the layout, in MRZ order.
    pub checks: Vec<Check>,
    /// Every character the engine changed.
    pub repairs: Vec<Repair>,
    /// Problems that do not stop decoding: impossible dates, unknown country codes, odd codes.
    pub warnings: Vec<String>,
    /// Fields whose characters cannot be what the layout allows, whatever the check digits say:
    /// a sex other than `M`, `F`, `X` or `<`; a date part that is neither two digits nor `<<`, a
    /// month outside 01-12, a day the month does not have; a document code of a kind the layout
    /// does not admit (a TD1 card's must start with `A`, `C` or `I`). Such a zone is not valid.
    pub malformed_fields: Vec<String>,
    /// Checked fields whose digit holds but does not confirm them: the recogniser was so unsure of
    /// several of their characters (a thumb over them, a faded corner) that, given its scores and
    /// the digits holding, the values read are less than 80% likely; a wrong reading passes a
    /// digit about one time in ten. Such a zone is not valid. Always empty for plain text, which
    /// carries no scores.
    pub unconfirmed_fields: Vec<String>,
    /// The composite check digit was not legible (the zone's last character, under a thumb or
    /// glare) and was computed from the fields it covers, each of which holds its own check digit
    /// and was read clearly. It confirms nothing: the zone can be valid, but the composite's
    /// confidence stays the recogniser's, so it is not confident. Always false for plain text.
    pub composite_computed: bool,
    /// Places where the characters read do not sit at the fixed pitch an MRZ is printed at
    /// ([`LineReading::pitch_breaks`]): the recogniser read a character twice or missed one, and
    /// the rest of the line may be shifted by a place, which a check digit catches only where it
    /// covers the shift (a name has none). Such a zone is not valid. Always empty for plain text.
    pub pitch_breaks: Vec<PitchBreak>,
    /// How sure the recogniser is of each field, in MRZ order (empty for plain text, which carries
    /// no scores). Check digits count towards the field they protect (`composite` for the
    /// composite digit).
    pub confidence: Vec<FieldConfidence>,
    /// The fields whose confidence is below [`ParseOptions::min_confidence`]: a wrong character
    /// there is likely enough that the read must not be trusted as it stands, even when every
    /// check digit holds.
    pub uncertain_fields: Vec<String>,
    /// The recogniser's probability of each MRZ character it considered, per line and position
    /// of [`Mrz::lines`] (empty for plain text). A typed value is weighed against it where the
    /// reading itself is in doubt ([`Mrz::char_probability`]). Not serialised: the reading's JSON
    /// stays the parse.
    #[serde(skip)]
    pub char_probs: Vec<Vec<Vec<(char, f32)>>>,
}

/// How sure the recogniser is of one field.
///
/// The confidence is one minus the largest risk of any of the field's characters. A character's
/// risk is the probability the recogniser does not give to it, less what it gives to characters
/// the position cannot hold (a digit in a name; a letter that would turn a known country code
/// into an unknown one). Under a check digit that holds (where no other character of that digit's
/// data is below the threshold, so no two errors can cancel) only the candidates the digit cannot
/// tell apart (equal value modulo 10: `<`/`K`, `G`/`6`) count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldConfidence {
    /// The field's snake_case name (`surname`, `birth_date`, `composite`).
    pub field: String,
    /// In [0, 1].
    pub confidence: f32,
}

impl Mrz {
    /// Every check digit is valid or legitimately absent, no field is malformed
    /// ([`Mrz::malformed_fields`]: check digits pass on a month 13 or a sex `G` too), and every
    /// digit that holds confirms its field ([`Mrz::unconfirmed_fields`]), and the characters
    /// read sit at the MRZ's fixed pitch ([`Mrz::pitch_breaks`]).
    ///
    /// This says nothing about fields that no check digit protects (see
    /// [`Mrz::unprotected_fields`]).
    pub fn is_valid(&self) -> bool {
        self.malformed_fields.is_empty()
            && self.unconfirmed_fields.is_empty()
            && self.pitch_breaks.is_empty()
            && self
                .checks
                .iter()
                .all(|c| matches!(c.status, CheckStatus::Valid | CheckStatus::Absent))
    }

    /// The fields no check digit covers in this layout: an OCR error there passes every check, so
    /// the recogniser must get them right and a comparison must not trust them blindly. The
    /// layout table says which: on the French identity card its last digit covers both lines up
    /// to it, names and sex included, and no field is left.
    pub fn unprotected_fields(&self) -> Vec<&'static str> {
        let layout = super::layout::Layout::of(self.format);
        let checks = layout.checks(None);
        let covered = |at: (usize, usize)| checks.iter().any(|c| c.positions().any(|q| q == at));
        let one = |(line, p): (usize, usize)| Span {
            line,
            start: p,
            end: p + 1,
        };
        [
            ("document_code", layout.code),
            ("issuing_state", layout.issuing),
            ("surname", layout.name),
            ("given_names", layout.given.unwrap_or(layout.name)),
            ("nationality", layout.nationality.unwrap_or(layout.issuing)),
            ("sex", one(layout.sex)),
            ("optional_data", layout.optional),
        ]
        .into_iter()
        .filter(|(_, s)| !(s.start..s.end).all(|p| covered((s.line, p))))
        .map(|(field, _)| field)
        .collect()
    }

    /// The probability the recogniser gave `ch` at `position` of `line` (0 where it did not list
    /// it), or `None` for a zone parsed from plain text, which carries no scores.
    pub fn char_probability(&self, line: usize, position: usize, ch: char) -> Option<f32> {
        let pos = self.char_probs.get(line)?.get(position)?;
        Some(pos.iter().find(|c| c.0 == ch).map_or(0.0, |c| c.1))
    }

    /// Every check digit holds and no field is uncertain ([`Mrz::uncertain_fields`]): the only
    /// reads a caller may take as they stand.
    pub fn is_confident(&self) -> bool {
        self.is_valid() && self.uncertain_fields.is_empty()
    }

    /// The confidence of `field` (`surname`, `birth_date`), if it was scored.
    pub fn field_confidence(&self, field: &str) -> Option<f32> {
        self.confidence
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.confidence)
    }

    /// The check of `field`, if the layout has one.
    pub fn check(&self, field: CheckedField) -> Option<&Check> {
        self.checks.iter().find(|c| c.field == field)
    }
}

/// One candidate character of the recogniser at one position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CharCandidate {
    /// The character.
    pub ch: char,
    /// Its natural-log probability.
    pub log_prob: f32,
}

/// The recogniser's reading of one MRZ line: per position, candidates best-first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LineReading {
    /// `positions[i][0]` is the best reading of position `i`.
    pub positions: Vec<Vec<CharCandidate>>,
    /// Positions `i` where the step from character `i` to `i + 1` breaks the fixed pitch every
    /// MRZ is printed at (under 0.4 or over 1.8 times the local pitch): a character read twice or
    /// missed there shifts the rest of the line. Set by the recogniser from where each character
    /// sits in the line; empty for plain text and for a reading whose spacing is regular.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pitch_breaks: Vec<usize>,
}

impl LineReading {
    /// A reading with one certain candidate per character (for tests and plain text).
    pub fn from_text(text: &str) -> Self {
        LineReading {
            positions: text
                .chars()
                .map(|ch| vec![CharCandidate { ch, log_prob: 0.0 }])
                .collect(),
            pitch_breaks: Vec::new(),
        }
    }

    /// The best reading as text.
    pub fn best_text(&self) -> String {
        self.positions
            .iter()
            .map(|p| p.first().map_or('<', |c| c.ch))
            .collect()
    }
}

/// How to parse: the date used by the century rules, the expiry window, and whether to repair.
///
/// Century rules (ICAO 9303 has none):
/// - date of birth: the latest date not after `today` (unknown month/day count as 1 for the
///   comparison), so a birth year `74` is 1974 and `24` in 2025 is 2024;
/// - date of expiry: the year in the window `[today.year - expiry_years_past,
///   today.year + expiry_years_future]`; where the window is under 100 years and holds no candidate,
///   the candidate nearest to it. The default window, 69 years back and 30 ahead, covers exactly
///   100 years, so every two-digit year maps to one year (in 2025: `00`-`55` to 2000-2055, `56`-`99`
///   to 1956-1999).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions {
    /// The reference date of the century rules.
    pub today: jiff::civil::Date,
    /// How many years back an expiry year may lie.
    pub expiry_years_past: i32,
    /// How many years ahead an expiry year may lie.
    pub expiry_years_future: i32,
    /// Repair OCR confusions (class-forced and check-digit-guided); when `false` the text is
    /// validated as read.
    pub repair: bool,
    /// A field of a scored reading whose confidence ([`FieldConfidence`]) is below this is listed
    /// in [`Mrz::uncertain_fields`]. Chosen on generated photos (seed 11) and checked on another
    /// seed: every "valid but wrong" read seen there had a field below 0.9.
    pub min_confidence: f32,
}

/// The default of [`ParseOptions::min_confidence`].
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.9;

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            today: jiff::Zoned::now().date(),
            expiry_years_past: 69,
            expiry_years_future: 30,
            repair: true,
            min_confidence: DEFAULT_MIN_CONFIDENCE,
        }
    }
}

/// The plain data of a document, input of [`crate::mrz::compose`].
///
/// Names are already ICAO-transliterated (A-Z), parts separated by spaces (hyphens also become
/// fillers, apostrophes are dropped). Dates are YYMMDD strings that may hold `<` for unknown parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzData {
    /// The layout to compose.
    pub format: MrzFormat,
    /// `P`, `PD`, `I`, `ID`, `V`, ...
    pub document_code: String,
    /// Issuing state code (`UTO`, `D`).
    pub issuing_state: String,
    /// Primary identifier.
    pub surname: String,
    /// Secondary identifier, may be empty.
    pub given_names: String,
    /// Document number; TD1/TD2 numbers over 9 characters continue in the optional data.
    pub document_number: String,
    /// Nationality code (ignored by [`MrzFormat::FrenchId`], which has none).
    pub nationality: String,
    /// YYMMDD, may hold `<`.
    pub birth_date: String,
    /// `M`, `F`, `X` or `<`.
    pub sex: char,
    /// YYMMDD, may hold `<` (ignored by [`MrzFormat::FrenchId`], which has none).
    pub expiry_date: String,
    /// TD3 personal number, or the optional data of TD1 line 1 / TD2 / visas; the issuing office
    /// of a French identity card.
    pub optional_data: String,
    /// TD1 line 2 optional data (ignored by other formats).
    pub optional_data_2: String,
}

/// What went wrong, for programs; [`MrzError`]'s message says it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MrzErrorKind {
    /// No MRZ text at all.
    Empty,
    /// The input is larger than any MRZ could be.
    InputTooLarge,
    /// Not 2 or 3 lines.
    LineCount,
    /// A line's length fits no layout.
    LineLength,
    /// A character outside `A`-`Z`, `0`-`9`, `<`.
    InvalidCharacter,
    /// Composer: a field does not fit its place.
    FieldTooLong,
    /// Composer: a field's value is malformed (a date that is not YYMMDD, a bad sex character).
    InvalidField,
}

/// An MRZ that cannot be parsed or composed. The message names the line, position or field
/// (lines and positions 1-based, as printed in ICAO 9303).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MrzError {
    kind: MrzErrorKind,
    line: Option<usize>,
    position: Option<usize>,
    message: String,
}

impl MrzError {
    pub(crate) fn new(kind: MrzErrorKind, message: impl Into<String>) -> Self {
        MrzError {
            kind,
            line: None,
            position: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(mut self, line: usize, position: Option<usize>) -> Self {
        self.line = Some(line);
        self.position = position;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> MrzErrorKind {
        self.kind
    }

    /// The 0-based line concerned, if any.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The 0-based position on that line, if any.
    pub fn position(&self) -> Option<usize> {
        self.position
    }
}
