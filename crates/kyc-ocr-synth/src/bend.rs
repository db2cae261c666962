//! A page that is not flat: a passport booklet held open bows, and its data page curls up
//! towards the binding; a card lifts at one end. Seen at an angle, the MRZ's straight lines become
//! arcs, each character a little higher or lower than the one before.
//!
//! Modelled in page space as a vertical shift that varies smoothly along the lines, before the
//! camera's projection: content at `(x, y)` of the bent page comes from `(x, y - shift(x))` of the
//! flat one. The shift is what the lift of the surface towards the camera does to points below or
//! above the image centre; the foreshortening along the lines, a smaller effect, is left out.

use crate::geometry::Quad;
use image::RgbImage;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How the page's shift varies along its lines, as a function of the position across the page
/// (`t`, 0 at the left edge, 1 at the right) with values of order one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    /// The whole page bows: a parabola with its vertex at `t = vertex`.
    Bow { vertex: f32 },
    /// Flat up to `start`, then curling away quadratically: the end of a page near a booklet's
    /// binding, or the edge of a card lifted off the table. `from_right` picks the curling end.
    Curl { start: f32, from_right: bool },
}

impl Shape {
    fn at(self, t: f32) -> f32 {
        match self {
            Shape::Bow { vertex } => (t - vertex).powi(2),
            Shape::Curl { start, from_right } => {
                let s = if from_right { t } else { 1.0 - t };
                ((s - start).max(0.0) / (1.0 - start)).powi(2)
            }
        }
    }

    /// A random shape.
    pub(crate) fn random(rng: &mut ChaCha8Rng) -> Shape {
        if rng.gen_bool(0.5) {
            Shape::Bow {
                vertex: rng.gen_range(0.25..0.75),
            }
        } else {
            Shape::Curl {
                start: rng.gen_range(0.3..0.7),
                from_right: rng.gen_bool(0.5),
            }
        }
    }
}

/// A bend of a page `width` pixels wide, scaled so that the shift along the span `x0..x1` (the
/// MRZ's lines) varies by `sag` pixels from its lowest to its highest, and averages zero there
/// (the zone stays where the layout puts it; its ends and middle move).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bend {
    shape: Shape,
    width: f32,
    scale: f32,
    offset: f32,
}

impl Bend {
    pub(crate) fn new(shape: Shape, width: f32, span: (f32, f32), sag: f32) -> Bend {
        let raw = Bend {
            shape,
            width: width.max(1.0),
            scale: 1.0,
            offset: 0.0,
        };
        const SAMPLES: usize = 64;
        let (mut lo, mut hi, mut sum) = (f32::MAX, f32::MIN, 0.0);
        for i in 0..=SAMPLES {
            let x = span.0 + (span.1 - span.0) * i as f32 / SAMPLES as f32;
            let g = raw.shift(x);
            (lo, hi, sum) = (lo.min(g), hi.max(g), sum + g);
        }
        let range = hi - lo;
        let scale = if range > 1e-6 { sag / range } else { 0.0 };
        Bend {
            scale,
            offset: sum / (SAMPLES + 1) as f32 * scale,
            ..raw
        }
    }

    /// How far down content at column `x` moves.
    pub(crate) fn shift(&self, x: f32) -> f32 {
        self.shape.at(x / self.width) * self.scale - self.offset
    }

    /// `page` bent: each column's content shifted down by [`Bend::shift`] (bilinear), on a page
    /// taller by `pad` rows of its own edge above and below, so that no content leaves it (the
    /// MRZ lies a few millimetres from a page's edge; a curl moves it by as much). Returns the
    /// page and `pad`.
    pub(crate) fn apply(&self, page: &RgbImage) -> (RgbImage, u32) {
        let (w, h) = page.dimensions();
        let reach = (0..w)
            .map(|x| self.shift(x as f32 + 0.5).abs())
            .fold(0.0, f32::max);
        let pad = reach.ceil() as u32 + 1;
        let mut out = RgbImage::new(w, h + 2 * pad);
        for x in 0..w {
            let dy = self.shift(x as f32 + 0.5);
            for y in 0..h + 2 * pad {
                let src = (y as f32 - pad as f32 - dy).clamp(0.0, (h - 1) as f32);
                let y0 = src.floor() as u32;
                let y1 = (y0 + 1).min(h - 1);
                let f = src - y0 as f32;
                let (a, b) = (page.get_pixel(x, y0).0, page.get_pixel(x, y1).0);
                let px = std::array::from_fn(|c| {
                    (a[c] as f32 + (b[c] as f32 - a[c] as f32) * f).round() as u8
                });
                out.put_pixel(x, y, image::Rgb(px));
            }
        }
        (out, pad)
    }

    /// `quad`'s corners moved with the page, on the page [`Bend::apply`] returns with `pad` (its
    /// edges stay straight: a line's box in the truth is the chord of its arc).
    pub(crate) fn quad(&self, quad: &Quad, pad: u32) -> Quad {
        Quad(quad.0.map(|[x, y]| [x, y + pad as f32 + self.shift(x)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_sag_along_the_span_is_what_was_asked_and_averages_zero() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..20 {
            let shape = Shape::random(&mut rng);
            let bend = Bend::new(shape, 1000.0, (100.0, 900.0), 12.0);
            let shifts: Vec<f32> = (100..=900).map(|x| bend.shift(x as f32)).collect();
            let lo = shifts.iter().cloned().fold(f32::MAX, f32::min);
            let hi = shifts.iter().cloned().fold(f32::MIN, f32::max);
            let mean = shifts.iter().sum::<f32>() / shifts.len() as f32;
            assert!((hi - lo - 12.0).abs() < 0.2, "{shape:?}: sag {}", hi - lo);
            assert!(mean.abs() < 0.2, "{shape:?}: mean {mean}");
        }
    }

    #[test]
    fn a_curl_leaves_the_flat_part_in_place_relative_to_itself() {
        let bend = Bend::new(
            Shape::Curl {
                start: 0.5,
                from_right: true,
            },
            1000.0,
            (0.0, 1000.0),
            10.0,
        );
        // Flat left half: one shift; the right end moved by the whole sag against it.
        assert!((bend.shift(100.0) - bend.shift(450.0)).abs() < 1e-4);
        assert!((bend.shift(1000.0) - bend.shift(100.0) - 10.0).abs() < 1e-3);
    }

    #[test]
    fn apply_moves_a_dark_row_by_the_shift_of_each_column() {
        let mut page = RgbImage::from_pixel(200, 60, image::Rgb([255, 255, 255]));
        for x in 0..200 {
            page.put_pixel(x, 30, image::Rgb([0, 0, 0]));
        }
        let bend = Bend::new(Shape::Bow { vertex: 0.5 }, 200.0, (0.0, 200.0), 8.0);
        let (bent, pad) = bend.apply(&page);
        // Padded by the largest shift (about 5.3 px at the ends), every row kept.
        assert_eq!(pad, 7);
        assert_eq!(bent.height(), 60 + 2 * pad);
        for x in [0u32, 50, 100, 150, 199] {
            let darkest = (0..bent.height())
                .min_by_key(|&y| bent.get_pixel(x, y).0[0])
                .unwrap();
            let want = 30.0 + pad as f32 + bend.shift(x as f32 + 0.5);
            assert!(
                (darkest as f32 - want).abs() <= 1.0,
                "column {x}: row {darkest}, expected about {want}"
            );
        }
        // The ends and the middle are the sag apart.
        assert!((bend.shift(0.5) - bend.shift(100.5) - 8.0).abs() < 0.3);
    }
}
