//! Stage 4: run the line recogniser (a CTC model, via rten) on rectified lines and decode its
//! output into per-position candidates for the MRZ engine's check-digit-guided repair.

use std::path::Path;
use std::sync::Arc;

use rten::{Model, NodeId, RunOptions, ThreadPool};
use rten_tensor::prelude::*;
use rten_tensor::{NdTensor, NdTensorView};

use crate::mrz::{CharCandidate, LineReading};
use crate::rectify::{LineImage, LINE_HEIGHT};

/// The recogniser's labels after the CTC blank (label `i` is `ALPHABET[i - 1]`).
pub const ALPHABET: &str = "<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// How many alternatives to keep per position (best first).
const TOP_K: usize = 4;
/// Log-probability bonus for the filler `<` when a decode must restore missing characters.
const FILLER_BONUS: f32 = 0.7;
/// Alternatives below this log-probability (about 1%) are not offered to the repair.
const MIN_ALT_LOG_PROB: f32 = -4.6;
/// A step between two characters' centres under this share of the local pitch: a character read
/// twice, or a stray mark read as one. MRZ text is printed at a fixed pitch, so nothing genuine
/// comes this close. On 917 lines cut from 500 bowed hard generator documents and the 241
/// held-out real crops, no correctly read line had a step under 0.4 or over 1.8 of its local
/// pitch; 25 misread lines did (9 of the 17 whose misreading shifts characters).
const MIN_STEP: f32 = 0.4;
/// A step over this share of the local pitch: a character missed between the two.
const MAX_STEP: f32 = 1.8;
/// Steps on each side of a step that measure its local pitch (perspective and a bowed page
/// change the pitch along a line, so a line-wide pitch would not do).
const PITCH_WINDOW: usize = 5;
/// Lines shorter than this are not judged: too few steps to know their pitch.
const MIN_PITCH_CHARS: usize = 10;

/// What went wrong loading or running the recogniser.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecogniseErrorKind {
    /// The model file could not be read or is not a model rten can load.
    Load,
    /// The model lacks the `line_image` input or the `log_probs` output.
    Contract,
    /// The model failed to run, or returned a shape other than `[T, N, 38]`.
    Run,
}

/// The recogniser failed; `source()` gives rten's error where there is one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RecogniseError {
    kind: RecogniseErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl RecogniseError {
    fn new(
        kind: RecogniseErrorKind,
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        RecogniseError {
            kind,
            message: message.into(),
            source,
        }
    }

    /// Why the recogniser failed.
    pub fn kind(&self) -> &RecogniseErrorKind {
        &self.kind
    }
}

/// The model behind the recogniser; private so tests can run the pipeline with a fake.
pub(crate) trait LineModel: Send + Sync {
    /// `[N, 1, 32, W]` normalised lines in, `[T, N, C]` log-probabilities out.
    fn run(&self, input: NdTensor<f32, 4>) -> Result<NdTensor<f32, 3>, RecogniseError>;
}

/// How the recogniser spreads one call over threads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelThreads {
    /// Each calling thread runs the model on one thread of its own (the default): a read costs
    /// one core, and a service or a batch scales by reading several images at once. (rten would
    /// otherwise run every call in one process-wide pool, where concurrent reads queue behind
    /// each other.) Read from plain threads (`std::thread`, a blocking pool): a rayon worker that
    /// waits for another pool keeps its core busy stealing work instead of sleeping.
    #[default]
    PerCaller,
    /// Every call splits its work over one pool of this many threads, shared by all calls: lower
    /// latency for one image at a time on an otherwise idle machine.
    Pool(usize),
}

thread_local! {
    /// The calling thread's own single-thread pool for [`ModelThreads::PerCaller`].
    static CALLER_POOL: Arc<ThreadPool> = Arc::new(ThreadPool::with_num_threads(1));
}

/// The trained recogniser, run by rten.
pub(crate) struct RtenModel {
    model: Model,
    input: NodeId,
    output: NodeId,
    /// The shared pool of [`ModelThreads::Pool`]; `None` for per-caller pools.
    pool: Option<Arc<ThreadPool>>,
}

impl RtenModel {
    pub(crate) fn from_file(path: &Path, threads: ModelThreads) -> Result<Self, RecogniseError> {
        let model = Model::load_file(path).map_err(|e| {
            RecogniseError::new(
                RecogniseErrorKind::Load,
                format!("recogniser model {} could not be loaded", path.display()),
                Some(Box::new(e)),
            )
        })?;
        Self::wrap(model, threads)
    }

    pub(crate) fn from_static(
        bytes: &'static [u8],
        threads: ModelThreads,
    ) -> Result<Self, RecogniseError> {
        let model = Model::load_static_slice(bytes).map_err(|e| {
            RecogniseError::new(
                RecogniseErrorKind::Load,
                "embedded recogniser model could not be loaded",
                Some(Box::new(e)),
            )
        })?;
        Self::wrap(model, threads)
    }

    fn wrap(model: Model, threads: ModelThreads) -> Result<Self, RecogniseError> {
        let input = model.find_node("line_image").ok_or_else(|| {
            RecogniseError::new(
                RecogniseErrorKind::Contract,
                "recogniser model has no input line_image",
                None,
            )
        })?;
        let output = model.find_node("log_probs").ok_or_else(|| {
            RecogniseError::new(
                RecogniseErrorKind::Contract,
                "recogniser model has no output log_probs",
                None,
            )
        })?;
        let pool = match threads {
            ModelThreads::PerCaller => None,
            ModelThreads::Pool(n) => Some(Arc::new(ThreadPool::with_num_threads(n.max(1)))),
        };
        Ok(RtenModel {
            model,
            input,
            output,
            pool,
        })
    }

    /// One run of the model on `input` as it is.
    fn run_batch(&self, input: NdTensor<f32, 4>) -> Result<NdTensor<f32, 3>, RecogniseError> {
        let run_err = |e: Box<dyn std::error::Error + Send + Sync>| {
            RecogniseError::new(
                RecogniseErrorKind::Run,
                "recogniser model failed to run",
                Some(e),
            )
        };
        let pool = match &self.pool {
            Some(pool) => pool.clone(),
            None => CALLER_POOL.with(Arc::clone),
        };
        let options = RunOptions::default().with_thread_pool(Some(pool));
        let [out] = self
            .model
            .run_n(
                vec![(self.input, input.view().into())],
                [self.output],
                Some(options),
            )
            .map_err(|e| run_err(Box::new(e)))?;
        let out: NdTensor<f32, 3> = out.try_into().map_err(|e: rten::TryFromValueError| {
            RecogniseError::new(
                RecogniseErrorKind::Run,
                "recogniser output log_probs is not a 3-d f32 tensor",
                Some(Box::new(e)),
            )
        })?;
        Ok(out)
    }
}

impl LineModel for RtenModel {
    /// Runs each line of the batch on its own and stacks the outputs along the batch axis. rten
    /// 0.26's ConvInteger (the 8-bit convolutions of `mrz-rec-int8.onnx`) gives wrong results for
    /// a batch of more than one (checked against onnxruntime on a one-convolution graph), and
    /// batching saved little: each line is its own matrix product either way.
    fn run(&self, input: NdTensor<f32, 4>) -> Result<NdTensor<f32, 3>, RecogniseError> {
        let n = input.size(0);
        if n <= 1 {
            return self.run_batch(input);
        }
        let outs = (0..n)
            .map(|i| self.run_batch(input.slice(i..i + 1).to_tensor()))
            .collect::<Result<Vec<_>, _>>()?;
        let [t, _, c] = outs[0].shape();
        if outs.iter().any(|o| o.shape() != [t, 1, c]) {
            return Err(RecogniseError::new(
                RecogniseErrorKind::Run,
                "recogniser output shape differs between the lines of one batch",
                None,
            ));
        }
        let mut all = NdTensor::zeros([t, n, c]);
        for (i, one) in outs.iter().enumerate() {
            all.slice_mut((.., i, ..))
                .copy_from(&one.slice((.., 0, ..)));
        }
        Ok(all)
    }
}

/// Packs lines into the model's input: grey g to g/255 - 0.5, padded right with paper (+0.5) to the
/// widest line, rounded up to a multiple of 4.
pub(crate) fn batch(lines: &[LineImage]) -> NdTensor<f32, 4> {
    let width = lines
        .iter()
        .map(|l| l.image.width())
        .max()
        .unwrap_or(4)
        .div_ceil(4)
        * 4;
    let h = LINE_HEIGHT as usize;
    let mut input = NdTensor::full([lines.len(), 1, h, width as usize], 0.5f32);
    for (n, line) in lines.iter().enumerate() {
        for (x, y, p) in line.image.enumerate_pixels() {
            if (y as usize) < h {
                input[[n, 0, y as usize, x as usize]] = f32::from(p[0]) / 255.0 - 0.5;
            }
        }
    }
    input
}

/// Runs the model on `lines` (one batch) and decodes each line; with `line_len`, every line is
/// decoded to exactly that many characters when the model's output allows it.
pub(crate) fn recognise(
    model: &dyn LineModel,
    lines: &[LineImage],
    line_len: Option<usize>,
) -> Result<Vec<LineReading>, RecogniseError> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let out = model.run(batch(lines))?;
    let [_, n, c] = out.shape();
    if n != lines.len() || c != ALPHABET.len() + 1 {
        return Err(RecogniseError::new(
            RecogniseErrorKind::Run,
            format!(
                "recogniser output has shape {:?}, expected [T, {}, {}]",
                out.shape(),
                lines.len(),
                ALPHABET.len() + 1
            ),
            None,
        ));
    }
    Ok((0..n)
        .map(|i| {
            // Frames past the line's own width saw only padding.
            let frames = (lines[i].image.width() as usize)
                .div_ceil(4)
                .min(out.size(0));
            let seq = out.slice((..frames, i, ..));
            decode_line(seq, line_len)
        })
        .collect())
}

/// CTC-decodes one line: greedy, or constrained to `line_len` when the zone's geometry says how
/// many characters the line holds. Without a known length the greedy reading stands: forcing it to
/// the nearest MRZ length would invent or drop characters on partial lines (measured on the real
/// crops: 68% exact lines with forcing, 83% without).
pub(crate) fn decode_line(seq: NdTensorView<f32, 2>, line_len: Option<usize>) -> LineReading {
    let steps = greedy(seq);
    let steps = match line_len {
        Some(target) if steps.len() < target => {
            // CTC under-counts runs of one character, and the MRZ's long runs are fillers: when
            // characters are missing, favour restoring `<` over doubling a letter.
            let mut biased = seq.to_tensor();
            for f in 0..biased.size(0) {
                biased[[f, 1]] += FILLER_BONUS;
            }
            constrained(biased.view(), target).unwrap_or(steps)
        }
        Some(target) if steps.len() > target => constrained(seq, target).unwrap_or(steps),
        _ => steps,
    };
    let alphabet: Vec<char> = ALPHABET.chars().collect();
    let positions = steps
        .iter()
        .map(|&(label, frame)| {
            let row = seq.slice(frame);
            let mut labels: Vec<usize> = (1..row.size(0)).collect();
            labels.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
            // The decoded label first, even where a constrained path chose a runner-up.
            labels.retain(|&l| l != label);
            labels.insert(0, label);
            // Alternatives the model gives almost no chance would only let the check-digit repair
            // "fix" a line into a valid but wrong one.
            labels
                .into_iter()
                .enumerate()
                .filter(|&(rank, l)| rank == 0 || row[l] >= MIN_ALT_LOG_PROB)
                .map(|(_, l)| l)
                .take(TOP_K)
                .map(|l| CharCandidate {
                    ch: alphabet[l - 1],
                    log_prob: row[l],
                })
                .collect()
        })
        .collect();
    LineReading {
        positions,
        pitch_breaks: pitch_breaks(&centres(seq, &steps)),
    }
}

/// Where each decoded character sits, in frames: the mean of the frames around its peak (at most
/// two either side, and never past halfway to a neighbour's peak), weighted by its probability
/// there. A peak frame alone is too coarse at about four frames per character.
fn centres(seq: NdTensorView<f32, 2>, steps: &[(usize, usize)]) -> Vec<f32> {
    let last = seq.size(0).saturating_sub(1);
    steps
        .iter()
        .enumerate()
        .map(|(i, &(label, peak))| {
            let mut lo = peak.saturating_sub(2);
            let mut hi = (peak + 2).min(last);
            if let Some(&(_, before)) = i.checked_sub(1).and_then(|j| steps.get(j)) {
                lo = lo.max((before + peak) / 2 + 1).min(peak);
            }
            if let Some(&(_, after)) = steps.get(i + 1) {
                hi = hi
                    .min((peak + after).div_ceil(2).saturating_sub(1))
                    .max(peak);
            }
            let (mut sum, mut weight) = (0.0f32, 0.0f32);
            for f in lo..=hi {
                let w = seq[[f, label]].exp();
                sum += w * f as f32;
                weight += w;
            }
            if weight > 0.0 {
                sum / weight
            } else {
                peak as f32
            }
        })
        .collect()
}

/// The steps between characters (at `centres`) that break the line's fixed pitch: `i` where
/// the step from `i` to `i + 1`, against the median of the [`PITCH_WINDOW`] steps either side, is
/// under [`MIN_STEP`] or over [`MAX_STEP`].
fn pitch_breaks(centres: &[f32]) -> Vec<usize> {
    if centres.len() < MIN_PITCH_CHARS {
        return Vec::new();
    }
    let steps: Vec<f32> = centres.windows(2).map(|w| w[1] - w[0]).collect();
    (0..steps.len())
        .filter(|&i| {
            let mut around: Vec<f32> = steps[i.saturating_sub(PITCH_WINDOW)..i]
                .iter()
                .chain(&steps[i + 1..(i + 1 + PITCH_WINDOW).min(steps.len())])
                .copied()
                .collect();
            around.sort_by(f32::total_cmp);
            let pitch = around[around.len() / 2].max(0.5);
            let step = steps[i] / pitch;
            !(MIN_STEP..=MAX_STEP).contains(&step)
        })
        .collect()
}

/// Fuses several readings of the same lines (one per cut) into one: per position, the mean of
/// each character's probability over the cuts. A line whose cuts disagree on its length keeps the
/// first cut's reading (positions could not be matched).
pub fn fuse(views: &[Vec<LineReading>]) -> Vec<LineReading> {
    let Some(first) = views.first() else {
        return Vec::new();
    };
    first
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let same: Vec<&LineReading> = views
                .iter()
                .filter_map(|v| v.get(i))
                .filter(|l| l.positions.len() == line.positions.len())
                .collect();
            if same.len() < 2 {
                return line.clone();
            }
            let n = same.len() as f32;
            let positions = (0..line.positions.len())
                .map(|p| {
                    let mut sum: Vec<(char, f32)> = Vec::new();
                    for l in &same {
                        for c in &l.positions[p] {
                            match sum.iter_mut().find(|s| s.0 == c.ch) {
                                Some(s) => s.1 += c.log_prob.exp(),
                                None => sum.push((c.ch, c.log_prob.exp())),
                            }
                        }
                    }
                    sum.sort_by(|a, b| b.1.total_cmp(&a.1));
                    sum.into_iter()
                        .enumerate()
                        .map(|(rank, (ch, p))| (rank, ch, (p / n).ln()))
                        .filter(|&(rank, _, lp)| rank == 0 || lp >= MIN_ALT_LOG_PROB)
                        .take(TOP_K)
                        .map(|(_, ch, log_prob)| CharCandidate { ch, log_prob })
                        .collect()
                })
                .collect();
            // A cut whose characters break the pitch read one twice or missed one there: breaks
            // that most cuts see (within a position) stay with the fused line, whichever cut
            // saw them first. The fused characters follow the majority, and so must the breaks:
            // where two cuts of three read a letter twice and the first did not, the fused
            // name is shifted.
            let mut pitch_breaks: Vec<usize> = Vec::new();
            for &b in same.iter().flat_map(|l| &l.pitch_breaks) {
                let seen = same
                    .iter()
                    .filter(|l| l.pitch_breaks.iter().any(|&o| o.abs_diff(b) <= 1))
                    .count();
                let near = pitch_breaks.iter().any(|&o| o.abs_diff(b) <= 1);
                if 2 * seen > same.len() && !near {
                    pitch_breaks.push(b);
                }
            }
            pitch_breaks.sort_unstable();
            LineReading {
                positions,
                pitch_breaks,
            }
        })
        .collect()
}

/// Best-path decode: `(label, peak frame)` per emitted character.
fn greedy(seq: NdTensorView<f32, 2>) -> Vec<(usize, usize)> {
    let [t, c] = seq.shape();
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut prev = 0;
    for f in 0..t {
        let best = (0..c)
            .max_by(|&a, &b| seq[[f, a]].total_cmp(&seq[[f, b]]))
            .unwrap_or(0);
        if best != 0 {
            if best != prev {
                out.push((best, f));
            } else if let Some(last) = out.last_mut() {
                // Same character continues: keep its most confident frame.
                if seq[[f, best]] > seq[[last.1, best]] {
                    last.1 = f;
                }
            }
        }
        prev = best;
    }
    out
}

/// The best single alignment path emitting exactly `len` characters (Viterbi over frames,
/// emitted count and current label), as `(label, peak frame)` per character.
fn constrained(seq: NdTensorView<f32, 2>, len: usize) -> Option<Vec<(usize, usize)>> {
    let [t, c] = seq.shape();
    if t < len || t == 0 {
        return None;
    }
    let k_n = len + 1;
    let idx = |k: usize, l: usize| k * c + l;
    let neg = f32::NEG_INFINITY;
    let mut score = vec![neg; k_n * c];
    // Back-pointers per frame: previous (k, label) packed.
    let mut back = vec![u32::MAX; t * k_n * c];
    score[idx(0, 0)] = seq[[0, 0]];
    for l in 1..c {
        score[idx(1, l)] = seq[[0, l]];
    }
    let pack = |k: usize, l: usize| (k * c + l) as u32;
    for f in 1..t {
        let mut next = vec![neg; k_n * c];
        let bp = &mut back[f * k_n * c..(f + 1) * k_n * c];
        let prev_best: Vec<_> = (0..k_n)
            .map(|k| best_two(&score[idx(k, 1)..idx(k, c - 1) + 1]))
            .collect();
        for k in 0..k_n {
            // Blank: stay blank or close a character.
            let b1 = prev_best[k].0;
            let (mut s, mut p) = (score[idx(k, 0)], pack(k, 0));
            if b1.0 > s {
                (s, p) = (b1.0, pack(k, b1.1 + 1));
            }
            if s > neg {
                next[idx(k, 0)] = s + seq[[f, 0]];
                bp[idx(k, 0)] = p;
            }
            for l in 1..c {
                // Continue the same character.
                let (mut s, mut p) = (score[idx(k, l)], pack(k, l));
                if k > 0 {
                    // Start a new character after a blank or after a different character.
                    let from_blank = score[idx(k - 1, 0)];
                    if from_blank > s {
                        (s, p) = (from_blank, pack(k - 1, 0));
                    }
                    let (pb1, pb2) = prev_best[k - 1];
                    let other = if pb1.1 + 1 != l { pb1 } else { pb2 };
                    if other.0 > s {
                        (s, p) = (other.0, pack(k - 1, other.1 + 1));
                    }
                }
                if s > neg {
                    next[idx(k, l)] = s + seq[[f, l]];
                    bp[idx(k, l)] = p;
                }
            }
        }
        score = next;
    }
    // End state: exactly `len` characters, in a blank or a character.
    let (mut end, mut best) = (usize::MAX, neg);
    for l in 0..c {
        if score[idx(len, l)] > best {
            best = score[idx(len, l)];
            end = idx(len, l);
        }
    }
    if end == usize::MAX {
        return None;
    }
    // Walk back, recording each character's frames.
    let mut labels_per_frame = vec![(0usize, 0usize); t];
    let mut state = end;
    for f in (0..t).rev() {
        labels_per_frame[f] = (state / c, state % c);
        if f > 0 {
            let p = back[f * k_n * c + state];
            if p == u32::MAX {
                return None;
            }
            state = p as usize;
        }
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut prev_k = 0;
    for (f, &(k, l)) in labels_per_frame.iter().enumerate() {
        if l != 0 {
            if k != prev_k {
                out.push((l, f));
            } else if let Some(last) = out.last_mut() {
                if seq[[f, l]] > seq[[last.1, l]] {
                    last.1 = f;
                }
            }
        }
        prev_k = k;
    }
    (out.len() == len).then_some(out)
}

/// Best and second-best `(score, index)` of a slice.
fn best_two(s: &[f32]) -> ((f32, usize), (f32, usize)) {
    let (mut b1, mut b2) = ((f32::NEG_INFINITY, 0), (f32::NEG_INFINITY, 0));
    for (i, &v) in s.iter().enumerate() {
        if v > b1.0 {
            b2 = b1;
            b1 = (v, i);
        } else if v > b2.0 {
            b2 = (v, i);
        }
    }
    (b1, b2)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Log-probabilities that spell `text`: each character on 2 frames, a blank between, with
    /// `drop` characters' frames replaced by blank (a faint character the model misses).
    pub(crate) fn frames_for(text: &str, weak: &[usize]) -> NdTensor<f32, 2> {
        let c = ALPHABET.len() + 1;
        let t = text.len() * 3 + 1;
        let mut seq = NdTensor::full([t, c], (0.001f32).ln());
        let set = |seq: &mut NdTensor<f32, 2>, f: usize, l: usize, p: f32| {
            seq[[f, l]] = p.ln();
        };
        for f in 0..t {
            set(&mut seq, f, 0, 0.9);
        }
        for (i, ch) in text.chars().enumerate() {
            let l = ALPHABET.find(ch).unwrap() + 1;
            for f in [i * 3 + 1, i * 3 + 2] {
                if weak.contains(&i) {
                    // Blank wins by a little: greedy drops it, a length-constrained decode keeps it.
                    set(&mut seq, f, 0, 0.5);
                    set(&mut seq, f, l, 0.4);
                } else {
                    set(&mut seq, f, 0, 0.02);
                    set(&mut seq, f, l, 0.9);
                }
            }
        }
        seq
    }

    #[test]
    fn decodes_text_and_recovers_length() {
        let line = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let cases: [(&str, &[usize], &str); 3] = [
            ("clean", &[], line),
            (
                "repeated letters need the blank between",
                &[],
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            ),
            (
                "two faint characters restored by the length constraint",
                &[37, 38],
                line,
            ),
        ];
        for (name, weak, text) in cases {
            let seq = frames_for(text, weak);
            assert_eq!(greedy(seq.view()).len(), text.len() - weak.len(), "{name}");
            let reading = decode_line(seq.view(), Some(text.len()));
            assert_eq!(reading.best_text(), text, "{name}");
            // Without a known length the greedy reading stands (a partial line keeps its length).
            let greedy_only = decode_line(seq.view(), None);
            assert_eq!(
                greedy_only.positions.len(),
                text.len() - weak.len(),
                "{name}"
            );
            // Only the decoded label and the blank-like runner-ups above 1% survive.
            assert!(
                reading
                    .positions
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= TOP_K),
                "{name}"
            );
        }
    }

    #[test]
    fn characters_off_the_fixed_pitch_are_breaks() {
        let even: Vec<f32> = (0..44).map(|i| 2.0 + 4.5 * i as f32).collect();
        assert!(pitch_breaks(&even).is_empty());
        // Perspective: the pitch grows from 3 to 7 frames along the line, step by step.
        let mut x = 1.0;
        let receding: Vec<f32> = (0..44)
            .map(|i| {
                x += 3.0 + 4.0 * i as f32 / 43.0;
                x
            })
            .collect();
        assert!(pitch_breaks(&receding).is_empty());
        // A character read twice: a second centre a frame after the first.
        let mut doubled = even.clone();
        doubled.insert(20, even[19] + 1.0);
        doubled.pop();
        assert_eq!(pitch_breaks(&doubled), [19]);
        // A character missed: two pitches between neighbours.
        let mut missed = even.clone();
        missed.remove(30);
        assert_eq!(pitch_breaks(&missed), [29]);
        // Too short to know its pitch.
        assert!(pitch_breaks(&doubled[..9]).is_empty());
    }

    #[test]
    fn a_letter_read_twice_is_a_break_in_the_decoded_line() {
        // `GUENTHER` with a second T on the first frame of the H (position 19), the H left one
        // frame: the decode keeps both letters, and says the step from that T to the H, a third
        // of the pitch, is off it.
        let text = "P<D<<SCHMIDT<<GUENTHER<<<<<<<<<<<<<<<<<<<<<<";
        let mut seq = frames_for(text, &[]);
        let (t, h) = (
            ALPHABET.find('T').unwrap() + 1,
            ALPHABET.find('H').unwrap() + 1,
        );
        let at = 19 * 3 + 1;
        seq[[at, h]] = (0.001f32).ln();
        seq[[at, t]] = (0.9f32).ln();
        let reading = decode_line(seq.view(), None);
        assert_eq!(
            reading.best_text(),
            "P<D<<SCHMIDT<<GUENTTHER<<<<<<<<<<<<<<<<<<<<<<"
        );
        assert_eq!(reading.pitch_breaks, [19]);
        assert!(decode_line(frames_for(text, &[]).view(), None)
            .pitch_breaks
            .is_empty());
    }

    #[test]
    fn a_fused_line_keeps_the_pitch_breaks_most_cuts_see() {
        let cut = |breaks: Vec<usize>| LineReading {
            pitch_breaks: breaks,
            ..LineReading::from_text("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<")
        };
        // The first cut's break at 17, seen within a position by a second of three cuts: kept.
        let fused = fuse(&[vec![cut(vec![17])], vec![cut(vec![18])], vec![cut(vec![])]]);
        assert_eq!(fused[0].pitch_breaks, [17]);
        // Seen by the first cut alone: the others read the line at its pitch.
        let fused = fuse(&[vec![cut(vec![17])], vec![cut(vec![])], vec![cut(vec![30])]]);
        assert!(fused[0].pitch_breaks.is_empty());
        // Two cuts of three read a letter twice and the first did not: the fused characters
        // follow those two, and so does the break (once, however many cuts saw it).
        let fused = fuse(&[vec![cut(vec![])], vec![cut(vec![8])], vec![cut(vec![9])]]);
        assert_eq!(fused[0].pitch_breaks, [8]);
    }

    #[test]
    fn fusing_cuts_averages_each_position() {
        let line = |cands: &[&[(char, f32)]]| LineReading {
            positions: cands
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|&(ch, prob)| CharCandidate {
                            ch,
                            log_prob: prob.ln(),
                        })
                        .collect()
                })
                .collect(),
            ..Default::default()
        };
        let a = line(&[&[('B', 0.6), ('8', 0.4)], &[('<', 1.0)]]);
        let b = line(&[&[('8', 0.9), ('B', 0.1)], &[('<', 0.98), ('K', 0.02)]]);
        let c = line(&[&[('8', 0.5), ('B', 0.3), ('3', 0.2)], &[('<', 1.0)]]);
        // A cut that decoded another length cannot be matched position by position.
        let short = line(&[&[('E', 1.0)]]);
        let fused = fuse(&[vec![a.clone()], vec![b], vec![c], vec![short]]);
        let probs: Vec<Vec<(char, f32)>> = fused[0]
            .positions
            .iter()
            .map(|p| p.iter().map(|c| (c.ch, c.log_prob.exp())).collect())
            .collect();
        let near = |got: &[(char, f32)], want: &[(char, f32)]| {
            got.len() == want.len()
                && got
                    .iter()
                    .zip(want)
                    .all(|(g, w)| g.0 == w.0 && (g.1 - w.1).abs() < 1e-5)
        };
        // 8 wins over B by (0.4 + 0.9 + 0.5) / 3 to (0.6 + 0.1 + 0.3) / 3.
        assert!(near(
            &probs[0],
            &[('8', 0.6), ('B', 1.0 / 3.0), ('3', 0.2 / 3.0)]
        ));
        // K falls under the 1% floor for alternatives once averaged (0.0067).
        assert!(near(&probs[1], &[('<', 2.98 / 3.0)]), "{:?}", probs[1]);
        // One cut alone is returned as it is.
        assert_eq!(fuse(&[vec![a.clone()]]), vec![a]);
        assert!(fuse(&[]).is_empty());
    }

    #[test]
    fn batch_normalises_and_pads_with_paper() {
        let a = LineImage {
            image: image::GrayImage::from_pixel(10, 32, image::Luma([0])),
        };
        let b = LineImage {
            image: image::GrayImage::from_pixel(5, 32, image::Luma([255])),
        };
        let input = batch(&[a, b]);
        assert_eq!(input.shape(), [2, 1, 32, 12]);
        assert_eq!(input[[0, 0, 0, 0]], -0.5);
        assert_eq!(input[[0, 0, 0, 11]], 0.5);
        assert_eq!(input[[1, 0, 31, 4]], 0.5);
    }
}
