//! The 8-bit recogniser on x86 CPUs without AVX-512 VNNI (`engine::int8_is_exact`). There rten's
//! kernel adds each pair of 8-bit products in 16 bits (`vpmaddubsw`), which saturates for
//! full-range weights; the embedded model's weights are held to a range where it cannot. This
//! reads fixtures with this CPU's own kernel, and again in a child process with rten's AVX2
//! kernel (selected through the patched rten-gemm's `KYC_OCR_INT8_KERNEL` hook,
//! `vendor/README.md`), and asks for the same probabilities to the bit.
#![cfg(all(feature = "reader", target_arch = "x86_64"))]

use std::process::Command;

use kyc_ocr::engine::{Engine, EngineParams, Precision};

const FIXTURES: [&str; 3] = [
    "fixtures/example/passport.jpg",
    "fixtures/check/look-alike-surname.jpg",
    "fixtures/docs/hard/000000.jpg",
];

/// Every fixture's line readings, each candidate's log-probability in Rust's shortest
/// round-trip form: equal strings are equal floats, to the bit.
fn readings() -> String {
    let engine = Engine::new(EngineParams {
        precision: Precision::Int8,
        ..EngineParams::default()
    })
    .unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let all: Vec<_> = FIXTURES
        .iter()
        .map(|f| {
            let bytes = std::fs::read(root.join(f)).unwrap();
            let readings = engine.read(&bytes).unwrap().readings;
            assert!(!readings.is_empty(), "{f}: no zone read");
            readings
        })
        .collect();
    format!("{all:?}")
}

/// Run by the test below in a child process, where the kernel hook is set; does nothing when
/// run on its own.
#[test]
fn print_readings_for_the_parent() {
    if std::env::var_os("KYC_OCR_PRINT_READINGS").is_some() {
        // Whether this process's 8-bit kernel adds pairs of products in 16 bits: true for the
        // AVX2 kernel, so the parent knows the hook took effect.
        let pairs_in_16_bits = rten_gemm::GemmExecutor::<u8, i8, i32>::default().may_saturate();
        println!("<pairs16>{pairs_in_16_bits}</pairs16>");
        println!("<readings>{}</readings>", readings());
    }
}

#[test]
fn the_avx2_kernel_reads_exactly_what_this_cpus_kernel_reads() {
    if !std::arch::is_x86_feature_detected!("avx2") {
        eprintln!("skipped: no AVX2 on this CPU, so rten never runs its AVX2 kernel here");
        return;
    }
    let own = readings();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "print_readings_for_the_parent", "--nocapture"])
        .env("KYC_OCR_PRINT_READINGS", "1")
        .env("KYC_OCR_INT8_KERNEL", "avx2")
        .output()
        .unwrap();
    assert!(child.status.success(), "{child:?}");
    let out = String::from_utf8(child.stdout).unwrap();
    let start = out
        .find("<readings>")
        .expect("the child printed its readings")
        + 10;
    let end = out.find("</readings>").unwrap();
    let avx2 = &out[start..end];
    assert!(
        out.contains("<pairs16>true</pairs16>"),
        "the AVX2 kernel ran: {out}"
    );
    assert!(avx2.contains("log_prob"), "{avx2}");
    assert_eq!(own, avx2);
}
