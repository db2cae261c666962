//! `--debug-image OUT.png`: the input with what the engine saw drawn on it.
//!
//! On the image: the located zone (blue), each line's box (green, along its arc where the page
//! bows) and one cell per recognised character along the line, outlined by confidence (green
//! sure, orange doubtful, red low). Below the image, a strip with the recognised lines in OCR-B,
//! each character coloured the same way, so the reading can be compared with the document by
//! eye whatever the zone's rotation.

use std::path::Path;

use ab_glyph::{FontRef, PxScale};
use anyhow::Context;
use image::{DynamicImage, Rgb, RgbImage};
use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_polygon_mut, draw_text_mut};
use imageproc::rect::Rect;
use kyc_ocr::engine::ReadOutput;
use kyc_ocr::locate::{LineCurve, Point, Quad};

/// The OCR-B face the document generator renders MRZs with (the same file it embeds).
static OCRB: &[u8] = include_bytes!("../../kyc-ocr-synth/fonts/OCRB.otf");

/// Probability at or above which a character counts as sure.
pub const SURE: f32 = 0.9;
/// Probability below which a character counts as low confidence (drawn red).
pub const LOW: f32 = 0.5;

const ZONE: Rgb<u8> = Rgb([40, 90, 255]);
const LINE: Rgb<u8> = Rgb([0, 170, 60]);
const SURE_COLOUR: Rgb<u8> = Rgb([0, 150, 50]);
const DOUBT_COLOUR: Rgb<u8> = Rgb([230, 130, 0]);
const LOW_COLOUR: Rgb<u8> = Rgb([220, 0, 0]);

/// The colour of a character read with probability `p`.
fn colour_of(p: f32) -> Rgb<u8> {
    if p >= SURE {
        SURE_COLOUR
    } else if p >= LOW {
        DOUBT_COLOUR
    } else {
        LOW_COLOUR
    }
}

/// Per line, the best character at each position and its probability.
fn characters(out: &ReadOutput) -> Vec<Vec<(char, f32)>> {
    out.readings
        .iter()
        .map(|r| {
            r.positions
                .iter()
                .map(|p| p.first().map_or(('<', 0.0), |c| (c.ch, c.log_prob.exp())))
                .collect()
        })
        .collect()
}

fn lerp(a: Point, b: Point, t: f32) -> Point {
    Point {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
    }
}

fn outline(img: &mut RgbImage, quad: &Quad, colour: Rgb<u8>, thickness: i32) {
    outline_polygon(img, &quad.0, colour, thickness);
}

fn outline_polygon(img: &mut RgbImage, points: &[Point], colour: Rgb<u8>, thickness: i32) {
    let n = points.len().max(1) as f32;
    let centre = points.iter().fold(Point { x: 0.0, y: 0.0 }, |c, p| Point {
        x: c.x + p.x / n,
        y: c.y + p.y / n,
    });
    // A few concentric outlines give a stroke visible on multi-megapixel photos.
    for k in 0..thickness.max(1) {
        let grow = |p: &Point| {
            let (dx, dy) = (p.x - centre.x, p.y - centre.y);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            imageproc::point::Point::new(p.x + dx / len * k as f32, p.y + dy / len * k as f32)
        };
        let mut grown: Vec<_> = points.iter().map(grow).collect();
        // imageproc refuses a polygon that ends where it starts (a degenerate, zero-height box).
        grown.dedup();
        while grown.len() > 1 && grown.first() == grown.last() {
            grown.pop();
        }
        if grown.len() >= 2 {
            draw_hollow_polygon_mut(img, &grown, colour);
        }
    }
}

/// The point at `s` along a line's quad (0 at its start, 1 at its end) and `t` across it (0 on
/// its top, 1 on its bottom), following the line's bow.
fn on_line(quad: &Quad, curve: &LineCurve, s: f32, t: f32) -> Point {
    let [tl, tr, br, bl] = quad.0;
    let t = t + curve.at(2.0 * s - 1.0);
    lerp(lerp(tl, tr, s), lerp(bl, br, s), t)
}

/// A bowed line's outline: its top edge along the arc, then its bottom edge back.
fn arc_band(quad: &Quad, curve: &LineCurve) -> Vec<Point> {
    const STEPS: usize = 24;
    let along = |i: usize| i as f32 / STEPS as f32;
    (0..=STEPS)
        .map(|i| on_line(quad, curve, along(i), 0.0))
        .chain(
            (0..=STEPS)
                .rev()
                .map(|i| on_line(quad, curve, along(i), 1.0)),
        )
        .collect()
}

/// Draws the zone, the lines and the characters on `image` and appends the text strip.
pub fn render(image: &DynamicImage, out: &ReadOutput) -> RgbImage {
    let base = image.to_rgb8();
    let (w, h) = base.dimensions();
    let chars = characters(out);
    let font = FontRef::try_from_slice(OCRB).ok();
    // The strip's glyphs are sized to the image so that they stay legible in a thumbnail view.
    let glyph = (w as f32 / 48.0).clamp(12.0, 64.0);
    let strip = if chars.is_empty() {
        (glyph * 1.6) as u32
    } else {
        (glyph * 1.4 * chars.len() as f32 + glyph * 0.6) as u32
    };
    let mut img = RgbImage::from_pixel(w, h + strip, Rgb([255, 255, 255]));
    image::imageops::replace(&mut img, &base, 0, 0);

    let stroke = (w.max(h) / 600).max(1) as i32;
    if let Some(loc) = &out.location {
        outline(&mut img, &loc.quad, ZONE, stroke + 1);
        for (line, quad) in loc.lines.iter().enumerate() {
            let curve = loc.curve(line);
            if curve.is_straight() {
                outline(&mut img, quad, LINE, stroke);
            } else {
                outline_polygon(&mut img, &arc_band(quad, &curve), LINE, stroke);
            }
            let Some(row) = chars.get(line) else { continue };
            let n = row.len().max(1) as f32;
            for (i, &(_, p)) in row.iter().enumerate() {
                let (s0, s1) = (i as f32 / n, (i + 1) as f32 / n);
                let cell = Quad([
                    on_line(quad, &curve, s0, 0.0),
                    on_line(quad, &curve, s1, 0.0),
                    on_line(quad, &curve, s1, 1.0),
                    on_line(quad, &curve, s0, 1.0),
                ]);
                // Sure characters get no cell, so the doubtful ones stand out.
                if p < SURE {
                    outline(&mut img, &cell, colour_of(p), stroke);
                }
            }
        }
    }

    // The strip: recognised lines in OCR-B, coloured per character.
    draw_filled_rect_mut(
        &mut img,
        Rect::at(0, h as i32).of_size(w, strip.max(1)),
        Rgb([250, 250, 245]),
    );
    let Some(font) = font else { return img };
    let scale = PxScale::from(glyph);
    let advance = glyph * 0.62;
    if chars.is_empty() {
        let text = if out.location.is_none() {
            "NO MRZ FOUND"
        } else {
            "NO TEXT READ"
        };
        draw_text_mut(
            &mut img,
            LOW_COLOUR,
            (glyph * 0.3) as i32,
            h as i32 + (glyph * 0.3) as i32,
            scale,
            &font,
            text,
        );
        return img;
    }
    for (line, row) in chars.iter().enumerate() {
        let y = h as f32 + glyph * 0.3 + glyph * 1.4 * line as f32;
        for (i, &(ch, p)) in row.iter().enumerate() {
            let x = glyph * 0.3 + advance * i as f32;
            if x + advance > w as f32 {
                break;
            }
            if p < LOW {
                // A tinted background marks low confidence even for readers who cannot tell red.
                draw_filled_rect_mut(
                    &mut img,
                    Rect::at(x as i32, y as i32).of_size(advance.ceil() as u32, glyph as u32),
                    Rgb([255, 215, 215]),
                );
            }
            let mut buf = [0u8; 4];
            draw_text_mut(
                &mut img,
                colour_of(p),
                x as i32,
                y as i32,
                scale,
                &font,
                ch.encode_utf8(&mut buf),
            );
        }
    }
    img
}

/// Renders the debug image and writes it as PNG to `path`.
pub fn write(path: &Path, image: &DynamicImage, out: &ReadOutput) -> anyhow::Result<()> {
    render(image, out)
        .save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("cannot write the debug image {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_ocr::engine::Timings;
    use kyc_ocr::locate::MrzLocation;
    use kyc_ocr::mrz::{CharCandidate, LineReading};

    #[test]
    fn colours_by_confidence() {
        for (p, want) in [
            (1.0, SURE_COLOUR),
            (0.9, SURE_COLOUR),
            (0.7, DOUBT_COLOUR),
            (0.5, DOUBT_COLOUR),
            (0.2, LOW_COLOUR),
            (0.0, LOW_COLOUR),
        ] {
            assert_eq!(colour_of(p), want, "{p}");
        }
    }

    fn quad(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        Quad([
            Point { x: x0, y: y0 },
            Point { x: x1, y: y0 },
            Point { x: x1, y: y1 },
            Point { x: x0, y: y1 },
        ])
    }

    fn output(with_zone: bool) -> ReadOutput {
        let mut reading = LineReading::from_text("P<UTO");
        // Position 2 is doubtful: red.
        reading.positions[2] = vec![CharCandidate {
            ch: 'U',
            log_prob: 0.2f32.ln(),
        }];
        ReadOutput {
            mrz: None,
            location: with_zone.then(|| MrzLocation {
                quad: quad(10.0, 50.0, 190.0, 90.0),
                lines: vec![quad(12.0, 55.0, 188.0, 70.0)],
                angle_deg: 0.0,
                pitch: 10.0,
                line_len: 44,
                curves: Vec::new(),
            }),
            parse_error: None,
            text: vec!["P<UTO".into()],
            readings: if with_zone { vec![reading] } else { vec![] },
            confidence: 0.8,
            at_image_edge: None,
            page: 0,
            timings: Timings::default(),
        }
    }

    #[test]
    fn draws_zone_lines_and_low_confidence_cells() {
        let input = DynamicImage::ImageRgb8(RgbImage::from_pixel(200, 100, Rgb([255, 255, 255])));
        let img = render(&input, &output(true));
        assert_eq!(img.width(), 200);
        assert!(img.height() > 100, "a text strip is appended");
        // The zone's outline passes through its top-left corner.
        assert_eq!(*img.get_pixel(10, 50), ZONE);
        // Position 2 of 5 spans x in [12 + 176 * 2/5, 12 + 176 * 3/5] of the line: its cell's top
        // edge is red.
        let x = (12.0 + 176.0 * 0.5) as u32;
        assert_eq!(*img.get_pixel(x, 55), LOW_COLOUR);
        // The strip holds red ink for that character and green ink for the sure ones.
        let strip: Vec<Rgb<u8>> = (100..img.height())
            .flat_map(|y| (0..200).map(move |x| (x, y)))
            .map(|(x, y)| *img.get_pixel(x, y))
            .collect();
        assert!(strip.iter().any(|p| p[0] > 150 && p[1] < 80 && p[2] < 80));
        assert!(strip.iter().any(|p| p[1] > 100 && p[0] < 80));
    }

    #[test]
    fn a_bowed_line_is_drawn_along_its_arc() {
        let input = DynamicImage::ImageRgb8(RgbImage::from_pixel(200, 100, Rgb([255, 255, 255])));
        let mut out = output(true);
        // Sagging 10 px (two thirds of the line's 15) in its middle, its ends in place.
        let sag = 10.0 / 15.0;
        if let Some(loc) = out.location.as_mut() {
            loc.curves = vec![LineCurve([sag, 0.0, -sag, 0.0])];
        }
        let img = render(&input, &out);
        let column = |x: u32| {
            (0..100)
                .filter(|&y| *img.get_pixel(x, y) == LINE)
                .collect::<Vec<_>>()
        };
        // The box's top edge at column x lies 15 * sag * (1 - u^2) px below the quad's, u running
        // from -1 to 1 along the line (x 12 to 188); the straight box's top is at 55.
        for x in [30u32, 60, 170] {
            let u = 2.0 * (x as f32 - 12.0) / 176.0 - 1.0;
            let top = 55.0 + 15.0 * sag * (1.0 - u * u);
            let drawn = column(x);
            assert!(
                drawn.iter().any(|&y| (y as f32 - top).abs() <= 1.0),
                "{x}: {drawn:?} vs {top}"
            );
            assert!(!drawn.iter().any(|&y| y < 57), "{x}: {drawn:?}");
        }
    }

    #[test]
    fn no_zone_gives_the_image_and_a_note() {
        let input = DynamicImage::ImageRgb8(RgbImage::from_pixel(120, 80, Rgb([9, 9, 9])));
        let img = render(&input, &output(false));
        assert_eq!(*img.get_pixel(60, 40), Rgb([9, 9, 9]));
        assert!(img.height() > 80);
    }
}
