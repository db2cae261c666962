//! kyc-ocr: reads the machine readable zone (MRZ) of travel documents, validates it, and checks it
//! against what a customer typed into a KYC form.
//!
//! The pipeline, one module per stage:
//! - [`mrz`]: MRZ text to a typed, validated document (all ICAO 9303 formats), with check-digit-guided
//!   repair of OCR confusions.
//! - [`decode`]: image bytes to pixels, with limits and EXIF orientation.
//! - [`locate`]: finds the MRZ at any rotation (classical, rotation invariant).
//! - [`countries`]: ICAO and ISO country codes and names.
//! - [`translit`]: ICAO 9303 Part 3 transliteration of names to the MRZ alphabet.
//! - [`compare`]: checks a typed KYC form against the MRZ and gives a verdict with reasons.
#![forbid(unsafe_code)]

pub mod compare;
pub mod countries;
pub mod decode;
pub mod locate;
pub mod mrz;
pub mod translit;
