//! Hostile and broken input: every file of `fixtures/bad/` gives its expected typed error (or a
//! "no MRZ" result), truncations of good images at many points never panic, and the engine is
//! shareable across threads with deterministic results.
#![cfg(feature = "reader")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kyc_ocr::decode::DecodeErrorKind;
use kyc_ocr::engine::{Engine, EngineErrorKind, EngineParams};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineParams::default()).expect("engine builds"))
}

/// The outcome of reading one file, in the vocabulary of `fixtures/bad/expected.tsv`.
fn outcome(bytes: &[u8]) -> String {
    match engine().read(bytes) {
        Ok(out) if out.mrz.is_none() => "no_mrz".to_string(),
        Ok(_) => "mrz".to_string(),
        Err(e) => {
            assert_eq!(e.kind(), &EngineErrorKind::Decode, "{e}");
            let source = std::error::Error::source(&e).expect("a decode error keeps its cause");
            let decode = source
                .downcast_ref::<kyc_ocr::decode::DecodeError>()
                .expect("the cause is a DecodeError");
            let kind = match decode.kind() {
                DecodeErrorKind::Empty => "empty",
                DecodeErrorKind::UnsupportedFormat => "unsupported_format",
                DecodeErrorKind::Corrupt => "corrupt",
                DecodeErrorKind::TooManyBytes { .. } => "too_many_bytes",
                DecodeErrorKind::TooManyPixels { .. } => "too_many_pixels",
                other => panic!("unexpected kind {other:?}"),
            };
            format!("error:{kind}")
        }
    }
}

#[test]
fn every_bad_fixture_gives_its_expected_outcome() {
    let dir = repo().join("fixtures/bad");
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut checked = 0;
    for row in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, expected) = (cols[0], cols[1]);
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let start = Instant::now();
        let got = outcome(&bytes);
        let took = start.elapsed();
        assert_eq!(got, expected, "{file}");
        // Bounded time: refusals happen before any large allocation.
        assert!(took < Duration::from_secs(5), "{file} took {took:?}");
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} cases in expected.tsv");
}

#[test]
fn error_messages_are_one_line_and_name_the_problem() {
    let dir = repo().join("fixtures/bad");
    let cases = [
        ("empty.jpg", "image is empty"),
        (
            "text.jpg",
            "image format is not supported (expected jpeg, png, webp, tiff, bmp, gif, heic, jpeg \
             2000 or a pdf scan)",
        ),
        (
            "bomb.jp2",
            "image is 60000x60000 pixels, more than the limit of 100000000",
        ),
        (
            "huge-header.png",
            "image is 100000x100000 pixels, more than the limit of 100000000",
        ),
    ];
    for (file, message) in cases {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let err = engine().read(&bytes).unwrap_err();
        assert_eq!(err.to_string(), message, "{file}");
    }
}

/// Every prefix of a good JPEG and PNG at many cut points decodes to an image or a typed error.
#[test]
fn truncated_images_never_panic() {
    let good = std::fs::read(repo().join("fixtures/bad/no-mrz-document.jpg")).unwrap();
    let png = {
        let img = image::load_from_memory(&good).unwrap().thumbnail(200, 200);
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    for bytes in [&good, &png] {
        let n = bytes.len();
        let mut errors = 0;
        for cut in (0..n).step_by((n / 97).max(1)) {
            match engine().decode(&bytes[..cut]) {
                Ok(img) => assert!(img.width() > 0),
                Err(_) => errors += 1,
            }
            // The pipeline's own path (a JPEG through zune-jpeg's luma decoder) agrees on what
            // is broken.
            match engine().decode_grey(&bytes[..cut]) {
                Ok(img) => assert!(img.width() > 0),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        assert!(errors > 0, "no truncation was detected");
    }
}

#[test]
fn limits_are_engine_parameters() {
    let png = std::fs::read(repo().join("fixtures/bad/one-pixel.png")).unwrap();
    let mut params = EngineParams::default();
    params.limits.max_bytes = 10;
    let small = Engine::new(params).unwrap();
    let err = small.read(&png).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("image has {} bytes, more than the limit of 10", png.len())
    );
}

#[test]
fn a_read_over_its_time_limit_stops_with_a_typed_error() {
    let doc = std::fs::read(repo().join("fixtures/example/passport.jpg")).unwrap();
    let params = EngineParams {
        time_limit: Some(std::time::Duration::ZERO),
        ..EngineParams::default()
    };
    let err = Engine::new(params).unwrap().read(&doc).unwrap_err();
    assert_eq!(
        err.kind(),
        &EngineErrorKind::TimeLimit {
            limit_ms: 0,
            after: "decode"
        }
    );
    assert_eq!(
        err.to_string(),
        "reading stopped after decode: over the time limit of 0 ms"
    );
    // The default budget leaves an ordinary read alone.
    assert!(engine().read(&doc).unwrap().mrz.is_some());
}

#[test]
fn engine_and_results_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<kyc_ocr::engine::ReadOutput>();
    assert_send_sync::<kyc_ocr::engine::EngineError>();
    assert_send_sync::<kyc_ocr::mrz::Mrz>();
    assert_send_sync::<kyc_ocr::compare::Report>();
}

/// What a read gives, reduced to what must be identical between runs.
fn fingerprint(bytes: &[u8]) -> (Option<Vec<String>>, Option<String>, u32) {
    let out = engine().read(bytes).unwrap();
    (
        out.mrz.map(|m| m.lines),
        out.location.map(|l| format!("{:?}", l.quad)),
        out.confidence.to_bits(),
    )
}

fn doc_fixtures() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for preset in ["clean", "scan", "photo", "hard"] {
        let dir = repo().join("fixtures/docs").join(preset);
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jpg"))
            .collect();
        names.sort();
        // Two per preset keep the test quick while mixing sizes and formats.
        files.extend(names.into_iter().take(2).map(|p| std::fs::read(p).unwrap()));
    }
    files
}

/// The same images from 8 threads at once give exactly the sequential results.
#[test]
fn eight_threads_give_the_sequential_results() {
    let files = doc_fixtures();
    assert_eq!(files.len(), 8);
    let sequential: Vec<_> = files.iter().map(|b| fingerprint(b)).collect();
    assert!(
        sequential.iter().filter(|f| f.0.is_some()).count() >= files.len() / 2,
        "most fixtures read"
    );
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let files = &files;
                s.spawn(move || {
                    // Each thread starts at another image so the reads really overlap.
                    (0..files.len())
                        .map(|i| (i + t * 3) % files.len())
                        .map(|i| (i, fingerprint(&files[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            for (i, got) in handle.join().unwrap() {
                assert_eq!(got, sequential[i], "image {i}");
            }
        }
    });
}

/// The image fuzz target's seed corpus (`fuzz/seeds/image_read`, crashes found included) replayed:
/// each small valid image decodes to a "no MRZ" result (none holds a document), each broken one to
/// its typed decode error.
#[test]
fn image_fuzz_seeds_replay() {
    let dir = repo().join("fuzz/seeds/image_read");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let got = outcome(&std::fs::read(&path).unwrap());
        let want = if name.starts_with("truncated") {
            "error:corrupt"
        } else {
            "no_mrz"
        };
        assert_eq!(got, want, "{name}");
        seen.push(name);
    }
    assert!(seen.len() >= 6, "only {seen:?}");
    assert!(seen.iter().any(|n| n.ends_with(".jpg")), "no jpeg seed");
}

/// A deterministic stand-in for fuzzing the image path in CI (the `image_read` fuzz target's
/// instrumented build of rten takes longer than a CI run): the JPEG seeds with 1 to 8 random bytes
/// overwritten, read end to end, each giving a result or a typed decode error.
#[test]
fn mutated_jpegs_give_results_or_typed_errors() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9303);
    let dir = repo().join("fuzz/seeds/image_read");
    let mut outcomes = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "jpg") {
            continue;
        }
        let seed = std::fs::read(&path).unwrap();
        for _ in 0..150 {
            let mut bytes = seed.clone();
            for _ in 0..rng.gen_range(1..=8) {
                let i = rng.gen_range(2..bytes.len());
                bytes[i] = rng.gen();
            }
            *outcomes.entry(outcome(&bytes)).or_insert(0) += 1;
        }
    }
    // Most mutations still decode (JPEG data is forgiving) and some break the file.
    assert!(
        outcomes.get("no_mrz").copied().unwrap_or(0) > 0,
        "{outcomes:?}"
    );
    assert!(
        outcomes.keys().any(|k| k.starts_with("error:")),
        "{outcomes:?}"
    );
}

/// The codecs that are not `image`'s (HEIC, JPEG 2000, JBIG2, group 3 fax in a PDF or a TIFF,
/// modified Huffman): every
/// prefix of their fixtures, and copies with bytes overwritten past the headers, decode to an
/// image or a typed error, never a panic.
#[test]
fn damaged_heic_jpeg2000_jbig2_and_fax_scans_never_panic() {
    let dir = repo().join("fixtures/formats");
    // A fixed xorshift stream: the same damage on every run.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for file in [
        "passport.heic",
        "passport-iphone.heic",
        "passport.jp2",
        "scan-bw-jbig2.pdf",
        "scan-bw-g3.pdf",
        "fax-standard.tif",
        "scan-bw-mh.tif",
    ] {
        let good = std::fs::read(dir.join(file)).unwrap();
        let n = good.len();
        let mut errors = 0;
        for cut in (0..n).step_by((n / 61).max(1)) {
            match engine().decode_grey(&good[..cut]) {
                Ok(img) => assert!(img.width() > 0, "{file} cut at {cut}"),
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    errors += 1;
                }
            }
        }
        assert!(errors > 0, "{file}: no truncation was detected");
        for round in 0..24 {
            let mut bad = good.clone();
            for _ in 0..8 {
                // Past the first 64 bytes: the headers stay, the coded data is damaged.
                let at = 64 + (next() as usize) % (n - 64);
                bad[at] = next() as u8;
            }
            if let Ok(img) = engine().decode_grey(&bad) {
                assert!(img.width() > 0, "{file} round {round}");
            }
        }
    }
}
