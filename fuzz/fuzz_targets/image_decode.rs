//! Decoding alone: any bytes give grey pages or a typed error, never a panic, and no page over the
//! pixel limit. Covers every format the engine takes, including its own parsers (TIFF
//! directories, fax strips, PDF objects, HEIC brands), without the model runtime, so the fuzzer
//! builds in minutes.
#![no_main]

use kyc_ocr::decode::{decode_grey, decode_grey_pages, DecodeLimits};
use libfuzzer_sys::fuzz_target;

/// Small limits: a decoder that honours them is checked the same, and the fuzzer does not spend
/// its time filling 100-megapixel buffers.
const LIMITS: DecodeLimits = DecodeLimits {
    max_bytes: 1 << 20,
    max_pixels: 4_000_000,
};

fuzz_target!(|data: &[u8]| {
    let within = |w: u32, h: u32| u64::from(w) * u64::from(h) <= LIMITS.max_pixels;
    if let Ok(grey) = decode_grey(data, &LIMITS) {
        assert!(within(grey.width(), grey.height()));
    }
    if let Ok(pages) = decode_grey_pages(data, &LIMITS) {
        assert!(!pages.is_empty());
        assert!(pages.iter().all(|p| within(p.width(), p.height())));
    }
});
