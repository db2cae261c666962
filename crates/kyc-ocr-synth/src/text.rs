//! Embedded fonts and glyph drawing with sub-pixel placement, so the MRZ keeps its exact ICAO pitch
//! at every resolution and the truth boxes match the drawn ink.

use ab_glyph::{Font, FontRef, PxScale};
use image::{Rgb, RgbImage};
use std::sync::OnceLock;

/// OCR-B (public domain), the MRZ typeface of ICAO Doc 9303.
static OCRB_BYTES: &[u8] = include_bytes!("../fonts/OCRB.otf");
/// DejaVu Sans, for the visual zone (covers Latin, Greek, Cyrillic and more).
static DEJAVU_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// The two embedded typefaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Ocrb,
    Sans,
}

pub(crate) fn font(face: Face) -> &'static FontRef<'static> {
    static OCRB: OnceLock<FontRef<'static>> = OnceLock::new();
    static SANS: OnceLock<FontRef<'static>> = OnceLock::new();
    // The fonts are part of the crate and checked by the tests; failing to parse them is a build
    // defect, not a runtime condition.
    match face {
        Face::Ocrb => {
            OCRB.get_or_init(|| FontRef::try_from_slice(OCRB_BYTES).expect("embedded OCR-B parses"))
        }
        Face::Sans => SANS.get_or_init(|| {
            FontRef::try_from_slice(DEJAVU_BYTES).expect("embedded DejaVu Sans parses")
        }),
    }
}

/// Height of a capital letter as a fraction of the font's pixel scale, measured on `H`.
pub(crate) fn cap_ratio(face: Face) -> f32 {
    static OCRB: OnceLock<f32> = OnceLock::new();
    static SANS: OnceLock<f32> = OnceLock::new();
    let cell = match face {
        Face::Ocrb => &OCRB,
        Face::Sans => &SANS,
    };
    *cell.get_or_init(|| {
        let f = font(face);
        let g = f
            .glyph_id('H')
            .with_scale_and_position(PxScale::from(1000.0), ab_glyph::point(0.0, 0.0));
        f.outline_glyph(g)
            .map(|o| o.px_bounds().height() / 1000.0)
            .unwrap_or(0.7)
    })
}

/// Whether every character of `text` has a glyph in `face`.
pub(crate) fn covers(face: Face, text: &str) -> bool {
    let f = font(face);
    text.chars()
        .all(|c| c.is_whitespace() || f.glyph_id(c).0 != 0)
}

/// Advance width of `text` in pixels at pixel scale `px`.
pub(crate) fn text_width(face: Face, px: f32, text: &str) -> f32 {
    let f = font(face);
    let scale = PxScale::from(px);
    text.chars()
        .map(|c| f.h_advance_unscaled(f.glyph_id(c)) * scale.x / f.height_unscaled())
        .sum()
}

/// Draws `text` with its baseline at `baseline` and its left edge at `x`, blending `color` by
/// glyph coverage. With `pitch`, each character is centred in its own cell of that width (the MRZ's
/// fixed 2.54 mm cells); otherwise the font's advances are used.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_text(
    img: &mut RgbImage,
    face: Face,
    px: f32,
    x: f32,
    baseline: f32,
    text: &str,
    color: Rgb<u8>,
    pitch: Option<f32>,
) {
    let (w, h) = (img.width() as i32, img.height() as i32);
    for_each_coverage(face, px, x, baseline, text, pitch, |px, py, cov| {
        if px >= 0 && py >= 0 && px < w && py < h {
            blend(img.get_pixel_mut(px as u32, py as u32), color, cov);
        }
    });
}

/// Mixes `color` into `pixel` by `coverage` (clamped to 0-1), as ink covers paper.
pub(crate) fn blend(pixel: &mut Rgb<u8>, color: Rgb<u8>, coverage: f32) {
    let a = coverage.clamp(0.0, 1.0);
    for k in 0..3 {
        pixel.0[k] = (f32::from(pixel.0[k]) * (1.0 - a) + f32::from(color.0[k]) * a).round() as u8;
    }
}

/// Calls `visit(x, y, coverage)` for every pixel the glyphs of `text` touch, placed as
/// [`draw_text`] places them.
pub(crate) fn for_each_coverage(
    face: Face,
    px: f32,
    x: f32,
    baseline: f32,
    text: &str,
    pitch: Option<f32>,
    mut visit: impl FnMut(i32, i32, f32),
) {
    let f = font(face);
    let scale = PxScale::from(px);
    let unit = scale.x / f.height_unscaled();
    let mut pen = x;
    for c in text.chars() {
        let id = f.glyph_id(c);
        let adv = f.h_advance_unscaled(id) * unit;
        let gx = match pitch {
            Some(p) => pen + (p - adv) / 2.0,
            None => pen,
        };
        let glyph = id.with_scale_and_position(scale, ab_glyph::point(gx, baseline));
        if let Some(outline) = f.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|dx, dy, cov| {
                visit(b.min.x as i32 + dx as i32, b.min.y as i32 + dy as i32, cov);
            });
        }
        pen += pitch.unwrap_or(adv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse_and_cover_the_mrz_alphabet() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
        assert!(covers(Face::Ocrb, alphabet));
        assert!(covers(Face::Sans, "MÜLLER ŁUKASZ ΠΑΠΑΔΟΠΟΥΛΟΣ ИВАНОВ"));
        let r = cap_ratio(Face::Ocrb);
        assert!((0.5..0.9).contains(&r), "OCR-B cap ratio {r}");
    }

    #[test]
    fn draw_text_inks_only_the_expected_cells() {
        let mut img = RgbImage::from_pixel(200, 40, Rgb([255, 255, 255]));
        draw_text(
            &mut img,
            Face::Ocrb,
            24.0,
            10.0,
            30.0,
            "A<1",
            Rgb([0, 0, 0]),
            Some(20.0),
        );
        let dark: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0[0] < 128)
            .map(|(x, y, _)| (x, y))
            .collect();
        assert!(!dark.is_empty());
        assert!(
            dark.iter().all(|&(x, y)| (10..70).contains(&x) && y <= 31),
            "ink outside the cells"
        );
    }
}
