//! Per-stage benchmarks, `stage/case`: decode, descreen, locate, detect, rectify, recognise, parse
//! and repair, compare, end to end. Every measured closure asserts its result against the fixture's truth.

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use kyc_ocr::compare::{self, CheckOptions, RawForm, Verdict};
use kyc_ocr::engine::{Engine, EngineParams, Precision};
use kyc_ocr::mrz::{self, CharCandidate, LineReading};
use kyc_ocr_benches::{
    bench_dir, case, dithered_case, heic_case, in_phone_frame, jpeg2000_case, load_cases, pdf_case,
};

fn engine() -> Engine {
    Engine::new(EngineParams::default()).expect("the embedded recogniser loads")
}

fn float_engine() -> Engine {
    Engine::new(EngineParams {
        precision: Precision::Float32,
        ..EngineParams::default()
    })
    .expect("the embedded float recogniser loads")
}

fn stages(c: &mut Criterion) {
    let engine = engine();
    let cases = load_cases();

    let mut group = c.benchmark_group("decode");
    for case in &cases {
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                let image = engine.decode(black_box(&case.bytes)).unwrap();
                assert!(image.width() > 0 && image.height() > 0);
                image
            })
        });
    }
    group.finish();

    // What the pipeline runs: straight to grey (a JPEG decodes only its luma channel).
    let mut group = c.benchmark_group("decode_grey");
    for case in &cases {
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                let grey = engine.decode_grey(black_box(&case.bytes)).unwrap();
                assert!(grey.width() > 0 && grey.height() > 0);
                grey
            })
        });
    }
    group.finish();

    // The test for a dithered image, which every read pays (`None`: read as it is), and the
    // blur a dithered one gets.
    let mut group = c.benchmark_group("descreen");
    for case in &cases {
        let grey = engine.decode_grey(&case.bytes).unwrap();
        group.bench_function(&case.name, |b| {
            b.iter(|| assert!(engine.descreen(black_box(&grey)).is_none()))
        });
    }
    let dithered = dithered_case();
    let grey = engine.decode_grey(&dithered.bytes).unwrap();
    group.bench_function(&dithered.name, |b| {
        b.iter(|| {
            let smooth = engine
                .descreen(black_box(&grey))
                .expect("taken for dithered");
            assert_eq!(smooth.dimensions(), grey.dimensions());
            smooth
        })
    });
    group.finish();

    let mut group = c.benchmark_group("locate");
    for case in &cases {
        let grey = engine.decode_grey(&case.bytes).unwrap();
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                let location = engine.locate(black_box(&grey)).expect("MRZ located");
                assert_eq!(location.lines.len(), case.lines.len());
                location
            })
        });
    }
    group.finish();

    // The learned detector, the extra cost of a read where the classical localiser fails. It runs
    // in rten's shared pool (ocrs takes no pool), which `main` limits to one thread.
    let mut group = c.benchmark_group("detect");
    for case in cases.iter().filter(|c| c.name.starts_with("photo")) {
        let grey = engine.decode_grey(&case.bytes).unwrap();
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                let zones = engine.detect(black_box(&grey));
                assert!(
                    zones.iter().any(|z| z.lines.len() == case.lines.len()),
                    "no zone of {} lines",
                    case.lines.len()
                );
                zones
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("rectify");
    for case in &cases {
        let grey = engine.decode_grey(&case.bytes).unwrap();
        let location = engine.locate(&grey).expect("MRZ located");
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                let lines = engine.rectify(black_box(&grey), &location);
                assert_eq!(lines.len(), case.lines.len());
                lines
            })
        });
    }
    group.finish();

    // One 44-character line of the photo: the unit the per-line target is stated in.
    let photo = case(&cases, "photo_1280x960");
    let grey = engine.decode_grey(&photo.bytes).unwrap();
    let lines = read_upright(&engine, &grey, &photo.lines);
    let mut group = c.benchmark_group("recognise");
    group.bench_function("line_44", |b| {
        b.iter(|| {
            let readings = engine.recognise(black_box(&lines[1..2])).unwrap();
            assert_eq!(readings[0].positions.len(), 44);
            readings
        })
    });
    // The float build (`Precision::Float32`), the master the 8-bit build is quantized from.
    let float = float_engine();
    group.bench_function("line_44_f32", |b| {
        b.iter(|| {
            let readings = float.recognise(black_box(&lines[1..2])).unwrap();
            assert_eq!(readings[0].best_text(), photo.lines[1]);
            readings
        })
    });
    group.finish();
}

/// The rectified lines of `grey` in reading order (the localiser may return the zone upside down;
/// the engine settles that by reading both ways, as this does).
fn read_upright(
    engine: &Engine,
    grey: &image::GrayImage,
    truth: &[String],
) -> Vec<kyc_ocr::rectify::LineImage> {
    let location = engine.locate(grey).expect("MRZ located");
    for location in [location.clone(), location.flipped()] {
        let lines = engine.rectify(grey, &location);
        let readings = engine.recognise(&lines).unwrap();
        let text: Vec<String> = readings.iter().map(LineReading::best_text).collect();
        if text.len() == truth.len()
            && text.iter().zip(truth).filter(|(a, b)| a == b).count() >= truth.len() - 1
        {
            return lines;
        }
    }
    panic!("the photo fixture does not read in either direction");
}

/// The recogniser's output for clean lines, as [`LineReading`]s with one candidate each.
fn readings_of(lines: &[&str]) -> Vec<LineReading> {
    lines
        .iter()
        .map(|l| LineReading {
            positions: l
                .chars()
                .map(|ch| {
                    vec![CharCandidate {
                        ch,
                        log_prob: -0.01,
                    }]
                })
                .collect(),
            pitch_breaks: Vec::new(),
        })
        .collect()
}

fn text_stages(c: &mut Criterion) {
    const TD3: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    // The same zone with an O read for the 0 of the document number: repair must fix it.
    const TD3_CONFUSED: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    let options = CheckOptions {
        today: jiff::civil::date(2010, 1, 1),
        ..CheckOptions::default()
    };
    let parse_options = mrz::ParseOptions {
        today: options.today,
        ..mrz::ParseOptions::default()
    };
    let clean = readings_of(&TD3);
    // As the recogniser gives it: the misread `O` with the true `0` as a close runner-up.
    let mut confused = readings_of(&TD3_CONFUSED);
    confused[1].positions[5] = vec![
        CharCandidate {
            ch: 'O',
            log_prob: 0.6f32.ln(),
        },
        CharCandidate {
            ch: '0',
            log_prob: 0.35f32.ln(),
        },
    ];
    // A surname read with a look-alike (X for K at 55%, K at 45%): the check reads the zone again
    // with the typed values, which the image supports.
    let mut look_alike = readings_of(&TD3);
    look_alike[0].positions[8] = vec![
        CharCandidate {
            ch: 'X',
            log_prob: 0.55f32.ln(),
        },
        CharCandidate {
            ch: 'K',
            log_prob: 0.45f32.ln(),
        },
    ];
    let form = RawForm {
        surname: Some("Eriksson".into()),
        given_names: Some("Anna Maria".into()),
        document_number: Some("L898902C3".into()),
        nationality: Some("UTO".into()),
        birth_date: Some("12.08.1974".into()),
        expiry_date: Some("15/04/2012".into()),
        sex: Some("F".into()),
        ..RawForm::default()
    };

    let mut group = c.benchmark_group("mrz");
    group.bench_function("parse_td3", |b| {
        b.iter(|| {
            let m = mrz::parse_reading(black_box(&clean), &parse_options).unwrap();
            assert!(m.is_valid());
            m
        })
    });
    group.bench_function("repair_td3", |b| {
        b.iter(|| {
            let m = mrz::parse_reading(black_box(&confused), &parse_options).unwrap();
            assert!(m.is_valid());
            assert_eq!(m.fields.document_number.value, "L898902C3");
            m
        })
    });
    group.finish();

    let parsed = mrz::parse_reading(&clean, &parse_options).unwrap();
    let mut group = c.benchmark_group("compare");
    group.bench_function("td3_form", |b| {
        b.iter(|| {
            let typed = form.parse(&options).unwrap();
            let report = compare::check(black_box(&parsed), &typed, &options);
            assert_eq!(report.verdict, Verdict::Consistent);
            report
        })
    });
    // The 50 us budget is for these three together.
    group.bench_function("parse_repair_compare_td3", |b| {
        b.iter(|| {
            let m = mrz::parse_reading(black_box(&confused), &parse_options).unwrap();
            let typed = form.parse(&options).unwrap();
            let report = compare::check(&m, &typed, &options);
            assert_eq!(report.verdict, Verdict::Consistent);
            report
        })
    });
    // The slow path: the check as read prompts, and the zone is parsed again with the form.
    group.bench_function("parse_compare_typed_reread_td3", |b| {
        b.iter(|| {
            let m = mrz::parse_reading(black_box(&look_alike), &parse_options).unwrap();
            let typed = form.parse(&options).unwrap();
            let report = compare::check(&m, &typed, &options);
            assert_eq!(report.verdict, Verdict::Consistent);
            assert_eq!(report.flags.typed_over_read.len(), 1);
            report
        })
    });
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let engine = engine();
    let mut cases = load_cases();
    // The photo far off in a 12-megapixel frame: found in the 1600-px copy and located again at
    // full resolution (1x), or found only by the full-resolution search (0.6x).
    let photo = case(&cases, "photo_1280x960");
    let far = [in_phone_frame(photo, 1.0), in_phone_frame(photo, 0.6)];
    cases.extend(far);
    cases.push(dithered_case());
    // A scan saved as PDF: the page image is found in the document before it is decoded.
    cases.push(pdf_case());
    cases.push(jpeg2000_case());
    cases.push(heic_case());
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(20);
    for case in &cases {
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                let out = engine.read(black_box(&case.bytes)).unwrap();
                let mrz = out.mrz.expect("MRZ read");
                assert_eq!(mrz.lines, case.lines);
                mrz
            })
        });
    }
    // The photo with the float recogniser (`Precision::Float32`).
    let float = float_engine();
    let photo = case(&cases, "photo_1280x960");
    group.bench_function("photo_1280x960_f32", |b| {
        b.iter(|| {
            let mrz = float.read(black_box(&photo.bytes)).unwrap().mrz;
            let mrz = mrz.expect("MRZ read");
            assert_eq!(mrz.lines, photo.lines);
            mrz
        })
    });
    // The slow path of an unsure zone: a hard photo (`fixtures/check`) whose names the first cut
    // reads with a look-alike, read with the second look (two more cuts, fused) and without.
    let hard = std::fs::read(bench_dir().join("../check/look-alike-surname.jpg"))
        .expect("the hard photo fixture is readable");
    let want_line_2 = "FM71707500JOR5906093X2809078<<<<<<<<<<<<<<<0";
    let first_only = Engine::new(EngineParams {
        second_look: false,
        ..EngineParams::default()
    })
    .expect("the embedded recogniser loads");
    let (a, b) = (engine.read(&hard).unwrap(), first_only.read(&hard).unwrap());
    assert_ne!(a.readings, b.readings, "the second look ran");
    for (name, engine) in [
        ("hard_photo_second_look", &engine),
        ("hard_photo_first_look", &first_only),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mrz = engine
                    .read(black_box(&hard))
                    .unwrap()
                    .mrz
                    .expect("MRZ read");
                assert!(mrz.is_valid() && !mrz.is_confident());
                assert_eq!(mrz.lines[1], want_line_2);
                mrz
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stages, text_stages, end_to_end);

fn main() {
    // ocrs runs the detection model in rten's process-wide pool; one thread, like the rest.
    std::env::set_var("RTEN_NUM_THREADS", "1");
    // The targets are stated for one thread. The engine runs its recogniser on the calling thread's
    // own one-thread pool (`ModelThreads::PerCaller`, the default); pinning rayon's global pool as
    // well keeps any other parallel work on one thread (`batch` measures the multi-core figure).
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .expect("the global thread pool is configured once");
    benches();
    Criterion::default().configure_from_args().final_summary();
}
