//! `kyc-ocr read`: finds and reads the MRZ in photos and scans.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use kyc_ocr::compare::DocumentType;
use kyc_ocr::engine::{DetectorUse, Engine, EngineParams, Precision, ReadOutput};
use serde_json::{json, Value};

use crate::cmd::parse;

/// The JSON schema identifier; bump it when a field changes meaning or disappears.
pub const SCHEMA: &str = "kyc-ocr/read/v1";

/// Flags of `kyc-ocr read`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Images to read (JPEG, PNG, WebP, TIFF, BMP, GIF, HEIC, JPEG 2000, or a PDF scan; a PDF or
    /// TIFF of several pages is read page by page).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Print one JSON object per image (JSON Lines, schema kyc-ocr/read/v1).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: EngineFlags,
    /// Write the image with the located zone, line boxes and recognised characters (low
    /// confidence in red) to this PNG file; one image only.
    #[arg(long, value_name = "OUT.png")]
    pub debug_image: Option<PathBuf>,
    /// Where an image shows several MRZs (a passport's data page facing a visa, a scan of two
    /// documents), read the one of this kind: passport, or other (ID cards, visas); the words
    /// `check --document-type` takes.
    #[arg(long, value_parser = document_type)]
    pub document_type: Option<DocumentType>,
}

/// `--document-type`, parsed as the form's field is ([`DocumentType::from_name`]).
fn document_type(t: &str) -> Result<DocumentType, String> {
    DocumentType::from_name(t).ok_or_else(|| format!("expected passport or other, got {t:?}"))
}

/// The flags that choose the engine's models and optional stages, shared by every command that
/// reads images (read, check, batch, eval), so each takes the same model under the same name.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EngineFlags {
    /// Recogniser model file to use instead of the built-in one.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Which build of the built-in recogniser runs: auto (int8, exact on every CPU), int8 or
    /// f32 (the float master it was quantized from).
    #[arg(long, value_enum, default_value_t = PrecisionArg::Auto)]
    pub precision: PrecisionArg,
    /// Classical localiser only: never run the learned MRZ detector (to measure what it adds).
    #[arg(long)]
    pub no_detector: bool,
    /// MRZ detection model file to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub detector_model: Option<PathBuf>,
    /// Take the first reading of an unsure zone as it is: no second look from two more cuts (to
    /// measure what it adds).
    #[arg(long)]
    pub no_second_look: bool,
}

/// `--precision`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionArg {
    #[default]
    Auto,
    F32,
    Int8,
}

impl EngineFlags {
    /// The engine parameters these flags ask for; the rest are the defaults.
    pub(crate) fn params(&self) -> EngineParams {
        EngineParams {
            model_path: self.model.clone(),
            precision: match self.precision {
                PrecisionArg::Auto => Precision::Auto,
                PrecisionArg::F32 => Precision::Float32,
                PrecisionArg::Int8 => Precision::Int8,
            },
            detector_path: self.detector_model.clone(),
            detector: if self.no_detector {
                DetectorUse::Off
            } else {
                DetectorUse::Fallback
            },
            second_look: !self.no_second_look,
            ..EngineParams::default()
        }
    }

    /// Builds the engine these flags ask for.
    pub(crate) fn build(&self) -> anyhow::Result<Engine> {
        build(self.params())
    }
}

/// Builds an engine, naming what failed (an unreadable model file, say).
pub(crate) fn build(params: EngineParams) -> anyhow::Result<Engine> {
    Engine::new(params).context("cannot start the reading engine")
}

/// The JSON object of one read (schema kyc-ocr/read/v1).
pub(crate) fn to_json(image: &str, out: &ReadOutput) -> Value {
    json!({
        "schema": SCHEMA,
        "image": image,
        "page": out.page,
        "mrz": out.mrz.as_ref().map(parse::to_json),
        "parse_error": out.parse_error.as_ref().map(|e| e.to_string()),
        "quad": out.location.as_ref().map(|l| l.quad),
        "angle_deg": out.location.as_ref().map(|l| l.angle_deg),
        "mirrored": out.location.as_ref().map(|l| l.is_mirrored()),
        "confidence": out.confidence,
        "uncertain_fields": out.mrz.as_ref().map(|m| m.uncertain_fields.clone()).unwrap_or_default(),
        "field_confidence": out.mrz.as_ref().map(|m| m.confidence.clone()).unwrap_or_default(),
        "capture_hint": out.capture_hint().map(|h| {
            let mut v = serde_json::to_value(&h).unwrap_or(Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.insert("message".into(), Value::String(h.to_string()));
            }
            v
        }),
        "timings": out.timings,
    })
}

/// Runs the command: 0 when every image gave a valid MRZ read with confidence, 1 when some gave
/// none, an invalid one or one with uncertain fields, 2 when an image could not be read at all
/// (the others are still reported).
pub fn run(args: Args) -> crate::Outcome {
    if args.debug_image.is_some() && args.images.len() > 1 {
        anyhow::bail!("--debug-image takes one image, got {}", args.images.len());
    }
    let t = std::time::Instant::now();
    let engine = args.engine.build()?;
    log::info!(
        "engine built in {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let mut code = 0u8;
    for (index, path) in args.images.iter().enumerate() {
        let name = path.display().to_string();
        let read = read_file(
            &engine,
            path,
            args.debug_image.as_deref(),
            args.document_type,
        );
        // Locked only to write: whatever prints while the engine runs (rten's RTEN_TIMING report
        // from its pool's threads) would otherwise wait on this thread forever.
        let mut stdout = anstream::stdout().lock();
        let out = match read {
            Ok(out) => out,
            Err(e) => {
                crate::output::error_line(&e);
                if args.json {
                    let v = json!({ "schema": SCHEMA, "image": name, "error": crate::output::chain(&e) });
                    writeln!(stdout, "{}", serde_json::to_string(&v)?)?;
                }
                code = 2;
                continue;
            }
        };
        crate::output::log_timings(index + 1, &out.timings);
        // A valid read with an uncertain field is not a clean read: its check digits cannot vouch
        // for that field.
        let valid = out.mrz.as_ref().is_some_and(|m| m.is_confident());
        if !valid && code == 0 {
            code = 1;
        }
        if args.json {
            writeln!(stdout, "{}", serde_json::to_string(&to_json(&name, &out))?)?;
        } else {
            write_human(&mut stdout, &name, &out)?;
        }
        stdout.flush()?;
    }
    Ok(code)
}

/// Reads one image file, optionally drawing a debug image; errors name the file. Shared by
/// `read`, `batch` and any command that takes an image. With `want`, the MRZ of that kind of
/// document where the image shows several ([`Engine::read_wanting`]).
pub(crate) fn read_file(
    engine: &Engine,
    path: &std::path::Path,
    debug_image: Option<&std::path::Path>,
    want: Option<DocumentType>,
) -> anyhow::Result<ReadOutput> {
    let name = path.display();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
    match (debug_image, want) {
        (None, None) => engine.read(&bytes).map_err(anyhow::Error::new),
        (None, Some(want)) => engine
            .read_wanting(&bytes, want)
            .map_err(anyhow::Error::new),
        (Some(debug), _) => read_with_debug_image(engine, &bytes, debug, want),
    }
    .with_context(|| format!("cannot read the mrz of {name}"))
}

/// Decodes once, reads the pixels and draws what was read ([`crate::debug_image`]). A PDF scan or
/// a TIFF of several pages is read page by page as without the debug image, and the page read is
/// drawn, in grey.
fn read_with_debug_image(
    engine: &Engine,
    bytes: &[u8],
    debug: &std::path::Path,
    want: Option<DocumentType>,
) -> anyhow::Result<ReadOutput> {
    if kyc_ocr::decode::may_have_pages(bytes) {
        let start = std::time::Instant::now();
        let mut pages = engine.decode_grey_pages(bytes)?;
        let decode_ms = start.elapsed().as_secs_f32() * 1000.0;
        let mut out = engine.read_decoded_pages(&pages, want)?;
        out.timings.decode_ms = decode_ms;
        out.timings.total_ms += decode_ms;
        if out.page < pages.len() {
            let page = image::DynamicImage::ImageLuma8(pages.swap_remove(out.page));
            crate::debug_image::write(debug, &page, &out)?;
        }
        return Ok(out);
    }
    let start = std::time::Instant::now();
    let image = engine.decode(bytes)?;
    let decode_ms = start.elapsed().as_secs_f32() * 1000.0;
    let grey = image.to_luma8();
    let mut out = match want {
        None => engine.read_image(&grey)?,
        Some(want) => engine.read_image_wanting(&grey, want)?,
    };
    out.timings.decode_ms = decode_ms;
    out.timings.total_ms += decode_ms;
    crate::debug_image::write(debug, &image, &out)?;
    Ok(out)
}

/// One image's result for people: file, format, validity, confidence, then the lines.
pub(crate) fn write_human(w: &mut impl Write, name: &str, out: &ReadOutput) -> std::io::Result<()> {
    use crate::output::{paint, BAD, DIM, GOOD, WARN};
    // A later page of a PDF or TIFF scan names itself, counted from 1 as a viewer counts.
    let paged;
    let name = if out.page > 0 {
        paged = format!("{name} (page {})", out.page + 1);
        paged.as_str()
    } else {
        name
    };
    match (&out.mrz, &out.location) {
        (_, None) => writeln!(w, "{name}: {}", paint(BAD, "no mrz found"))?,
        (None, Some(_)) => {
            let why = out
                .parse_error
                .as_ref()
                .map(|e| e.to_string())
                .unwrap_or_default();
            writeln!(
                w,
                "{name}: {} {why}",
                paint(BAD, "mrz found but unreadable:")
            )?;
            for line in &out.text {
                writeln!(w, "  {line}")?;
            }
        }
        (Some(m), Some(location)) => {
            let status = if m.is_confident() {
                paint(GOOD, "valid")
            } else if m.is_valid() {
                paint(
                    WARN,
                    format_args!("valid, uncertain: {}", m.uncertain_fields.join(", ")),
                )
            } else if !m.unconfirmed_fields.is_empty() {
                // A digit held on characters too unsure for it to confirm them (a thumb, a
                // faded corner): say which, so that the operator looks there.
                paint(
                    BAD,
                    format_args!("invalid, unconfirmed: {}", m.unconfirmed_fields.join(", ")),
                )
            } else if !m.pitch_breaks.is_empty() {
                // A character read twice or missed: the line's text is shifted from there.
                paint(
                    BAD,
                    format_args!(
                        "invalid, off pitch: {}",
                        super::parse::pitch_break_fields(m).join(", ")
                    ),
                )
            } else {
                paint(BAD, "invalid")
            };
            writeln!(
                w,
                "{name}: {} {status} (confidence {:.2}, {:.0} ms)",
                m.format, out.confidence, out.timings.total_ms
            )?;
            for line in &m.lines {
                writeln!(w, "  {line}")?;
            }
            if location.is_mirrored() {
                writeln!(
                    w,
                    "  {}",
                    paint(
                        DIM,
                        "read as a mirror image (as a selfie camera may save it)"
                    )
                )?;
            }
            for r in &m.repairs {
                if m.composite_computed && r.field == "composite_check" {
                    // Not a character read otherwise but one not seen at all: say so.
                    writeln!(
                        w,
                        "  {} line {} position {}: {} for the composite check digit, which \
                         cannot be seen (every field's own check digit holds)",
                        paint(WARN, "computed"),
                        r.line + 1,
                        r.position + 1,
                        r.to,
                    )?;
                    continue;
                }
                writeln!(
                    w,
                    "  {} line {} position {}: {} -> {} in {}",
                    paint(WARN, "repaired"),
                    r.line + 1,
                    r.position + 1,
                    r.from,
                    r.to,
                    r.field
                )?;
            }
            let unprotected = m.unprotected_fields();
            if !unprotected.is_empty() {
                writeln!(
                    w,
                    "  {}",
                    paint(
                        DIM,
                        format_args!("no check digit: {}", unprotected.join(", "))
                    )
                )?;
            }
        }
    }
    if let Some(hint) = out.capture_hint() {
        writeln!(w, "  {} {hint}", paint(WARN, "new image:"))?;
    }
    Ok(())
}
