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

/// The blur's standard deviation in pixels, about the dots' own scale. On 1-bit Floyd-Steinberg
/// versions of generator folders, 1.2-1.4 read best: 0.7 leaves specks, 1.8 blurs small text.
const SIGMA: f32 = 1.4;

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
    is_dithered(grey).then(|| imageproc::filter::gaussian_blur_f32(grey, SIGMA))
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
    fn tiny_images_are_not_dithered() {
        assert_eq!(dot_edge_fraction(&GrayImage::new(1, 50)), 0.0);
        assert_eq!(dot_edge_fraction(&GrayImage::new(0, 0)), 0.0);
        assert_eq!(dot_edge_fraction(&GrayImage::new(50, 0)), 0.0);
        let checker =
            GrayImage::from_fn(3, 2, |x, y| Luma([if (x + y) % 2 == 0 { 0 } else { 255 }]));
        assert_eq!(dot_edge_fraction(&checker), 1.0);
    }
}
