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

/// The most positions [`constrain_line`] changes: on the real line crops, lines of non-ICAO
/// layouts broke 4 to 9 positions of their best-fitting ICAO line, misread ICAO lines 1 or 2.
pub const MAX_CLASS_BREAKS: usize = 2;

/// One line read without its neighbours (a line crop): the recogniser's best reading with every
/// character the line's layout forbids (a digit in a name, a letter in a date) replaced by the
/// likeliest allowed candidate, as [`parse_reading`] does for a whole zone. Which layout line it is
/// comes from its length and from the classes its reading fits: the best fit may break at most
/// [`MAX_CLASS_BREAKS`] positions (more means a line of some other, non-ICAO layout, such as a
/// national ID card's, which forcing would damage), and every line the reading fits within two of
/// the best fit must force the same text; otherwise the reading is returned unchanged. No check
/// digit is consulted, so nothing is "repaired" beyond the character classes.
pub fn constrain_line(reading: &LineReading) -> String {
    let best = reading.best_text();
    let cands: Vec<repair::Cands> = reading
        .positions
        .iter()
        .map(|pos| parse::candidates(pos))
        .collect();
    if cands.iter().any(Vec::is_empty) {
        return best;
    }
    // (violations, forced text) per candidate layout line.
    let mut roles: Vec<(usize, String)> = Vec::new();
    for format in MrzFormat::ALL
        .into_iter()
        .filter(|f| f.line_len() == cands.len())
    {
        for classes in layout::Layout::of(format).classes(None) {
            let mut violations = 0;
            let forced: String = cands
                .iter()
                .zip(&classes)
                .map(|(c, &(class, _))| {
                    if class.allows(c[0].0) {
                        return char::from(c[0].0);
                    }
                    violations += 1;
                    let to = c.iter().find(|x| class.allows(x.0)).map_or(c[0].0, |x| x.0);
                    char::from(to)
                })
                .collect();
            roles.push((violations, forced));
        }
    }
    let Some(fewest) = roles
        .iter()
        .map(|r| r.0)
        .min()
        .filter(|&v| v <= MAX_CLASS_BREAKS)
    else {
        return best;
    };
    let mut fitting = roles.iter().filter(|r| r.0 <= fewest + 2).map(|r| &r.1);
    match fitting.next() {
        Some(first) if fitting.all(|t| t == first) => first.clone(),
        _ => best,
    }
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
