//! Synthetic travel documents with ground truth, for training the MRZ recogniser, fixtures and
//! benchmarks.
//!
//! [`render_document`] draws an ICAO 9303 document (TD3 passport page, TD1 and TD2 cards, MRV-A and
//! MRV-B visas) at its real size: security-print background, portrait placeholder, visual zone in
//! DejaVu Sans carrying the same data as the MRZ, and the MRZ in OCR-B at the ICAO pitch of 2.54 mm.
//! The page then goes through a camera or scanner model ([`CaptureParams`], with the presets of
//! [`Preset`]): scene, rotation, perspective, occluding hand, lighting, glare, blur, noise, JPEG.
//! Everything is deterministic in the seed, and the [`Truth`] records the MRZ lines, the fields and
//! where the MRZ and each of its lines ended up in the output image.
//!
//! [`render_line`] renders one MRZ line with degradations, the recogniser's training input.
//!
//! ```
//! use kyc_ocr_synth::{random_identity, render_document, DocFormat, DocSpec, Preset};
//! use rand::SeedableRng;
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
//! let spec = DocSpec { format: DocFormat::Td3, identity: random_identity(&mut rng, DocFormat::Td3) };
//! let out = render_document(&spec, &Preset::Scan.params(), 1)?;
//! assert_eq!(out.truth.lines.len(), 2);
//! assert_eq!(out.truth.lines[0].len(), 44);
//! # Ok::<(), kyc_ocr_synth::SynthError>(())
//! ```
//!
//! # Presets and knobs
//! - `clean`: upright, flat, sharp, uncompressed, characters 22-30 px.
//! - `scan`: flatbed scanner look at 200-300 dpi (characters 18-27 px), rotation within 4 degrees,
//!   mild blur and JPEG 70-95.
//! - `photo`: phone photo on a table: any rotation, tilt up to 28 degrees, characters 10-40 px,
//!   the page bowing up to 1.2 characters, other paper, a hand over a corner, uneven light, glare,
//!   shadows, blur, noise, JPEG 50-92.
//! - `hard`: the same, stronger: characters 8-60 px, tilt up to 42 degrees, bows up to 2.5
//!   characters, heavy blur and noise, JPEG 20-75, low contrast, strong colour casts.
//!
//! Every knob is a public field of [`CaptureParams`]; start from a preset and change one:
//! `CaptureParams { jpeg_quality: Some((20, 20)), ..Preset::Photo.params() }`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bend;
mod buf;
mod capture;
mod format;
mod geometry;
mod identity;
mod line;
mod page;
mod text;

pub use capture::{CaptureParams, Preset, Scene};
pub use format::DocFormat;
pub use geometry::{Homography, Point, Quad};
pub use identity::{mrz_format, random_identity, Identity};
pub use line::{render_line, LineParams};

use image::RgbImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What went wrong while rendering, for programs; [`SynthError`]'s message says it for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SynthErrorKind {
    /// The identity cannot be written as an MRZ (a field too long or malformed).
    Compose,
    /// Encoding or decoding the JPEG capture failed.
    Encode,
}

/// A document that cannot be rendered.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SynthError {
    kind: SynthErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl SynthError {
    /// What went wrong.
    pub fn kind(&self) -> SynthErrorKind {
        self.kind
    }
}

/// What to render: the format and the data printed on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocSpec {
    /// Document format.
    pub format: DocFormat,
    /// Holder and document data.
    pub identity: Identity,
}

impl DocSpec {
    /// A random identity for `format`, deterministic in `seed`.
    pub fn random(format: DocFormat, seed: u64) -> DocSpec {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        DocSpec {
            format,
            identity: random_identity(&mut rng, format),
        }
    }
}

/// The data fields of a truth record, as printed and as written in the MRZ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthFields {
    /// Document code (`P`, `ID`, `V`).
    pub document_code: String,
    /// Surname in Latin script with diacritics, as printed (and as a customer would type it).
    pub surname: String,
    /// Given names in Latin script, as printed; empty for a single name.
    pub given_names: String,
    /// Surname as transliterated for the MRZ, untruncated, parts separated by spaces.
    pub mrz_surname: String,
    /// Given names as transliterated for the MRZ, untruncated.
    pub mrz_given_names: String,
    /// Surname in the holder's own script, when it is not Latin.
    pub native_surname: Option<String>,
    /// Given names in the holder's own script, when not Latin.
    pub native_given_names: Option<String>,
    /// Document number (a long TD1 number in full).
    pub document_number: String,
    /// Nationality code as in the MRZ.
    pub nationality: String,
    /// Date of birth, ISO 8601 (`1974-08-12`).
    pub birth_date: String,
    /// `M`, `F` or `X`.
    pub sex: String,
    /// Date of expiry, ISO 8601.
    pub expiry_date: String,
    /// Issuing state code as in the MRZ (`D` for Germany).
    pub issuing_state: String,
    /// Personal number / optional data; empty when absent.
    pub personal_number: String,
}

/// Ground truth of one rendered image (one line of `truth.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// File name of the image; empty until the caller saves it.
    pub image: String,
    /// Document format.
    pub format: DocFormat,
    /// Name of the preset whose parameters were used, or `custom`.
    pub preset: String,
    /// Output image width in pixels.
    pub width: u32,
    /// Output image height in pixels.
    pub height: u32,
    /// The MRZ lines exactly as printed.
    pub lines: Vec<String>,
    /// The data fields.
    pub fields: TruthFields,
    /// The MRZ text block's corners in output pixels: top-left, top-right, bottom-right,
    /// bottom-left in the text's reading order (after rotation, "top-left" may be anywhere).
    pub mrz_quad: Quad,
    /// Each MRZ line's quad, same corner order.
    pub line_quads: Vec<Quad>,
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The captured image (after JPEG decoding when the capture compresses).
    pub image: RgbImage,
    /// The JPEG bytes the capture produced, when it compresses: save these rather than
    /// re-encoding `image`, which would compress twice.
    pub jpeg: Option<Vec<u8>>,
    /// Ground truth.
    pub truth: Truth,
}

/// File format of an encoded image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG: the capture's own bytes when it compressed, else quality 95.
    Jpeg,
    /// PNG (lossless; of a compressed capture, its decoded pixels).
    Png,
}

impl Rendered {
    /// The image encoded as `format`, without compressing twice.
    pub fn encode(&self, format: ImageFormat) -> Result<Vec<u8>, SynthError> {
        if let (ImageFormat::Jpeg, Some(bytes)) = (format, &self.jpeg) {
            return Ok(bytes.clone());
        }
        let mut bytes = Vec::new();
        let result = match format {
            ImageFormat::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 95)
                .encode_image(&self.image),
            ImageFormat::Png => self.image.write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            ),
        };
        result.map_err(|e| SynthError {
            kind: SynthErrorKind::Encode,
            message: format!("cannot encode the image: {e}"),
            source: Some(Box::new(e)),
        })?;
        Ok(bytes)
    }
}

/// ICAO Doc 9303 character cap height used to pick the page resolution before rendering (the
/// renderer varies the real height slightly; the capture measures it).
const NOMINAL_CAP_MM: f32 = 2.33;

/// Renders `spec` and captures it with `capture`, deterministically in `seed`.
pub fn render_document(
    spec: &DocSpec,
    capture: &CaptureParams,
    seed: u64,
) -> Result<Rendered, SynthError> {
    let data = spec.identity.mrz_data(spec.format);
    let lines = kyc_ocr::mrz::compose(&data).map_err(|e| SynthError {
        kind: SynthErrorKind::Compose,
        message: format!("cannot compose the mrz: {e}"),
        source: Some(Box::new(e)),
    })?;
    render_lines(spec, lines, capture, seed)
}

/// Mixed into the seed for the page bend's own random stream.
const BEND_STREAM: u64 = 0x6265_6E64_7061_6765;

/// Renders `spec` with MRZ `lines` already composed.
fn render_lines(
    spec: &DocSpec,
    lines: Vec<String>,
    capture: &CaptureParams,
    seed: u64,
) -> Result<Rendered, SynthError> {
    if lines.is_empty() {
        return Err(SynthError {
            kind: SynthErrorKind::Compose,
            message: "cannot compose the mrz: no lines".into(),
            source: None,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let target = buf::uniform(&mut rng, capture.char_height_px).max(2.0);
    // Render the page a little finer than it will appear, so the warp mostly minifies.
    let ppm = (target / NOMINAL_CAP_MM * 1.3).clamp(5.0, 20.0);
    let id = &spec.identity;
    let rows = viz_rows(spec, &mut rng);
    let state_name = kyc_ocr::countries::by_mrz_code(&id.issuing_state)
        .map(|c| c.name.to_uppercase())
        .unwrap_or_default();
    let title = match spec.format {
        DocFormat::Td3 => "PASSPORT",
        DocFormat::Td1 | DocFormat::Td2 => "IDENTITY CARD",
        DocFormat::FrenchId => "CARTE NATIONALE D'IDENTITE",
        DocFormat::MrvA | DocFormat::MrvB => "VISA",
    };
    let content = page::PageContent {
        format: spec.format,
        title,
        state_name: &state_name,
        rows: &rows,
        mrz_lines: &lines,
    };
    let mut page = page::render_page(&content, ppm, capture.mrz_weight, &mut rng);
    let (_, y0, _, y1) = page.line_quads[0].bounds();
    let cap_page = y1 - y0;
    // The bend draws from a stream of its own: a seed gives the same document and capture bent
    // or flat, and a flat capture the bytes it gave before bends existed.
    if capture.page_bend.1 > 0.0 {
        let mut bend_rng = ChaCha8Rng::seed_from_u64(seed ^ BEND_STREAM);
        let sag_chars = buf::uniform(&mut bend_rng, capture.page_bend);
        let shape = bend::Shape::random(&mut bend_rng);
        let (x0, _, x1, _) = page.line_quads[0].bounds();
        let width = page.image.width() as f32;
        let bend = bend::Bend::new(shape, width, (x0, x1), sag_chars * cap_page);
        let pad;
        (page.image, pad) = bend.apply(&page.image);
        page.line_quads = page.line_quads.iter().map(|q| bend.quad(q, pad)).collect();
    }
    let first = page.line_quads[0];
    let last = page.line_quads[page.line_quads.len() - 1];
    let mrz_page = Quad([first.0[0], first.0[1], last.0[2], last.0[3]]);
    let captured = capture::capture(&page.image, &mrz_page, cap_page, target, capture, &mut rng)
        .map_err(|e| SynthError {
            kind: SynthErrorKind::Encode,
            message: format!("cannot encode the capture: {e}"),
            source: Some(Box::new(e)),
        })?;
    let h = captured.page_to_image;
    let preset = Preset::ALL
        .into_iter()
        .find(|p| &p.params() == capture)
        .map_or("custom", |p| p.name());
    let truth = Truth {
        image: String::new(),
        format: spec.format,
        preset: preset.to_string(),
        width: captured.image.width(),
        height: captured.image.height(),
        lines,
        fields: truth_fields(id),
        mrz_quad: mrz_page.map(&h),
        line_quads: page.line_quads.iter().map(|q| q.map(&h)).collect(),
    };
    Ok(Rendered {
        image: captured.image,
        jpeg: captured.jpeg,
        truth,
    })
}

fn truth_fields(id: &Identity) -> TruthFields {
    TruthFields {
        document_code: id.document_code.clone(),
        surname: id.surname.clone(),
        given_names: id.given_names.clone(),
        mrz_surname: id.mrz_surname(),
        mrz_given_names: id.mrz_given_names(),
        native_surname: id.native_surname.clone(),
        native_given_names: id.native_given_names.clone(),
        document_number: id.document_number.clone(),
        nationality: id.nationality.clone(),
        birth_date: id.birth_date.to_string(),
        sex: id.sex.to_string(),
        expiry_date: id.expiry_date.to_string(),
        issuing_state: id.issuing_state.clone(),
        personal_number: id.personal_number.clone(),
    }
}

/// The visual zone: the same data as the MRZ, labelled, in one of two date styles.
fn viz_rows(spec: &DocSpec, rng: &mut ChaCha8Rng) -> Vec<Vec<(String, String)>> {
    use rand::Rng;
    let id = &spec.identity;
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let numeric = rng.gen_bool(0.4);
    let date = |d: jiff::civil::Date| {
        if numeric {
            format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
        } else {
            format!(
                "{:02} {} {}",
                d.day(),
                MONTHS[(d.month() - 1) as usize],
                d.year()
            )
        }
    };
    // Native script only where the embedded font draws it without shaping (Latin, Greek,
    // Cyrillic); Chinese and Arabic names appear in the truth but not on the page.
    let drawable = |s: &Option<String>| {
        s.as_ref()
            .filter(|n| n.chars().all(|c| (c as u32) < 0x0530) && text::covers(text::Face::Sans, n))
            .cloned()
    };
    let with_native = |latin: &str, native: Option<String>| match native {
        Some(n) => format!("{} / {}", n.to_uppercase(), latin.to_uppercase()),
        None => latin.to_uppercase(),
    };
    let nationality = kyc_ocr::countries::by_mrz_code(&id.nationality)
        .map(|c| c.name.to_uppercase())
        .unwrap_or_else(|| id.nationality.clone());
    let number_label = match spec.format {
        DocFormat::Td3 => "Passport No.",
        DocFormat::MrvA | DocFormat::MrvB => "Visa No.",
        _ => "Document No.",
    };
    let cell = |l: &str, v: String| (l.to_string(), v);
    let mut rows = vec![
        vec![
            cell("Type", id.document_code.clone()),
            cell("Code", id.issuing_state.clone()),
            cell(number_label, id.document_number.clone()),
        ],
        vec![cell(
            "Surname",
            with_native(&id.surname, drawable(&id.native_surname)),
        )],
        vec![cell(
            "Given names",
            with_native(&id.given_names, drawable(&id.native_given_names)),
        )],
    ];
    let compact = matches!(
        spec.format,
        DocFormat::Td1 | DocFormat::Td2 | DocFormat::MrvB | DocFormat::FrenchId
    );
    if compact {
        rows.push(vec![
            cell("Sex", id.sex.to_string()),
            cell("Nationality", nationality),
            cell("Date of birth", date(id.birth_date)),
        ]);
        rows.push(vec![
            cell("Place of birth", id.place_of_birth.clone()),
            cell("Date of expiry", date(id.expiry_date)),
        ]);
    } else {
        rows.push(vec![
            cell("Nationality", nationality),
            cell("Date of birth", date(id.birth_date)),
        ]);
        rows.push(vec![
            cell("Sex", id.sex.to_string()),
            cell("Place of birth", id.place_of_birth.clone()),
        ]);
        rows.push(vec![
            cell("Date of issue", date(id.issue_date)),
            cell("Date of expiry", date(id.expiry_date)),
        ]);
    }
    if !id.personal_number.is_empty() {
        rows.push(vec![cell("Personal No.", id.personal_number.clone())]);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn public_types_are_send_and_sync() {
        assert_send_sync::<Rendered>();
        assert_send_sync::<SynthError>();
        assert_send_sync::<CaptureParams>();
        assert_send_sync::<DocSpec>();
    }

    #[test]
    fn viz_carries_the_mrz_data() {
        let spec = DocSpec::random(DocFormat::Td3, 5);
        let rows = viz_rows(&spec, &mut ChaCha8Rng::seed_from_u64(0));
        let all: Vec<&str> = rows.iter().flatten().map(|(_, v)| v.as_str()).collect();
        assert!(all.contains(&spec.identity.document_number.as_str()));
        assert!(all
            .iter()
            .any(|v| v.contains(&spec.identity.surname.to_uppercase())));
    }
}
