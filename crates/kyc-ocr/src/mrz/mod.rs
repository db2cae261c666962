//! MRZ text engine: parse, validate and repair the machine readable zone of ICAO 9303 documents.
//!
//! ```
//! let mrz = kyc_ocr::mrz::parse(
//!     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
//! )
//! .unwrap();
//! assert_eq!(mrz.format, kyc_ocr::mrz::MrzFormat::Td3);
//! assert_eq!(mrz.fields.given_names.value, "ANNA MARIA");
//! assert!(mrz.is_valid());
//! ```
//!
//! What no check digit can catch: characters whose values are equal modulo 10 can replace each other
//! without changing a check digit ([`INVISIBLE_SUBSTITUTIONS`]), and names, sex, nationality and
//! issuing state have no check digit at all ([`Mrz::unprotected_fields`]).

pub mod check_digit;
mod compose;
mod layout;
mod parse;
mod repair;
mod types;

pub use compose::compose;
pub use parse::MAX_INPUT_BYTES;
pub use types::*;

/// Classes of MRZ characters with equal check-digit value modulo 10: a substitution within a class
/// is invisible to every check digit (a `<` read as `K`, `G` as `6`, `S` as `I`).
pub const INVISIBLE_SUBSTITUTIONS: [&str; 10] = [
    "0AKU<", "1BLV", "2CMW", "3DNX", "4EOY", "5FPZ", "6GQ", "7HR", "8IS", "9JT",
];

/// Parses MRZ text: lines separated by newlines or `|`; whitespace (also inside lines), blank lines
/// and lower case are tolerated. Uses [`ParseOptions::default`] (today's date, repair on): characters
/// a field cannot hold are replaced from the OCR confusion table and check digits guide the repair
/// of the rest, every change reported in [`Mrz::repairs`].
pub fn parse(text: &str) -> Result<Mrz, MrzError> {
    parse::parse_text(text)
}

/// Parses MRZ lines given one per item (normalised as [`parse`] does).
pub fn parse_lines<S: AsRef<str>>(lines: &[S], opts: &ParseOptions) -> Result<Mrz, MrzError> {
    parse::parse_lines(lines, opts)
}

/// Parses the recogniser's readings, repairing with the per-position alternatives (and the OCR
/// confusion table below them) where check digits call for it.
pub fn parse_reading(lines: &[LineReading], opts: &ParseOptions) -> Result<Mrz, MrzError> {
    parse::parse_reading(lines, opts)
}

impl Mrz {
    /// The issuing state or organisation, named, if the code is known.
    pub fn issuing_country(&self) -> Option<&'static crate::countries::Country> {
        crate::countries::by_mrz_code(&self.fields.issuing_state.value)
    }

    /// The nationality, named, if the code is known.
    pub fn nationality_country(&self) -> Option<&'static crate::countries::Country> {
        crate::countries::by_mrz_code(&self.fields.nationality.value)
    }
}
