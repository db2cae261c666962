//! The reading engine: one object, built once and shared across threads, with one public method
//! per stage (decode, locate, rectify, recognise, parse) and [`Engine::read`] composing them.

use std::cmp::Reverse;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::{imageops, DynamicImage, GrayImage};
use serde::Serialize;

use crate::compare::{CaptureHint, DocumentType, ImageEdge};
use crate::decode::{self, DecodeError, DecodeLimits};
use crate::descreen;
use crate::detect::{DetectorError, LineDetector};
use crate::locate::{self, LocateParams, MrzLocation};
use crate::mrz::{
    self, CharCandidate, CheckStatus, CheckedField, LineReading, Mrz, MrzError, ParseOptions,
};
use crate::recognise::{self, LineModel, ModelThreads, RecogniseError, RtenModel};
use crate::rectify::{self, LineImage};

/// The recogniser trained by `models/train_recogniser.py`, embedded so that a fresh install
/// needs no model file.
static EMBEDDED_MODEL: &[u8] = include_bytes!("../../../models/mrz-rec.onnx");
/// The same recogniser with 8-bit convolutions (`models/quantize_recogniser.py`): about a third
/// less time per line than the float build (`examples/profile_recogniser.rs`) where rten runs
/// 8-bit products exactly.
static EMBEDDED_MODEL_INT8: &[u8] = include_bytes!("../../../models/mrz-rec-int8.onnx");
/// The MRZ line detector trained by `models/train_detector.py`, embedded likewise.
static EMBEDDED_DETECTOR: &[u8] = include_bytes!("../../../models/mrz-det.onnx");

/// Zones of another kind of document painted over at most per image, in search of the kind a
/// caller wants ([`Engine::read_wanting`]): a passport's spread with a visa, a scan of two pages.
pub const MAX_OTHER_ZONES: usize = 2;

/// Readings of detected zones tried at most per image (see [`Engine::read`]).
const DETECTOR_READS: usize = 6;

/// How much taller (of the text height, at both edges) the second look's two extra cuts of each
/// line are: one cut tighter and one looser than the first. Measured on 500 hard generator
/// documents (`kyc-ocr eval`, seeds 10011, 10013, 10016, 20002, 20005): 359 exact without a second
/// look, 367 with these two cuts, 367 with four (adding cuts shifted up and down, or stretched
/// 0.85x and 1.18x along the line). A third cut with its contrast stretched column by column
/// (the grey range within 24 px either side to black and white, against glare and faded print)
/// was tried on 2026-12-05 and not kept: on those 500 it left 382 exact, took the holder's own
/// form from 374 to 382 consistent, but valid-but-wrong from 36 to 41; on 300 more hard images
/// (dithered, mirrored, 12-megapixel) it read 2 fewer exactly.
const SECOND_LOOK_CUTS: [f32; 2] = [-0.08, 0.12];

/// When the learned MRZ detector ([`crate::detect`]) runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DetectorUse {
    /// Only when the classical localiser gives no MRZ whose check digits hold: it costs a few
    /// times a classical read, and the classical localiser reads nearly every scan and clear
    /// photo alone.
    #[default]
    Fallback,
    /// Never: the classical localiser alone.
    Off,
}

/// How to build an [`Engine`].
#[derive(Clone, Debug)]
pub struct EngineParams {
    /// Limits on untrusted image input.
    pub limits: DecodeLimits,
    /// Tuning of the MRZ localiser.
    pub locate: LocateParams,
    /// Recogniser model file (ONNX or `.rten`); `None` for the embedded model.
    pub model_path: Option<PathBuf>,
    /// Which build of the embedded recogniser runs (ignored with `model_path`).
    pub precision: Precision,
    /// How the recogniser uses threads: by default one per calling thread.
    pub model_threads: ModelThreads,
    /// When the learned MRZ detector runs.
    pub detector: DetectorUse,
    /// Detector model file (ONNX or `.rten`); `None` for the embedded model.
    pub detector_path: Option<PathBuf>,
    /// Options of the MRZ parser (century rules, repair).
    pub parse: ParseOptions,
    /// Read a zone whose first reading is not confident again from two more cuts of its lines and
    /// fuse the three, and read a contrast-stretched view of the first cut that lends support to
    /// typed values (on by default; it costs three more recogniser runs, only on such zones).
    pub second_look: bool,
    /// Wall-clock budget for one [`Engine::read`], checked between stages: a read that has spent
    /// it stops with [`EngineErrorKind::TimeLimit`] instead of starting the next stage. `None`
    /// for no limit.
    pub time_limit: Option<Duration>,
}

/// Which build of the embedded recogniser an engine runs. The two read alike (models/README.md:
/// on the generator and real sets they differ by a document or two either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precision {
    /// The 8-bit model, exact on every CPU rten runs on ([`int8_is_exact`]).
    #[default]
    Auto,
    /// The float model.
    Float32,
    /// The 8-bit model, as `Auto` now picks it.
    Int8,
}

/// Whether the embedded 8-bit recogniser computes exactly on this CPU (its integer sums are the
/// ones a wide accumulator gives): true on every CPU rten runs on.
///
/// aarch64 and x86-64 with AVX-512 VNNI accumulate 8-bit products in 32 bits. Other x86 CPUs
/// (AVX2, or AVX-512 without VNNI) add each pair of products in 16 bits first (`vpmaddubsw`),
/// which saturates for full-range weights. rten then shifts a weight tensor by its minimum to
/// make it unsigned, and the embedded weights lie within [-64, 64] (`reduce_range` in
/// `models/quantize_recogniser.py`, which checks it), so a shifted weight is at most 128 and a
/// pair of products stays within 16 bits: 2 x 128 x 127 = 32512 and 2 x 128 x -128 = -32768.
/// `tests/int8_without_vnni.rs` reads fixtures with rten's AVX2 kernel and with this CPU's
/// own and gets the same probabilities to the bit.
pub fn int8_is_exact() -> bool {
    true
}

impl Precision {
    /// The embedded model bytes this precision runs on this CPU.
    fn embedded_model(self) -> &'static [u8] {
        match self {
            Precision::Auto | Precision::Int8 => EMBEDDED_MODEL_INT8,
            Precision::Float32 => EMBEDDED_MODEL,
        }
    }
}

impl Default for EngineParams {
    fn default() -> Self {
        EngineParams {
            limits: DecodeLimits::default(),
            locate: LocateParams::default(),
            model_path: None,
            precision: Precision::default(),
            model_threads: ModelThreads::default(),
            detector: DetectorUse::default(),
            detector_path: None,
            parse: ParseOptions::default(),
            second_look: true,
            // A typical read takes tens of milliseconds and the largest image the decode limits
            // admit about a second on one core; ten seconds only stops a starved or hostile case.
            time_limit: Some(Duration::from_secs(10)),
        }
    }
}

/// What went wrong in the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineErrorKind {
    /// The image could not be decoded.
    Decode,
    /// The recogniser could not be loaded or run.
    Recognise,
    /// The MRZ detection model could not be loaded.
    Detector,
    /// The read spent [`EngineParams::time_limit`] before it finished.
    TimeLimit {
        /// The limit, in milliseconds.
        limit_ms: u64,
        /// The last stage that completed before the read stopped.
        after: &'static str,
    },
}

/// The read ran out of [`EngineParams::time_limit`].
#[derive(Debug, thiserror::Error)]
#[error("reading stopped after {after}: over the time limit of {limit_ms} ms")]
struct TimeLimitError {
    limit_ms: u64,
    after: &'static str,
}

/// An engine failure; `source()` is the stage's own typed error.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    kind: EngineErrorKind,
    message: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl EngineError {
    /// Which stage failed.
    pub fn kind(&self) -> &EngineErrorKind {
        &self.kind
    }
}

impl From<DecodeError> for EngineError {
    fn from(e: DecodeError) -> Self {
        EngineError {
            kind: EngineErrorKind::Decode,
            message: e.to_string(),
            source: Box::new(e),
        }
    }
}

impl From<DetectorError> for EngineError {
    fn from(e: DetectorError) -> Self {
        EngineError {
            kind: EngineErrorKind::Detector,
            message: e.to_string(),
            source: Box::new(e),
        }
    }
}

impl From<RecogniseError> for EngineError {
    fn from(e: RecogniseError) -> Self {
        EngineError {
            kind: EngineErrorKind::Recognise,
            message: e.to_string(),
            source: Box::new(e),
        }
    }
}

/// Milliseconds spent in each stage of [`Engine::read`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Decoding the image.
    pub decode_ms: f32,
    /// Finding the MRZ, including smoothing a dithered image first ([`Engine::descreen`]).
    pub locate_ms: f32,
    /// Finding the MRZ with the learned detector, when it ran.
    pub detect_ms: f32,
    /// Cutting out the lines.
    pub rectify_ms: f32,
    /// Running the recogniser and decoding its output.
    pub recognise_ms: f32,
    /// Parsing and repairing the MRZ text.
    pub parse_ms: f32,
    /// The whole read.
    pub total_ms: f32,
}

/// The result of [`Engine::read`].
#[derive(Clone, Debug)]
pub struct ReadOutput {
    /// The parsed MRZ, `None` when no zone was found or its text did not parse.
    pub mrz: Option<Mrz>,
    /// Where the zone is, in reading orientation; `None` when none was found.
    pub location: Option<MrzLocation>,
    /// Why the text did not parse, when a zone was found but gave no MRZ.
    pub parse_error: Option<MrzError>,
    /// The recogniser's best reading of each line, before any repair (empty when no zone).
    pub text: Vec<String>,
    /// Per line and position, the recogniser's candidates best-first with their log-probabilities
    /// (the per-character confidence of `text`; after a second look, averaged over the cuts);
    /// empty when no zone was found.
    pub readings: Vec<LineReading>,
    /// Mean probability of the recogniser's best candidate over all characters, in [0, 1].
    pub confidence: f32,
    /// The image edge the zone's lines reach (within a character), where characters may lie
    /// outside the image; `None` when the zone keeps its distance from every edge, or no zone.
    pub at_image_edge: Option<ImageEdge>,
    /// The page of the input the reading comes from, from 0: always 0 for an image; for a PDF
    /// scan of several pages, the one that gave the zone ([`Engine::decode_grey_pages`]).
    pub page: usize,
    /// Time per stage.
    pub timings: Timings,
}

/// The MRZ reader. Build it once; it is `Send + Sync` and every method takes `&self`.
pub struct Engine {
    params: EngineParams,
    model: Box<dyn LineModel>,
    detector: Option<LineDetector>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Builds the engine, loading the recogniser.
    pub fn new(params: EngineParams) -> Result<Engine, EngineError> {
        let model = match &params.model_path {
            Some(path) => RtenModel::from_file(path, params.model_threads)?,
            None => {
                RtenModel::from_static(params.precision.embedded_model(), params.model_threads)?
            }
        };
        let detector = match (params.detector, &params.detector_path) {
            (DetectorUse::Off, _) => None,
            (_, Some(path)) => Some(LineDetector::from_file(path)?),
            (_, None) => Some(LineDetector::from_static(EMBEDDED_DETECTOR)?),
        };
        Ok(Engine {
            params,
            model: Box::new(model),
            detector,
        })
    }

    /// An engine around any model (tests run the pipeline with a fake).
    #[cfg(test)]
    pub(crate) fn with_model(params: EngineParams, model: Box<dyn LineModel>) -> Engine {
        Engine {
            params,
            model,
            detector: None,
        }
    }

    /// The parameters the engine was built with.
    pub fn params(&self) -> &EngineParams {
        &self.params
    }

    /// Stage 1: decodes image bytes, EXIF orientation applied, within [`EngineParams::limits`].
    pub fn decode(&self, bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
        decode::decode(bytes, &self.params.limits)
    }

    /// Stage 1 as the pipeline runs it: straight to grey (a JPEG decodes its luma channel alone).
    pub fn decode_grey(&self, bytes: &[u8]) -> Result<GrayImage, DecodeError> {
        decode::decode_grey(bytes, &self.params.limits)
    }

    /// Stage 1 page by page: one image, or each page image of a PDF scan in page order (see
    /// [`decode::decode_grey_pages`]). [`Engine::read`] reads them in turn.
    pub fn decode_grey_pages(&self, bytes: &[u8]) -> Result<Vec<GrayImage>, DecodeError> {
        decode::decode_grey_pages(bytes, &self.params.limits)
    }

    /// Stage 1b: a smoothed copy of a dithered (1-bit, fax-like) image, which the later stages
    /// should see instead; `None` for any other image, which they see as it is.
    pub fn descreen(&self, grey: &GrayImage) -> Option<GrayImage> {
        descreen::descreen(grey)
    }

    /// Stage 2: finds the MRZ; `None` when the image has none.
    pub fn locate(&self, grey: &GrayImage) -> Option<MrzLocation> {
        locate::locate(grey, &self.params.locate)
    }

    /// Stage 2, learned: MRZ zones found by the detection model, best first; empty when the
    /// engine was built with [`DetectorUse::Off`] or the model sees none.
    pub fn detect(&self, grey: &GrayImage) -> Vec<MrzLocation> {
        self.detector
            .as_ref()
            .map(|d| d.detect(grey))
            .unwrap_or_default()
    }

    /// Stage 3: cuts the located lines out of the full-resolution grey image.
    pub fn rectify(&self, grey: &GrayImage, location: &MrzLocation) -> Vec<LineImage> {
        rectify::rectify(grey, location)
    }

    /// Stage 4: reads the lines (one batch), with per-position alternatives for repair.
    pub fn recognise(&self, lines: &[LineImage]) -> Result<Vec<LineReading>, RecogniseError> {
        recognise::recognise(self.model.as_ref(), lines, None)
    }

    /// Stage 5: parses and repairs the readings with the MRZ engine.
    pub fn parse(&self, readings: &[LineReading]) -> Result<Mrz, MrzError> {
        mrz::parse_reading(readings, &self.params.parse)
    }

    /// All stages: image bytes to a parsed MRZ. Reads the zone in the located direction and, unless
    /// that gives a valid MRZ, also upside down, keeping the better reading.
    ///
    /// A PDF scan of several pages is read page by page until one gives a valid MRZ.
    pub fn read(&self, bytes: &[u8]) -> Result<ReadOutput, EngineError> {
        self.read_pages(bytes, None)
    }

    /// Decodes `bytes` page by page and reads them ([`Engine::read_each`]).
    fn read_pages(
        &self,
        bytes: &[u8],
        want: Option<DocumentType>,
    ) -> Result<ReadOutput, EngineError> {
        let start = Instant::now();
        let mut timings = Timings::default();
        let pages = self.decode_grey_pages(bytes)?;
        timings.decode_ms = ms(start);
        self.check_time(start, "decode")?;
        self.read_each(&pages, timings, start, want)
    }

    /// [`Engine::read`] of pages already decoded ([`Engine::decode_grey_pages`]), or with `want`
    /// [`Engine::read_wanting`]: for a caller that keeps the pixels, to draw the page read
    /// (`ReadOutput::page` says which).
    pub fn read_decoded_pages(
        &self,
        pages: &[GrayImage],
        want: Option<DocumentType>,
    ) -> Result<ReadOutput, EngineError> {
        self.read_each(pages, Timings::default(), Instant::now(), want)
    }

    /// Reads `pages` in turn (with `want`, for that kind of document) until one gives a valid MRZ
    /// (of that kind), keeping the best reading ([`rank`]). A page after the first that errs (the
    /// time limit) leaves the best reading so far standing.
    fn read_each(
        &self,
        pages: &[GrayImage],
        timings: Timings,
        start: Instant,
        want: Option<DocumentType>,
    ) -> Result<ReadOutput, EngineError> {
        let read =
            |page: &GrayImage, timings: Timings| -> Result<(ReadOutput, bool), EngineError> {
                let out = match want {
                    None => self.read_grey(page, timings, start)?,
                    Some(want) => self.read_grey_wanting(page, timings, start, want)?,
                };
                let done = is_valid(&out) && want.is_none_or(|w| document_type(&out) == Some(w));
                Ok((out, done))
            };
        let mut best: Option<ReadOutput> = None;
        for (index, page) in pages.iter().enumerate() {
            let (mut out, done) = match (read(page, timings.clone()), &best) {
                (Ok(read), _) => read,
                (Err(_), Some(_)) => break,
                (Err(e), None) => return Err(e),
            };
            out.page = index;
            if done {
                return Ok(out);
            }
            if best.as_ref().is_none_or(|b| rank(&out) > rank(b)) {
                best = Some(out);
            }
        }
        Ok(best.unwrap_or_else(ReadOutput::nothing))
    }

    /// [`Engine::read`] from pixels already decoded.
    pub fn read_image(&self, grey: &GrayImage) -> Result<ReadOutput, EngineError> {
        self.read_grey(grey, Timings::default(), Instant::now())
    }

    /// [`Engine::read`] for a caller that wants one kind of document, as a KYC form that asked
    /// for a passport does. Where the image shows an MRZ of another kind (a visa on the facing
    /// page, a scan of several documents) or one that does not parse, that zone is painted over
    /// and the image read again, up to [`MAX_OTHER_ZONES`] times; the first reading of the
    /// wanted kind is returned, else the plain read's (also where the time limit ends the
    /// search). An image whose zone is of the wanted kind costs nothing more.
    pub fn read_wanting(
        &self,
        bytes: &[u8],
        want: DocumentType,
    ) -> Result<ReadOutput, EngineError> {
        self.read_pages(bytes, Some(want))
    }

    /// [`Engine::read_wanting`] from pixels already decoded.
    pub fn read_image_wanting(
        &self,
        grey: &GrayImage,
        want: DocumentType,
    ) -> Result<ReadOutput, EngineError> {
        self.read_grey_wanting(grey, Timings::default(), Instant::now(), want)
    }

    fn read_grey_wanting(
        &self,
        grey: &GrayImage,
        timings: Timings,
        start: Instant,
        want: DocumentType,
    ) -> Result<ReadOutput, EngineError> {
        let decode_ms = timings.decode_ms;
        let mut first = self.read_grey(grey, timings, start)?;
        if document_type(&first) == Some(want) {
            return Ok(first);
        }
        let mut masked: Option<GrayImage> = None;
        let mut seen = first.location.clone();
        for _ in 0..MAX_OTHER_ZONES {
            let Some(zone) = seen.take() else {
                break;
            };
            let image = masked.get_or_insert_with(|| grey.clone());
            zone.paint_over(image);
            // The search for another zone is a bonus: where it runs out of time (or fails), the
            // plain read stands.
            if self.check_time(start, "the first zone").is_err() {
                break;
            }
            let again = Timings {
                decode_ms,
                ..Timings::default()
            };
            let Ok(next) = self.read_grey(image, again, start) else {
                break;
            };
            if document_type(&next) == Some(want) {
                return Ok(next);
            }
            seen = next.location;
        }
        first.timings.total_ms = ms(start);
        Ok(first)
    }

    /// Reads `grey`; where no zone is found at all in an image that is mostly dark, reads its
    /// negative too: white text on black, as a scanner's or a viewer's inverted mode saves a
    /// page. (An image with a zone, or a light one, costs nothing more.)
    fn read_grey(
        &self,
        grey: &GrayImage,
        timings: Timings,
        start: Instant,
    ) -> Result<ReadOutput, EngineError> {
        let out = self.read_grey_once(grey, timings.clone(), start)?;
        if out.location.is_some() || !mostly_dark(grey) {
            return Ok(out);
        }
        self.check_time(start, "the reading")?;
        let mut negative = grey.clone();
        imageops::invert(&mut negative);
        let inverted = self.read_grey_once(&negative, timings, start)?;
        Ok(if inverted.location.is_some() {
            inverted
        } else {
            out
        })
    }

    fn read_grey_once(
        &self,
        grey: &GrayImage,
        mut timings: Timings,
        start: Instant,
    ) -> Result<ReadOutput, EngineError> {
        let t = Instant::now();
        let smoothed = self.descreen(grey);
        let grey = smoothed.as_ref().unwrap_or(grey);
        let location = self.locate(grey);
        timings.locate_ms = ms(t);
        self.check_time(start, "locate")?;
        let mut best = match location.clone() {
            Some(location) => self.read_located(grey, location, &mut timings, start)?,
            None => ReadOutput::nothing(),
        };
        // The learned detector, where the classical localiser gave no valid MRZ.
        if !is_valid(&best) && self.detector.is_some() {
            self.check_time(start, "the classical reading")?;
            let t = Instant::now();
            let zones = self.detect(grey);
            timings.detect_ms = ms(t);
            // The best zone both ways round at both two-line lengths (the proportions may pick
            // the wrong one), the next zone at its own length only: six reads at most, so the
            // detector path stays within about 150 ms of a classical read.
            let tries = zones.iter().enumerate().flat_map(|(rank, zone)| {
                let mut lengths = locate::layout_lengths(zone.lines.len());
                lengths.sort_by_key(|&l| l != zone.line_len);
                lengths.truncate(if rank == 0 { 2 } else { 1 });
                lengths.into_iter().flat_map(move |len| {
                    let at = zone.with_line_len(len);
                    let flipped = at.flipped();
                    [at, flipped]
                })
            });
            for at in tries.take(DETECTOR_READS) {
                self.read_instead(grey, at, &mut best, &mut timings, start, "detect")?;
                if is_valid(&best) {
                    break;
                }
            }
        }
        // A mirror image (a selfie camera, a webcam): the located zone's lines cut from right
        // to left, both ways round. Taken only when valid: a mirrored misreading of an
        // unreadable zone must not stand in for the reading itself.
        if let Some(zone) = location.filter(|_| !is_valid(&best)) {
            for mirror in [zone.mirrored(), zone.flipped().mirrored()] {
                self.check_time(start, "the reading")?;
                let other = self.read_at(grey, mirror, &mut timings)?;
                if is_valid(&other) {
                    best = other;
                    break;
                }
            }
        }
        if self.params.second_look && needs_second_look(&best) {
            self.second_look(grey, &mut best, &mut timings, start)?;
        }
        best.at_image_edge = best
            .location
            .as_ref()
            .and_then(|l| l.edge_reached(grey.width(), grey.height()));
        timings.total_ms = ms(start);
        best.timings = timings;
        Ok(best)
    }

    /// Reads an unsure zone again from two other cuts of the same lines, one shorter and one
    /// taller, and averages the recogniser's probabilities position by position: blur and noise
    /// that fool one cut rarely fool every cut the same way. The fused reading replaces the first
    /// unless it ranks below it (a valid MRZ is never traded for an invalid one).
    fn second_look(
        &self,
        grey: &GrayImage,
        best: &mut ReadOutput,
        timings: &mut Timings,
        start: Instant,
    ) -> Result<(), EngineError> {
        let Some(location) = best.location.clone() else {
            return Ok(());
        };
        let mut cuts = vec![best.readings.clone()];
        for grow in SECOND_LOOK_CUTS {
            self.check_time(start, "the first reading")?;
            cuts.push(self.read_cut(grey, &location.taller(grow), false, timings)?);
        }
        let t = Instant::now();
        let mut fused = self.output(recognise::fuse(&cuts), location.clone());
        timings.parse_ms += ms(t);
        // A fourth view, the first cut with its contrast stretched (glare, a shadow), lends
        // support to typed values only: fused into the reading it fixed as many characters as it
        // broke (on the flat hard documents, two more valid-but-wrong), but as a view whose
        // agreement with another one supports a character, it took 5 of 500 bowed hard holders'
        // forms, and 9 of the flat ones, from a prompt or a new photo to consistent, with no
        // typo, look-alike or date-typo form found consistent.
        // Out of time, the three cuts' support stands.
        if self.check_time(start, "the second look").is_ok() {
            cuts.push(self.read_cut(grey, &location, true, timings)?);
        }
        let t = Instant::now();
        if let Some(m) = fused.mrz.as_mut() {
            majority_support(m, &cuts);
        }
        timings.parse_ms += ms(t);
        if rank(&fused).0 >= rank(best).0 {
            *best = fused;
        }
        Ok(())
    }

    /// The recogniser's readings of the lines cut at `location`, `stretched` in contrast
    /// ([`LineImage::contrast_stretched`]) or as cut, decoded to the zone's line length.
    fn read_cut(
        &self,
        grey: &GrayImage,
        location: &MrzLocation,
        stretched: bool,
        timings: &mut Timings,
    ) -> Result<Vec<LineReading>, EngineError> {
        let t = Instant::now();
        let mut lines = self.rectify(grey, location);
        if stretched {
            lines = lines.iter().map(LineImage::contrast_stretched).collect();
        }
        timings.rectify_ms += ms(t);
        let t = Instant::now();
        // The zone's size says the layout's line length; decoding to it restores characters the
        // model merged or missed, which the MRZ engine could not otherwise place.
        let readings = recognise::recognise(self.model.as_ref(), &lines, Some(location.line_len))?;
        timings.recognise_ms += ms(t);
        Ok(readings)
    }

    /// Reads a zone the classical localiser found: in the located direction, then upside down,
    /// then past the ends of lines shorter than their layout, keeping the best reading.
    fn read_located(
        &self,
        grey: &GrayImage,
        location: MrzLocation,
        timings: &mut Timings,
        start: Instant,
    ) -> Result<ReadOutput, EngineError> {
        let mut best = self.read_at(grey, location.clone(), timings)?;
        if !is_valid(&best) {
            self.read_instead(
                grey,
                location.flipped(),
                &mut best,
                timings,
                start,
                "the first reading",
            )?;
        }
        // Lines shorter than their layout lost characters the localiser could not see (glare, a
        // shadow, a fold over one end): look beyond each end in turn, in the better direction.
        // Two lines that look 36 long may be a 44-character zone with faded ends, which the
        // localiser sized as the nearer layout: try the longer one too.
        if !is_valid(&best) {
            let read_way = best.location.clone().unwrap_or_else(|| location.clone());
            let visible = location.visible_chars();
            let lengths = locate::layout_lengths(location.lines.len());
            'lengths: for len in lengths.into_iter().filter(|&l| l >= location.line_len) {
                let missing = len as f32 - visible;
                if missing < 1.5 {
                    continue;
                }
                for (before, after) in [(missing + 0.5, 0.0), (0.0, missing + 0.5)] {
                    let mut wider = read_way.extended(before, after);
                    wider.line_len = len;
                    self.read_instead(grey, wider, &mut best, timings, start, "a reading")?;
                    if is_valid(&best) {
                        break 'lengths;
                    }
                }
            }
        }
        Ok(best)
    }

    /// Reads the zone at `location` too, within the time budget (`after` names what came before),
    /// and keeps that reading in `best` when it ranks higher.
    fn read_instead(
        &self,
        grey: &GrayImage,
        location: MrzLocation,
        best: &mut ReadOutput,
        timings: &mut Timings,
        start: Instant,
        after: &'static str,
    ) -> Result<(), EngineError> {
        self.check_time(start, after)?;
        let other = self.read_at(grey, location, timings)?;
        if ranks_above(&other, best) {
            *best = other;
        }
        Ok(())
    }

    /// Stops the read with [`EngineErrorKind::TimeLimit`] once the time budget is spent.
    fn check_time(&self, start: Instant, after: &'static str) -> Result<(), EngineError> {
        match self.params.time_limit {
            Some(limit) if start.elapsed() > limit => {
                let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
                let e = TimeLimitError { limit_ms, after };
                Err(EngineError {
                    kind: EngineErrorKind::TimeLimit { limit_ms, after },
                    message: e.to_string(),
                    source: Box::new(e),
                })
            }
            _ => Ok(()),
        }
    }

    fn read_at(
        &self,
        grey: &GrayImage,
        location: MrzLocation,
        timings: &mut Timings,
    ) -> Result<ReadOutput, EngineError> {
        let readings = self.read_cut(grey, &location, false, timings)?;
        let t = Instant::now();
        let out = self.output(readings, location);
        timings.parse_ms += ms(t);
        Ok(out)
    }

    /// Parses the readings of the zone at `location` into a read's output.
    fn output(&self, readings: Vec<LineReading>, location: MrzLocation) -> ReadOutput {
        let (mrz, parse_error) = match self.parse(&readings) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(e)),
        };
        ReadOutput {
            mrz,
            location: Some(location),
            parse_error,
            text: readings.iter().map(LineReading::best_text).collect(),
            confidence: confidence(&readings),
            readings,
            at_image_edge: None,
            page: 0,
            timings: Timings::default(),
        }
    }
}

impl ReadOutput {
    /// What a new image should do better, where this one is why the read is not confident: its
    /// zone runs off the image, something covers part of it, or its text is too small to read
    /// reliably; `None` for a confident read or no zone. A zone cut off at the edge comes first:
    /// a closer photo of it would cut off more.
    pub fn capture_hint(&self) -> Option<CaptureHint> {
        if self.mrz.as_ref().is_some_and(Mrz::is_confident) {
            return None;
        }
        let location = self.location.as_ref()?;
        if let Some(edge) = self.at_image_edge {
            return Some(CaptureHint::CutOff { edge });
        }
        obscured(&self.readings).or_else(|| CaptureHint::for_unsure_read(location.text_height()))
    }

    /// The output of a read that found no zone.
    fn nothing() -> ReadOutput {
        ReadOutput {
            mrz: None,
            location: None,
            parse_error: None,
            text: Vec::new(),
            readings: Vec::new(),
            confidence: 0.0,
            at_image_edge: None,
            page: 0,
            timings: Timings::default(),
        }
    }
}

/// A line whose other characters have at least this median probability is clear but for them.
const CLEAR_MEDIAN: f32 = 0.9;

/// The longest run of characters of one line that the recogniser could not see while it read the
/// rest of the line clearly: a finger over the start of a line, glare or a shadow across part of
/// it, which a new photo avoids (a blurred or tiny zone leaves no clear rest). Runs over a third
/// of a line are no such patch.
fn obscured(readings: &[LineReading]) -> Option<CaptureHint> {
    use crate::compare::UNSEEN;
    let mut best: Option<CaptureHint> = None;
    let mut best_len = 0;
    for (line, reading) in readings.iter().enumerate() {
        let p: Vec<f32> = reading
            .positions
            .iter()
            .map(|c| c.first().map_or(0.0, |c| c.log_prob.exp()))
            .collect();
        let mut at = 0;
        while at < p.len() {
            if p[at] >= UNSEEN {
                at += 1;
                continue;
            }
            let start = at;
            while at < p.len() && p[at] < UNSEEN {
                at += 1;
            }
            let len = at - start;
            let mut rest: Vec<f32> = p[..start].iter().chain(&p[at..]).copied().collect();
            rest.sort_by(f32::total_cmp);
            let clear = rest.get(rest.len() / 2).is_some_and(|&m| m >= CLEAR_MEDIAN);
            if clear && 3 * len <= p.len() && len > best_len {
                best_len = len;
                best = Some(CaptureHint::Obscured {
                    line: line + 1,
                    first: start + 1,
                    last: at,
                });
            }
        }
    }
    best
}

/// The kind of document a reading's MRZ is, by its document code; `None` without an MRZ.
fn document_type(out: &ReadOutput) -> Option<DocumentType> {
    out.mrz
        .as_ref()
        .map(|m| DocumentType::of_document_code(&m.fields.document_code.value))
}

/// The median grey below which an image whose search found nothing is read as a negative too: a
/// negative scan's paper is the ink's level (10-32 on the generator's scans), while a photo of a
/// page on a dark table keeps its median above it (79-95 on 12-megapixel generator photos) and
/// need not pay for a second search.
const NEGATIVE_MEDIAN: usize = 64;

/// Whether most of `grey` is dark enough to be a negative (see [`NEGATIVE_MEDIAN`]).
fn mostly_dark(grey: &GrayImage) -> bool {
    let mut histogram = [0u64; 256];
    for &v in grey.as_raw() {
        histogram[v as usize] += 1;
    }
    // The median: the level past which more than half the pixels lie.
    let half = grey.as_raw().len() as u64 / 2;
    locate::level_reaching(&histogram, half + 1).is_some_and(|l| usize::from(l) < NEGATIVE_MEDIAN)
}

/// Whether the reading gave an MRZ whose check digits all hold.
fn is_valid(out: &ReadOutput) -> bool {
    out.mrz.as_ref().is_some_and(Mrz::is_valid)
}

/// Weighs each character of `mrz` by the median of the probabilities its cuts gave it (0 where a
/// cut did not list it): what a majority of the cuts see. The check takes a typed character the
/// read disagrees with only where the image supports it ([`Mrz::char_probability`]), and a mean
/// would let one wavering cut lend a look-alike that support: on 500 hard generator documents,
/// a look-alike and a typo passed with the mean and none with the median, which also kept one
/// more holder's own form consistent. Of an even number of views (the three cuts and the
/// stretched one), the upper median: what at least half of them give.
fn majority_support(mrz: &mut Mrz, cuts: &[Vec<LineReading>]) {
    for (li, line) in mrz.char_probs.iter_mut().enumerate() {
        let len = line.len();
        for (pi, pos) in line.iter_mut().enumerate() {
            // Cuts decoded to another length were not fused: their positions do not match.
            let seen: Vec<&Vec<CharCandidate>> = cuts
                .iter()
                .filter_map(|cut| cut.get(li))
                .filter(|l| l.positions.len() == len)
                .filter_map(|l| l.positions.get(pi))
                .collect();
            for (ch, p) in pos.iter_mut() {
                let mut probs: Vec<f32> = seen
                    .iter()
                    .map(|c| {
                        c.iter()
                            .find(|c| c.ch == *ch)
                            .map_or(0.0, |c| c.log_prob.exp())
                    })
                    .collect();
                probs.sort_by(f32::total_cmp);
                if let Some(&median) = probs.get(probs.len() / 2) {
                    *p = median;
                }
            }
        }
    }
}

/// Whether a reading is worth a second look: a zone was found but its MRZ is not confident.
fn needs_second_look(out: &ReadOutput) -> bool {
    out.location.is_some() && !out.mrz.as_ref().is_some_and(Mrz::is_confident)
}

/// A check digit that holds counts towards [`rank`] where its field's confidence is at least this:
/// on garbage a digit holds by chance one time in ten, but not on characters read with confidence.
const SURE_CHECK: f32 = 0.5;

/// Orders readings: a valid MRZ, then a parsed one; then by the fields no document holds
/// ([`implausible_fields`]), fewest first; then by the check digits that hold on confidently read
/// fields (a filler-only optional data field holds on any garbage, so it does not count); then by
/// confidence.
///
/// Among invalid readings, both pick the right layout and the right cut. A 44-character zone
/// whose faded start the localiser's sizing left out reads more confidently as a 36-character
/// one in which no digit holds (on 500 hard generator documents: 383 exact and 893 lines against
/// 382 and 887 when confidence alone decided). A cut that starts a few characters into the line
/// puts letters where the country codes stand and a filler where the document code does: random
/// letters make a listed code about one time in seventy, where a digit holds one time in ten, so
/// the implausible fields weigh first. On the 500 bowed hard documents this took 372 exact reads
/// to 374 (373 with the held digits first), valid-but-wrong from 16 to 15, and the holder's own
/// form from 372 to 374 consistent; photo, scan, flat and real sets unchanged, one more exact of
/// 100 on the bend set `t_photo4`.
fn rank(out: &ReadOutput) -> (u8, Reverse<usize>, usize, f32) {
    let class = match &out.mrz {
        Some(m) if m.is_valid() => 2,
        Some(_) => 1,
        None => 0,
    };
    let holding = out.mrz.as_ref().map_or(0, |m| {
        m.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Valid && c.field != CheckedField::PersonalNumber)
            .filter(|c| m.field_confidence(c.field.key()).unwrap_or(0.0) >= SURE_CHECK)
            .count()
    });
    let implausible = out.mrz.as_ref().map_or(0, implausible_fields);
    (class, Reverse(implausible), holding, out.confidence)
}

/// Whether reading `a` should replace `b`: by [`rank`], except between two invalid readings one of
/// which the recogniser is clearly surer of (by [`CLEARLY_SURER`] in mean probability), while the
/// other holds at most one check digit more (one holds on garbage one time in ten). Text read
/// upside down, or a layout's worth of paper read past a line's end, is read unsurely; a clean
/// zone in a layout the parser does not know (a national format, a specimen) is read surely but
/// has implausible fields, and must not be traded for garbage that happens to have fewer.
fn ranks_above(a: &ReadOutput, b: &ReadOutput) -> bool {
    let (ra, rb) = (rank(a), rank(b));
    let gap = a.confidence - b.confidence;
    if ra.0 == rb.0 && ra.0 < 2 && gap.abs() >= CLEARLY_SURER {
        let (surer, other) = if gap > 0.0 { (&ra, &rb) } else { (&rb, &ra) };
        if other.2 <= surer.2 + 1 {
            return gap > 0.0;
        }
    }
    ra > rb
}

/// How much surer the recogniser must be of one invalid reading for it to win over another
/// regardless of [`rank`]'s plausibility. At 0.15 every generator set and the real lines read as
/// before (exact, valid-but-wrong, holder's forms); at 0.2 the upside-down French card (0.99
/// against 0.82 past its ends) still lost.
const CLEARLY_SURER: f32 = 0.15;

/// Fields no document holds: malformed ones ([`Mrz::malformed_fields`]: a document code the
/// layout does not admit, an impossible date or sex) and country codes ICAO does not list.
fn implausible_fields(mrz: &Mrz) -> usize {
    mrz.malformed_fields.len() + mrz.fields.unknown_country_codes().count()
}

/// Mean probability of the best candidate per position.
fn confidence(readings: &[LineReading]) -> f32 {
    let probs: Vec<f32> = readings
        .iter()
        .flat_map(|r| r.positions.iter())
        .filter_map(|p| p.first().map(|c| c.log_prob.exp()))
        .collect();
    if probs.is_empty() {
        0.0
    } else {
        probs.iter().sum::<f32>() / probs.len() as f32
    }
}

fn ms(since: Instant) -> f32 {
    since.elapsed().as_secs_f32() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recognise::tests::frames_for;
    use rten_tensor::prelude::*;
    use rten_tensor::NdTensor;

    /// A model that "reads" fixed text for every line of a batch, one text per line index.
    struct FakeModel(Vec<&'static str>);

    impl LineModel for FakeModel {
        fn run(&self, input: NdTensor<f32, 4>) -> Result<NdTensor<f32, 3>, RecogniseError> {
            let n = input.size(0);
            let seqs: Vec<NdTensor<f32, 2>> = (0..n)
                .map(|i| frames_for(self.0[i % self.0.len()], &[]))
                .collect();
            let t = seqs.iter().map(|s| s.size(0)).max().unwrap_or(1);
            let c = seqs[0].size(1);
            let mut out = NdTensor::full([t, n, c], f32::NEG_INFINITY);
            for (i, s) in seqs.iter().enumerate() {
                for f in 0..t {
                    for l in 0..c {
                        out[[f, i, l]] = if f < s.size(0) {
                            s[[f, l]]
                        } else if l == 0 {
                            0.0
                        } else {
                            -10.0
                        };
                    }
                }
            }
            Ok(out)
        }
    }

    #[test]
    fn recognise_runs_the_model_per_line() {
        let engine = Engine::with_model(
            EngineParams::default(),
            Box::new(FakeModel(vec![
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ])),
        );
        // Wide enough that every frame of the fake's output belongs to the line.
        let line = LineImage {
            image: GrayImage::from_pixel(600, 32, image::Luma([255])),
        };
        let readings = engine.recognise(&[line.clone(), line]).unwrap();
        let texts: Vec<String> = readings.iter().map(LineReading::best_text).collect();
        assert_eq!(
            texts,
            [
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
            ]
        );
        assert!(confidence(&readings) > 0.8);
    }

    /// A committed fixture image (path from the repository root), decoded to grey.
    fn grey(path: &str) -> GrayImage {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let bytes = std::fs::read(root.join(path)).unwrap();
        decode::decode_grey(&bytes, &DecodeLimits::default()).unwrap()
    }

    #[test]
    fn the_embedded_model_reads_a_line_alike_alone_and_in_a_batch() {
        // rten's 8-bit convolution is wrong for batches over one; the engine runs each line on
        // its own. Run through a batch, both lines of a clear photo must read exactly as they do
        // alone, and as printed.
        let image = grey("fixtures/example/passport.jpg");
        for precision in [Precision::Auto, Precision::Float32] {
            let engine = Engine::new(EngineParams {
                precision,
                ..EngineParams::default()
            })
            .unwrap();
            let location = engine.locate(&image).expect("located");
            let lines = engine.rectify(&image, &location);
            let text = |lines: &[LineImage]| -> Vec<String> {
                let r = recognise::recognise(engine.model.as_ref(), lines, Some(location.line_len));
                r.unwrap().iter().map(LineReading::best_text).collect()
            };
            let together = text(&lines);
            assert_eq!(
                together,
                [
                    "P<KAZKHABIBULLIN<<SERGEI<PETROVICH<<<<<<<<<<",
                    "6Z10845C<7KAZ8606187M2912198<<<<<<<<<<<<<<<4"
                ],
                "{precision:?}"
            );
            for (i, line) in lines.iter().enumerate() {
                assert_eq!(text(std::slice::from_ref(line)), [together[i].clone()]);
            }
        }
    }

    #[test]
    fn a_small_unsure_zone_asks_for_a_closer_photo() {
        let engine = Engine::new(EngineParams::default()).unwrap();
        // A hard photo whose MRZ lines are about 10 px high reads unsure.
        let small = engine
            .read_image(&grey("fixtures/docs/hard/000000.jpg"))
            .unwrap();
        match small.capture_hint() {
            Some(CaptureHint::TooSmall { text_height_px }) => {
                assert!((8.0..12.0).contains(&text_height_px), "{text_height_px}")
            }
            other => panic!("{other:?}"),
        }
        // A clear photo reads confidently: no new image is asked for.
        let clear = engine
            .read_image(&grey("fixtures/bench/photo/000000.jpg"))
            .unwrap();
        assert!(clear.mrz.as_ref().unwrap().is_confident());
        assert_eq!(clear.capture_hint(), None);
        assert_eq!(ReadOutput::nothing().capture_hint(), None);
        // The threshold.
        assert_eq!(
            CaptureHint::for_unsure_read(15.5),
            Some(CaptureHint::TooSmall {
                text_height_px: 15.5
            })
        );
        assert_eq!(CaptureHint::for_unsure_read(16.0), None);
        assert_eq!(CaptureHint::for_unsure_read(0.0), None);
    }

    #[test]
    fn a_patch_over_part_of_a_line_asks_for_a_clear_zone() {
        let engine = Engine::new(EngineParams::default()).unwrap();
        let mut photo = grey("fixtures/example/passport.jpg");
        let whole = engine.read_image(&photo).unwrap();
        assert_eq!(whole.capture_hint(), None);
        // Paint a thumb's grey over the first three characters of line 2 (and a little around
        // them): the quad's share of the line from its start, grown by a fifth of its height.
        let q = whole.location.as_ref().unwrap().lines[1].0;
        let at = |a: locate::Point, b: locate::Point, t: f32| locate::Point {
            x: a.x + (b.x - a.x) * t,
            y: a.y + (b.y - a.y) * t,
        };
        let (top, bottom) = (at(q[0], q[3], -0.2), at(q[3], q[0], -0.2));
        let (top_end, bottom_end) = (at(q[0], q[1], 3.2 / 44.0), at(q[3], q[2], 3.2 / 44.0));
        let corners = [
            at(top, top_end, -0.1),
            at(top_end, at(q[1], q[2], -0.2), 0.0),
            at(bottom_end, at(q[2], q[1], -0.2), 0.0),
            at(bottom, bottom_end, -0.1),
        ];
        // Inside a convex quad: on the same side of every edge.
        let inside = |x: f32, y: f32| {
            let side = |a: locate::Point, b: locate::Point| {
                (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x)
            };
            let s: Vec<f32> = (0..4)
                .map(|i| side(corners[i], corners[(i + 1) % 4]))
                .collect();
            s.iter().all(|&v| v >= 0.0) || s.iter().all(|&v| v <= 0.0)
        };
        for (x, y, px) in photo.enumerate_pixels_mut() {
            if inside(x as f32, y as f32) {
                px.0 = [150];
            }
        }
        let out = engine.read_image(&photo).unwrap();
        assert!(!out.mrz.as_ref().is_some_and(Mrz::is_confident));
        match out.capture_hint() {
            Some(CaptureHint::Obscured { line, first, last }) => {
                assert_eq!((line, first), (2, 1));
                assert!((2..=4).contains(&last), "{last}");
            }
            other => panic!("{other:?} {:?}", out.text),
        }
        assert!(out.capture_hint().unwrap().to_string().contains("fingers"));
    }

    #[test]
    fn a_composite_digit_under_a_thumb_is_computed_and_said_to_be() {
        let engine = Engine::new(EngineParams::default()).unwrap();
        let out = engine
            .read_image(&grey("fixtures/check/thumb-over-composite.jpg"))
            .unwrap();
        let m = out.mrz.as_ref().unwrap();
        assert_eq!(
            m.lines,
            [
                "P<CZENOVAKOVA<<MALGORZATA<<<<<<<<<<<<<<<<<<<",
                "3W16480974CZE3808263F2510099<<<<<<<<<<<<<<<2",
            ]
        );
        // The recogniser saw nothing there: the digit is computed, and reported as such.
        assert!(m.composite_computed);
        let r = &m.repairs.iter().find(|r| r.position == 43).unwrap();
        assert_eq!((r.line, r.from, r.to), (1, '<', '2'));
        // Valid, but never confident: the composite confirmed nothing. The step to the unseen
        // digit is no pitch break.
        assert!(m.is_valid(), "{:?}", m.pitch_breaks);
        assert!(!m.is_confident());
        assert!(m.uncertain_fields.iter().any(|f| f == "composite"));
        // The same zone through the plain parse of its text: the `<` stays, and so does the
        // invalid composite.
        let typed = mrz::parse_lines(
            &[m.lines[0].clone(), m.lines[1].replace("<2", "<<")],
            &ParseOptions::default(),
        )
        .unwrap();
        assert!(!typed.is_valid() && !typed.composite_computed);
    }

    #[test]
    fn a_zone_cut_off_by_the_image_edge_asks_for_the_whole_zone() {
        let engine = Engine::new(EngineParams::default()).unwrap();
        // The example's lines rise to the right, from x = 460 to 986: cut the image at x = 850,
        // then at y = 600 (the lines' right ends are above it).
        let photo = grey("fixtures/example/passport.jpg");
        let whole = engine.read_image(&photo).unwrap();
        assert!(whole.mrz.as_ref().unwrap().is_confident());
        assert_eq!(whole.at_image_edge, None);
        assert_eq!(whole.capture_hint(), None);
        for ((x, y, w, h), edge) in [
            ((0, 0, 850, 960), ImageEdge::Right),
            ((0, 600, 1280, 360), ImageEdge::Top),
        ] {
            let cut = image::imageops::crop_imm(&photo, x, y, w, h).to_image();
            let out = engine.read_image(&cut).unwrap();
            assert!(!is_valid(&out), "{x} {y}");
            assert_eq!(out.at_image_edge, Some(edge), "{x} {y}");
            // The text is small in this photo too, but a closer photo would cut off more.
            assert!(
                out.location.as_ref().unwrap().text_height() < crate::compare::MIN_TEXT_HEIGHT_PX
            );
            assert_eq!(out.capture_hint(), Some(CaptureHint::CutOff { edge }));
        }
    }

    #[test]
    fn only_an_unsure_zone_gets_a_second_look() {
        let engine = Engine::new(EngineParams::default()).unwrap();
        let first_only = Engine::new(EngineParams {
            second_look: false,
            ..EngineParams::default()
        })
        .unwrap();

        // A hard photo whose surname the first cut reads with a look-alike at 64%.
        let hard = grey("fixtures/check/look-alike-surname.jpg");
        let first = first_only.read_image(&hard).unwrap();
        assert!(!first.mrz.as_ref().unwrap().is_confident());
        let location = first.location.clone().unwrap();
        let mut cuts = vec![first.readings.clone()];
        for grow in SECOND_LOOK_CUTS {
            let lines = engine.rectify(&hard, &location.taller(grow));
            let reading =
                recognise::recognise(engine.model.as_ref(), &lines, Some(location.line_len))
                    .unwrap();
            cuts.push(reading);
        }
        let second = engine.read_image(&hard).unwrap();
        assert_ne!(second.readings, first.readings);
        assert_eq!(second.readings, recognise::fuse(&cuts));
        assert!(second.mrz.unwrap().is_valid());

        // A clear photo reads confidently at once: nothing more is read.
        let clear = grey("fixtures/bench/photo/000000.jpg");
        let first = first_only.read_image(&clear).unwrap();
        assert!(first.mrz.as_ref().unwrap().is_confident());
        assert_eq!(engine.read_image(&clear).unwrap().readings, first.readings);
    }

    #[test]
    fn support_after_a_second_look_is_what_most_cuts_see() {
        let text = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        // Three cuts of the same zone; position 5 of the first line (the E of ERIKSSON) is where
        // they differ: one cut wavers towards F, the others barely list it.
        let cut = |e: f32, f: Option<f32>| -> Vec<LineReading> {
            let mut lines: Vec<LineReading> =
                text.iter().map(|t| LineReading::from_text(t)).collect();
            let mut at = vec![CharCandidate {
                ch: 'E',
                log_prob: e.ln(),
            }];
            at.extend(f.map(|f| CharCandidate {
                ch: 'F',
                log_prob: f.ln(),
            }));
            lines[0].positions[5] = at;
            lines
        };
        let cuts = [
            cut(0.55, Some(0.45)),
            cut(0.97, Some(0.03)),
            cut(0.99, None),
        ];
        let mut m = mrz::parse_reading(&recognise::fuse(&cuts), &ParseOptions::default()).unwrap();
        // The mean lends F 16%, over the check's 10% for a typed look-alike ...
        let mean = m.char_probability(0, 5, 'F').unwrap();
        assert!((mean - 0.16).abs() < 1e-3, "{mean}");
        majority_support(&mut m, &cuts);
        // ... the median 3%: one wavering cut does not make the image support F.
        assert!((m.char_probability(0, 5, 'F').unwrap() - 0.03).abs() < 1e-4);
        assert!((m.char_probability(0, 5, 'E').unwrap() - 0.97).abs() < 1e-4);
        assert_eq!(m.char_probability(0, 6, 'R'), Some(1.0));
    }

    /// A read of `lines` as plain text (every character certain) at a mean `confidence`.
    fn out(lines: &[&str], confidence: f32) -> ReadOutput {
        let readings: Vec<LineReading> = lines.iter().map(|t| LineReading::from_text(t)).collect();
        let mut o = ReadOutput::nothing();
        o.mrz = mrz::parse_reading(&readings, &ParseOptions::default()).ok();
        o.confidence = confidence;
        o
    }

    #[test]
    fn an_invalid_zone_keeps_the_reading_that_could_be_a_document() {
        // A passport zone read whole, its composite digit misread: invalid, but its document
        // number, birth date and expiry hold.
        let whole = out(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<11",
            ],
            0.80,
        );
        // The same zone cut short at both ends (glare over its start), read as a 36-character
        // layout: more confident, as the unsure start is not in it, but none of its digits hold.
        let part = out(
            &[
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<",
                "02C36UTO7408122F1204159ZE184226B<<<<",
            ],
            0.90,
        );
        let (w, p) = (whole.mrz.as_ref().unwrap(), part.mrz.as_ref().unwrap());
        assert!(!w.is_valid() && !p.is_valid());
        assert_eq!(rank(&whole).2, 3);
        assert_eq!(rank(&part).2, 0);
        assert!(rank(&whole) > rank(&part));
        // Between readings whose digits hold alike, the more confident one.
        let surer = out(
            &w.lines.iter().map(String::as_str).collect::<Vec<_>>(),
            0.85,
        );
        assert!(rank(&surer) > rank(&whole));
        // A valid zone over any invalid one.
        let valid = out(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ],
            0.5,
        );
        assert!(rank(&valid) > rank(&whole));
        // The same digits holding, but a nationality no country has (a cut shifted by a place
        // puts other letters there): the reading that could be a document ranks first, however
        // confident the other.
        let shifted = out(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTQ7408122F1204159ZE184226B<<<<<11",
            ],
            0.95,
        );
        assert_eq!(rank(&shifted).2, rank(&whole).2);
        assert_eq!((rank(&whole).1, rank(&shifted).1), (Reverse(0), Reverse(1)));
        assert!(rank(&whole) > rank(&shifted));
        // A sex no document prints counts the same way.
        let odd_sex = out(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122G1204159ZE184226B<<<<<11",
            ],
            0.95,
        );
        assert_eq!(rank(&odd_sex).1, Reverse(1));
        assert!(rank(&whole) > rank(&odd_sex));
    }

    #[test]
    fn a_clean_french_identity_card_upside_down_reads_as_printed() {
        // The old French identity card's published specimen, upside down: read the right way
        // round at 0.99. Parsed as a TD2 it was invalid with implausible fields, and the
        // 44-character reading past its ends (0.82, one digit holding by chance) used to replace
        // it; the second look then fused garbage. Its own layout parses it, and only its last
        // digit fails: the specimen's text does not satisfy the rule that real cards' lines
        // (in the shared real crops) do.
        let engine = Engine::new(EngineParams::default()).unwrap();
        let out = engine
            .read_image(&grey("fixtures/check/french-id-card-upside-down.png"))
            .unwrap();
        assert_eq!(
            out.text,
            [
                "IDFRADOUEL<<<<<<<<<<<<<<<<<<<<932013",
                "0506932020438CHRISTIANE<<NI6512068F6",
            ]
        );
        assert!(out.confidence > 0.95, "{}", out.confidence);
        let mrz = out.mrz.as_ref().unwrap();
        assert_eq!(mrz.format, crate::mrz::MrzFormat::FrenchId);
        let failing: Vec<CheckedField> = mrz
            .checks
            .iter()
            .filter(|c| c.status != crate::mrz::CheckStatus::Valid)
            .map(|c| c.field)
            .collect();
        assert_eq!(failing, [CheckedField::Composite]);
    }

    #[test]
    fn a_reading_the_recogniser_is_clearly_surer_of_is_not_traded_for_a_plausible_guess() {
        // A zone in a national layout the parser does not know (the French identity card's,
        // under another issuer's code), read cleanly: as a TD2 its nationality, dates and sex are
        // implausible.
        let card = out(
            &[
                "IDBELDOUEL<<<<<<<<<<<<<<<<<<<<932013",
                "0506932020438CHRISTIANE<<NI6512068F6",
            ],
            0.99,
        );
        assert_eq!(
            card.mrz.as_ref().map(|m| m.format),
            Some(crate::mrz::MrzFormat::Td2)
        );
        // The same zone read again past its ends as a 44-character layout (the engine's look
        // past short lines), as the recogniser read the upside-down specimen: unsure, with paper
        // read as characters, and one check digit holding by chance.
        let wider_lines = [
            "V<<<<<<<IDBELDOUEL<<<<<<<<<<<<<<<<<<<<932013",
            "IIIIII050693230204383CHRISTIANE<<NI6512068F6",
        ];
        let wider = out(&wider_lines, 0.82);
        assert!(
            rank(&wider) > rank(&card),
            "plausibility alone prefers the wider reading"
        );
        assert!(ranks_above(&card, &wider) && !ranks_above(&wider, &card));
        // Within the margin, plausibility still decides.
        let close = out(&wider_lines, 0.90);
        assert!(ranks_above(&close, &card));
        // Two check digits more than the surer reading holds outweigh its confidence: a passport
        // zone with its document number, birth date and expiry holding, read less surely.
        let holding = out(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<11",
            ],
            0.70,
        );
        assert_eq!(rank(&holding).2, 3);
        assert!(ranks_above(&holding, &card));
        // And a valid reading over any invalid one, however sure.
        let valid = out(
            &[
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
            ],
            0.5,
        );
        assert!(ranks_above(&valid, &card));
    }

    #[test]
    fn blank_image_reads_nothing() {
        let engine = Engine::with_model(EngineParams::default(), Box::new(FakeModel(vec!["<"])));
        let out = engine
            .read_image(&GrayImage::from_pixel(640, 480, image::Luma([240])))
            .unwrap();
        assert!(out.mrz.is_none() && out.location.is_none());
    }

    #[test]
    fn only_a_negative_dark_image_is_read_inverted() {
        let flat = |v: u8| GrayImage::from_pixel(64, 48, image::Luma([v]));
        // A negative scan's black paper; a page on a dark table; a light page.
        assert!(mostly_dark(&flat(20)));
        assert!(!mostly_dark(&flat(85)));
        assert!(!mostly_dark(&flat(230)));
        // The median decides: two thirds black with light text on it is a negative.
        let mut negative = flat(15);
        for y in 32..48 {
            for x in 0..64 {
                negative.put_pixel(x, y, image::Luma([240]));
            }
        }
        assert!(mostly_dark(&negative));
        assert!(!mostly_dark(&GrayImage::new(0, 0)));
    }
}
