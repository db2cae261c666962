//! Single MRZ text lines with degradations: the recogniser's training input.

use crate::buf::{jpeg_round_trip, uniform, Buf};
use crate::geometry::{Homography, Quad};
use crate::page::{paint_background, MRZ_PITCH_MM};
use crate::text::{self, Face};
use image::{GrayImage, Luma, Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Knobs of [`render_line`]. Ranges are `(min, max)`, sampled uniformly per line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineParams {
    /// Output height in pixels (the recogniser's fixed input height).
    pub height: u32,
    /// Character cap height as a fraction of `height` (the line detector's crops are loose or tight).
    pub char_height: (f32, f32),
    /// Vertical offset of the text's centre, as a fraction of `height`.
    pub vertical_jitter: f32,
    /// Horizontal padding on each side, in character widths.
    pub pad_chars: (f32, f32),
    /// Residual rotation in degrees after deskewing.
    pub rotation_deg: (f32, f32),
    /// Horizontal shear (italic-like slant of a tilted capture), as dx per unit of height.
    pub shear: (f32, f32),
    /// Horizontal squeeze or stretch of the character pitch.
    pub stretch: (f32, f32),
    /// Gaussian blur sigma, in output pixels.
    pub blur_sigma: (f32, f32),
    /// Motion blur length, in output pixels.
    pub motion_blur_px: (f32, f32),
    /// Sensor noise sigma (0-255 scale).
    pub noise_sigma: (f32, f32),
    /// JPEG quality range; `None` leaves the line uncompressed.
    pub jpeg_quality: Option<(u8, u8)>,
    /// Contrast factor (1 unchanged).
    pub contrast: (f32, f32),
    /// Probability of a glare band washing part of the line out.
    pub glare_prob: f32,
    /// Probability of a security-print background behind the text.
    pub background_prob: f32,
}

impl LineParams {
    /// Upright, sharp lines on a plain background.
    pub fn clean() -> LineParams {
        LineParams {
            height: 32,
            char_height: (0.55, 0.6),
            vertical_jitter: 0.0,
            pad_chars: (0.5, 0.5),
            rotation_deg: (0.0, 0.0),
            shear: (0.0, 0.0),
            stretch: (1.0, 1.0),
            blur_sigma: (0.0, 0.0),
            motion_blur_px: (0.0, 0.0),
            noise_sigma: (0.0, 0.0),
            jpeg_quality: None,
            contrast: (1.0, 1.0),
            glare_prob: 0.0,
            background_prob: 0.0,
        }
    }

    /// Crops as a line detector delivers them from `photo` and `hard` captures.
    pub fn hard() -> LineParams {
        LineParams {
            height: 32,
            char_height: (0.4, 0.8),
            vertical_jitter: 0.12,
            pad_chars: (0.0, 2.0),
            rotation_deg: (-2.5, 2.5),
            shear: (-0.25, 0.25),
            stretch: (0.85, 1.15),
            blur_sigma: (0.0, 1.6),
            motion_blur_px: (0.0, 3.0),
            noise_sigma: (0.0, 14.0),
            jpeg_quality: Some((20, 95)),
            contrast: (0.35, 1.0),
            glare_prob: 0.3,
            background_prob: 0.7,
        }
    }
}

impl Default for LineParams {
    /// Between [`LineParams::clean`] and [`LineParams::hard`].
    fn default() -> LineParams {
        LineParams {
            char_height: (0.5, 0.7),
            vertical_jitter: 0.06,
            pad_chars: (0.2, 1.2),
            rotation_deg: (-1.0, 1.0),
            shear: (-0.1, 0.1),
            stretch: (0.93, 1.07),
            blur_sigma: (0.0, 0.9),
            motion_blur_px: (0.0, 1.5),
            noise_sigma: (0.0, 6.0),
            jpeg_quality: Some((50, 95)),
            contrast: (0.6, 1.0),
            glare_prob: 0.1,
            background_prob: 0.5,
            ..LineParams::clean()
        }
    }
}

/// Renders `text` (one MRZ line, or any OCR-B text) as a grey image of `params.height` pixels,
/// deterministically in `seed`. The width follows the text and padding.
pub fn render_line(text: &str, params: &LineParams, seed: u64) -> GrayImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let out_h = params.height.max(8) as f32;
    let n = text.chars().count().max(1) as f32;
    let cap = uniform(&mut rng, params.char_height).clamp(0.1, 1.0) * out_h;
    // Source rendering at a fixed 12 px/mm, then mapped to the output scale.
    let ppm = 12.0f32;
    let cap_mm = rng.gen_range(2.2..2.45);
    let pitch = MRZ_PITCH_MM * ppm;
    let cap_src = cap_mm * ppm;
    let (src_w, src_h) = ((n + 4.0) * pitch, cap_src * 4.0);
    let mut src = RgbImage::from_pixel(src_w as u32, src_h as u32, Rgb([235, 235, 230]));
    if rng.gen_bool(f64::from(params.background_prob.clamp(0.0, 1.0))) {
        paint_background(&mut src, ppm, src_h * 0.7, &mut rng);
    } else {
        let g = rng.gen_range(200..=250);
        src.pixels_mut().for_each(|p| *p = Rgb([g, g, g]));
    }
    let ink = rng.gen_range(0..60);
    let (x0, base) = (2.0 * pitch, src_h / 2.0 + cap_src / 2.0);
    text::draw_text(
        &mut src,
        Face::Ocrb,
        cap_src / text::cap_ratio(Face::Ocrb),
        x0,
        base,
        text,
        Rgb([ink, ink, ink + 5]),
        Some(pitch),
    );
    let text_quad = Quad::rect(x0, base - cap_src, x0 + n * pitch, base);

    // Where the text block lands in the output.
    let k = cap / cap_src;
    let stretch = uniform(&mut rng, params.stretch);
    let pad = uniform(&mut rng, params.pad_chars) * pitch * k * stretch;
    let text_w = n * pitch * k * stretch;
    let out_w = (text_w + 2.0 * pad).ceil().max(8.0);
    let cy = out_h / 2.0 + rng.gen_range(-1.0..=1.0) * params.vertical_jitter * out_h;
    let shear = uniform(&mut rng, params.shear) * cap;
    let rot = uniform(&mut rng, params.rotation_deg).to_radians();
    let (top, bot) = (cy - cap / 2.0, cy + cap / 2.0);
    let dst = [
        [pad + shear / 2.0, top],
        [pad + text_w + shear / 2.0, top],
        [pad + text_w - shear / 2.0, bot],
        [pad - shear / 2.0, bot],
    ];
    let (cx, ccy) = (out_w / 2.0, cy);
    let (sr, cr) = rot.sin_cos();
    let dst = dst.map(|[x, y]| {
        [
            cx + (x - cx) * cr - (y - ccy) * sr,
            ccy + (x - cx) * sr + (y - ccy) * cr,
        ]
    });
    let h = Homography::from_points(text_quad.0, dst).unwrap_or(Homography::IDENTITY);
    let inv = h.inverse().unwrap_or(Homography::IDENTITY);
    let src_buf = Buf::from_rgb(&src);
    let (w, hh) = (out_w as usize, out_h as usize);
    let mut buf = Buf::new(w, hh, [0.0; 3]);
    let ss = ((1.0 / k).ceil() as usize).clamp(1, 4);
    for y in 0..hh {
        for x in 0..w {
            let (acc, _) = src_buf.supersample(&inv, x, y, ss, |_, _| true);
            buf.px[y * w + x] = acc.map(|a| a / (ss * ss) as f32);
        }
    }
    if rng.gen_bool(f64::from(params.glare_prob.clamp(0.0, 1.0))) {
        let c = rng.gen_range(0.0..w as f32);
        let r = rng.gen_range(0.5..3.0) * out_h;
        let s = rng.gen_range(0.3..0.85);
        for y in 0..hh {
            for x in 0..w {
                let d = (x as f32 - c) / r;
                let g = s * (-d * d).exp();
                buf.px[y * w + x] = buf.px[y * w + x].map(|p| p + (255.0 - p) * g);
            }
        }
    }
    buf.set_contrast(uniform(&mut rng, params.contrast), 1.0);
    buf.gaussian_blur(uniform(&mut rng, params.blur_sigma));
    let mlen = uniform(&mut rng, params.motion_blur_px);
    buf.motion_blur(mlen, rng.gen_range(0.0..std::f32::consts::PI));
    buf.add_noise(uniform(&mut rng, params.noise_sigma), &mut rng);
    let mut rgb = buf.to_rgb();
    if let Some((lo, hi)) = params.jpeg_quality {
        let q = if hi > lo { rng.gen_range(lo..=hi) } else { lo };
        // Encoding an in-memory image of valid size cannot fail in practice; keep the
        // uncompressed line if it somehow does rather than lose the sample.
        if let Ok((_, decoded)) = jpeg_round_trip(&rgb, q) {
            rgb = decoded;
        }
    }
    let mut out = GrayImage::new(rgb.width(), rgb.height());
    for (d, s) in out.pixels_mut().zip(rgb.pixels()) {
        let [r, g, b] = s.0.map(f32::from);
        *d = Luma([(0.299 * r + 0.587 * g + 0.114 * b)
            .round()
            .clamp(0.0, 255.0) as u8]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_line_has_fixed_height_and_ink_in_the_middle() {
        let line = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let img = render_line(line, &LineParams::clean(), 1);
        assert_eq!(img.height(), 32);
        // 44 characters at a 0.55-0.6 cap ratio need 44 pitches of about 18 px.
        assert!(img.width() > 400, "width {}", img.width());
        let dark_rows: Vec<u32> = (0..32)
            .filter(|&y| (0..img.width()).any(|x| img.get_pixel(x, y).0[0] < 100))
            .collect();
        assert!(dark_rows.first().is_some_and(|&y| y >= 5), "{dark_rows:?}");
        assert!(dark_rows.last().is_some_and(|&y| y <= 26), "{dark_rows:?}");
    }

    #[test]
    fn same_seed_same_line_and_presets_differ() {
        let line = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        for params in [
            LineParams::clean(),
            LineParams::default(),
            LineParams::hard(),
        ] {
            assert_eq!(render_line(line, &params, 9), render_line(line, &params, 9));
            assert_eq!(render_line(line, &params, 9).height(), params.height);
        }
        assert_ne!(
            render_line(line, &LineParams::hard(), 1),
            render_line(line, &LineParams::hard(), 2)
        );
    }
}
