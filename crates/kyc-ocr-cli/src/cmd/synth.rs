//! `kyc-ocr synth`: renders synthetic documents and their ground truth (`truth.jsonl`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use kyc_ocr_synth::{render_document, CaptureParams, DocFormat, DocSpec, ImageFormat, Preset};
use rayon::prelude::*;

/// Flags of `kyc-ocr synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory (created if missing); images and `truth.jsonl` go there.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of images.
    #[arg(long, default_value_t = 10)]
    pub count: u64,
    /// Seed: the same seed and flags give the same bytes.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Document format: td3, td1, td2, mrva, mrvb, french_id (the French identity card of
    /// 1988-2021), or mixed (cycles through the five ICAO ones).
    #[arg(long, default_value = "mixed")]
    pub format: String,
    /// Capture preset: clean, scan, photo, hard.
    #[arg(long, default_value = "photo")]
    pub preset: String,
    /// Image file format: jpg or png.
    #[arg(long, default_value = "jpg")]
    pub image_format: String,
    /// Fixed output size `WIDTHxHEIGHT` (e.g. 2480x3508 for an A4 scan at 300 dpi).
    #[arg(long)]
    pub size: Option<String>,
    /// MRZ character height in pixels: one value or a range `MIN-MAX`.
    #[arg(long)]
    pub char_height: Option<String>,
    /// Probability (0-1) that the frame cuts the MRZ off at one end, 10-35% of it outside the
    /// image: documents no reader can read exactly, to check what the reader says about them.
    #[arg(long, default_value_t = 0.0)]
    pub cut_off: f32,
    /// Probability (0-1) that an image is delivered as black and white dots, its greys diffused
    /// into them, as a fax, a scanner's black-and-white mode or a scan app writes a page.
    #[arg(long, default_value_t = 0.0)]
    pub dither: f32,
    /// Probability (0-1) that an image is saved as a mirror image, as a selfie camera or a
    /// webcam that keeps what its preview shows may save it.
    #[arg(long, default_value_t = 0.0)]
    pub mirror: f32,
    /// The MRZ's stroke weight against the OCR-B outline's, per document from a range `MIN-MAX`
    /// (or one value): above 1 bolder, as ink spreads into paper; below 1 thinner, as laser
    /// engraving in a polycarbonate card prints. 1 (the default) draws the outline as it is.
    #[arg(long)]
    pub mrz_weight: Option<String>,
    /// How far the page bows, per document from a range `MIN-MAX` (or one value), in MRZ
    /// character heights between the ends and the middle of its lines: a passport held open, a
    /// page curling towards the binding, a card lifting at one end. Without it, the preset's:
    /// photo 0-1.2, hard 0-2.5, clean and scan flat; 0 is flat (and gives a photo or hard seed's
    /// images as they were before pages bowed).
    #[arg(long)]
    pub bend: Option<String>,
    /// File name prefix of the images.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Print what was written as JSON (schema kyc-ocr/synth/v1) on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The JSON schema identifier of `--json`; bump it when a field changes meaning or disappears.
pub const SCHEMA: &str = "kyc-ocr/synth/v1";

/// Validated flags.
struct Plan {
    formats: Vec<DocFormat>,
    preset: Preset,
    params: CaptureParams,
    png: bool,
}

/// `MIN-MAX` or one value, `MIN <= MAX`; the caller checks the bounds.
fn parse_range(s: &str) -> Option<(f32, f32)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b) = (a.trim().parse::<f32>().ok()?, b.trim().parse::<f32>().ok()?);
    (b >= a).then_some((a, b))
}

fn plan(args: &Args) -> anyhow::Result<Plan> {
    let formats = if args.format.eq_ignore_ascii_case("mixed") {
        DocFormat::ALL.to_vec()
    } else {
        match DocFormat::from_name(&args.format) {
            Some(f) => vec![f],
            None => bail!(
                "unknown format {:?}, expected td3, td1, td2, mrva, mrvb, french_id or mixed",
                args.format
            ),
        }
    };
    let Some(preset) = Preset::from_name(&args.preset) else {
        bail!(
            "unknown preset {:?}, expected clean, scan, photo or hard",
            args.preset
        );
    };
    let png = match args.image_format.to_ascii_lowercase().as_str() {
        "png" => true,
        "jpg" | "jpeg" => false,
        other => bail!("unknown image format {other:?}, expected jpg or png"),
    };
    let mut params = preset.params();
    if let Some(size) = &args.size {
        let parsed = size
            .split_once(['x', 'X'])
            .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
            .filter(|&(w, h)| (16..=10_000).contains(&w) && (16..=10_000).contains(&h));
        let Some(wh) = parsed else {
            bail!("invalid size {size:?}, expected WIDTHxHEIGHT between 16 and 10000 pixels");
        };
        params.output_size = Some(wh);
    }
    if let Some(ch) = &args.char_height {
        let Some(range) = parse_range(ch).filter(|r| r.0 > 0.0 && r.1 <= 200.0) else {
            bail!("invalid character height {ch:?}, expected PIXELS or MIN-MAX up to 200");
        };
        params.char_height_px = range;
    }
    for (flag, p) in [
        ("cut-off", args.cut_off),
        ("dither", args.dither),
        ("mirror", args.mirror),
    ] {
        if !(0.0..=1.0).contains(&p) {
            bail!("invalid --{flag} {p}, expected a probability from 0 to 1");
        }
    }
    if let Some(w) = &args.mrz_weight {
        let Some(range) = parse_range(w).filter(|r| r.0 >= 0.3 && r.1 <= 3.0) else {
            bail!("invalid mrz weight {w:?}, expected WEIGHT or MIN-MAX from 0.3 to 3");
        };
        params.mrz_weight = range;
    }
    if let Some(b) = &args.bend {
        let Some(range) = parse_range(b).filter(|r| r.0 >= 0.0 && r.1 <= 4.0) else {
            bail!("invalid bend {b:?}, expected CHARS or MIN-MAX from 0 to 4");
        };
        params.page_bend = range;
    }
    params.mrz_cut_prob = args.cut_off;
    params.dither_prob = args.dither;
    params.mirror_prob = args.mirror;
    Ok(Plan {
        formats,
        preset,
        params,
        png,
    })
}

/// The seed of image `i`: spread so neighbouring images share nothing.
fn image_seed(seed: u64, i: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03).rotate_left(17)
}

/// Renders the images in parallel and writes `truth.jsonl` in image order. Exit code 0.
pub fn run(args: Args) -> crate::Outcome {
    let plan = plan(&args)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let ext = if plan.png { "png" } else { "jpg" };
    let lines: Vec<String> = (0..args.count)
        .into_par_iter()
        .map(|i| -> anyhow::Result<String> {
            let format = plan.formats[(i % plan.formats.len() as u64) as usize];
            let seed = image_seed(args.seed, i);
            let spec = DocSpec::random(format, seed);
            let mut r =
                render_document(&spec, &plan.params, seed).with_context(|| format!("image {i}"))?;
            let name = format!("{}{:06}.{ext}", args.prefix, i);
            let path = args.out.join(&name);
            let format = if plan.png {
                ImageFormat::Png
            } else {
                ImageFormat::Jpeg
            };
            let bytes = r.encode(format).with_context(|| format!("image {i}"))?;
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            r.truth.image = name;
            r.truth.preset = plan.preset.name().to_string();
            Ok(serde_json::to_string(&r.truth)?)
        })
        .collect::<anyhow::Result<_>>()?;
    let truth_path = args.out.join("truth.jsonl");
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(&truth_path)
            .with_context(|| format!("cannot create {}", truth_path.display()))?,
    );
    for l in &lines {
        writeln!(f, "{l}")?;
    }
    f.flush()?;
    eprintln!("wrote {} images and {}", lines.len(), truth_path.display());
    if args.json {
        let v = serde_json::json!({
            "schema": SCHEMA,
            "dir": args.out.display().to_string(),
            "truth": truth_path.display().to_string(),
            "count": lines.len(),
            "images": (0..args.count).map(|i| format!("{}{:06}.{ext}", args.prefix, i)).collect::<Vec<_>>(),
        });
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        out.flush()?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct T {
            #[command(flatten)]
            a: Args,
        }
        let mut v = vec!["t", "--out", "/tmp/x"];
        v.extend_from_slice(extra);
        T::parse_from(v).a
    }

    #[test]
    fn flags_are_validated_with_clear_messages() {
        let cases = [
            (
                vec!["--format", "td4"],
                "unknown format \"td4\", expected td3, td1, td2, mrva, mrvb, french_id or mixed",
            ),
            (
                vec!["--preset", "blurry"],
                "unknown preset \"blurry\", expected clean, scan, photo or hard",
            ),
            (
                vec!["--image-format", "gif"],
                "unknown image format \"gif\", expected jpg or png",
            ),
            (
                vec!["--size", "12x"],
                "invalid size \"12x\", expected WIDTHxHEIGHT between 16 and 10000 pixels",
            ),
            (
                vec!["--char-height", "30-10"],
                "invalid character height \"30-10\", expected PIXELS or MIN-MAX up to 200",
            ),
        ];
        for (flags, msg) in cases {
            let e = plan(&args(&flags)).err().map(|e| e.to_string());
            assert_eq!(e.as_deref(), Some(msg));
        }
        let p = plan(&args(&[
            "--size",
            "600x400",
            "--char-height",
            "10-12",
            "--format",
            "TD1",
        ]))
        .unwrap();
        assert_eq!(p.params.output_size, Some((600, 400)));
        assert_eq!(p.params.char_height_px, (10.0, 12.0));
        assert_eq!(p.formats, vec![DocFormat::Td1]);
    }

    #[test]
    fn image_seeds_differ() {
        assert_ne!(image_seed(0, 0), image_seed(0, 1));
        assert_ne!(image_seed(0, 1), image_seed(1, 0));
    }
}
