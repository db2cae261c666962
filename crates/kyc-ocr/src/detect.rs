//! Stage 2, learned: finds MRZ lines with our own segmentation model, run through `ocrs`, for
//! photos the classical localiser cannot read (clutter, glare, a hand over a corner, strong
//! perspective).
//!
//! The model (`models/train_detector.py`) follows the contract of an `ocrs` 0.13 detection model:
//! input `[1, 1, 384, 512]`, grey in [-0.5, 0.5], the image padded with black; output the
//! probability per pixel of belonging to a text line. It is trained to light up MRZ lines only,
//! so `ocrs`'s connected components are whole MRZ lines; this module picks the two or three of
//! them that form a zone (long, parallel, evenly spaced, of equal length) and hands the engine an
//! [`MrzLocation`] like the classical localiser's.

use std::path::Path;

use image::{imageops, GrayImage};
use ocrs::{ImageSource, OcrEngine, OcrEngineParams};

use crate::locate::{self, MrzLocation, Point, Quad};

/// The model's fixed input size (width, height).
const INPUT: (u32, u32) = (512, 384);
/// A text line's height as a fraction of the distance between line centres, in MRZ layouts
/// (0.53 on average in the generator's documents, which follow ICAO's printing zone).
const HEIGHT_PER_SPACING: f32 = 0.53;
/// Length over line spacing above which a two-line zone is read as 44 characters (TD3, MRV-A:
/// about 27) rather than 36 (TD2, MRV-B: about 21).
const LONG_LAYOUT_RATIO: f32 = 24.0;
/// Zones handed back at most, best first: more cost reads and rarely hold the MRZ.
const MAX_ZONES: usize = 2;

/// Why the detector could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot load the MRZ detection model: {0}")]
pub struct DetectorError(String);

/// The learned MRZ line detector.
pub struct LineDetector {
    ocr: OcrEngine,
}

impl std::fmt::Debug for LineDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineDetector").finish_non_exhaustive()
    }
}

impl LineDetector {
    /// The detector from model bytes (ONNX or `.rten`) embedded in the binary.
    pub fn from_static(bytes: &'static [u8]) -> Result<LineDetector, DetectorError> {
        let model =
            rten::Model::load_static_slice(bytes).map_err(|e| DetectorError(e.to_string()))?;
        Self::with_model(model)
    }

    /// The detector from a model file (ONNX or `.rten`).
    pub fn from_file(path: &Path) -> Result<LineDetector, DetectorError> {
        let model = rten::Model::load_file(path)
            .map_err(|e| DetectorError(format!("{}: {e}", path.display())))?;
        Self::with_model(model)
    }

    fn with_model(model: rten::Model) -> Result<LineDetector, DetectorError> {
        let ocr = OcrEngine::new(OcrEngineParams {
            detection_model: Some(model),
            ..Default::default()
        })
        .map_err(|e| DetectorError(e.to_string()))?;
        Ok(LineDetector { ocr })
    }

    /// MRZ zones in `grey`, best first (at most two); empty when the model sees none.
    pub fn detect(&self, grey: &GrayImage) -> Vec<MrzLocation> {
        let (w, h) = grey.dimensions();
        if w < 8 || h < 8 {
            return Vec::new();
        }
        // The model is trained on landscape pictures: turn a portrait one a quarter turn
        // counter-clockwise, (x, y) -> (y, w - x), and turn the answer back.
        let turned = h > w;
        let landscape;
        let source = if turned {
            landscape = imageops::rotate270(grey);
            &landscape
        } else {
            grey
        };
        let (tw, th) = source.dimensions();
        // Never enlarged: ocrs pads a small image with black, as in training.
        let scale = (INPUT.0 as f32 / tw as f32)
            .min(INPUT.1 as f32 / th as f32)
            .min(1.0);
        let small;
        let input = if scale < 1.0 {
            let sw = ((tw as f32 * scale).round() as u32).clamp(1, INPUT.0);
            let sh = ((th as f32 * scale).round() as u32).clamp(1, INPUT.1);
            small = locate::downscale(source, sw, sh);
            &small
        } else {
            source
        };
        let Ok(image) = ImageSource::from_bytes(input.as_raw(), input.dimensions()) else {
            return Vec::new();
        };
        let Ok(prepared) = self.ocr.prepare_input(image) else {
            return Vec::new();
        };
        let Ok(rects) = self.ocr.detect_words(&prepared) else {
            return Vec::new();
        };
        let lines: Vec<Segment> = rects
            .iter()
            .filter_map(|r| {
                let c = r.corners();
                Segment::from_corners(c.map(|p| Point::new(p.x, p.y)))
            })
            .collect();
        let back = |p: Point| {
            let p = p.scale(1.0 / scale);
            if turned {
                Point::new(w as f32 - p.y, p.x)
            } else {
                p
            }
        };
        zones(&lines)
            .into_iter()
            .take(MAX_ZONES)
            .map(|zone| zone.location(back))
            .collect()
    }
}

/// One detected line as a centre segment: its long axis, length and thickness.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    centre: Point,
    /// Unit vector along the line, pointing right (x >= 0).
    along: Point,
    length: f32,
    thickness: f32,
}

impl Segment {
    /// The segment of a rotated rectangle; `None` unless it is long and thin, as an MRZ line.
    fn from_corners(c: [Point; 4]) -> Option<Segment> {
        let (a, b) = (c[1].sub(c[0]), c[2].sub(c[1]));
        let (long, short) = if a.norm() >= b.norm() { (a, b) } else { (b, a) };
        let (length, thickness) = (long.norm(), short.norm());
        // An MRZ line is 30 to 44 characters long, each wider than a third of its height.
        if length < 24.0 || length < 6.0 * thickness {
            return None;
        }
        let mut along = long.scale(1.0 / length);
        if along.x < 0.0 || (along.x == 0.0 && along.y < 0.0) {
            along = along.scale(-1.0);
        }
        Some(Segment {
            centre: Quad(c).centre(),
            along,
            length,
            thickness,
        })
    }

    /// Offset of the centre across the lines, along `normal`.
    fn across(&self, normal: Point) -> f32 {
        self.centre.dot(normal)
    }
}

/// Two or three segments that form an MRZ, top line first (for text running along `along`).
#[derive(Clone, Debug, PartialEq)]
struct Zone {
    lines: Vec<Segment>,
    along: Point,
    spacing: f32,
    /// Mean length of the lines.
    length: f32,
    /// How well the lines agree (1 is perfect); orders zones.
    score: f32,
}

impl Zone {
    /// The zone as the engine locates it, each point mapped by `back` to the full image.
    fn location(&self, back: impl Fn(Point) -> Point) -> MrzLocation {
        let u = self.along;
        let n = u.perp();
        let half_h = HEIGHT_PER_SPACING * self.spacing / 2.0;
        let line_len = match self.lines.len() {
            3 => 30,
            _ if self.length / self.spacing >= LONG_LAYOUT_RATIO => 44,
            _ => 36,
        };
        let quads: Vec<Quad> = self
            .lines
            .iter()
            .map(|s| {
                let half = u.scale(s.length / 2.0);
                let up = n.scale(half_h);
                Quad([
                    back(s.centre.sub(half).sub(up)),
                    back(s.centre.add(half).sub(up)),
                    back(s.centre.add(half).add(up)),
                    back(s.centre.sub(half).add(up)),
                ])
            })
            .collect();
        let (first, last) = (quads[0].0, quads[quads.len() - 1].0);
        let quad = Quad([first[0], first[1], last[2], last[3]]);
        let dir = first[1].sub(first[0]);
        let full_length =
            quads.iter().map(|q| q.0[1].sub(q.0[0]).norm()).sum::<f32>() / quads.len() as f32;
        MrzLocation {
            quad,
            lines: quads,
            angle_deg: dir.y.atan2(dir.x).to_degrees().rem_euclid(360.0),
            pitch: full_length / (line_len as f32 - 0.3),
            line_len,
            curves: Vec::new(),
        }
    }
}

/// Groups of two or three parallel, evenly spaced lines of about equal length, best first.
fn zones(lines: &[Segment]) -> Vec<Zone> {
    let mut found = Vec::new();
    for (i, a) in lines.iter().enumerate() {
        let normal = a.along.perp();
        // Lines that could share a zone with `a`, in order across the text.
        let mut mates: Vec<&Segment> = lines
            .iter()
            .enumerate()
            .filter(|&(j, b)| j == i || compatible(a, b))
            .map(|(_, b)| b)
            .collect();
        mates.sort_by(|p, q| p.across(normal).total_cmp(&q.across(normal)));
        let Some(pos) = mates.iter().position(|s| std::ptr::eq(*s, a)) else {
            continue;
        };
        // Zones whose first line is `a`: a with the next one or two.
        for n in [3, 2] {
            if pos + n > mates.len() {
                continue;
            }
            let group: Vec<Segment> = mates[pos..pos + n].iter().map(|s| **s).collect();
            if let Some(zone) = zone_of(group, normal) {
                found.push(zone);
            }
        }
    }
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    // One zone per place: drop a zone sharing a line with a better one.
    let mut kept: Vec<Zone> = Vec::new();
    for z in found {
        let overlaps = kept
            .iter()
            .any(|k| k.lines.iter().any(|l| z.lines.contains(l)));
        if !overlaps {
            kept.push(z);
        }
    }
    kept
}

/// Whether `b` could be another line of `a`'s zone: parallel, about as long, beside it (up to two
/// line spacings away, which are at least a tenth of the length each).
fn compatible(a: &Segment, b: &Segment) -> bool {
    let cos = a.along.dot(b.along).abs();
    let ratio = a.length.min(b.length) / a.length.max(b.length);
    let d = b.centre.sub(a.centre);
    let along_off = d.dot(a.along).abs();
    let across = d.dot(a.along.perp()).abs();
    cos > 0.995 && ratio > 0.7 && along_off < 0.15 * a.length && across < 0.21 * a.length
}

/// `group` (sorted across the text) as a zone, if its spacing is even and fits MRZ proportions.
fn zone_of(group: Vec<Segment>, normal: Point) -> Option<Zone> {
    let offsets: Vec<f32> = group.iter().map(|s| s.across(normal)).collect();
    let gaps: Vec<f32> = offsets.windows(2).map(|w| w[1] - w[0]).collect();
    let spacing = gaps.iter().sum::<f32>() / gaps.len() as f32;
    let length = group.iter().map(|s| s.length).sum::<f32>() / group.len() as f32;
    // Line length over spacing: about 15 (TD1) to 35 (TD3 at a slant) in MRZ layouts.
    let ratio = length / spacing.max(1e-3);
    if !(10.0..=45.0).contains(&ratio) {
        return None;
    }
    let evenness = gaps
        .iter()
        .map(|g| (g / spacing - 1.0).abs())
        .fold(0.0f32, f32::max);
    if evenness > 0.25 {
        return None;
    }
    let lengths = group.iter().map(|s| s.length).fold(f32::INFINITY, f32::min)
        / group.iter().map(|s| s.length).fold(0.0, f32::max);
    let mut along = group
        .iter()
        .fold(Point::new(0.0, 0.0), |acc, s| acc.add(s.along));
    along = along.scale(1.0 / along.norm().max(1e-6));
    // Three evenly spaced lines are stronger evidence than two.
    let score = lengths * (1.0 - evenness) + if group.len() == 3 { 0.2 } else { 0.0 };
    Some(Zone {
        lines: group,
        along,
        spacing,
        length,
        score,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(cx: f32, cy: f32, length: f32, angle_deg: f32) -> Segment {
        let a = angle_deg.to_radians();
        let along = Point::new(a.cos(), a.sin());
        let half = along.scale(length / 2.0);
        let n = along.perp().scale(2.0);
        let c = Point::new(cx, cy);
        Segment::from_corners([
            c.sub(half).sub(n),
            c.add(half).sub(n),
            c.add(half).add(n),
            c.sub(half).add(n),
        ])
        .expect("a long thin rectangle is a segment")
    }

    /// The corners of an axis-aligned `w` x `h` rectangle at the origin.
    fn rect(w: f32, h: f32) -> [Point; 4] {
        [
            Point::new(0.0, 0.0),
            Point::new(w, 0.0),
            Point::new(w, h),
            Point::new(0.0, h),
        ]
    }

    #[test]
    fn short_or_thick_rectangles_are_not_lines() {
        assert_eq!(Segment::from_corners(rect(40.0, 40.0)), None);
        assert_eq!(Segment::from_corners(rect(10.0, 1.0)), None);
    }

    #[test]
    fn two_parallel_lines_make_a_zone_and_a_stray_line_stays_out() {
        // A TD3-like zone at 10 degrees (length 270, spacing 10) and a long line elsewhere.
        let lines = [
            seg(200.0, 100.0, 270.0, 10.0),
            seg(200.0 - 10.0 * 10f32.to_radians().sin(), 110.0, 270.0, 10.0),
            seg(250.0, 300.0, 150.0, 40.0),
        ];
        let found = zones(&lines);
        assert_eq!(found.len(), 1);
        let zone = &found[0];
        assert_eq!(zone.lines.len(), 2);
        assert!((zone.spacing - 10.0 * 10f32.to_radians().cos()).abs() < 0.5);
        let loc = zone.location(|p| p.scale(2.0));
        assert_eq!(loc.line_len, 44);
        assert!((loc.angle_deg - 10.0).abs() < 0.5, "{}", loc.angle_deg);
        // The top line (smaller offset across) comes first, mapped to full resolution.
        let top_centre = loc.lines[0].centre();
        assert!((top_centre.y - 200.0).abs() < 1.0, "{top_centre:?}");
    }

    #[test]
    fn three_even_lines_are_one_td1_zone() {
        let lines = [
            seg(100.0, 50.0, 150.0, 0.0),
            seg(100.0, 60.0, 150.0, 0.0),
            seg(100.0, 70.0, 148.0, 0.0),
        ];
        let found = zones(&lines);
        assert_eq!(found[0].lines.len(), 3);
        assert_eq!(found[0].location(|p| p).line_len, 30);
    }

    #[test]
    fn uneven_spacing_is_not_a_zone() {
        let lines = [
            seg(100.0, 50.0, 150.0, 0.0),
            seg(100.0, 60.0, 150.0, 0.0),
            seg(100.0, 80.0, 150.0, 0.0),
        ];
        // Only pairs remain; no three-line zone.
        assert!(zones(&lines).iter().all(|z| z.lines.len() == 2));
    }
}
