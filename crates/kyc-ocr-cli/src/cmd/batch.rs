//! `kyc-ocr batch`: reads many images in parallel, reporting in input order.
//!
//! One engine is built and shared by `--jobs` plain threads, each taking the next image when it
//! finishes one. Workers send each result with its index to the printing thread, which holds back
//! early finishers until every earlier input is printed, so the output order is the input order
//! whatever the scheduling. A file that cannot be read gets its own line (an `error` object with
//! `--json`) and never stops the batch.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{bail, Context};
use kyc_ocr::engine::{Engine, ReadOutput};
use serde_json::json;

use crate::cmd::read;
use crate::output;

/// File extensions taken from a directory, PDF scans among them (files named on the command line
/// are always tried): every format the engine decodes, under the names cameras, scanners and
/// operating systems give them.
const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "tif", "tiff", "bmp", "gif", "heic", "heif",
    "hif", "jp2", "j2k", "j2c", "jpf", "jpx", "pdf",
];

/// Flags of `kyc-ocr batch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Image files and directories (a directory's images and PDF scans are read in file-name
    /// order).
    #[arg(required = true, value_name = "DIR|FILE")]
    pub inputs: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Print one JSON object per input (JSON Lines, schema kyc-ocr/read/v1), in input order.
    #[arg(long)]
    pub json: bool,
    /// Descend into subdirectories of the directories given.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    #[command(flatten)]
    pub engine: read::EngineFlags,
}

/// Validated flags.
struct Plan {
    inputs: Vec<PathBuf>,
    jobs: usize,
}

/// Checks the flags in one place and expands directories into their image files.
fn plan(args: &Args) -> anyhow::Result<Plan> {
    let jobs = match args.jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut inputs = Vec::new();
    for path in &args.inputs {
        if path.is_dir() {
            let before = inputs.len();
            collect_images(path, args.recursive, &mut inputs)?;
            if inputs.len() == before {
                log::warn!("a directory given holds no images");
            }
        } else {
            // Missing or unreadable files are reported in their own output line, in order.
            inputs.push(path.clone());
        }
    }
    if inputs.is_empty() {
        bail!("no images to read");
    }
    Ok(Plan { inputs, jobs })
}

/// Appends `dir`'s image files, sorted by name so that runs are reproducible.
fn collect_images(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if recursive {
                collect_images(&path, recursive, out)?;
            }
        } else if is_image_name(&path) {
            out.push(path);
        }
    }
    Ok(())
}

fn is_image_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// What happened to one input.
enum Item {
    Read(Box<ReadOutput>),
    Failed(anyhow::Error),
}

fn read_one(engine: &Engine, path: &Path) -> Item {
    match read::read_file(engine, path, None, None) {
        Ok(out) => Item::Read(Box::new(out)),
        Err(e) => Item::Failed(e),
    }
}

/// Counts for the closing summary.
#[derive(Debug, Default)]
struct Tally {
    read: usize,
    valid: usize,
    invalid: usize,
    not_found: usize,
    failed: usize,
}

impl Tally {
    fn add(&mut self, item: &Item) {
        match item {
            Item::Failed(_) => self.failed += 1,
            Item::Read(out) => {
                self.read += 1;
                match &out.mrz {
                    Some(m) if m.is_valid() => self.valid += 1,
                    Some(_) => self.invalid += 1,
                    None => self.not_found += 1,
                }
            }
        }
    }

    /// 0 every image valid, 1 some MRZ missing or invalid, 2 some file unreadable.
    fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            2
        } else if self.invalid + self.not_found > 0 {
            1
        } else {
            0
        }
    }
}

/// Runs the command; see [`Tally::exit_code`] for the exit code.
pub fn run(args: Args) -> crate::Outcome {
    let plan = plan(&args)?;
    let t = Instant::now();
    let engine = args.engine.build()?;
    log::info!(
        "engine built in {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    log::info!(
        "batch: {} images on {} threads",
        plan.inputs.len(),
        plan.jobs
    );

    // With --verbose the log lines are the progress; a bar redrawn between them would garble both.
    let progress = if output::stderr_is_terminal() && !log::log_enabled!(log::Level::Info) {
        let bar = indicatif::ProgressBar::new(plan.inputs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} images (eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };

    let start = Instant::now();
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Item)>();
    let mut tally = Tally::default();
    // Plain threads, each taking the next image when it finishes one. Not a rayon pool: the
    // engine runs its recogniser in a one-thread pool per calling thread, and a rayon worker
    // waiting on another pool spins instead of sleeping, taking the core the model needs.
    let next = AtomicUsize::new(0);
    let printed = std::thread::scope(|scope| {
        let (engine, stop, inputs, next) = (&engine, &stop, &plan.inputs, &next);
        for _ in 0..plan.jobs {
            let tx = tx.clone();
            std::thread::Builder::new()
                .name("kyc-ocr-batch".to_string())
                .spawn_scoped(scope, move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    // After a closed pipe nobody reads the rest: skip the work.
                    let Some(path) = inputs.get(i).filter(|_| !stop.load(Ordering::Relaxed)) else {
                        break;
                    };
                    let item = read_one(engine, path);
                    match &item {
                        Item::Read(out) => output::log_timings(i + 1, &out.timings),
                        Item::Failed(_) => log::info!("image {}: failed", i + 1),
                    }
                    // The receiver is gone only when printing stopped; nothing to do then.
                    if tx.send((i, item)).is_err() {
                        break;
                    }
                })
                .context("cannot start the worker threads")?;
        }
        drop(tx);
        let result = print_in_order(&rx, &plan.inputs, args.json, &progress, &mut tally);
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        // Dropping the receiver makes the workers' sends fail fast instead of queueing.
        drop(rx);
        result
    });
    progress.finish_and_clear();
    printed?;

    let secs = start.elapsed().as_secs_f64();
    let total = tally.read + tally.failed;
    let rate = if secs > 0.0 { total as f64 / secs } else { 0.0 };
    let mut err = anstream::stderr().lock();
    writeln!(
        err,
        "{} {} read, {} valid, {} invalid, {} without mrz, {} failed in {secs:.1} s ({rate:.1} images/s, {} threads)",
        output::paint(output::BOLD, "batch:"),
        tally.read,
        output::paint(output::GOOD, tally.valid),
        tally.invalid,
        tally.not_found,
        if tally.failed > 0 {
            output::paint(output::BAD, tally.failed)
        } else {
            tally.failed.to_string()
        },
        plan.jobs,
    )?;
    Ok(tally.exit_code())
}

/// Prints results as they become printable: result `i` only after results `0..i`.
fn print_in_order(
    rx: &mpsc::Receiver<(usize, Item)>,
    inputs: &[PathBuf],
    json: bool,
    progress: &indicatif::ProgressBar,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let mut waiting: BTreeMap<usize, Item> = BTreeMap::new();
    let mut next = 0usize;
    while next < inputs.len() {
        let Ok((i, item)) = rx.recv() else {
            bail!("a worker thread stopped before reading every image");
        };
        progress.inc(1);
        waiting.insert(i, item);
        // Locked only while writing: the workers' engines may print (rten's RTEN_TIMING report).
        let mut out = anstream::stdout().lock();
        while let Some(item) = waiting.remove(&next) {
            tally.add(&item);
            let name = inputs[next].display().to_string();
            // Lines go out while the bar is hidden, so they do not interleave with its redraws.
            progress.suspend(|| write_item(&mut out, &name, &item, json))?;
            next += 1;
        }
        // Flushed per batch of printable results, so `| head` and tail -f see them promptly.
        out.flush()?;
    }
    Ok(())
}

fn write_item(out: &mut impl Write, name: &str, item: &Item, json: bool) -> anyhow::Result<()> {
    match (item, json) {
        (Item::Read(r), true) => {
            writeln!(out, "{}", serde_json::to_string(&read::to_json(name, r))?)?
        }
        (Item::Read(r), false) => read::write_human(out, name, r)?,
        (Item::Failed(e), json) => {
            // One line on stderr, like every command's errors (the message names the file); JSON
            // consumers also get the failure in its place in the stream.
            output::error_line(e);
            if json {
                let v = json!({ "schema": read::SCHEMA, "image": name, "error": output::chain(e) });
                writeln!(out, "{}", serde_json::to_string(&v)?)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_by_extension() {
        for (name, want) in [
            ("a.jpg", true),
            ("a.JPEG", true),
            ("b.png", true),
            ("c.webp", true),
            ("d.tif", true),
            ("truth.jsonl", false),
            ("README", false),
            ("e.png.txt", false),
        ] {
            assert_eq!(is_image_name(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn exit_code_prefers_failures_then_invalid_reads() {
        let cases = [
            (Tally::default(), 0),
            (
                Tally {
                    read: 3,
                    valid: 3,
                    ..Tally::default()
                },
                0,
            ),
            (
                Tally {
                    read: 3,
                    valid: 2,
                    not_found: 1,
                    ..Tally::default()
                },
                1,
            ),
            (
                Tally {
                    read: 3,
                    valid: 2,
                    invalid: 1,
                    ..Tally::default()
                },
                1,
            ),
            (
                Tally {
                    read: 2,
                    valid: 1,
                    invalid: 1,
                    failed: 1,
                    ..Tally::default()
                },
                2,
            ),
        ];
        for (tally, want) in cases {
            assert_eq!(tally.exit_code(), want, "{tally:?}");
        }
    }

    #[test]
    fn zero_jobs_is_a_usage_error() {
        let args = Args {
            inputs: vec![PathBuf::from("x.jpg")],
            jobs: Some(0),
            json: false,
            recursive: false,
            engine: read::EngineFlags::default(),
        };
        let e = plan(&args).err().expect("error");
        assert_eq!(e.to_string(), "--jobs must be at least 1");
    }

    #[test]
    fn directories_expand_to_sorted_images_and_files_stay_in_place() {
        let dir = std::env::temp_dir().join(format!("kyc-ocr-batch-plan-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["b.png", "a.jpg", "notes.txt", "sub/c.png"] {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
        let mut args = Args {
            inputs: vec![PathBuf::from("first.jpg"), dir.clone()],
            jobs: Some(2),
            json: false,
            recursive: false,
            engine: read::EngineFlags::default(),
        };
        let p = plan(&args).unwrap();
        assert_eq!(
            p.inputs,
            vec![
                PathBuf::from("first.jpg"),
                dir.join("a.jpg"),
                dir.join("b.png")
            ]
        );
        args.recursive = true;
        assert_eq!(plan(&args).unwrap().inputs.len(), 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
