//! MRZ text parsing and repair: any text, and any recogniser reading built from it, must give a
//! parse or a typed error, never a panic; a valid result must re-parse to itself.
#![no_main]

use kyc_ocr::mrz::{self, CharCandidate, LineReading, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = mrz::parse(text) {
        if m.is_valid() {
            let again = mrz::parse_lines(&m.lines, &ParseOptions::default()).expect("re-parses");
            assert_eq!(again.lines, m.lines);
        }
    }
    // The same characters as a recogniser reading, with the following byte as an alternative, so
    // the check-digit-guided search sees many candidates.
    let bytes = text.as_bytes();
    let readings: Vec<LineReading> = text
        .split(['\n', '|'])
        .map(|line| LineReading {
            positions: line
                .char_indices()
                .map(|(i, ch)| {
                    let alt = bytes.get(i + 1).map_or('<', |&b| char::from(b));
                    vec![
                        CharCandidate { ch, log_prob: -0.1 },
                        CharCandidate { ch: alt, log_prob: -2.5 },
                    ]
                })
                .collect(),
            // Any position, in range or not: the parser must name or drop it, never panic.
            pitch_breaks: vec![usize::from(bytes.first().copied().unwrap_or(0))],
        })
        .collect();
    let _ = mrz::parse_reading(&readings, &ParseOptions::default());
});
