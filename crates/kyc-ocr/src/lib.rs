//! kyc-ocr: reads the machine readable zone (MRZ) of travel documents, validates it, and checks it
//! against what a customer typed into a KYC form.
//!
//! The pipeline, one module per stage:
//! - [`mrz`]: MRZ text to a typed, validated document (all ICAO 9303 formats), with check-digit-guided
//!   repair of OCR confusions.
//! - [`decode`]: image bytes to pixels, with limits and EXIF orientation; a scan saved as PDF gives
//!   up the page image inside it.
//! - [`descreen`]: a dithered (1-bit, fax-like) image smoothed back into grey levels.
//! - [`locate`]: finds the MRZ at any rotation (classical, rotation invariant).
//! - [`rectify`]: cuts each MRZ line out, deskewed and along its arc where the page bows, at the
//!   recogniser's input height.
//! - [`recognise`]: the line recogniser (CTC, run by rten), its decoding, and the fusion of several
//!   cuts of the same lines.
//! - [`engine`]: the [`engine::Engine`] composing every stage, shared across threads; an unsure zone
//!   gets a second look from two more cuts, an unreadable one a reading as a mirror image, and an
//!   unsure small one a hint for a closer photo.
//! - [`countries`]: ICAO and ISO country codes and names.
//! - [`translit`]: ICAO 9303 Part 3 transliteration of names to the MRZ alphabet.
//! - [`compare`]: checks a typed KYC form against the MRZ and gives a verdict with reasons.
//!
//! The image stages need the default `reader` feature; without it the crate is the MRZ text engine
//! and the consistency check alone, with no model runtime or image codecs to build. The `decode`
//! feature alone adds [`decode`] (every image and scan format, with its limits) without the model
//! runtime: the decoding stage for a service that checks uploads before it reads them, and what
//! the `image_decode` fuzz target instruments.
// The stage list above links the image stages, which a build without `reader` leaves out.
#![cfg_attr(not(feature = "reader"), allow(rustdoc::broken_intra_doc_links))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod compare;
pub mod countries;
#[cfg(feature = "decode")]
pub mod decode;
#[cfg(feature = "reader")]
pub mod descreen;
#[cfg(feature = "reader")]
pub mod detect;
#[cfg(feature = "reader")]
pub mod engine;
#[cfg(feature = "reader")]
pub mod locate;
pub mod mrz;
#[cfg(feature = "decode")]
mod pdf;
#[cfg(feature = "reader")]
pub mod recognise;
#[cfg(feature = "reader")]
pub mod rectify;
pub mod translit;
