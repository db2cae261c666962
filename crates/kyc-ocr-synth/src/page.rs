//! The flat document page: background security print, portrait placeholder, visual zone and MRZ,
//! rendered at a chosen resolution, with the MRZ lines' boxes in page pixels.

use crate::buf::{uniform, Buf};
use crate::format::DocFormat;
use crate::geometry::Quad;
use crate::text::{self, Face};
use image::{Rgb, RgbImage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// ICAO character pitch: 10 characters per inch.
pub(crate) const MRZ_PITCH_MM: f32 = 2.54;

/// What goes on the page.
pub(crate) struct PageContent<'a> {
    pub format: DocFormat,
    /// Document title in the header (`PASSPORT`, `IDENTITY CARD`, `VISA`).
    pub title: &'a str,
    /// Issuing state's name in the header.
    pub state_name: &'a str,
    /// Visual-zone rows; each row holds one to three `(label, value)` cells.
    pub rows: &'a [Vec<(String, String)>],
    /// MRZ lines, exactly as composed.
    pub mrz_lines: &'a [String],
}

/// A rendered page and where its MRZ lines are, in page pixels.
pub(crate) struct Page {
    pub image: RgbImage,
    pub line_quads: Vec<Quad>,
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn pastel(rng: &mut ChaCha8Rng) -> [f32; 3] {
    let base = rng.gen_range(215.0..250.0);
    [
        base + rng.gen_range(-25.0..8.0),
        base + rng.gen_range(-25.0..8.0),
        base + rng.gen_range(-25.0..8.0),
    ]
}

fn to_rgb(c: [f32; 3]) -> Rgb<u8> {
    Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8))
}

/// Paints the security background: a two-colour gradient, a guilloche rosette and wave lines,
/// the kind of fine line print that confuses binarisation.
pub(crate) fn paint_background(
    img: &mut RgbImage,
    ppm: f32,
    mrz_top_px: f32,
    rng: &mut ChaCha8Rng,
) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let c0 = pastel(rng);
    let c1 = pastel(rng);
    let line_col = mix(
        pastel(rng),
        [
            rng.gen_range(60.0..200.0),
            rng.gen_range(60.0..200.0),
            rng.gen_range(60.0..200.0),
        ],
        0.5,
    );
    let angle: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
    let (ga, gb) = (angle.cos(), angle.sin());
    let (cx, cy) = (rng.gen_range(0.2..0.8) * w, rng.gen_range(0.2..0.6) * h);
    // Frequencies in cycles per millimetre so the pattern looks the same at every resolution.
    let ring_freq = rng.gen_range(0.6..1.4) / ppm;
    let petals = f32::from(rng.gen_range(5u8..14));
    let petal_amp = rng.gen_range(1.0..4.0);
    let wave_freq = rng.gen_range(0.5..1.2) / ppm;
    let wave_x = rng.gen_range(0.03..0.12) / ppm;
    let wave_amp = rng.gen_range(1.0..3.0);
    let strength = rng.gen_range(0.25..0.6);
    let mrz_clear = rng.gen_bool(0.6);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (xf, yf) = (x as f32, y as f32);
        let t = (((xf / w - 0.5) * ga + (yf / h - 0.5) * gb) + 0.5).clamp(0.0, 1.0);
        let mut c = mix(c0, c1, t);
        let (dx, dy) = (xf - cx, yf - cy);
        let r = (dx * dx + dy * dy).sqrt();
        let theta = dy.atan2(dx);
        let ph1 = r * ring_freq + petal_amp * (petals * theta + r * ring_freq * 0.15).sin();
        let ph2 = yf * wave_freq + wave_amp * (xf * wave_x).sin();
        let line = |ph: f32| {
            let d = (ph - ph.round()).abs();
            (1.0 - d / 0.12).max(0.0)
        };
        let mut ink = line(ph1).max(line(ph2) * 0.7) * strength;
        if mrz_clear && yf > mrz_top_px {
            // Many issuers keep the MRZ band free of security print so it stays machine readable.
            ink *= 0.25;
        }
        c = mix(c, line_col, ink);
        *p = to_rgb(c);
    }
}

/// A neutral head-and-shoulders silhouette where the photo would be.
fn paint_portrait(img: &mut RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, rng: &mut ChaCha8Rng) {
    let bg = [
        rng.gen_range(170.0..235.0),
        rng.gen_range(180.0..240.0),
        rng.gen_range(190.0..245.0),
    ];
    let skin = [rng.gen_range(90.0..230.0), 0.0, 0.0];
    let skin = [
        skin[0],
        skin[0] * rng.gen_range(0.7..0.85),
        skin[0] * rng.gen_range(0.55..0.75),
    ];
    let cloth = [
        rng.gen_range(20.0..120.0),
        rng.gen_range(20.0..120.0),
        rng.gen_range(20.0..140.0),
    ];
    let hair = [
        rng.gen_range(10.0..90.0),
        rng.gen_range(10.0..70.0),
        rng.gen_range(5.0..50.0),
    ];
    let (w, h) = (x1 - x0, y1 - y0);
    let (hx, hy, hrx, hry) = (x0 + w * 0.5, y0 + h * 0.4, w * 0.22, h * 0.2);
    for y in y0.max(0.0) as u32..(y1 as u32).min(img.height()) {
        for x in x0.max(0.0) as u32..(x1 as u32).min(img.width()) {
            let (xf, yf) = (x as f32, y as f32);
            let mut c = mix(bg, [bg[0] * 0.8, bg[1] * 0.8, bg[2] * 0.8], (yf - y0) / h);
            let head = ((xf - hx) / hrx).powi(2) + ((yf - hy) / hry).powi(2);
            let hair_d =
                ((xf - hx) / (hrx * 1.1)).powi(2) + ((yf - hy + hry * 0.25) / (hry * 1.05)).powi(2);
            let body =
                ((xf - hx) / (w * 0.48)).powi(2) + ((yf - (y1 + h * 0.05)) / (h * 0.38)).powi(2);
            if body < 1.0 {
                c = cloth;
            }
            if hair_d < 1.0 {
                c = hair;
            }
            if head < 1.0 {
                c = skin;
            }
            img.put_pixel(x, y, to_rgb(c));
        }
    }
}

/// Renders the page at `ppm` pixels per millimetre.
pub(crate) fn render_page(
    content: &PageContent<'_>,
    ppm: f32,
    mrz_weight: (f32, f32),
    rng: &mut ChaCha8Rng,
) -> Page {
    let (wmm, hmm) = content.format.size_mm();
    let (w, h) = ((wmm * ppm).round() as u32, (hmm * ppm).round() as u32);
    let mut img = RgbImage::new(w.max(1), h.max(1));
    let n_lines = content.mrz_lines.len();
    let line_len = content.format.line_len() as f32;

    // MRZ geometry (Doc 9303 Part 3: 2.54 mm pitch, characters about 2.3 mm high, lines in the
    // bottom band). Small jitter, as between real issuers and printers.
    let cap_mm = rng.gen_range(2.2..2.45);
    let line_pitch_mm = rng.gen_range(4.1..4.7);
    let bottom_mm = rng.gen_range(3.6..5.2);
    let left_mm = (wmm - line_len * MRZ_PITCH_MM) / 2.0 + rng.gen_range(-0.8..0.8);
    let first_baseline_mm = hmm - bottom_mm - (n_lines as f32 - 1.0) * line_pitch_mm;
    let mrz_top_mm = first_baseline_mm - cap_mm - 1.5;

    paint_background(&mut img, ppm, mrz_top_mm * ppm, rng);

    let ink = to_rgb([
        rng.gen_range(5.0..45.0),
        rng.gen_range(5.0..45.0),
        rng.gen_range(5.0..50.0),
    ]);
    let label_ink = to_rgb([
        rng.gen_range(40.0..110.0),
        rng.gen_range(40.0..110.0),
        rng.gen_range(60.0..140.0),
    ]);

    // Header.
    let header_cap = (hmm * 0.045).clamp(2.0, 3.4);
    let header_px = header_cap * ppm / text::cap_ratio(Face::Sans);
    let header_base = (2.5 + header_cap) * ppm;
    text::draw_text(
        &mut img,
        Face::Sans,
        header_px,
        4.0 * ppm,
        header_base,
        content.title,
        label_ink,
        None,
    );
    let state_w = text::text_width(Face::Sans, header_px * 0.8, content.state_name);
    let state_x = (wmm - 4.0) * ppm - state_w;
    if state_x > 4.0 * ppm + text::text_width(Face::Sans, header_px, content.title) + ppm * 3.0 {
        text::draw_text(
            &mut img,
            Face::Sans,
            header_px * 0.8,
            state_x,
            header_base,
            content.state_name,
            label_ink,
            None,
        );
    }

    // Portrait and fields between the header and the MRZ band.
    let top_mm = 2.5 + header_cap + 2.5;
    let bottom_zone_mm = mrz_top_mm - 1.0;
    let portrait_w = wmm * rng.gen_range(0.25..0.3);
    paint_portrait(
        &mut img,
        4.0 * ppm,
        top_mm * ppm,
        (4.0 + portrait_w) * ppm,
        bottom_zone_mm * ppm,
        rng,
    );

    let fx0 = 4.0 + portrait_w + 3.5;
    let fx1 = wmm - 3.0;
    let rows = content.rows;
    let row_h = ((bottom_zone_mm - top_mm) / rows.len().max(1) as f32).min(6.0);
    let value_cap = (row_h * 0.4).min(2.3);
    let label_cap = (row_h * 0.22).min(1.3);
    for (i, row) in rows.iter().enumerate() {
        let y = top_mm + i as f32 * row_h;
        let cell_w = (fx1 - fx0) / row.len().max(1) as f32;
        for (j, (label, value)) in row.iter().enumerate() {
            let x = fx0 + j as f32 * cell_w;
            let lpx = label_cap * ppm / text::cap_ratio(Face::Sans);
            text::draw_text(
                &mut img,
                Face::Sans,
                lpx,
                x * ppm,
                (y + label_cap) * ppm,
                label,
                label_ink,
                None,
            );
            // Long values (names) shrink to fit their cell rather than run into the next one.
            let mut vpx = value_cap * ppm / text::cap_ratio(Face::Sans);
            let avail = (cell_w - 1.0) * ppm;
            let tw = text::text_width(Face::Sans, vpx, value);
            if tw > avail && tw > 0.0 {
                vpx *= avail / tw;
            }
            let vbase = (y + label_cap + 0.6 + value_cap) * ppm;
            text::draw_text(&mut img, Face::Sans, vpx, x * ppm, vbase, value, ink, None);
        }
    }

    // MRZ.
    let ocr_px = cap_mm * ppm / text::cap_ratio(Face::Ocrb);
    let pitch_px = MRZ_PITCH_MM * ppm;
    // At the outline's weight the glyphs go straight onto the page; otherwise into a band of
    // their own, re-cut at the drawn weight and then blended in.
    let mut band = (mrz_weight != (1.0, 1.0)).then(|| {
        let band = InkBand::around(
            &img,
            left_mm * ppm - pitch_px,
            (first_baseline_mm - 2.0 * cap_mm) * ppm,
            (left_mm + (line_len + 1.0) * MRZ_PITCH_MM) * ppm,
            (first_baseline_mm + (n_lines as f32 - 1.0) * line_pitch_mm + cap_mm) * ppm,
        );
        (band, uniform(rng, mrz_weight))
    });
    let mut line_quads = Vec::with_capacity(n_lines);
    for (i, line) in content.mrz_lines.iter().enumerate() {
        let base = (first_baseline_mm + i as f32 * line_pitch_mm) * ppm;
        let x0 = left_mm * ppm;
        match &mut band {
            Some((band, _)) => band.draw(Face::Ocrb, ocr_px, x0, base, line, pitch_px),
            None => text::draw_text(
                &mut img,
                Face::Ocrb,
                ocr_px,
                x0,
                base,
                line,
                ink,
                Some(pitch_px),
            ),
        }
        let x1 = x0 + line.chars().count() as f32 * pitch_px;
        line_quads.push(Quad::rect(x0, base - cap_mm * ppm, x1, base));
    }
    if let Some((mut band, weight)) = band {
        band.reweight(weight, cap_mm * ppm);
        band.blend_into(&mut img, ink);
    }
    Page {
        image: img,
        line_quads,
    }
}

/// OCR-B's stroke width as a fraction of its cap height (0.35 mm strokes on 2.4 mm capitals).
const OCRB_STROKE: f32 = 0.146;

/// The MRZ's ink coverage over its band of the page, drawn apart from the page so that its
/// strokes can be made bolder or thinner before it is blended in.
struct InkBand {
    x0: i64,
    y0: i64,
    w: usize,
    h: usize,
    cover: Vec<f32>,
}

impl InkBand {
    /// An empty band over the page pixels from `(x0, y0)` to `(x1, y1)`, clipped to `img`.
    fn around(img: &RgbImage, x0: f32, y0: f32, x1: f32, y1: f32) -> InkBand {
        let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
        let (x0, y0) = (
            (x0.floor() as i64).clamp(0, iw),
            (y0.floor() as i64).clamp(0, ih),
        );
        let (x1, y1) = (
            (x1.ceil() as i64).clamp(x0, iw),
            (y1.ceil() as i64).clamp(y0, ih),
        );
        let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
        InkBand {
            x0,
            y0,
            w,
            h,
            cover: vec![0.0; w * h],
        }
    }

    /// Adds one line's glyph coverage, as [`text::draw_text`] places it.
    fn draw(&mut self, face: Face, px: f32, x: f32, baseline: f32, line: &str, pitch: f32) {
        let (x0, y0, w, h) = (self.x0, self.y0, self.w as i64, self.h as i64);
        let cover = &mut self.cover;
        text::for_each_coverage(face, px, x, baseline, line, Some(pitch), |px, py, a| {
            let (bx, by) = (i64::from(px) - x0, i64::from(py) - y0);
            if (0..w).contains(&bx) && (0..h).contains(&by) {
                let c = &mut cover[(by * w + bx) as usize];
                *c = c.max(a);
            }
        });
    }

    /// Moves every stroke edge outwards (weight above 1) or inwards by half the stroke width's
    /// change: the coverage blurred, then cut again at the level where a straight edge lies that
    /// far away, with an edge about a pixel wide.
    fn reweight(&mut self, weight: f32, cap_px: f32) {
        let shift = (weight - 1.0) * OCRB_STROKE * cap_px / 2.0;
        let sigma = (0.06 * cap_px).max(0.6);
        let mut buf = Buf::new(self.w, self.h, [0.0; 3]);
        for (p, &c) in buf.px.iter_mut().zip(&self.cover) {
            *p = [c; 3];
        }
        buf.gaussian_blur(sigma);
        // A blurred straight edge is the normal distribution's CDF across it (logistic
        // approximation): the level at distance `shift` outside the edge.
        let level = (1.0 / (1.0 + (1.702 * shift / sigma).exp())).clamp(0.02, 0.98);
        let gain = (2.5 * sigma).max(1.0);
        for (c, p) in self.cover.iter_mut().zip(&buf.px) {
            *c = ((p[0] - level) * gain + 0.5).clamp(0.0, 1.0);
        }
    }

    /// Blends `ink` into `img` by the band's coverage.
    fn blend_into(&self, img: &mut RgbImage, ink: Rgb<u8>) {
        for (i, &a) in self.cover.iter().enumerate().filter(|(_, &a)| a > 0.0) {
            let (x, y) = (self.x0 + (i % self.w) as i64, self.y0 + (i / self.w) as i64);
            text::blend(img.get_pixel_mut(x as u32, y as u32), ink, a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The specimen's TD3 page at 8 px/mm with the MRZ at stroke weight `weight`.
    fn specimen_page(weight: f32) -> Page {
        let lines = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".to_string(),
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10".to_string(),
        ];
        let rows = vec![vec![("Surname".to_string(), "ERIKSSON".to_string())]];
        let content = PageContent {
            format: DocFormat::Td3,
            title: "PASSPORT",
            state_name: "UTOPIA",
            rows: &rows,
            mrz_lines: &lines,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        render_page(&content, 8.0, (weight, weight), &mut rng)
    }

    /// Dark pixels (the MRZ ink; `level`: the most a pixel's three channels may sum to) below
    /// the top of the first line: inside a line box (allowing a pixel of anti-aliasing), and
    /// outside every box.
    fn mrz_ink(page: &Page, level: u32) -> (usize, usize) {
        let (_, top, _, _) = page.line_quads[0].bounds();
        let mut dark_in = 0;
        let mut dark_out = 0;
        for (x, y, p) in page.image.enumerate_pixels() {
            if (y as f32) < top - 4.0 || p.0.iter().map(|&v| u32::from(v)).sum::<u32>() > level {
                continue;
            }
            let inside = page.line_quads.iter().any(|q| {
                let (x0, y0, x1, y1) = q.bounds();
                (x0 - 1.5..x1 + 1.5).contains(&(x as f32))
                    && (y0 - 1.5..y1 + 1.5).contains(&(y as f32))
            });
            if inside {
                dark_in += 1
            } else {
                dark_out += 1
            }
        }
        (dark_in, dark_out)
    }

    #[test]
    fn mrz_ink_lies_inside_the_line_boxes() {
        let page = specimen_page(1.0);
        assert_eq!(page.image.dimensions(), (1000, 704));
        assert_eq!(page.line_quads.len(), 2);
        let (dark_in, dark_out) = mrz_ink(&page, 200);
        assert!(dark_in > 1000, "{dark_in} dark pixels in the MRZ");
        assert!(
            dark_out * 100 < dark_in,
            "{dark_out} dark pixels outside the MRZ boxes"
        );
    }

    #[test]
    fn mrz_weight_thickens_and_thins_the_strokes_in_place() {
        // OCR-B's strokes are about 0.146 of the cap height (2.3 mm at 8 px/mm: 2.7 px), so the
        // pixels at least half inked grow and shrink about with the weight (measured 0.42 and
        // 1.54 of the outline's at 0.6 and 1.5).
        let (normal, _) = mrz_ink(&specimen_page(1.0), 384);
        for (weight, lo, hi) in [(0.6, 0.3, 0.7), (1.5, 1.3, 1.9)] {
            let page = specimen_page(weight);
            let (dark_in, dark_out) = mrz_ink(&page, 384);
            let ratio = dark_in as f32 / normal as f32;
            assert!(
                (lo..hi).contains(&ratio),
                "weight {weight}: ink {ratio} of the outline's"
            );
            // Still where the truth's line boxes say, bold or thin.
            assert!(
                dark_out * 100 < dark_in,
                "weight {weight}: {dark_out} outside"
            );
        }
        // Weight 1 is the outline as drawn, not a re-cut of it.
        let plain = specimen_page(1.0);
        assert_eq!(plain.image, specimen_page(1.0).image);
    }
}
