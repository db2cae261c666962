//! MRZ text engine: parse, validate and repair the machine readable zone of ICAO 9303 documents.

pub mod check_digit;
mod types;

pub use types::*;

/// Parses MRZ text: lines separated by newlines or `|`; surrounding whitespace, blank lines and
/// lower case are tolerated.
pub fn parse(text: &str) -> Result<Mrz, MrzError> {
    let _ = text;
    Err(MrzError::new(MrzErrorKind::Empty, "mrz parser is being written"))
}

/// Parses MRZ lines given one per item.
pub fn parse_lines<S: AsRef<str>>(lines: &[S], opts: &ParseOptions) -> Result<Mrz, MrzError> {
    let _ = (lines, opts);
    Err(MrzError::new(MrzErrorKind::Empty, "mrz parser is being written"))
}

/// Parses the recogniser's readings, repairing with per-position alternatives.
pub fn parse_reading(lines: &[LineReading], opts: &ParseOptions) -> Result<Mrz, MrzError> {
    let _ = (lines, opts);
    Err(MrzError::new(MrzErrorKind::Empty, "mrz parser is being written"))
}

/// Composes the MRZ lines of a document, computing every check digit.
pub fn compose(doc: &MrzData) -> Result<Vec<String>, MrzError> {
    let _ = doc;
    Err(MrzError::new(MrzErrorKind::Empty, "mrz composer is being written"))
}
