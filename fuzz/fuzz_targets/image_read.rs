//! Image reading end to end: any bytes give a read result or a typed error, within the engine's
//! limits, never a panic.
#![no_main]

use std::sync::OnceLock;

use kyc_ocr::engine::{Engine, EngineParams};
use libfuzzer_sys::fuzz_target;

static ENGINE: OnceLock<Engine> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let engine = ENGINE.get_or_init(|| Engine::new(EngineParams::default()).expect("engine builds"));
    let _ = engine.read(data);
});
