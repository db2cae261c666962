//! A floating-point RGB working buffer and the photometric degradations shared by document
//! captures and single-line renders. Working in floats avoids the banding and clipping that chains
//! of 8-bit operations would add.

use crate::geometry::Homography;
use image::{Rgb, RgbImage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Row-major RGB pixels with values in 0..=255 (not clamped until conversion).
#[derive(Clone)]
pub(crate) struct Buf {
    pub w: usize,
    pub h: usize,
    pub px: Vec<[f32; 3]>,
}

impl Buf {
    pub fn new(w: usize, h: usize, fill: [f32; 3]) -> Buf {
        Buf {
            w,
            h,
            px: vec![fill; w * h],
        }
    }

    pub fn from_rgb(img: &RgbImage) -> Buf {
        let px = img.pixels().map(|p| p.0.map(f32::from)).collect();
        Buf {
            w: img.width() as usize,
            h: img.height() as usize,
            px,
        }
    }

    pub fn to_rgb(&self) -> RgbImage {
        let mut img = RgbImage::new(self.w as u32, self.h as u32);
        for (dst, src) in img.pixels_mut().zip(&self.px) {
            *dst = Rgb(src.map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
        img
    }

    /// Supersampled inverse warp of one output pixel: the sum of `ss` x `ss` bilinear samples at
    /// the source points `inv` maps pixel `(x, y)`'s subpixels to, keeping only those `keep`
    /// accepts, and how many were kept (so a caller can blend partial coverage).
    pub fn supersample(
        &self,
        inv: &Homography,
        x: usize,
        y: usize,
        ss: usize,
        keep: impl Fn(f32, f32) -> bool,
    ) -> ([f32; 3], usize) {
        let mut acc = [0.0; 3];
        let mut kept = 0;
        for j in 0..ss {
            for i in 0..ss {
                let p = [
                    x as f32 + (i as f32 + 0.5) / ss as f32,
                    y as f32 + (j as f32 + 0.5) / ss as f32,
                ];
                let [u, v] = inv.apply(p);
                if keep(u, v) {
                    let s = self.sample(u, v);
                    for c in 0..3 {
                        acc[c] += s[c];
                    }
                    kept += 1;
                }
            }
        }
        (acc, kept)
    }

    /// Bilinear sample at a continuous position (pixel centres at integer + 0.5), clamped to the edge.
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let fx = (x - 0.5).clamp(0.0, (self.w - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (fx as usize, fy as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (tx, ty) = (fx - x0 as f32, fy - y0 as f32);
        let a = self.px[y0 * self.w + x0];
        let b = self.px[y0 * self.w + x1];
        let c = self.px[y1 * self.w + x0];
        let d = self.px[y1 * self.w + x1];
        let mut out = [0.0; 3];
        for k in 0..3 {
            let top = a[k] + (b[k] - a[k]) * tx;
            let bot = c[k] + (d[k] - c[k]) * tx;
            out[k] = top + (bot - top) * ty;
        }
        out
    }

    /// Separable Gaussian blur.
    pub fn gaussian_blur(&mut self, sigma: f32) {
        if sigma < 0.2 {
            return;
        }
        let r = (sigma * 3.0).ceil() as isize;
        let kernel: Vec<f32> = (-r..=r)
            .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
            .collect();
        let norm: f32 = kernel.iter().sum();
        let kernel: Vec<f32> = kernel.iter().map(|k| k / norm).collect();
        let (w, h) = (self.w as isize, self.h as isize);
        let mut tmp = vec![[0.0f32; 3]; self.px.len()];
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 3];
                for (i, k) in kernel.iter().enumerate() {
                    let sx = (x + i as isize - r).clamp(0, w - 1);
                    let p = self.px[(y * w + sx) as usize];
                    for c in 0..3 {
                        acc[c] += p[c] * k;
                    }
                }
                tmp[(y * w + x) as usize] = acc;
            }
        }
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 3];
                for (i, k) in kernel.iter().enumerate() {
                    let sy = (y + i as isize - r).clamp(0, h - 1);
                    let p = tmp[(sy * w + x) as usize];
                    for c in 0..3 {
                        acc[c] += p[c] * k;
                    }
                }
                self.px[(y * w + x) as usize] = acc;
            }
        }
    }

    /// Linear motion blur of `length` pixels at `angle` radians: the average along the path.
    pub fn motion_blur(&mut self, length: f32, angle: f32) {
        if length < 1.0 {
            return;
        }
        let steps = length.ceil() as usize + 1;
        let (dx, dy) = (angle.cos(), angle.sin());
        let offsets: Vec<(isize, isize)> = (0..steps)
            .map(|i| {
                let t = i as f32 / (steps - 1) as f32 * length - length / 2.0;
                ((t * dx).round() as isize, (t * dy).round() as isize)
            })
            .collect();
        let (w, h) = (self.w as isize, self.h as isize);
        let src = self.px.clone();
        let inv = 1.0 / steps as f32;
        for y in 0..h {
            for x in 0..w {
                let mut acc = [0.0; 3];
                for &(ox, oy) in &offsets {
                    let sx = (x + ox).clamp(0, w - 1);
                    let sy = (y + oy).clamp(0, h - 1);
                    let p = src[(sy * w + sx) as usize];
                    for c in 0..3 {
                        acc[c] += p[c];
                    }
                }
                self.px[(y * w + x) as usize] = acc.map(|v| v * inv);
            }
        }
    }

    /// Sensor noise: independent Gaussian noise per channel plus a shared luminance part.
    pub fn add_noise(&mut self, sigma: f32, rng: &mut ChaCha8Rng) {
        if sigma <= 0.0 {
            return;
        }
        for p in &mut self.px {
            let l = gauss(rng) * sigma * 0.7;
            for v in p.iter_mut() {
                *v += l + gauss(rng) * sigma * 0.5;
            }
        }
    }

    /// Pulls every value toward the mean grey: `contrast` 1 leaves the image unchanged, 0.4 is a
    /// washed-out capture.
    pub fn set_contrast(&mut self, contrast: f32, brightness: f32) {
        let mean = 128.0;
        for p in &mut self.px {
            for v in p.iter_mut() {
                *v = (mean + (*v - mean) * contrast) * brightness;
            }
        }
    }
}

/// A standard normal sample (Box-Muller), so no distribution crate is needed.
pub(crate) fn gauss(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.gen_range(1e-7..1.0);
    let u2: f32 = rng.gen_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Uniform sample from a `(min, max)` range; a degenerate or reversed range gives `min`.
pub(crate) fn uniform(rng: &mut ChaCha8Rng, range: (f32, f32)) -> f32 {
    if range.1 > range.0 {
        rng.gen_range(range.0..range.1)
    } else {
        range.0
    }
}

/// Smooth random field in about `[-1, 1]`: a coarse grid of random values, bilinearly interpolated.
pub(crate) fn value_noise(w: usize, h: usize, cell: f32, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let cell = cell.max(1.0);
    let gw = (w as f32 / cell).ceil() as usize + 2;
    let gh = (h as f32 / cell).ceil() as usize + 2;
    let grid: Vec<f32> = (0..gw * gh).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut out = vec![0.0; w * h];
    for y in 0..h {
        let gy = y as f32 / cell;
        let (y0, ty) = (gy as usize, gy.fract());
        let ty = ty * ty * (3.0 - 2.0 * ty);
        for x in 0..w {
            let gx = x as f32 / cell;
            let (x0, tx) = (gx as usize, gx.fract());
            let tx = tx * tx * (3.0 - 2.0 * tx);
            let a = grid[y0 * gw + x0];
            let b = grid[y0 * gw + x0 + 1];
            let c = grid[(y0 + 1) * gw + x0];
            let d = grid[(y0 + 1) * gw + x0 + 1];
            out[y * w + x] = (a + (b - a) * tx) * (1.0 - ty) + (c + (d - c) * tx) * ty;
        }
    }
    out
}

/// Encodes as JPEG at `quality` and returns the bytes and the decoded image (with its artefacts).
pub(crate) fn jpeg_round_trip(
    img: &RgbImage,
    quality: u8,
) -> Result<(Vec<u8>, RgbImage), image::ImageError> {
    let mut bytes = Vec::new();
    let mut enc =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100));
    enc.encode_image(img)?;
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)?.to_rgb8();
    Ok((bytes, decoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn blurs_preserve_the_mean_of_a_flat_image() {
        let mut b = Buf::new(20, 10, [100.0, 50.0, 200.0]);
        b.gaussian_blur(1.5);
        b.motion_blur(5.0, 0.7);
        for p in &b.px {
            for (v, e) in p.iter().zip([100.0, 50.0, 200.0]) {
                assert!((v - e).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn gaussian_blur_spreads_an_impulse() {
        let mut b = Buf::new(9, 9, [0.0; 3]);
        b.px[4 * 9 + 4] = [255.0; 3];
        b.gaussian_blur(1.0);
        assert!(b.px[4 * 9 + 4][0] < 100.0);
        assert!(b.px[4 * 9 + 5][0] > 10.0);
    }

    #[test]
    fn noise_and_value_noise_are_deterministic() {
        let run = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut b = Buf::new(8, 8, [128.0; 3]);
            b.add_noise(5.0, &mut rng);
            (b.px, value_noise(8, 8, 3.0, &mut rng))
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn jpeg_round_trip_keeps_the_size() {
        let img = RgbImage::from_pixel(33, 17, Rgb([200, 100, 50]));
        let (bytes, back) = jpeg_round_trip(&img, 40).unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8]));
        assert_eq!(back.dimensions(), (33, 17));
    }
}
