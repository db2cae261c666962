//! The document formats (ICAO 9303's, and the French identity card's) and their physical layout.

use serde::{Deserialize, Serialize};

/// A machine readable document format: one of ICAO Doc 9303, or the French identity card's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocFormat {
    /// Passport data page, 125 x 88 mm, two lines of 44 characters.
    Td3,
    /// ID card, 85.6 x 54 mm, three lines of 30 characters.
    Td1,
    /// ID card or document, 105 x 74 mm, two lines of 36 characters.
    Td2,
    /// Visa MRV-A, 120 x 80 mm, two lines of 44 characters.
    MrvA,
    /// Visa MRV-B, 105 x 74 mm, two lines of 36 characters.
    MrvB,
    /// The French identity card of 1988-2021, 105 x 74 mm, two lines of 36 characters in a
    /// layout of its own (`kyc_ocr::mrz::MrzFormat::FrenchId`).
    #[serde(rename = "french_id")]
    FrenchId,
}

impl DocFormat {
    /// The ICAO formats, in a fixed order (the `mixed` generator cycles through it, so a seed
    /// gives the documents it always gave).
    pub const ALL: [DocFormat; 5] = [
        DocFormat::Td3,
        DocFormat::Td1,
        DocFormat::Td2,
        DocFormat::MrvA,
        DocFormat::MrvB,
    ];

    /// Every format, the ICAO ones and the French identity card.
    pub const NAMED: [DocFormat; 6] = [
        DocFormat::Td3,
        DocFormat::Td1,
        DocFormat::Td2,
        DocFormat::MrvA,
        DocFormat::MrvB,
        DocFormat::FrenchId,
    ];

    /// The lowercase name used on the command line and in `truth.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            DocFormat::Td3 => "td3",
            DocFormat::Td1 => "td1",
            DocFormat::Td2 => "td2",
            DocFormat::MrvA => "mrva",
            DocFormat::MrvB => "mrvb",
            DocFormat::FrenchId => "french_id",
        }
    }

    /// Parses a name as written by [`DocFormat::name`], in any case.
    pub fn from_name(name: &str) -> Option<DocFormat> {
        DocFormat::NAMED
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Width and height of the document in millimetres (Doc 9303 Parts 4-7).
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            DocFormat::Td3 => (125.0, 88.0),
            DocFormat::Td1 => (85.6, 54.0),
            DocFormat::Td2 => (105.0, 74.0),
            DocFormat::MrvA => (120.0, 80.0),
            DocFormat::MrvB | DocFormat::FrenchId => (105.0, 74.0),
        }
    }

    /// Number of MRZ lines.
    pub fn line_count(self) -> usize {
        match self {
            DocFormat::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per MRZ line.
    pub fn line_len(self) -> usize {
        match self {
            DocFormat::Td1 => 30,
            DocFormat::Td2 | DocFormat::MrvB | DocFormat::FrenchId => 36,
            DocFormat::Td3 | DocFormat::MrvA => 44,
        }
    }

    /// Whether the format is a visa (its document code starts with `V`).
    pub fn is_visa(self) -> bool {
        matches!(self, DocFormat::MrvA | DocFormat::MrvB)
    }
}

impl std::fmt::Display for DocFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in DocFormat::NAMED {
            assert_eq!(DocFormat::from_name(f.name()), Some(f));
            assert_eq!(DocFormat::from_name(&f.name().to_uppercase()), Some(f));
        }
        assert_eq!(DocFormat::from_name("td4"), None);
    }

    #[test]
    fn mrz_fits_the_document_at_icao_pitch() {
        // 2.54 mm per character must leave a margin on both sides of every format.
        for f in DocFormat::NAMED {
            let (w, _) = f.size_mm();
            let text = f.line_len() as f32 * 2.54;
            assert!(text + 6.0 < w, "{f}: {text} mm of text on a {w} mm page");
        }
    }
}
