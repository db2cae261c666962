//! MRZ text engine: parse, validate and repair the machine readable zone of ICAO 9303 documents.

pub mod check_digit;
