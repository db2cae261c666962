//! Stage 3: cut each MRZ line out of the full-resolution image, deskewed and perspective-corrected,
//! at the recogniser's input height with the margins it was trained on.

use image::{imageops, GrayImage, Luma};

use crate::locate::{self, LineCurve, MrzLocation, Point, Quad};

/// Height in pixels of the recogniser's input.
pub const LINE_HEIGHT: u32 = 32;

/// Margin above and below the text, as a fraction of the text height. The located line boxes are
/// tight, so 0.40 here matches the real crops the model trains on (about 17 px per character at
/// height 32). Measured on the generator (`kyc-ocr eval`, seed 2026, 60 documents per preset):
/// 0.25 gave photo 95.0% / hard 60.0% exact, 0.40 gave 95.0% / 63.3% with fewer valid-but-wrong.
const V_MARGIN: f32 = 0.40;
/// Margin before and after the text, as a fraction of the text height (under one character).
const H_MARGIN: f32 = 0.45;
/// The widest line crop we produce; a 44-character line needs about 700 px.
const MAX_WIDTH: u32 = 2048;

/// One text line ready for the recogniser: grey, [`LINE_HEIGHT`] px high, dark text on light paper.
#[derive(Clone, Debug, PartialEq)]
pub struct LineImage {
    /// The pixels.
    pub image: GrayImage,
}

impl LineImage {
    /// A line crop that is already tight around one line (e.g. a dataset crop), scaled to
    /// [`LINE_HEIGHT`] with its aspect ratio kept.
    pub fn from_crop(crop: &GrayImage) -> LineImage {
        let (w, h) = crop.dimensions();
        let width =
            ((w as f32 * LINE_HEIGHT as f32 / h.max(1) as f32).round() as u32).clamp(4, MAX_WIDTH);
        LineImage {
            image: imageops::resize(crop, width, LINE_HEIGHT, imageops::FilterType::Triangle),
        }
    }

    /// The line with its contrast stretched column by column: each column's greys mapped so that
    /// the darkest and lightest pixel within [`STRETCH_HALF_WINDOW`] columns either side become
    /// black and white. Glare, a shadow or a faded print flatten the text in one part of a line
    /// (ink at 180 on paper at 230 under glare); stretched, those characters look like the rest.
    /// Where the window's range is under [`STRETCH_MIN_RANGE`] (blank paper, noise between
    /// words) it is stretched as if it were that wide, so noise is not blown up into strokes.
    pub fn contrast_stretched(&self) -> LineImage {
        let (w, h) = self.image.dimensions();
        if w == 0 || h == 0 {
            return self.clone();
        }
        let (mut lo, mut hi) = (vec![u8::MAX; w as usize], vec![0u8; w as usize]);
        for (x, _, p) in self.image.enumerate_pixels() {
            lo[x as usize] = lo[x as usize].min(p.0[0]);
            hi[x as usize] = hi[x as usize].max(p.0[0]);
        }
        let window = |x: usize| {
            let a = x.saturating_sub(STRETCH_HALF_WINDOW);
            let b = (x + STRETCH_HALF_WINDOW).min(w as usize - 1);
            let low = lo[a..=b].iter().copied().min().unwrap_or(0);
            let high = hi[a..=b].iter().copied().max().unwrap_or(u8::MAX);
            (
                f32::from(low),
                (f32::from(high) - f32::from(low)).max(STRETCH_MIN_RANGE),
            )
        };
        let columns: Vec<(f32, f32)> = (0..w as usize).map(window).collect();
        let image = GrayImage::from_fn(w, h, |x, y| {
            let (low, range) = columns[x as usize];
            let v = f32::from(self.image.get_pixel(x, y).0[0]);
            Luma([((v - low) / range * 255.0).round().clamp(0.0, 255.0) as u8])
        });
        LineImage { image }
    }
}

/// Columns either side that [`LineImage::contrast_stretched`] takes a column's range from: about
/// five characters in all at [`LINE_HEIGHT`], enough that a window always holds ink and paper.
/// On the 500 bowed hard generator documents, 32 and 64 gave two holder's forms fewer consistent.
pub const STRETCH_HALF_WINDOW: usize = 48;

/// The least grey range [`LineImage::contrast_stretched`] stretches to full: a quarter of it.
pub const STRETCH_MIN_RANGE: f32 = 64.0;

/// Warps every line quad of `location` to a [`LineImage`], top line first, each along its curve.
pub fn rectify(grey: &GrayImage, location: &MrzLocation) -> Vec<LineImage> {
    location
        .lines
        .iter()
        .enumerate()
        .map(|(i, q)| rectify_curved_line(grey, q, &location.curve(i)))
        .collect()
}

/// Warps one line quad (corners in reading order) to a [`LineImage`] with the contract's margins.
pub fn rectify_line(grey: &GrayImage, quad: &Quad) -> LineImage {
    rectify_curved_line(grey, quad, &LineCurve::STRAIGHT)
}

/// [`rectify_line`] for a line that bows away from its quad as `curve` says: each column of the
/// crop is cut where the text is at that point, so that an arc comes out straight.
pub fn rectify_curved_line(grey: &GrayImage, quad: &Quad, curve: &LineCurve) -> LineImage {
    let (height, length) = (quad.height().max(1.0), quad.length().max(1.0));
    // Margins in the quad's own (s, t) coordinates; bilinear extrapolation keeps perspective.
    let ex = H_MARGIN * height / length;
    let src = [
        bilinear(quad, -ex, -V_MARGIN),
        bilinear(quad, 1.0 + ex, -V_MARGIN),
        bilinear(quad, 1.0 + ex, 1.0 + V_MARGIN),
        bilinear(quad, -ex, 1.0 + V_MARGIN),
    ];
    let out_h = LINE_HEIGHT as f32;
    let crop_h = height * (1.0 + 2.0 * V_MARGIN);
    let crop_l = length * (1.0 + 2.0 * ex);
    let width = ((crop_l * out_h / crop_h).round() as u32).clamp(4, MAX_WIDTH);
    // Sample at up to 4x the output size, then area-filter down, so that a large source does not
    // alias into broken strokes.
    let k = (crop_h / out_h).ceil().clamp(1.0, 4.0) as u32;
    let (sw, sh) = (width * k, LINE_HEIGHT * k);
    let dst = [
        Point::new(0.0, 0.0),
        Point::new(sw as f32, 0.0),
        Point::new(sw as f32, sh as f32),
        Point::new(0.0, sh as f32),
    ];
    let paper = paper_level(grey, &src);
    let mut out = GrayImage::from_pixel(sw, sh, Luma([paper]));
    let homography = homography(&dst, &src);
    if let (Some(h), false) = (homography, curve.is_straight()) {
        // Each column moves down by the curve's offset at its place along the line, in the
        // output's pixels per line height.
        let per_height = sh as f32 / (1.0 + 2.0 * V_MARGIN);
        let shifts: Vec<f64> = (0..sw)
            .map(|x| {
                let s = -ex + (x as f32 + 0.5) / sw as f32 * (1.0 + 2.0 * ex);
                f64::from(curve.at(2.0 * s - 1.0) * per_height)
            })
            .collect();
        let source = Source::new(grey);
        for (y, row) in out.chunks_exact_mut(sw as usize).enumerate() {
            for ((x, px), dy) in row.iter_mut().enumerate().zip(&shifts) {
                let (fx, fy) = (x as f64 + 0.5, y as f64 + 0.5 + dy);
                let w = h[6] * fx + h[7] * fy + 1.0;
                if w.abs() >= 1e-12 {
                    let sx = (h[0] * fx + h[1] * fy + h[2]) / w - 0.5;
                    let sy = (h[3] * fx + h[4] * fy + h[5]) / w - 0.5;
                    if let Some(v) = source.sample(sx as f32, sy as f32) {
                        *px = v;
                    }
                }
            }
        }
    } else if let Some(h) = homography {
        let source = Source::new(grey);
        for (y, row) in out.chunks_exact_mut(sw as usize).enumerate() {
            // Along a row the map's numerators and denominator are affine in x: step them
            // instead of evaluating the homography at every pixel.
            let fy = y as f64 + 0.5;
            let mut nx = h[0] * 0.5 + h[1] * fy + h[2];
            let mut ny = h[3] * 0.5 + h[4] * fy + h[5];
            let mut w = h[6] * 0.5 + h[7] * fy + 1.0;
            for px in row {
                if w.abs() >= 1e-12 {
                    let (sx, sy) = (nx / w - 0.5, ny / w - 0.5);
                    if let Some(v) = source.sample(sx as f32, sy as f32) {
                        *px = v;
                    }
                }
                nx += h[0];
                ny += h[3];
                w += h[6];
            }
        }
    }
    let image = if k == 1 {
        out
    } else {
        imageops::resize(&out, width, LINE_HEIGHT, imageops::FilterType::Triangle)
    };
    LineImage { image }
}

fn bilinear(quad: &Quad, s: f32, t: f32) -> Point {
    let [tl, tr, br, bl] = quad.0;
    let top = Point::new(tl.x + (tr.x - tl.x) * s, tl.y + (tr.y - tl.y) * s);
    let bottom = Point::new(bl.x + (br.x - bl.x) * s, bl.y + (br.y - bl.y) * s);
    Point::new(
        top.x + (bottom.x - top.x) * t,
        top.y + (bottom.y - top.y) * t,
    )
}

/// A bright percentile of the grey levels at the crop's corners: what "paper" looks like there, so
/// that parts of the crop outside the image read as paper, not as ink.
fn paper_level(grey: &GrayImage, corners: &[Point; 4]) -> u8 {
    let source = Source::new(grey);
    let mut v: Vec<u8> = corners
        .iter()
        .filter_map(|p| source.sample(p.x, p.y))
        .collect();
    v.sort_unstable();
    v.last().copied().unwrap_or(255)
}

/// The source image as a plain slice, for the warp's inner loop (no per-pixel bounds checks
/// beyond the one that decides whether a point is inside).
struct Source<'a> {
    pixels: &'a [u8],
    width: u32,
    height: u32,
}

impl<'a> Source<'a> {
    fn new(grey: &'a GrayImage) -> Self {
        Source {
            pixels: grey.as_raw(),
            width: grey.width(),
            height: grey.height(),
        }
    }

    /// Bilinear sample at (x, y), `None` outside the image.
    fn sample(&self, x: f32, y: f32) -> Option<u8> {
        let (w, h) = (self.width, self.height);
        if !(x >= 0.0 && y >= 0.0 && x <= (w - 1) as f32 && y <= (h - 1) as f32) {
            return None;
        }
        // Non-negative here, so truncation is the floor (and `as` avoids a libm call per pixel
        // on the baseline x86-64 target).
        let (x0, y0) = (x as u32, y as u32);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let stride = w as usize;
        let p = |x: u32, y: u32| f32::from(self.pixels[y as usize * stride + x as usize]);
        let top = p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx;
        let bottom = p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx;
        // A mix of levels in 0..=255: adding a half and truncating rounds it.
        Some((top * (1.0 - fy) + bottom * fy + 0.5) as u8)
    }
}

/// The projective map taking `from[i]` to `to[i]`: `[h0..h7]` with h8 = 1, or `None` if degenerate.
fn homography(from: &[Point; 4], to: &[Point; 4]) -> Option<[f64; 8]> {
    let mut a = [[0.0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (f64::from(from[i].x), f64::from(from[i].y));
        let (u, v) = (f64::from(to[i].x), f64::from(to[i].y));
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    locate::solve(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_faded_part_of_a_line_is_stretched_and_blank_paper_is_not() {
        // 400 columns: strokes at 0 on paper at 255 on the left, strokes at 150 on paper at 230
        // (glare) on the right, and a blank stretch of paper with noise of 8 grey levels between.
        let image = GrayImage::from_fn(400, LINE_HEIGHT, |x, y| {
            let stroke = x % 10 < 3 && (8..24).contains(&y);
            Luma([match x {
                0..100 if stroke => 0,
                0..100 => 255,
                100..300 => 220 + (x % 2) as u8 * 8,
                _ if stroke => 150,
                _ => 230,
            }])
        });
        let out = LineImage { image }.contrast_stretched().image;
        // The clear part stays as it was.
        assert_eq!(
            (out.get_pixel(0, 10).0[0], out.get_pixel(5, 10).0[0]),
            (0, 255)
        );
        // The faded part spans the full range.
        assert_eq!(out.get_pixel(390, 10).0[0], 0);
        assert_eq!(out.get_pixel(395, 10).0[0], 255);
        // Blank paper far from ink: 8 levels of noise become 32 (of 64), not 255.
        let (a, b) = (out.get_pixel(200, 10).0[0], out.get_pixel(201, 10).0[0]);
        assert_eq!(b - a, 32, "{a} {b}");
    }

    #[test]
    fn homography_maps_corners() {
        let from = [
            Point::new(0.0, 0.0),
            Point::new(100.0, 0.0),
            Point::new(100.0, 32.0),
            Point::new(0.0, 32.0),
        ];
        let to = [
            Point::new(10.0, 20.0),
            Point::new(200.0, 40.0),
            Point::new(190.0, 90.0),
            Point::new(5.0, 70.0),
        ];
        let h = homography(&from, &to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let (x, y) = (f64::from(f.x), f64::from(f.y));
            let w = h[6] * x + h[7] * y + 1.0;
            let u = (h[0] * x + h[1] * y + h[2]) / w;
            let v = (h[3] * x + h[4] * y + h[5]) / w;
            assert!((u - f64::from(t.x)).abs() < 1e-6 && (v - f64::from(t.y)).abs() < 1e-6);
        }
    }

    #[test]
    fn rectified_line_is_deskewed_with_margins() {
        // A dark bar 20 px high, 200 px long, tilted; the crop must be 32 px high with the bar
        // filling the middle rows and paper above and below.
        let mut grey = GrayImage::from_pixel(300, 200, Luma([220]));
        let (c, s) = (0.3f32.cos(), 0.3f32.sin());
        let origin = Point::new(40.0, 40.0);
        let at = |a: f32, b: f32| Point::new(origin.x + a * c - b * s, origin.y + a * s + b * c);
        for a in 0..200 {
            for b in 0..20 {
                let p = at(a as f32, b as f32);
                grey.put_pixel(p.x as u32, p.y as u32, Luma([20]));
            }
        }
        let quad = Quad([at(0.0, 0.0), at(200.0, 0.0), at(200.0, 20.0), at(0.0, 20.0)]);
        let line = rectify_line(&grey, &quad);
        assert_eq!(line.image.height(), LINE_HEIGHT);
        let row_mean = |y: u32| {
            (0..line.image.width())
                .map(|x| u32::from(line.image.get_pixel(x, y)[0]))
                .sum::<u32>()
                / line.image.width()
        };
        assert!(row_mean(1) > 180, "top margin is paper: {}", row_mean(1));
        assert!(
            row_mean(30) > 180,
            "bottom margin is paper: {}",
            row_mean(30)
        );
        assert!(row_mean(16) < 80, "middle is ink: {}", row_mean(16));
    }

    #[test]
    fn a_curved_line_is_cut_along_its_arc() {
        // A bar 12 px high along an arc that sags 14 px between its middle and its ends, under a
        // straight box around its chord.
        let curve = LineCurve([-14.0 / 12.0 / 3.0, 0.0, 14.0 / 12.0, 0.0]);
        let mut grey = GrayImage::from_pixel(260, 100, Luma([220]));
        let (x0, len, top) = (30.0f32, 200.0f32, 40.0f32);
        for x in 0..200 {
            let s = (x as f32 + 0.5) / len;
            let centre = top + 6.0 + curve.at(2.0 * s - 1.0) * 12.0;
            for y in (centre - 6.0).round() as u32..(centre + 6.0).round() as u32 {
                grey.put_pixel(x0 as u32 + x, y, Luma([20]));
            }
        }
        let quad = Quad([
            Point::new(x0, top),
            Point::new(x0 + len, top),
            Point::new(x0 + len, top + 12.0),
            Point::new(x0, top + 12.0),
        ]);
        // The middle of the ink in a column.
        let column_ink_row = |line: &LineImage, x: u32| {
            let rows: Vec<u32> = (0..LINE_HEIGHT)
                .filter(|&y| line.image.get_pixel(x, y)[0] < 120)
                .collect();
            rows.iter().sum::<u32>() as f32 / rows.len().max(1) as f32
        };
        let along = rectify_curved_line(&grey, &quad, &curve);
        let straight = rectify_line(&grey, &quad);
        assert_eq!(along.image.dimensions(), straight.image.dimensions());
        let w = along.image.width();
        // Inside the bar (clear of the margins), every column's ink is centred when cut along the
        // arc; cut straight, the bar's middle and ends lie off the middle.
        let columns: Vec<u32> = (1..10).map(|i| w * i / 10).collect();
        for &x in &columns {
            assert!(
                along.image.get_pixel(x, LINE_HEIGHT / 2)[0] < 80,
                "column {x}"
            );
            let row = column_ink_row(&along, x);
            assert!(
                (row - 15.5).abs() <= 1.5,
                "column {x}: ink centred on row {row}"
            );
        }
        let off_middle = columns
            .iter()
            .filter(|&&x| (column_ink_row(&straight, x) - 15.5).abs() > 4.0)
            .count();
        assert!(
            off_middle >= 4,
            "cut straight, {off_middle} columns leave the middle"
        );
    }
}
