//! `kyc-ocr eval`: accuracy and speed of the reader on a labelled folder.
//!
//! Two kinds of folder: documents with a `truth.jsonl` (the generator's format: `image`, `format`,
//! `preset`, `lines`, `mrz_quad`), read end to end; or line crops with a `lines.tsv` (`file`, `text`,
//! optionally `source_image` and `suspect_gt`), read by the recogniser alone after scaling each crop
//! to the model's height. With a source column, the crops of one source that make up a whole zone
//! (two lines of 44 or 36 characters, three of 30) are also parsed together, so the figures include
//! what the check-digit repair adds on real documents. A `suspect_gt` of 1 marks a truth known to
//! disagree with its image: such lines count everywhere, and a second figure leaves them out.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use kyc_ocr::engine::Engine;
use kyc_ocr::locate::{Point, Quad};
use kyc_ocr::mrz::{LineReading, Mrz};
use kyc_ocr::rectify::LineImage;
use serde::Serialize;
use serde_json::Value;

use super::eval_check::{check_document, CheckTally};

/// The JSON schema identifier; bump it when a field changes meaning or disappears.
pub const SCHEMA: &str = "kyc-ocr/eval/v1";

/// Flags of `kyc-ocr eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder with images and `truth.jsonl`, or line crops and `lines.tsv`.
    pub dir: PathBuf,
    /// Print the report as JSON (schema kyc-ocr/eval/v1).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: crate::cmd::read::EngineFlags,
    /// Also check each read against forms built from its truth: the holder's own (a prompt is
    /// needless), one with a surname typo, one with a look-alike letter and one with the birth
    /// date a day off (a "consistent" there is a compliance failure).
    #[arg(long)]
    pub check: bool,
    /// Evaluate only the first N items.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Counts for one group of items (all, one format, one preset).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Tally {
    /// Items evaluated.
    pub items: usize,
    /// Items whose every line was read exactly.
    pub exact: usize,
    /// Lines evaluated.
    pub lines: usize,
    /// Lines read exactly.
    pub lines_exact: usize,
    /// Characters in the truth.
    pub chars: usize,
    /// Edit distance summed over lines.
    pub char_errors: usize,
    /// Reads whose check digits all hold but whose text is wrong.
    pub valid_but_wrong: usize,
    /// Reads the engine presents as confident (every check digit holds, no uncertain field).
    pub confident: usize,
    /// Confident reads whose text is wrong: the number a KYC product must keep at zero.
    pub confident_but_wrong: usize,
    /// Exact reads the engine nevertheless flags as uncertain (the price of the gating).
    pub exact_but_uncertain: usize,
    /// Documents whose zone was located (quad overlap with the truth at least 0.5).
    pub located: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.items += o.items;
        self.exact += o.exact;
        self.lines += o.lines;
        self.lines_exact += o.lines_exact;
        self.chars += o.chars;
        self.char_errors += o.char_errors;
        self.valid_but_wrong += o.valid_but_wrong;
        self.confident += o.confident;
        self.confident_but_wrong += o.confident_but_wrong;
        self.exact_but_uncertain += o.exact_but_uncertain;
        self.located += o.located;
    }

    /// Counts what the engine made of one scored item: whether `mrz` is valid and whether it is
    /// confident, against whether the item was read exactly. Returns (valid, confident).
    fn gate(&mut self, mrz: Option<&Mrz>) -> (bool, bool) {
        let valid = mrz.is_some_and(Mrz::is_valid);
        let confident = mrz.is_some_and(Mrz::is_confident);
        self.valid_but_wrong = usize::from(valid && self.exact == 0);
        self.confident = usize::from(confident);
        self.confident_but_wrong = usize::from(confident && self.exact == 0);
        self.exact_but_uncertain = usize::from(!confident && self.exact == 1);
        (valid, confident)
    }

    fn summary(&self) -> Value {
        let rate = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        serde_json::json!({
            "counts": self,
            "exact_rate": rate(self.exact, self.items),
            "line_rate": rate(self.lines_exact, self.lines),
            "char_accuracy": 1.0 - rate(self.char_errors, self.chars),
            "valid_but_wrong_rate": rate(self.valid_but_wrong, self.items),
            "confident_rate": rate(self.confident, self.items),
            "confident_but_wrong_rate": rate(self.confident_but_wrong, self.items),
            "located_rate": rate(self.located, self.items),
        })
    }
}

/// Runs the command: 0 after a complete evaluation, 2 (as an error) when the folder is unusable.
pub fn run(args: Args) -> crate::Outcome {
    let engine = args.engine.build()?;
    let truth = args.dir.join("truth.jsonl");
    let tsv = args.dir.join("lines.tsv");
    let report = if truth.is_file() {
        eval_documents(&engine, &args.dir, &truth, args.limit, args.check)?
    } else if tsv.is_file() {
        eval_lines(&engine, &args.dir, &tsv, args.limit, args.check)?
    } else {
        bail!(
            "{} has neither truth.jsonl nor lines.tsv",
            args.dir.display()
        );
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write_human(&mut out, &report)?;
    }
    out.flush()?;
    Ok(0)
}

fn quad_of(v: &Value) -> Option<Quad> {
    let pts: Vec<Point> = v
        .as_array()?
        .iter()
        .map(|p| {
            Some(Point::new(
                p.get(0)?.as_f64()? as f32,
                p.get(1)?.as_f64()? as f32,
            ))
        })
        .collect::<Option<_>>()?;
    Some(Quad(pts.try_into().ok()?))
}

fn eval_documents(
    engine: &Engine,
    dir: &Path,
    truth: &Path,
    limit: Option<usize>,
    check: bool,
) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(truth)
        .with_context(|| format!("cannot read {}", truth.display()))?;
    let mut tallies = DocumentTallies {
        checks: check.then(CheckTally::default),
        ..DocumentTallies::default()
    };
    let mut times = Vec::new();
    let mut failures = Vec::new();
    let mut sweep_items: Vec<(Option<f32>, bool)> = Vec::new();
    let mut held_back = Vec::new();
    // Per capture hint ("none" for none): items, and of those read exactly.
    let mut hints: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut errors = 0usize;
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        if limit.is_some_and(|l| n >= l) {
            break;
        }
        let rec: Value = serde_json::from_str(line)
            .with_context(|| format!("truth.jsonl line {} is not json", n + 1))?;
        let image = rec["image"]
            .as_str()
            .or(rec["file"].as_str())
            .unwrap_or_default()
            .to_string();
        let want: Vec<String> = rec["lines"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let bytes =
            std::fs::read(dir.join(&image)).with_context(|| format!("cannot read {image}"))?;
        let out = match engine.read(&bytes) {
            Ok(out) => out,
            // An image the engine gives up on (corrupt, over the time limit) is a document not
            // read, counted as such, not the end of the evaluation.
            Err(e) => {
                errors += 1;
                let t = score(&want, &[]);
                failures.push(serde_json::json!({
                    "image": image,
                    "error": e.to_string(),
                    "located": false,
                    "valid": false,
                    "confident": false,
                    "want": want,
                }));
                sweep_items.push((None, false));
                tallies.add(&rec, &t, None, &want, &image);
                continue;
            }
        };
        times.push(out.timings.total_ms);
        let got: Vec<String> = match &out.mrz {
            Some(m) => m.lines.clone(),
            None => out.text.clone(),
        };
        let mut t = score(&want, &got);
        let (valid, confident) = t.gate(out.mrz.as_ref());
        // The least confident field of a valid read, for the threshold sweep.
        let least = out.mrz.as_ref().filter(|m| m.is_valid()).map(|m| {
            m.confidence
                .iter()
                .map(|c| c.confidence)
                .fold(1.0f32, f32::min)
        });
        sweep_items.push((least, t.exact == 1));
        let truth_quad = quad_of(&rec["mrz_quad"]);
        t.located = usize::from(match (&out.location, truth_quad) {
            (Some(l), Some(q)) => l.quad.iou(&q) >= 0.5,
            _ => false,
        });
        if t.exact_but_uncertain == 1 {
            // Exact reads the gating held back: what a lower threshold would win.
            if let Some(m) = &out.mrz {
                held_back.push(serde_json::json!({
                    "image": image,
                    "uncertain_fields": m.uncertain_fields,
                    "confidence": m.confidence,
                }));
            }
        }
        let hint = hint_kind(&out);
        let tally = hints.entry(hint.clone()).or_default();
        tally.0 += 1;
        tally.1 += t.exact;
        if t.exact == 0 {
            failures.push(serde_json::json!({
                "image": image,
                "capture_hint": hint,
                "located": t.located == 1,
                "valid": valid,
                "confident": confident,
                "uncertain_fields": out.mrz.as_ref().map(|m| m.uncertain_fields.clone()).unwrap_or_default(),
                "read": got,
                "want": want,
                "recognised": out.text,
                "repairs": out.mrz.as_ref().map(|m| m.repairs.clone()).unwrap_or_default(),
                "wrong": wrong_chars(&want, &got, &out.readings),
            }));
        }
        tallies.add(&rec, &t, out.mrz.as_ref(), &want, &image);
    }
    let capture_hints: BTreeMap<&String, Value> = hints
        .iter()
        .map(|(k, &(items, exact))| (k, serde_json::json!({ "items": items, "exact": exact })))
        .collect();
    Ok(serde_json::json!({
        "schema": SCHEMA,
        "kind": "documents",
        "dir": dir.display().to_string(),
        "all": tallies.all.summary(),
        "by_format": tallies.by_format.iter().map(|(k, v)| (k.clone(), v.summary())).collect::<BTreeMap<_, _>>(),
        "by_preset": tallies.by_preset.iter().map(|(k, v)| (k.clone(), v.summary())).collect::<BTreeMap<_, _>>(),
        "median_ms": median(&mut times),
        "p95_ms": percentile(&mut times, 0.95),
        "max_ms": percentile(&mut times, 1.0),
        "confidence_sweep": sweep(&sweep_items),
        "check": tallies.checks.as_ref().map_or(Value::Null, CheckTally::summary),
        "exact_but_uncertain": held_back,
        "capture_hints": capture_hints,
        "errors": errors,
        "failures": failures,
    }))
}

/// What every document adds to, read or not (an image the engine gave up on adds a read of
/// nothing).
#[derive(Default)]
struct DocumentTallies {
    all: Tally,
    by_format: BTreeMap<String, Tally>,
    by_preset: BTreeMap<String, Tally>,
    /// With `--check`: the checks of forms built from each truth against the read.
    checks: Option<CheckTally>,
}

impl DocumentTallies {
    /// Adds the document of truth record `rec`, scored `t`, whose read parsed to `read`.
    fn add(&mut self, rec: &Value, t: &Tally, read: Option<&Mrz>, want: &[String], image: &str) {
        if let Some(checks) = &mut self.checks {
            if let Some(c) = check_document(read, want, image) {
                checks.add(&c);
            }
        }
        self.all.add(t);
        let group = |key: &str| rec[key].as_str().unwrap_or("unknown").to_string();
        self.by_format.entry(group("format")).or_default().add(t);
        self.by_preset.entry(group("preset")).or_default().add(t);
    }
}

/// The kind of the read's capture hint as JSON names it (`cut_off`, `too_small`), or `none`.
fn hint_kind(out: &kyc_ocr::engine::ReadOutput) -> String {
    out.capture_hint()
        .and_then(|h| serde_json::to_value(h).ok())
        .and_then(|v| v["kind"].as_str().map(str::to_string))
        .unwrap_or_else(|| "none".to_string())
}

/// Thresholds offered by the sweep.
const SWEEP: [f32; 8] = [0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99];

/// What each `min_confidence` would give: confident reads, and of those the exact and the wrong
/// ones. `items` holds the least field confidence of each valid read (`None` when not valid) and
/// whether the read was exact.
fn sweep(items: &[(Option<f32>, bool)]) -> Vec<Value> {
    SWEEP
        .iter()
        .map(|&th| {
            let confident = items.iter().filter(|i| i.0.is_some_and(|c| c >= th));
            let (mut n, mut exact) = (0usize, 0usize);
            for i in confident {
                n += 1;
                exact += usize::from(i.1);
            }
            serde_json::json!({
                "min_confidence": th,
                "confident": n,
                "confident_exact": exact,
                "confident_but_wrong": n - exact,
            })
        })
        .collect()
}

fn eval_lines(
    engine: &Engine,
    dir: &Path,
    tsv: &Path,
    limit: Option<usize>,
    check: bool,
) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(tsv).with_context(|| format!("cannot read {}", tsv.display()))?;
    let mut all = Tally::default();
    // The same reads with the layout's character classes applied (`mrz::constrain_line`), as a
    // full read applies them: the recogniser's accuracy in context.
    let mut with_classes = Tally::default();
    let mut times = Vec::new();
    let mut failures = Vec::new();
    let mut trusted = Tally::default();
    // Each source's lines in file order.
    let mut sources: Vec<(String, Vec<ZoneLine>)> = Vec::new();
    let rows = text.lines().filter(|l| !l.trim().is_empty());
    for (n, row) in rows.enumerate() {
        if limit.is_some_and(|l| n >= l) {
            break;
        }
        let mut cols = row.split('\t');
        let (Some(file), Some(want)) = (cols.next(), cols.next()) else {
            bail!("lines.tsv row {} needs a file and a text column", n + 1);
        };
        let source = cols.next().filter(|s| !s.is_empty());
        let suspect = cols.next().is_some_and(|s| s.trim() == "1");
        // A header row names its columns.
        if n == 0 && file == "file" {
            continue;
        }
        let bytes = std::fs::read(dir.join(file)).with_context(|| format!("cannot read {file}"))?;
        let start = Instant::now();
        let image = engine
            .decode(&bytes)
            .with_context(|| format!("cannot decode {file}"))?;
        let line = LineImage::from_crop(&image.to_luma8());
        let reading = engine.recognise(&[line]).context("recogniser failed")?;
        times.push(start.elapsed().as_secs_f32() * 1000.0);
        let got: Vec<String> = reading.iter().map(|r| r.best_text()).collect();
        let constrained: Vec<String> = reading.iter().map(kyc_ocr::mrz::constrain_line).collect();
        let t = score(&[want.to_string()], &got);
        let c = score(&[want.to_string()], &constrained);
        if t.exact == 0 || c.exact == 0 {
            failures.push(serde_json::json!({
                "file": file, "want": want, "read": got, "read_with_classes": constrained,
            }));
        }
        all.add(&t);
        with_classes.add(&c);
        if !suspect {
            trusted.add(&t);
        }
        if let (Some(source), Some(reading)) = (source, reading.into_iter().next()) {
            let line = ZoneLine {
                truth: want.to_string(),
                reading,
                suspect,
            };
            match sources.last_mut() {
                Some((s, lines)) if s == source => lines.push(line),
                _ => sources.push((source.to_string(), vec![line])),
            }
        }
    }
    let zones = eval_zones(engine, &sources, check);
    Ok(serde_json::json!({
        "schema": SCHEMA,
        "kind": "lines",
        "dir": dir.display().to_string(),
        "all": all.summary(),
        "with_classes": with_classes.summary(),
        "trusted": trusted.summary(),
        "documents": zones.all.summary(),
        "documents_truth_valid": zones.truth_valid.summary(),
        "documents_trusted": zones.trusted.summary(),
        "check": if check { zones.trusted_check.summary() } else { Value::Null },
        "document_failures": zones.failures,
        "median_ms": median(&mut times),
        "p95_ms": percentile(&mut times, 0.95),
        "max_ms": percentile(&mut times, 1.0),
        "failures": failures,
    }))
}

/// One line crop of a source image.
struct ZoneLine {
    truth: String,
    reading: LineReading,
    /// The truth is known to disagree with the image.
    suspect: bool,
}

/// Whole zones regrouped from line crops.
struct ZoneTallies {
    all: Tally,
    /// Zones whose truth itself passes every check digit: specimens and templates with made-up
    /// digits cannot be repaired towards their truth, and their "valid but wrong" means nothing.
    truth_valid: Tally,
    /// Of those, the zones without a suspect truth line.
    trusted: Tally,
    /// The check of the trusted zones against forms built from their truth (`--check`).
    trusted_check: CheckTally,
    failures: Vec<Value>,
}

/// Parses each source whose crops make up a whole zone, as a full read would parse them, and
/// scores the repaired lines; with `check`, also checks the trusted zones against their truth.
fn eval_zones(engine: &Engine, sources: &[(String, Vec<ZoneLine>)], check: bool) -> ZoneTallies {
    let mut z = ZoneTallies {
        all: Tally::default(),
        truth_valid: Tally::default(),
        trusted: Tally::default(),
        trusted_check: CheckTally::default(),
        failures: Vec::new(),
    };
    for (source, lines) in sources {
        let lens: Vec<usize> = lines.iter().map(|l| l.truth.len()).collect();
        if !matches!(lens.as_slice(), [44, 44] | [36, 36] | [30, 30, 30]) {
            continue;
        }
        // Crops are numbered in no particular order: take the line order under which the truth
        // parses best (a full read knows it from the geometry).
        let order = zone_order(engine, lines);
        let want: Vec<String> = order.iter().map(|&i| lines[i].truth.clone()).collect();
        let readings: Vec<LineReading> = order.iter().map(|&i| lines[i].reading.clone()).collect();
        let suspect = lines.iter().any(|l| l.suspect);
        let mrz = engine.parse(&readings).ok();
        let got: Vec<String> = match &mrz {
            Some(m) => m.lines.clone(),
            None => readings.iter().map(LineReading::best_text).collect(),
        };
        let mut t = score(&want, &got);
        let (valid, confident) = t.gate(mrz.as_ref());
        let truth_ok =
            kyc_ocr::mrz::parse_lines(&want, &engine.params().parse).is_ok_and(|m| m.is_valid());
        if t.exact == 0 {
            z.failures.push(serde_json::json!({
                "source": source,
                "truth_valid": truth_ok,
                "suspect_gt": suspect,
                "valid": valid,
                "confident": confident,
                "read": got,
                "want": want,
                "recognised": readings.iter().map(LineReading::best_text).collect::<Vec<_>>(),
                "repairs": mrz.as_ref().map(|m| m.repairs.clone()).unwrap_or_default(),
                "uncertain_fields": mrz.as_ref().map(|m| m.uncertain_fields.clone()).unwrap_or_default(),
                "wrong": wrong_chars(&want, &got, &readings),
            }));
        }
        z.all.add(&t);
        if truth_ok {
            z.truth_valid.add(&t);
            if !suspect {
                z.trusted.add(&t);
                if check {
                    if let Some(c) = check_document(mrz.as_ref(), &want, source) {
                        z.trusted_check.add(&c);
                    }
                }
            }
        }
    }
    z
}

/// The order of a zone's lines under which their truth parses with the most valid check digits
/// and the fewest malformed fields (file order on a tie).
fn zone_order(engine: &Engine, lines: &[ZoneLine]) -> Vec<usize> {
    let orders: &[&[usize]] = if lines.len() == 2 {
        &[&[0, 1], &[1, 0]]
    } else {
        &[
            &[0, 1, 2],
            &[0, 2, 1],
            &[1, 0, 2],
            &[1, 2, 0],
            &[2, 0, 1],
            &[2, 1, 0],
        ]
    };
    let rank = |order: &[usize]| -> (usize, isize) {
        let text: Vec<&str> = order.iter().map(|&i| lines[i].truth.as_str()).collect();
        match kyc_ocr::mrz::parse_lines(&text, &engine.params().parse) {
            Ok(m) => (
                1 + m
                    .checks
                    .iter()
                    .filter(|c| c.status == kyc_ocr::mrz::CheckStatus::Valid)
                    .count(),
                -(m.malformed_fields.len() as isize),
            ),
            Err(_) => (0, 0),
        }
    };
    let mut best = (rank(orders[0]), orders[0]);
    for &o in &orders[1..] {
        let r = rank(o);
        if r > best.0 {
            best = (r, o);
        }
    }
    best.1.to_vec()
}

/// Per wrong character of a read whose line lengths match the truth: where, what the truth and
/// the read hold, and the recogniser's candidates there (probabilities), so a failure can be
/// blamed on the recogniser or on the repair.
fn wrong_chars(want: &[String], got: &[String], readings: &[LineReading]) -> Vec<Value> {
    let mut v = Vec::new();
    for (l, (w, g)) in want.iter().zip(got).enumerate() {
        if w.len() != g.len() {
            v.push(serde_json::json!({ "line": l, "length": g.len(), "expected": w.len() }));
            continue;
        }
        for (p, (a, b)) in w.chars().zip(g.chars()).enumerate() {
            if a == b {
                continue;
            }
            let cands: Vec<String> = readings
                .get(l)
                .and_then(|r| r.positions.get(p))
                .map(|c| {
                    c.iter()
                        .map(|c| format!("{}:{:.3}", c.ch, c.log_prob.exp()))
                        .collect()
                })
                .unwrap_or_default();
            v.push(serde_json::json!({ "line": l, "pos": p, "want": a.to_string(), "got": b.to_string(), "cands": cands }));
        }
    }
    v
}

/// Scores one item: lines compared in order, a missing line counting as all characters wrong.
fn score(want: &[String], got: &[String]) -> Tally {
    let mut t = Tally {
        items: 1,
        lines: want.len(),
        ..Tally::default()
    };
    for (i, w) in want.iter().enumerate() {
        let g = got.get(i).map(String::as_str).unwrap_or("");
        t.chars += w.chars().count();
        let d = levenshtein(w, g);
        t.char_errors += d;
        t.lines_exact += usize::from(d == 0);
    }
    t.exact = usize::from(t.lines_exact == want.len() && got.len() == want.len());
    t
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// The `q` percentile of the times by nearest rank (1.0: the slowest); 0 for no items. A service
/// is sized by its slow reads, not its median.
fn percentile(v: &mut [f32], q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[((q * v.len() as f32).ceil() as usize).clamp(1, v.len()) - 1]
}

fn write_human(w: &mut impl Write, report: &Value) -> std::io::Result<()> {
    let line = |w: &mut dyn Write, name: &str, s: &Value| -> std::io::Result<()> {
        let f = |k: &str| s[k].as_f64().unwrap_or(0.0) * 100.0;
        writeln!(
            w,
            "{name:<12} n={:<5} exact {:6.2}%  lines {:6.2}%  chars {:6.2}%  valid-but-wrong {:5.2}%  confident {:6.2}%  confident-but-wrong {:5.2}%  located {:6.2}%",
            s["counts"]["items"],
            f("exact_rate"),
            f("line_rate"),
            f("char_accuracy"),
            f("valid_but_wrong_rate"),
            f("confident_rate"),
            f("confident_but_wrong_rate"),
            f("located_rate")
        )
    };
    line(w, "all", &report["all"])?;
    if report["with_classes"].is_object() {
        line(w, "+classes", &report["with_classes"])?;
    }
    // Whole zones regrouped from line crops, parsed and repaired.
    for (key, name) in [
        ("trusted", "trusted-gt"),
        ("documents", "zones"),
        ("documents_truth_valid", "zones-valid"),
        ("documents_trusted", "zones-trust"),
    ] {
        if report[key]["counts"]["items"]
            .as_u64()
            .is_some_and(|n| n > 0)
        {
            line(w, name, &report[key])?;
        }
    }
    for group in ["by_format", "by_preset"] {
        if let Some(m) = report[group].as_object() {
            for (k, v) in m {
                line(w, k, v)?;
            }
        }
    }
    if report["check"].is_object() {
        let c = &report["check"];
        let pct = |k: &str| c[k].as_f64().unwrap_or(0.0) * 100.0;
        writeln!(
            w,
            "check        n={:<5} consistent {:6.2}%  needless prompt {:6.2}%  unreadable {:6.2}%  typo consistent {:5.2}%  look-alike consistent {:5.2}% (of {})  date typo consistent {:5.2}% (of {})  expiry typo consistent {:5.2}% (of {})  number look-alike consistent {:5.2}% (of {})  misread names consistent {:5.2}% (of {})",
            c["counts"]["items"],
            pct("consistent_rate"),
            pct("needless_prompt_rate"),
            pct("unreadable_rate"),
            pct("typo_consistent_rate"),
            pct("look_alike_consistent_rate"),
            c["counts"]["look_alike_items"],
            pct("date_typo_consistent_rate"),
            c["counts"]["date_items"],
            pct("expiry_typo_consistent_rate"),
            c["counts"]["expiry_items"],
            pct("number_look_alike_consistent_rate"),
            c["counts"]["number_look_alike_items"],
            pct("misread_consistent_rate"),
            c["counts"]["misread_items"],
        )?;
    }
    if let Some(hints) = report["capture_hints"].as_object() {
        let counts: Vec<String> = hints
            .iter()
            .filter(|(k, _)| k.as_str() != "none")
            .map(|(k, v)| format!("{k} {} ({} exact)", v["items"], v["exact"]))
            .collect();
        if !counts.is_empty() {
            writeln!(w, "capture hints: {}", counts.join(", "))?;
        }
    }
    if let Some(n) = report["errors"].as_u64().filter(|&n| n > 0) {
        writeln!(
            w,
            "errors: {n} images the engine gave up on (counted as not read; see failures[].error)"
        )?;
    }
    let ms = |k: &str| report[k].as_f64().unwrap_or(0.0);
    writeln!(
        w,
        "time per item: median {:.1} ms, 95th percentile {:.1} ms, slowest {:.1} ms",
        ms("median_ms"),
        ms("p95_ms"),
        ms("max_ms")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_quantiles_are_the_median_the_95th_percentile_and_the_slowest() {
        let mut times: Vec<f32> = (1..=100).rev().map(|t| t as f32).collect();
        assert_eq!(median(&mut times), 51.0);
        assert_eq!(percentile(&mut times, 0.95), 95.0);
        assert_eq!(percentile(&mut times, 1.0), 100.0);
        let mut one = [7.0];
        assert_eq!(
            [
                median(&mut one),
                percentile(&mut one, 0.95),
                percentile(&mut one, 1.0)
            ],
            [7.0, 7.0, 7.0]
        );
        assert_eq!(percentile(&mut [], 0.95), 0.0);
    }

    #[test]
    fn sweep_counts_confident_reads_per_threshold() {
        // (least field confidence of a valid read or None, exact)
        let items = [
            (Some(0.99), true),
            (Some(0.92), true),
            (Some(0.75), false),
            (None, false),
            (Some(0.6), true),
        ];
        let v = sweep(&items);
        let at = |th: f64| {
            let s = v
                .iter()
                .find(|s| (s["min_confidence"].as_f64().unwrap() - th).abs() < 1e-6)
                .unwrap();
            (
                s["confident"].as_u64().unwrap(),
                s["confident_exact"].as_u64().unwrap(),
                s["confident_but_wrong"].as_u64().unwrap(),
            )
        };
        assert_eq!(at(0.5), (4, 3, 1));
        assert_eq!(at(0.7), (3, 2, 1));
        assert_eq!(at(0.8), (2, 2, 0));
        assert_eq!(at(0.95), (1, 1, 0));
    }

    #[test]
    fn scores_lines_by_edit_distance() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let cases = [
            (s(&["ABC<", "1234"]), s(&["ABC<", "1234"]), 1, 2, 0),
            (s(&["ABC<", "1234"]), s(&["ABK<", "1234"]), 0, 1, 1),
            (s(&["ABC<", "1234"]), s(&["ABC<"]), 0, 1, 4),
            (s(&["ABC<"]), s(&["ABC<<"]), 0, 0, 1),
        ];
        for (want, got, exact, lines_exact, errors) in cases {
            let t = score(&want, &got);
            assert_eq!(
                (t.exact, t.lines_exact, t.char_errors),
                (exact, lines_exact, errors),
                "{got:?}"
            );
        }
    }
}
