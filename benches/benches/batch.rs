//! Batch throughput: images per second on one thread and on every core over the benchmark
//! fixtures, their ratio, and end-to-end time as a multiple of decode time (the floor any reader
//! pays). A plain `harness = false` main rather than criterion, because the figures are ratios of
//! whole runs; `--test` (as `cargo bench -- --test` passes) runs one quick round to keep it honest.
//!
//! The threads are plain threads, as the engine's documentation asks. A lone caller hands each
//! recogniser call to its own pool thread, which may run on the other core and wake from idle, so
//! the one-thread figure runs slower than one pinned core (`taskset -c 0`); the README gives both.

use std::time::{Duration, Instant};

use kyc_ocr::engine::{Engine, EngineParams};
use kyc_ocr_benches::{load_cases, BenchCase};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Reads every case `copies` times on `threads` plain threads that take the next image as they
/// finish one, asserting each result, and returns the wall time.
fn run_batch(engine: &Engine, cases: &[BenchCase], threads: usize, copies: usize) -> Duration {
    let jobs: Vec<&BenchCase> = cases.iter().cycle().take(cases.len() * copies).collect();
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while let Some(case) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let out = engine.read(&case.bytes).expect("read succeeds");
                    let mrz = out.mrz.expect("MRZ read");
                    assert_eq!(mrz.lines, case.lines, "{}", case.name);
                }
            });
        }
    });
    start.elapsed()
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let engine = Engine::new(EngineParams::default()).expect("the embedded recogniser loads");
    let cases = load_cases();
    let (rounds, copies) = if quick { (1, 1) } else { (5, 8) };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    run_batch(&engine, &cases, cores, 1); // warm-up
    let images = (cases.len() * copies) as f64;
    let t1 = median(
        (0..rounds)
            .map(|_| run_batch(&engine, &cases, 1, copies))
            .collect(),
    );
    let tn = median(
        (0..rounds)
            .map(|_| run_batch(&engine, &cases, cores, copies))
            .collect(),
    );
    let ips1 = images / t1.as_secs_f64();
    let ipsn = images / tn.as_secs_f64();
    println!("batch/1_thread     {ips1:8.1} images/s");
    println!("batch/{cores}_threads    {ipsn:8.1} images/s");
    println!("batch/speedup      {:8.2}x on {cores} cores", ipsn / ips1);

    // End to end as a multiple of decode, per fixture, one thread.
    let samples = if quick { 1 } else { 15 };
    for case in &cases {
        let decode = median(
            (0..samples)
                .map(|_| {
                    let t = Instant::now();
                    let image = engine.decode(&case.bytes).expect("decodes");
                    assert!(image.width() > 0);
                    t.elapsed()
                })
                .collect(),
        );
        let e2e = median(
            (0..samples)
                .map(|_| {
                    let t = Instant::now();
                    let out = engine.read(&case.bytes).expect("reads");
                    assert_eq!(out.mrz.expect("MRZ read").lines, case.lines);
                    t.elapsed()
                })
                .collect(),
        );
        println!(
            "end_to_end_vs_decode/{:<16} decode {:7.2} ms  end to end {:7.2} ms  ratio {:5.2}x",
            case.name,
            decode.as_secs_f64() * 1e3,
            e2e.as_secs_f64() * 1e3,
            e2e.as_secs_f64() / decode.as_secs_f64()
        );
    }
}
