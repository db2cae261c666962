//! Stage 1b: turns a dithered image back into grey levels before the zone is searched.
//!
//! Fax machines, scanners in black-and-white mode and some "scan" apps write a page as black and
//! white dots whose density stands for the grey: error diffusion or an ordered screen. Each dot
//! is a sharp edge, so the localiser sees texture everywhere and the recogniser, which samples
//! the line at full resolution, sees its characters broken into specks. A light blur at the dots'
//! own scale (about a pixel) gives the greys back. Images that are not dithered are left alone:
//! in ordinary photos and scans, neighbouring pixels are almost never black and white, while in
//! a dithered one they often are wherever the page is neither white nor black.

use image::GrayImage;

/// Two neighbouring pixels further apart than this make a dot edge.
const DOT_CONTRAST: u8 = 128;

/// The fraction of horizontal neighbours forming a dot edge above which an image is taken for
/// dithered. Measured on generator folders (every 8th row): photos, scans and hard captures
/// score at most 0.006, their Floyd-Steinberg 1-bit versions (JPEG-compressed or not) at least
/// 0.1; a page thresholded without dithering scores 0.005-0.12, and the blur neither helps nor
/// hurts it.
pub const DITHERED_ABOVE: f32 = 0.05;

/// The blur: a Gaussian of standard deviation 1.4 px, about the dots' own scale, cut at 3 px
/// and sampled in 256ths (`exp(-x^2 / 3.92)` normalised: its deviation is then 1.34 px). On
/// 1-bit Floyd-Steinberg versions of generator folders, deviations of 1.2-1.4 px read best: 0.7
/// leaves specks, 1.8 blurs small text. Heavier tails read 1-3 fewer of each 100 dithered photos:
/// the same Gaussian out to 4 px, or three passes of a 3-pixel box (`[1, 3, 6, 7, 6, 3, 1]`).
const KERNEL: [u32; 7] = [7, 27, 57, 74, 57, 27, 7];

/// Rows sampled: every `ROW_STEP`th, plenty for a statistic of the whole image, and the test
/// stays a small part of a read (a loop over byte pairs the compiler vectorises).
const ROW_STEP: usize = 8;

/// The fraction of horizontally neighbouring pixels, in sampled rows, that differ by more than
/// half the grey scale (a dot edge).
pub fn dot_edge_fraction(grey: &GrayImage) -> f32 {
    let w = grey.width() as usize;
    if w < 2 {
        return 0.0;
    }
    let (mut pairs, mut edges) = (0usize, 0usize);
    for row in grey.as_raw().chunks_exact(w).step_by(ROW_STEP) {
        let row_edges: u32 = row
            .iter()
            .zip(&row[1..])
            .map(|(a, b)| u32::from(a.abs_diff(*b) > DOT_CONTRAST))
            .sum();
        edges += row_edges as usize;
        pairs += w - 1;
    }
    edges as f32 / pairs.max(1) as f32
}

/// Whether the image looks dithered (see the module's documentation).
pub fn is_dithered(grey: &GrayImage) -> bool {
    dot_edge_fraction(grey) > DITHERED_ABOVE
}

/// A smoothed copy of a dithered image, `None` for any other (which the pipeline reads as it is).
pub fn descreen(grey: &GrayImage) -> Option<GrayImage> {
    is_dithered(grey).then(|| blur(grey))
}

/// [`KERNEL`] down the columns, then along the rows, one output row at a time (the image's edge
/// pixels repeated past it): no buffer larger than a row besides the output, whatever the
/// image's size.
fn blur(grey: &GrayImage) -> GrayImage {
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    let mut out = GrayImage::new(grey.width(), grey.height());
    if w == 0 || h == 0 {
        return out;
    }
    let px = grey.as_raw();
    let reach = KERNEL.len() / 2;
    let norm: u32 = KERNEL.iter().sum::<u32>().pow(2);
    let mut column_sums = vec![0u32; w];
    let mut padded = vec![0u32; w + 2 * reach];
    for (y, out_row) in out.chunks_exact_mut(w).enumerate() {
        column_sums.fill(0);
        for (k, &weight) in KERNEL.iter().enumerate() {
            let sy = (y + k).saturating_sub(reach).min(h - 1);
            for (sum, &v) in column_sums.iter_mut().zip(&px[sy * w..(sy + 1) * w]) {
                *sum += weight * u32::from(v);
            }
        }
        padded[..reach].fill(column_sums[0]);
        padded[reach..reach + w].copy_from_slice(&column_sums);
        padded[reach + w..].fill(column_sums[w - 1]);
        for (x, o) in out_row.iter_mut().enumerate() {
            let sum: u32 = KERNEL
                .iter()
                .zip(&padded[x..x + KERNEL.len()])
                .map(|(k, v)| k * v)
                .sum();
            *o = ((sum + norm / 2) / norm) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// Floyd-Steinberg error diffusion to black and white, as a fax or a 1-bit scan does it.
    fn dither(grey: &GrayImage) -> GrayImage {
        let (w, h) = (grey.width() as usize, grey.height() as usize);
        let mut err: Vec<f32> = grey.pixels().map(|p| f32::from(p[0])).collect();
        let mut out = GrayImage::new(grey.width(), grey.height());
        for y in 0..h {
            for x in 0..w {
                let old = err[y * w + x];
                let new = if old < 128.0 { 0.0 } else { 255.0 };
                out.put_pixel(x as u32, y as u32, Luma([new as u8]));
                let e = old - new;
                let mut spread = |dx: isize, dy: usize, k: f32| {
                    let (nx, ny) = (x as isize + dx, y + dy);
                    if (0..w as isize).contains(&nx) && ny < h {
                        err[ny * w + nx as usize] += e * k;
                    }
                };
                spread(1, 0, 7.0 / 16.0);
                spread(-1, 1, 3.0 / 16.0);
                spread(0, 1, 5.0 / 16.0);
                spread(1, 1, 1.0 / 16.0);
            }
        }
        out
    }

    /// A page: a left-to-right grey ramp with dark bars on it, each 12 px wide, like strokes.
    fn page() -> GrayImage {
        GrayImage::from_fn(320, 200, |x, y| {
            let ramp = 90 + (x * 150 / 320) as u8;
            let stroke = (y / 20) % 2 == 1 && (x / 12) % 3 == 0;
            Luma([if stroke { 30 } else { ramp }])
        })
    }

    #[test]
    fn a_dithered_page_is_told_from_its_greys_and_from_a_thresholded_one() {
        let page = page();
        let dithered = dither(&page);
        let thresholded = GrayImage::from_fn(320, 200, |x, y| {
            Luma([if page.get_pixel(x, y)[0] < 128 {
                0
            } else {
                255
            }])
        });
        // Only the strokes' own edges, which the sampled rows cross a few times each.
        let edges = dot_edge_fraction(&page);
        assert!(edges < DITHERED_ABOVE / 2.0, "{edges}");
        assert!(
            dot_edge_fraction(&thresholded) < DITHERED_ABOVE,
            "{}",
            dot_edge_fraction(&thresholded)
        );
        assert!(
            dot_edge_fraction(&dithered) > 0.3,
            "{}",
            dot_edge_fraction(&dithered)
        );
        assert!(descreen(&page).is_none());
        assert!(descreen(&thresholded).is_none());
        assert!(descreen(&dithered).is_some());
    }

    #[test]
    fn descreening_gives_the_greys_back() {
        let page = page();
        let smooth = descreen(&dither(&page)).unwrap();
        // Away from the strokes, 9x9 means of the smoothed image follow the ramp; the dots
        // themselves were 0 or 255, far from every ramp level.
        for (x0, y0) in [(20, 4), (100, 44), (180, 84), (270, 124)] {
            let mean = |img: &GrayImage| {
                let mut s = 0u32;
                for y in y0..y0 + 9 {
                    for x in x0..x0 + 9 {
                        s += u32::from(img.get_pixel(x, y)[0]);
                    }
                }
                s as f32 / 81.0
            };
            let (got, want) = (mean(&smooth), mean(&page));
            assert!(
                (got - want).abs() < 12.0,
                "at ({x0}, {y0}): {got} vs {want}"
            );
            // Most single pixels are greys now, not dots.
            let dots = (y0..y0 + 9)
                .flat_map(|y| (x0..x0 + 9).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let v = smooth.get_pixel(x, y)[0];
                    !(20..=235).contains(&v)
                })
                .count();
            assert!(dots < 10, "at ({x0}, {y0}): {dots} dots left");
        }
    }

    #[test]
    fn the_blur_is_its_kernel_applied_in_two_dimensions() {
        let img = GrayImage::from_fn(23, 17, |x, y| {
            Luma([((x * 37 + y * 91 + x * y) % 256) as u8])
        });
        let got = blur(&img);
        let at = |x: i64, y: i64| {
            let (x, y) = (x.clamp(0, 22) as u32, y.clamp(0, 16) as u32);
            u64::from(img.get_pixel(x, y)[0])
        };
        for y in 0..17i64 {
            for x in 0..23i64 {
                let mut sum = 0u64;
                for (j, &ky) in KERNEL.iter().enumerate() {
                    for (i, &kx) in KERNEL.iter().enumerate() {
                        sum += u64::from(kx * ky) * at(x + i as i64 - 3, y + j as i64 - 3);
                    }
                }
                let norm = 256 * 256;
                let want = ((sum + norm / 2) / norm) as u8;
                assert_eq!(got.get_pixel(x as u32, y as u32)[0], want, "at ({x}, {y})");
            }
        }
        // A flat image stays flat; an empty one stays empty.
        let flat = blur(&GrayImage::from_pixel(5, 3, Luma([200])));
        assert!(flat.pixels().all(|p| p[0] == 200));
        assert_eq!(blur(&GrayImage::new(0, 4)).dimensions(), (0, 4));
    }

    #[test]
    fn tiny_images_are_not_dithered() {
        assert_eq!(dot_edge_fraction(&GrayImage::new(1, 50)), 0.0);
        assert_eq!(dot_edge_fraction(&GrayImage::new(0, 0)), 0.0);
        assert_eq!(dot_edge_fraction(&GrayImage::new(50, 0)), 0.0);
        let checker =
            GrayImage::from_fn(3, 2, |x, y| Luma([if (x + y) % 2 == 0 { 0 } else { 255 }]));
        assert_eq!(dot_edge_fraction(&checker), 1.0);
    }
}
