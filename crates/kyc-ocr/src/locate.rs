//! Stage 2: find the MRZ in a photo or scan, at any rotation and under moderate perspective.
//!
//! Classical and rotation invariant, on a downscaled grey copy: a local-contrast threshold gives dark
//! blobs; character-sized blobs are chained into text lines by following evenly pitched, collinear
//! neighbours (the chain's direction is re-estimated as it grows, which absorbs perspective); lines
//! of MRZ length (30, 36 or 44 pitches) are grouped into 2 or 3 parallel lines of equal extent.
//! Nothing here assumes the text is horizontal, so 90 and 180 degree photos cost nothing extra.
//!
//! Hard photos: pitch, height and gaps are judged locally (perspective shrinks the far end of a
//! line), pieces of a line broken by glare or a finger are merged back, a line may pair with a
//! shorter partner within its columns, and a zone shorter than its layout is walked on from each
//! end while faint ink remains. When a search finds nothing it is repeated with fainter ink
//! thresholds, then on a finer (or enlarged) copy, then at full resolution, or 3200 px where the
//! image is larger (a document far off in a 12-megapixel phone frame). The first, strict pass
//! costs about 2-4 ms on a 1280x960 photo; an image without any MRZ pays for every pass (a few
//! hundred ms, up to about 2 s on a grainy 12-megapixel photo).
//!
//! A zone found with its text only a few pixels high in a copy is located again in a crop around
//! it at a finer scale, so that its line boxes are as tight as in a closer photo.

use std::ops::RangeInclusive;

use image::{imageops, GrayImage, Luma};
use serde::Serialize;

use crate::compare::ImageEdge;
use crate::mrz::MrzFormat;

/// A point in image pixel coordinates (x right, y down).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f32,
    /// Vertical coordinate, growing downwards.
    pub y: f32,
}

impl Point {
    /// A point at `(x, y)`.
    pub fn new(x: f32, y: f32) -> Self {
        Point { x, y }
    }
    pub(crate) fn add(self, o: Point) -> Point {
        Point::new(self.x + o.x, self.y + o.y)
    }
    pub(crate) fn sub(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }
    pub(crate) fn scale(self, k: f32) -> Point {
        Point::new(self.x * k, self.y * k)
    }
    pub(crate) fn dot(self, o: Point) -> f32 {
        self.x * o.x + self.y * o.y
    }
    pub(crate) fn norm(self) -> f32 {
        self.dot(self).sqrt()
    }
    /// The direction a quarter turn clockwise on screen (y down): across a text line running
    /// along `self`, pointing from its top to its bottom.
    pub(crate) fn perp(self) -> Point {
        Point::new(-self.y, self.x)
    }
}

/// A quadrilateral in reading order: top-left, top-right, bottom-right, bottom-left as seen by a
/// reader of the text, whatever the rotation in the image.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Quad(pub [Point; 4]);

impl Quad {
    /// The mean of the four corners.
    pub(crate) fn centre(&self) -> Point {
        self.0
            .iter()
            .fold(Point::new(0.0, 0.0), |s, &p| s.add(p))
            .scale(0.25)
    }

    /// The quad's area (shoelace formula), 0 for a degenerate one.
    pub fn area(&self) -> f32 {
        polygon_area(&self.0)
    }

    /// The mean length of its left and right sides: a text line's height.
    pub fn height(&self) -> f32 {
        let [tl, tr, br, bl] = self.0;
        (bl.sub(tl).norm() + br.sub(tr).norm()) / 2.0
    }

    /// The mean length of its top and bottom sides: a text line's length.
    pub fn length(&self) -> f32 {
        let [tl, tr, br, bl] = self.0;
        (tr.sub(tl).norm() + br.sub(bl).norm()) / 2.0
    }

    /// The same region read upside down: corners rotated by two.
    pub fn rotated_180(&self) -> Quad {
        let [a, b, c, d] = self.0;
        Quad([c, d, a, b])
    }

    /// The same region read as a mirror image: left and right corners swapped.
    pub fn mirrored(&self) -> Quad {
        let [tl, tr, br, bl] = self.0;
        Quad([tr, tl, bl, br])
    }

    /// Intersection over union with `other`, in [0, 1] (both quads must be convex).
    pub fn iou(&self, other: &Quad) -> f32 {
        let inter = polygon_area(&clip_convex(&self.0, &other.0));
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

/// How a text line bows away from its quad's straight middle: a page that is not flat (a
/// booklet held open, a page curling towards the binding, a card lifting at one end) prints
/// straight lines as arcs. The text's centre lies `at(x)` line heights below the middle of the
/// quad, a cubic in `x`, -1 at the line's start and 1 at its end (negative values lie above).
/// All zeros for a straight line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LineCurve(pub [f32; 4]);

impl LineCurve {
    /// A straight line.
    pub const STRAIGHT: LineCurve = LineCurve([0.0; 4]);

    /// The text centre's offset below the quad's middle at `x` in [-1, 1], in line heights.
    pub fn at(&self, x: f32) -> f32 {
        let [a, b, c, d] = self.0;
        a + x * (b + x * (c + x * d))
    }

    /// Whether the line is straight.
    pub fn is_straight(&self) -> bool {
        self.0 == [0.0; 4]
    }

    /// The largest offset over the line, in line heights.
    pub fn max_offset(&self) -> f32 {
        (0..=16)
            .map(|i| self.at(i as f32 / 8.0 - 1.0).abs())
            .fold(0.0, f32::max)
    }

    /// `quad` with its ends moved to where the line's ends lie (its straight side the chord
    /// between them, so that it bounds the end characters), and the curve against it.
    fn through_ends(self, quad: Quad) -> (Quad, LineCurve) {
        if self.is_straight() {
            return (quad, self);
        }
        let (s0, s1) = (self.at(-1.0), self.at(1.0));
        let [tl, tr, br, bl] = quad.0;
        let (left, right) = (bl.sub(tl).scale(s0), br.sub(tr).scale(s1));
        let moved = Quad([tl.add(left), tr.add(right), br.add(right), bl.add(left)]);
        let [a, b, c, d] = self.0;
        (
            moved,
            LineCurve([a - (s0 + s1) / 2.0, b - (s1 - s0) / 2.0, c, d]),
        )
    }

    /// The same curve with the line read from its other end (`x` to `-x`).
    fn reversed(self) -> LineCurve {
        let [a, b, c, d] = self.0;
        LineCurve([a, -b, c, -d])
    }

    /// The same curve with the line's top and bottom swapped.
    fn upside_down(self) -> LineCurve {
        LineCurve(self.0.map(|c| -c))
    }

    /// The curve against a quad whose `x` is `(x_old - shift) / stretch`, in heights `height` times
    /// the old ones: `new.at(x) = old.at(stretch * x + shift) / height`.
    fn reparametrised(self, stretch: f32, shift: f32, height: f32) -> LineCurve {
        // Horner's rule on polynomials in x: p = ((d * y + c) * y + b) * y + a, y = stretch x + shift.
        let [a, b, c, d] = self.0;
        let mut p = [d, 0.0, 0.0, 0.0];
        for k in [c, b, a] {
            // p = p * y + k
            let mut q = [0.0; 4];
            for i in 0..4 {
                q[i] += p[i] * shift;
                if i + 1 < 4 {
                    q[i + 1] += p[i] * stretch;
                }
            }
            q[0] += k;
            p = q;
        }
        LineCurve(p.map(|v| v / height.max(1e-3)))
    }
}

/// Where the MRZ is: the zone, one quad per line (top line first), and the reading direction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MrzLocation {
    /// The whole zone, corners in reading order.
    pub quad: Quad,
    /// One quad per text line, top line first, each tight around the characters.
    pub lines: Vec<Quad>,
    /// Direction of the text baseline in degrees, clockwise from the image's x axis, in [0, 360):
    /// 0 for upright text, 180 for upside down.
    pub angle_deg: f32,
    /// Estimated character pitch along the line, in full-resolution pixels.
    pub pitch: f32,
    /// Characters per line of the layout the zone's size fits: 30, 36 or 44.
    pub line_len: usize,
    /// How each line bows, in the order of `lines`; empty where every line is straight.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub curves: Vec<LineCurve>,
}

impl MrzLocation {
    /// The same zone in an image `k` times larger whose origin lies at `origin` of the image
    /// `self` was found in (a copy, or a crop scaled by `1 / k`).
    fn mapped(&self, k: f32, origin: Point) -> MrzLocation {
        let map = |q: &Quad| Quad(q.0.map(|p| p.scale(k).add(origin)));
        MrzLocation {
            quad: map(&self.quad),
            lines: self.lines.iter().map(map).collect(),
            angle_deg: self.angle_deg,
            pitch: self.pitch * k,
            line_len: self.line_len,
            curves: self.curves.clone(),
        }
    }

    /// Characters the located lines span, on average: their length in pitches. An extent covers
    /// (n - 1) pitches plus one glyph width, about n - 0.3 pitches.
    pub fn visible_chars(&self) -> f32 {
        if self.lines.is_empty() || self.pitch <= 0.0 {
            return 0.0;
        }
        let length: f32 =
            self.lines.iter().map(Quad::length).sum::<f32>() / self.lines.len() as f32;
        length / self.pitch + 0.3
    }

    /// The edge of a `width` x `height` image that a corner of a line lies within one character
    /// pitch of, or beyond (a line read past its visible end): the zone may continue past it.
    /// Where corners reach several edges, the one they reach farthest past; `None` where every
    /// corner keeps a character's distance.
    pub fn edge_reached(&self, width: u32, height: u32) -> Option<ImageEdge> {
        let margin = self.pitch.max(1.0);
        let (right, bottom) = (width as f32 - 1.0 - margin, height as f32 - 1.0 - margin);
        self.lines
            .iter()
            .flat_map(|q| q.0)
            .flat_map(|p| {
                [
                    (margin - p.x, ImageEdge::Left),
                    (p.x - right, ImageEdge::Right),
                    (margin - p.y, ImageEdge::Top),
                    (p.y - bottom, ImageEdge::Bottom),
                ]
            })
            .filter(|&(past, _)| past > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, edge)| edge)
    }

    /// The text lines' mean height in full-resolution pixels (each line's two sides averaged).
    pub fn text_height(&self) -> f32 {
        if self.lines.is_empty() {
            return 0.0;
        }
        self.lines.iter().map(Quad::height).sum::<f32>() / self.lines.len() as f32
    }

    /// How line `i` bows ([`LineCurve::STRAIGHT`] where no curve was measured).
    pub fn curve(&self, i: usize) -> LineCurve {
        self.curves.get(i).copied().unwrap_or_default()
    }

    /// The same zone with every line lengthened by `before` characters at its start and `after`
    /// at its end, along each line's own direction (perspective kept): where glare or a shadow
    /// hid one end of the lines from the localiser, the reader can look there.
    pub fn extended(&self, before: f32, after: f32) -> MrzLocation {
        let grow = |q: &Quad| {
            let [tl, tr, br, bl] = q.0;
            let unit = |a: Point, b: Point| {
                let d = b.sub(a);
                d.scale(1.0 / d.norm().max(1e-3))
            };
            let (top, bottom) = (unit(tl, tr), unit(bl, br));
            let (b, a) = (before * self.pitch, after * self.pitch);
            Quad([
                tl.sub(top.scale(b)),
                tr.add(top.scale(a)),
                br.add(bottom.scale(a)),
                bl.sub(bottom.scale(b)),
            ])
        };
        let lines: Vec<Quad> = self.lines.iter().map(grow).collect();
        let quad = grow(&self.quad);
        // The old line spans x' in [-1, 1] of the longer one: the curve keeps its shape in the
        // image and goes on beyond the old ends.
        let curves = self
            .curves
            .iter()
            .zip(&self.lines)
            .map(|(c, q)| {
                let length = q.length().max(1.0);
                let grown = length + (before + after) * self.pitch;
                c.reparametrised(grown / length, (after - before) * self.pitch / length, 1.0)
            })
            .collect();
        MrzLocation {
            quad,
            lines,
            angle_deg: self.angle_deg,
            pitch: self.pitch,
            line_len: self.line_len,
            curves,
        }
    }

    /// The same zone read as `len` characters per line: the lines stay where they are and the
    /// pitch follows, an extent covering about `len - 0.3` pitches.
    pub fn with_line_len(&self, len: usize) -> MrzLocation {
        let mut at = self.clone();
        if at.line_len != len {
            at.pitch *= (at.line_len as f32 - 0.3) / (len as f32 - 0.3);
            at.line_len = len;
        }
        at
    }

    /// The same zone with every line's top and bottom edges moved outwards by `grow` of the line's
    /// own height (inwards where negative), perspective kept: another cut of the same text, for
    /// a second look at a zone the recogniser was unsure of.
    pub fn taller(&self, grow: f32) -> MrzLocation {
        let frame = |q: &Quad| {
            let [tl, tr, br, bl] = q.0;
            let (left, right) = (bl.sub(tl).scale(grow), br.sub(tr).scale(grow));
            Quad([tl.sub(left), tr.sub(right), br.add(right), bl.add(left)])
        };
        let height = 1.0 + 2.0 * grow;
        MrzLocation {
            quad: self.quad,
            lines: self.lines.iter().map(frame).collect(),
            angle_deg: self.angle_deg,
            pitch: self.pitch,
            line_len: self.line_len,
            curves: (self.curves.iter())
                .map(|c| c.reparametrised(1.0, 0.0, height))
                .collect(),
        }
    }

    /// The same zone read as a mirror image, as a selfie camera or a webcam may save it: every
    /// quad's left and right corners swap, so each line is cut from its right end to its left
    /// and its crop comes out the right way round; the line order and the top stay. Of a
    /// mirrored document's zone, either this or [`MrzLocation::flipped`]'s mirror reads right.
    pub fn mirrored(&self) -> MrzLocation {
        MrzLocation {
            quad: self.quad.mirrored(),
            lines: self.lines.iter().map(Quad::mirrored).collect(),
            angle_deg: (self.angle_deg + 180.0) % 360.0,
            pitch: self.pitch,
            line_len: self.line_len,
            curves: self.curves.iter().map(|c| c.reversed()).collect(),
        }
    }

    /// Whether the zone reads as a mirror image: its corners, in reading order, turn
    /// anticlockwise on the image (y down), where a zone read the right way round turns
    /// clockwise.
    pub fn is_mirrored(&self) -> bool {
        let [tl, tr, _, bl] = self.quad.0;
        let (along, down) = (tr.sub(tl), bl.sub(tl));
        along.x * down.y - along.y * down.x < 0.0
    }

    /// Paints the zone over with its paper's grey, with a margin of a line's height across and
    /// two characters along, so that a search of `grey` no longer finds it (the next MRZ of an
    /// image that shows several documents). Its paper is the 90th percentile of the pixels under
    /// the painted region: characters cover well under that share of a zone.
    pub fn paint_over(&self, grey: &mut GrayImage) {
        let [tl, tr, br, bl] = self.quad.0;
        let unit = |d: Point| d.scale(1.0 / d.norm().max(1e-3));
        let (along, down) = (
            unit(tr.sub(tl).add(br.sub(bl))),
            unit(bl.sub(tl).add(br.sub(tr))),
        );
        // A bowed line leaves its quad by its largest offset.
        let bow = self
            .curves
            .iter()
            .map(LineCurve::max_offset)
            .fold(0.0, f32::max);
        let (da, dd) = (2.0 * self.pitch, self.text_height().max(1.0) * (1.0 + bow));
        let corners = [
            tl.sub(along.scale(da)).sub(down.scale(dd)),
            tr.add(along.scale(da)).sub(down.scale(dd)),
            br.add(along.scale(da)).add(down.scale(dd)),
            bl.sub(along.scale(da)).add(down.scale(dd)),
        ];
        // A mirrored zone turns the other way: the inside test takes either turn.
        let inside = |p: Point| {
            let sides = (0..4).map(|i| {
                let (a, b) = (corners[i], corners[(i + 1) % 4]);
                let (e, q) = (b.sub(a), p.sub(a));
                e.x * q.y - e.y * q.x
            });
            let (mut pos, mut neg) = (false, false);
            for s in sides {
                pos |= s > 0.0;
                neg |= s < 0.0;
            }
            !(pos && neg)
        };
        let (w, h) = grey.dimensions();
        let clamp = |v: f32, hi: u32| (v.max(0.0) as u32).min(hi.saturating_sub(1));
        let (x0, x1) = corners.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
            (lo.min(p.x), hi.max(p.x))
        });
        let (y0, y1) = corners.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
            (lo.min(p.y), hi.max(p.y))
        });
        if w == 0 || h == 0 || !(x0 < w as f32 && y0 < h as f32 && x1 >= 0.0 && y1 >= 0.0) {
            return;
        }
        let (x0, x1, y0, y1) = (clamp(x0, w), clamp(x1, w), clamp(y0, h), clamp(y1, h));
        let covered = |x: u32, y: u32| inside(Point::new(x as f32 + 0.5, y as f32 + 0.5));
        let mut histogram = [0u64; 256];
        for y in y0..=y1 {
            for x in (x0..=x1).filter(|&x| covered(x, y)) {
                histogram[grey.get_pixel(x, y)[0] as usize] += 1;
            }
        }
        let total: u64 = histogram.iter().sum();
        let paper = level_reaching(&histogram, (total * 9).div_ceil(10)).unwrap_or(255);
        for y in y0..=y1 {
            for x in (x0..=x1).filter(|&x| covered(x, y)) {
                grey.put_pixel(x, y, Luma([paper]));
            }
        }
    }

    /// The same zone read the other way round (180 degrees): lines reversed, corners rotated.
    pub fn flipped(&self) -> MrzLocation {
        MrzLocation {
            quad: self.quad.rotated_180(),
            lines: self.lines.iter().rev().map(Quad::rotated_180).collect(),
            angle_deg: (self.angle_deg + 180.0) % 360.0,
            pitch: self.pitch,
            line_len: self.line_len,
            curves: (self.curves.iter().rev())
                .map(|c| c.reversed().upside_down())
                .collect(),
        }
    }
}

/// Tuning of the localiser.
#[derive(Clone, Debug, PartialEq)]
pub struct LocateParams {
    /// Long side of the downscaled copy searched first.
    pub work_size: u32,
    /// Long side of the second, finer search when the first finds nothing (small MRZs in big images).
    pub fine_work_size: u32,
    /// Long side of the last search, at full resolution or this size where the image is larger,
    /// when the finer one finds nothing either: a document a fifth of a 12-megapixel phone frame
    /// wide has characters 12-15 px high, 5-6 px in the finer copy, too few for the blobs to
    /// stay whole. At 3200 px such a frame is searched in 0.63 of the pixels of its full size,
    /// with the same zones found on 240 far-off phone frames (`examples/locate_eval`, `FULL=`).
    pub full_work_size: u32,
}

impl Default for LocateParams {
    fn default() -> Self {
        LocateParams {
            work_size: 800,
            fine_work_size: 1600,
            full_work_size: 3200,
        }
    }
}

/// The most blobs one search chains (capping there changes no zone found on the 1,000 regular
/// generator documents of the evaluation).
const MAX_BLOBS: usize = 40_000;

/// Glyph sizes the last, full-resolution search considers: characters from about 6 px high (the
/// filler `<` is smaller) up to what the 1600-px copy shows 25-30 px high.
const FULL_RES_GLYPHS: RangeInclusive<f32> = 4.0..=64.0;

/// Text lower than this many pixels in the copy it was found in is located again, in a crop
/// around the zone at a finer scale: at a few pixels per character its line boxes are a pixel or
/// two of the copy off, a large part of a character in the full-resolution image.
const REFINE_BELOW_PX: f32 = 8.0;
/// The most pixels the refining search looks at.
const REFINE_MAX_PIXELS: f32 = 2.0e6;
/// The text height the refining crop is scaled to, where the image has that much resolution (up
/// to twice its own; small characters stay whole when enlarged).
const REFINE_TEXT_PX: f32 = 16.0;

/// The lowest grey level at or below which at least `count` of the pixels counted in `histogram`
/// lie (a percentile of their grey); `None` where fewer were counted.
pub(crate) fn level_reaching(histogram: &[u64; 256], count: u64) -> Option<u8> {
    let mut below = 0;
    let level = histogram.iter().position(|&n| {
        below += n;
        below >= count
    })?;
    u8::try_from(level).ok()
}

/// The line lengths of the MRZ layouts with `lines` lines, shortest first: `[30]` for three,
/// `[36, 44]` for two.
pub fn layout_lengths(lines: usize) -> Vec<usize> {
    let mut lengths: Vec<usize> = MrzFormat::ALL
        .iter()
        .filter(|f| f.line_count() == lines)
        .map(|f| f.line_len())
        .collect();
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

/// Finds the MRZ in a grey image; `None` when there is no zone of 2 or 3 MRZ-length lines.
pub fn locate(grey: &GrayImage, params: &LocateParams) -> Option<MrzLocation> {
    let long = grey.width().max(grey.height());
    let first = params.work_size.min(long);
    let mut sizes = vec![first];
    // The finer search enlarges a small image too: characters a few pixels high in a small photo
    // break apart at their own size, and stay whole when interpolated to twice it.
    if params.fine_work_size > first * 5 / 4 {
        sizes.push(params.fine_work_size.min(long.max(first * 2)));
    }
    // (long side, glyph sizes) of each search.
    let mut searches: Vec<(u32, RangeInclusive<f32>)> =
        sizes.iter().map(|&s| (s, glyph_sizes(s))).collect();
    let last = *sizes.last().unwrap_or(&first);
    let full = params.full_work_size.min(long);
    if full > last * 5 / 4 {
        // In the last search only small glyphs are left to find (larger ones were whole in a
        // copy), and noise, texture and clutter make far more blobs, the big ones each a wide
        // neighbourhood to search: both ends are bounded.
        searches.push((full, FULL_RES_GLYPHS));
    }
    for (size, glyphs) in searches {
        let work = resized_to(grey, size);
        let work = work.as_ref().unwrap_or(grey);
        let kx = grey.width() as f32 / work.width() as f32;
        for (pass, ink) in Ink::PASSES.iter().enumerate() {
            if let Some(found) = locate_glyphs(work, ink, glyphs.clone()) {
                let at = found.mapped(kx, Point::new(0.0, 0.0));
                let seen_px = found.text_height();
                if seen_px < REFINE_BELOW_PX && kx > 1.0 {
                    let inks = &Ink::PASSES[pass..(pass + 2).min(Ink::PASSES.len())];
                    return Some(refined(grey, &at, seen_px, inks).unwrap_or(at));
                }
                return Some(at);
            }
        }
    }
    None
}

/// `grey` with its long side scaled to `size` (area-averaged down, interpolated up); `None` when
/// it is that size already.
fn resized_to(grey: &GrayImage, size: u32) -> Option<GrayImage> {
    let long = grey.width().max(grey.height());
    if size == long {
        return None;
    }
    let k = size as f32 / long as f32;
    let w = ((grey.width() as f32 * k).round() as u32).max(1);
    let h = ((grey.height() as f32 * k).round() as u32).max(1);
    Some(if size < long {
        downscale(grey, w, h)
    } else {
        imageops::resize(grey, w, h, imageops::FilterType::Triangle)
    })
}

/// The zone `coarse` (found in a downscaled copy, full-resolution coordinates) located again in a
/// crop of `grey` around it, scaled so that its text is about [`REFINE_TEXT_PX`] high: line boxes
/// to a fraction of a full-resolution character. `None` where the crop gives no zone with the
/// same number of lines over the coarse one. `seen_px`: the text's height where it was found;
/// `inks`: the pass that found it and the next, fainter one.
fn refined(
    grey: &GrayImage,
    coarse: &MrzLocation,
    seen_px: f32,
    inks: &[Ink],
) -> Option<MrzLocation> {
    let height = coarse.text_height();
    let mut scale = (REFINE_TEXT_PX / height.max(1.0)).min(2.0);
    // The zone's box, widened by four characters and two line heights each way: room for the
    // localiser to see the ends and the gaps around the lines.
    let corners = coarse.quad.0;
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in corners {
        (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
    }
    let pad = coarse.pitch * 4.0 + height * 2.0;
    let cx0 = (x0 - pad).max(0.0) as u32;
    let cy0 = (y0 - pad).max(0.0) as u32;
    let cx1 = ((x1 + pad).ceil() as u32).min(grey.width());
    let cy1 = ((y1 + pad).ceil() as u32).min(grey.height());
    if cx1 <= cx0 + 1 || cy1 <= cy0 + 1 {
        return None;
    }
    let crop = imageops::crop_imm(grey, cx0, cy0, cx1 - cx0, cy1 - cy0).to_image();
    // A zone turned 45 degrees has a big box: at most about two megapixels are searched.
    let pixels = crop.width() as f32 * crop.height() as f32;
    scale = scale.min((REFINE_MAX_PIXELS / pixels).sqrt());
    // Not worth a second search unless it sees the text at least half as large again.
    if height * scale < 1.5 * seen_px {
        return None;
    }
    let long = crop.width().max(crop.height());
    let size = ((long as f32 * scale).round() as u32).max(1);
    let work = resized_to(&crop, size);
    let work = work.as_ref().unwrap_or(&crop);
    let k = crop.width() as f32 / work.width() as f32;
    let origin = Point::new(cx0 as f32, cy0 as f32);
    inks.iter().find_map(|ink| {
        let at = locate_at_scale(work, ink)?.mapped(k, origin);
        // The same zone: as many lines, over the coarse one.
        (at.lines.len() == coarse.lines.len() && at.quad.iou(&coarse.quad) > 0.3).then_some(at)
    })
}

/// How dark a pixel must be against its neighbourhood to count as ink.
#[derive(Clone, Copy, Debug)]
struct Ink {
    /// Darker than this percentage of the local mean.
    rel: u32,
    /// And darker than the local mean by this many grey levels.
    abs: u32,
    /// Average 3x3 first: on noisy photos (high ISO, heavy JPEG) the noise otherwise makes specks
    /// that touch and break the characters.
    smooth: bool,
}

impl Ink {
    /// Tried in order until one finds a zone. The first is strict, which keeps texture and noise
    /// out of the blobs and is enough for most photos; the fainter ones recover characters that
    /// glare, low light or low contrast leave only a few grey levels darker than the paper (they
    /// cost a second and third pass only where the first finds nothing). Tuned on the generator's
    /// `hard` preset, seeds 7 and 99, checked on seeds 11 and 13: located 79-81% -> 92-93%.
    const PASSES: [Ink; 4] = [
        // Darker than the neighbourhood by 10% and 8 grey levels.
        Ink {
            rel: 90,
            abs: 8,
            smooth: false,
        },
        Ink {
            rel: 94,
            abs: 5,
            smooth: false,
        },
        Ink {
            rel: 96,
            abs: 4,
            smooth: true,
        },
        Ink {
            rel: 97,
            abs: 3,
            smooth: true,
        },
    ];
}

/// Area-averaging downscale (each output pixel is the mean of the input pixels it covers, with
/// fractional weights at its edges), separable and in fixed point: a few times faster than
/// `imageops::thumbnail`, which was most of the localiser's time on a phone photo.
pub(crate) fn downscale(grey: &GrayImage, w: u32, h: u32) -> GrayImage {
    let (sw, sh) = grey.dimensions();
    let src = grey.as_raw();
    let (sw, sh, w, h) = (sw as usize, sh as usize, w as usize, h as usize);
    let hx = AreaWeights::new(sw, w);
    let hy = AreaWeights::new(sh, h);
    // Vertical pass first, on whole rows (straight slices the compiler vectorises), into 16-bit
    // fixed point: weights sum to 256, so a sum is at most 255 * 256 and fits. The horizontal
    // pass, which has to gather, then runs on the fewer output rows.
    let mut mid = vec![0u16; sw];
    let mut out = vec![0u8; w * h];
    for (y, (&start, ws)) in hy
        .starts
        .iter()
        .zip(hy.weights.chunks_exact(hy.taps))
        .enumerate()
    {
        mid.iter_mut().for_each(|m| *m = 0);
        for (k, &wt) in ws.iter().enumerate() {
            if wt == 0 {
                continue;
            }
            let wt = wt as u16;
            let row = &src[(start + k) * sw..(start + k + 1) * sw];
            for (m, &p) in mid.iter_mut().zip(row) {
                *m += u16::from(p) * wt;
            }
        }
        // Horizontal pass: the same weights along the row, then back to 8 bits. The tap counts of
        // the usual scales get their own loop with the taps unrolled.
        let out_row = &mut out[y * w..(y + 1) * w];
        match hx.taps {
            2 => horizontal_taps::<2>(&mid, &hx, out_row),
            3 => horizontal_taps::<3>(&mid, &hx, out_row),
            4 => horizontal_taps::<4>(&mid, &hx, out_row),
            5 => horizontal_taps::<5>(&mid, &hx, out_row),
            6 => horizontal_taps::<6>(&mid, &hx, out_row),
            _ => horizontal_taps::<0>(&mid, &hx, out_row),
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out)
        .unwrap_or_else(|| GrayImage::new(w as u32, h as u32))
}

/// One output row of [`downscale`]'s horizontal pass with `N` taps per output pixel (`N = 0`: any
/// number, from `weights`).
fn horizontal_taps<const N: usize>(mid: &[u16], weights: &AreaWeights, out: &mut [u8]) {
    let taps = if N == 0 { weights.taps } else { N };
    debug_assert_eq!(taps, weights.taps);
    for (o, (&start, ws)) in out.iter_mut().zip(
        weights
            .starts
            .iter()
            .zip(weights.weights.chunks_exact(taps)),
    ) {
        let px = &mid[start..start + taps];
        let acc: u32 = px.iter().zip(ws).map(|(&p, &wt)| u32::from(p) * wt).sum();
        *o = ((acc + 32768) >> 16).min(255) as u8;
    }
}

/// Area-averaging weights from `src` cells to fewer `dst` cells, in a flat table with the same
/// number of taps for every output cell (zero-padded), so the inner loops have no per-cell
/// allocation or length.
struct AreaWeights {
    /// First input cell of each output cell; `start + taps <= src` always.
    starts: Vec<usize>,
    taps: usize,
    /// `taps` weights per output cell, summing to 256.
    weights: Vec<u32>,
}

impl AreaWeights {
    fn new(src: usize, dst: usize) -> AreaWeights {
        let scale = src as f64 / dst.max(1) as f64;
        // Output cell i covers [a, b) of the input, touching input cells first..last.
        let span = |i: usize| {
            let (a, b) = (i as f64 * scale, ((i + 1) as f64 * scale).min(src as f64));
            let first = (a.floor() as usize).min(src - 1);
            let last = ((b.ceil() as usize).max(first + 1)).min(src);
            (a, b, first, last)
        };
        let taps = (0..dst)
            .map(|i| {
                let (_, _, first, last) = span(i);
                last - first
            })
            .max()
            .unwrap_or(1)
            .min(src);
        let mut starts = Vec::with_capacity(dst);
        let mut weights = vec![0; dst * taps];
        for (i, cell) in weights.chunks_exact_mut(taps).enumerate() {
            let (a, b, first, last) = span(i);
            // Near the far edge, start earlier and lead with zero weights.
            let start = first.min(src - taps);
            let lead = first - start;
            starts.push(start);
            let ws = &mut cell[lead..lead + (last - first)];
            for (j, w) in (first..last).zip(ws.iter_mut()) {
                let cover = (b.min(j as f64 + 1.0) - a.max(j as f64)).max(0.0);
                *w = round_non_negative(cover / (b - a).max(1e-9) * 256.0);
            }
            // Rounding may leave the sum a unit off; put the difference on the largest.
            let sum: u32 = ws.iter().sum();
            if let Some(m) = ws.iter_mut().max() {
                *m = (*m + 256).saturating_sub(sum);
            }
        }
        AreaWeights {
            starts,
            taps,
            weights,
        }
    }
}

/// `x.round()` for `0 <= x < 2^32`, without the libm call the baseline x86-64 target makes for
/// `f64::round`: `x - floor(x)` is exact in floating point, so the comparison decides exactly.
fn round_non_negative(x: f64) -> u32 {
    let floor = x as u32;
    floor + u32::from(x - f64::from(floor) >= 0.5)
}

/// A dark connected component with the moments needed to measure it in any direction.
#[derive(Clone, Debug)]
struct Blob {
    c: Point,
    // Second central moments.
    sxx: f32,
    syy: f32,
    sxy: f32,
    size: f32,
    label: u32,
    bbox: [u32; 4],
}

impl Blob {
    /// Extent along unit direction `u`, taking the component as a uniform bar.
    fn extent(&self, u: Point) -> f32 {
        let var = u.x * u.x * self.sxx + 2.0 * u.x * u.y * self.sxy + u.y * u.y * self.syy;
        (12.0 * var.max(0.0)).sqrt() + 1.0
    }
}

fn binarise(grey: &GrayImage, ink: &Ink) -> GrayImage {
    let smoothed;
    let grey = if ink.smooth {
        smoothed = box3(grey);
        &smoothed
    } else {
        grey
    };
    let (w, h) = grey.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let src = grey.as_raw();
    let stride = wu + 1;
    // Integral image for an O(1) local mean per pixel: each row's prefix sum plus the row above.
    // Wrapping arithmetic: a window's sum, below 2^32 itself, comes out exact from sums that
    // wrapped, so no image size can overflow it.
    let mut integral = vec![0u32; stride * (hu + 1)];
    for y in 0..hu {
        let (above, below) = integral.split_at_mut((y + 1) * stride);
        let above = &above[y * stride + 1..];
        let mut run = 0u32;
        for ((o, &a), &p) in below[1..stride].iter_mut().zip(above).zip(&src[y * wu..]) {
            run = run.wrapping_add(u32::from(p));
            *o = a.wrapping_add(run);
        }
    }
    // The radius spans a few strokes of the largest expected characters, so a character's own
    // ink does not pull the mean down enough to lose it.
    let r = (w.max(h) / 60).clamp(8, 24) as usize;
    let (rel, abs) = (ink.rel, ink.abs);
    // Darker than the neighbourhood by a fraction of its mean and a few grey levels (`n` pixels
    // in the window, at most 49 x 49, so no product here overflows).
    let is_ink = |p: u8, sum: u32, n: u32| {
        let p = u32::from(p);
        p * n * 100 < sum * rel && sum - p * n > abs * n
    };
    // A window's sum from the integral image at its four corners.
    let window = |bottom_right: u32, bottom_left: u32, top_right: u32, top_left: u32| {
        bottom_right
            .wrapping_sub(bottom_left)
            .wrapping_sub(top_right)
            .wrapping_add(top_left)
    };
    // Columns whose window the left or right edge cuts, and the rest.
    let inner_start = r.min(wu);
    let inner_end = wu.saturating_sub(r).max(inner_start);
    let mut out = vec![0u8; wu * hu];
    for y in 0..hu {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(hu);
        let top = &integral[y0 * stride..(y0 + 1) * stride];
        let bottom = &integral[y1 * stride..(y1 + 1) * stride];
        let row = &src[y * wu..(y + 1) * wu];
        let out_row = &mut out[y * wu..(y + 1) * wu];
        let rows = (y1 - y0) as u32;
        for x in (0..inner_start).chain(inner_end..wu) {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(wu));
            let sum = window(bottom[x1], bottom[x0], top[x1], top[x0]);
            out_row[x] = if is_ink(row[x], sum, rows * (x1 - x0) as u32) {
                255
            } else {
                0
            };
        }
        if inner_end > inner_start {
            // Full windows, as straight slices the compiler can vectorise.
            let n = rows * (2 * r + 1) as u32;
            let (lo, hi) = (inner_start - r, inner_start + r + 1);
            let span = inner_end - inner_start;
            let cols = bottom[hi..hi + span]
                .iter()
                .zip(&bottom[lo..lo + span])
                .zip(top[hi..hi + span].iter().zip(&top[lo..lo + span]));
            for ((o, &p), ((&bh, &bl), (&th, &tl))) in out_row[inner_start..inner_end]
                .iter_mut()
                .zip(&row[inner_start..inner_end])
                .zip(cols)
            {
                *o = if is_ink(p, window(bh, bl, th, tl), n) {
                    255
                } else {
                    0
                };
            }
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}

/// 3x3 mean (edges use the pixels that exist).
fn box3(grey: &GrayImage) -> GrayImage {
    let (w, h) = grey.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let src = grey.as_raw();
    let mut out = vec![0u8; wu * hu];
    // Separable: each row's column sums over the (up to) three rows around it, then the sum of
    // (up to) three of those. The same sums and counts as the window clipped at the image's
    // edges, in a few additions per pixel instead of nine bounds-checked reads (a sixth of a
    // no-MRZ photo's search went to the nine).
    let mut columns = vec![0u16; wu];
    for y in 0..hu {
        let (y0, y1) = (y.saturating_sub(1), (y + 1).min(hu.saturating_sub(1)));
        columns.fill(0);
        for row in src[y0 * wu..(y1 + 1) * wu].chunks_exact(wu) {
            for (c, &p) in columns.iter_mut().zip(row) {
                *c += u16::from(p);
            }
        }
        let rows = (y1 - y0 + 1) as u32;
        let line = &mut out[y * wu..(y + 1) * wu];
        for (x, o) in line.iter_mut().enumerate() {
            let (x0, x1) = (x.saturating_sub(1), (x + 1).min(wu - 1));
            let sum: u32 = columns[x0..=x1].iter().map(|&c| u32::from(c)).sum();
            let n = rows * (x1 - x0 + 1) as u32;
            *o = ((sum + n / 2) / n) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_else(|| GrayImage::new(w, h))
}

type Labels = image::ImageBuffer<Luma<u32>, Vec<u32>>;

/// 8-connected components of the ink, with their moments. Works on runs of ink along each row:
/// runs that touch a run of the row above (diagonals included) are joined in a union-find, and a
/// run adds its moments in closed form, so no pixel is visited twice. Labels number the components
/// in the raster order of their first pixel, as a flood fill from each unlabelled pixel would.
fn blobs(binary: &GrayImage, sizes: RangeInclusive<f32>) -> (Vec<Blob>, Labels) {
    #[derive(Clone, Default)]
    struct Acc {
        n: u64,
        // Exact integer sums: converted once, they give the same moments as pixel-by-pixel sums.
        sx: u64,
        sy: u64,
        sxx: u64,
        syy: u64,
        sxy: u64,
        x0: u32,
        x1: u32,
        y0: u32,
        y1: u32,
    }
    /// Columns `x0..x1` of row `y`.
    struct Run {
        y: u32,
        x0: u32,
        x1: u32,
    }
    fn root(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            let up = parent[parent[i as usize] as usize];
            parent[i as usize] = up;
            i = up;
        }
        i
    }
    let (w, h) = binary.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let ink = binary.as_raw();
    let mut runs: Vec<Run> = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    let mut above = 0..0;
    for y in 0..hu {
        let row = &ink[y * wu..(y + 1) * wu];
        let first = runs.len();
        let mut x = 0;
        while x < wu {
            // Background is most of a row: skip it eight pixels at a time.
            if let Some(eight) = row.get(x..x + 8).and_then(|s| <[u8; 8]>::try_from(s).ok()) {
                if u64::from_ne_bytes(eight) == 0 {
                    x += 8;
                    continue;
                }
            }
            if row[x] == 0 {
                x += 1;
                continue;
            }
            let x0 = x;
            while x < wu && row[x] != 0 {
                x += 1;
            }
            runs.push(Run {
                y: y as u32,
                x0: x0 as u32,
                x1: x as u32,
            });
            parent.push((runs.len() - 1) as u32);
        }
        // Join each new run with the runs above it that it touches; the lower index is the root,
        // so a component's root is its first run in raster order.
        let mut k = above.start;
        for i in first..runs.len() {
            while k < above.end && runs[k].x1 < runs[i].x0 {
                k += 1;
            }
            let mut j = k;
            while j < above.end && runs[j].x0 <= runs[i].x1 {
                let (a, b) = (root(&mut parent, i as u32), root(&mut parent, j as u32));
                let (lo, hi) = (a.min(b), a.max(b));
                parent[hi as usize] = lo;
                j += 1;
            }
        }
        above = first..runs.len();
    }
    // Labels 1.. in the order of each component's first run; moments per component.
    let mut label_of_root = vec![0u32; runs.len()];
    let mut accs: Vec<Acc> = vec![Acc::default()];
    let mut lab = vec![0u32; wu * hu];
    for i in 0..runs.len() {
        let r = root(&mut parent, i as u32) as usize;
        if label_of_root[r] == 0 {
            label_of_root[r] = accs.len() as u32;
            let run = &runs[r];
            accs.push(Acc {
                x0: run.x0,
                x1: run.x1 - 1,
                y0: run.y,
                y1: run.y,
                ..Acc::default()
            });
        }
        let l = label_of_root[r];
        let run = &runs[i];
        let a = &mut accs[l as usize];
        let (x0, x1, y) = (u64::from(run.x0), u64::from(run.x1), u64::from(run.y));
        let n = x1 - x0;
        // Sums of x and x^2 over x0..x1, from the sums up to each end.
        let sum_sq = |m: u64| m * (m + 1) * (2 * m + 1) / 6;
        let sx = (x0 + x1 - 1) * n / 2;
        let sxx = sum_sq(x1 - 1) - if x0 > 0 { sum_sq(x0 - 1) } else { 0 };
        a.n += n;
        a.sx += sx;
        a.sy += y * n;
        a.sxx += sxx;
        a.syy += y * y * n;
        a.sxy += y * sx;
        a.x0 = a.x0.min(run.x0);
        a.x1 = a.x1.max(run.x1 - 1);
        a.y0 = a.y0.min(run.y);
        a.y1 = a.y1.max(run.y);
        lab[run.y as usize * wu + run.x0 as usize..run.y as usize * wu + run.x1 as usize].fill(l);
    }
    let labels = Labels::from_raw(w, h, lab).unwrap_or_else(|| Labels::new(w, h));
    let blobs = accs
        .into_iter()
        .enumerate()
        .filter(|(_, a)| a.n >= 4)
        .filter_map(|(label, a)| {
            let n = a.n as f64;
            let (mx, my) = (a.sx as f64 / n, a.sy as f64 / n);
            let size = ((a.x1 - a.x0 + 1).max(a.y1 - a.y0 + 1)) as f32;
            let fill = a.n as f32 / ((a.x1 - a.x0 + 1) * (a.y1 - a.y0 + 1)) as f32;
            // Characters are thin strokes of bounded size: big filled regions and specks are not.
            if !sizes.contains(&size) || fill > 0.85 {
                return None;
            }
            Some(Blob {
                c: Point::new(mx as f32, my as f32),
                sxx: (a.sxx as f64 / n - mx * mx) as f32,
                syy: (a.syy as f64 / n - my * my) as f32,
                sxy: (a.sxy as f64 / n - mx * my) as f32,
                size,
                label: label as u32,
                bbox: [a.x0, a.y0, a.x1, a.y1],
            })
        })
        .collect();
    (blobs, labels)
}

/// Evidence that `u` is the reading direction, from the filler glyphs (`<`): a chevron's arms
/// spread apart towards the right of the reader, so its pixels' distance from the glyph's axis
/// grows along the reading direction. Positive when `u` reads forwards, negative when backwards.
fn chevron_evidence(
    blobs: &[Blob],
    labels: &Labels,
    members: &[usize],
    u: Point,
    height: f32,
) -> f32 {
    let n = u.perp();
    let mut total = 0.0;
    for &i in members {
        let b = &blobs[i];
        // Fillers are clearly shorter than letters and digits.
        if b.extent(n) > height * 0.8 {
            continue;
        }
        let [x0, y0, x1, y1] = b.bbox;
        let (mut sa, mut sp, mut sap, mut saa, mut count) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
        for y in y0..=y1 {
            for x in x0..=x1 {
                if labels.get_pixel(x, y)[0] != b.label {
                    continue;
                }
                let d = Point::new(x as f32, y as f32).sub(b.c);
                let (a, p) = (d.dot(u), d.dot(n).abs());
                sa += a;
                sp += p;
                sap += a * p;
                saa += a * a;
                count += 1.0;
            }
        }
        if count < 4.0 {
            continue;
        }
        let cov = sap / count - (sa / count) * (sp / count);
        let var = saa / count - (sa / count).powi(2);
        if var > 0.0 {
            // The regression slope of |perp| on along: about +0.5 for a `<` read forwards.
            total += (cov / var).clamp(-1.0, 1.0);
        }
    }
    total
}

/// Spatial hash of blob centres for neighbour queries.
struct Grid {
    cell: f32,
    cols: usize,
    rows: usize,
    cells: Vec<Vec<usize>>,
}

impl Grid {
    fn new(blobs: &[Blob], w: u32, h: u32, cell: f32) -> Grid {
        let cols = (w as f32 / cell).ceil() as usize + 1;
        let rows = (h as f32 / cell).ceil() as usize + 1;
        let mut cells = vec![Vec::new(); cols * rows];
        for (i, b) in blobs.iter().enumerate() {
            let cx = ((b.c.x / cell) as usize).min(cols - 1);
            let cy = ((b.c.y / cell) as usize).min(rows - 1);
            cells[cy * cols + cx].push(i);
        }
        Grid {
            cell,
            cols,
            rows,
            cells,
        }
    }

    fn near(&self, p: Point, radius: f32, out: &mut Vec<usize>) {
        out.clear();
        for cell in self.cells_near(p, radius) {
            out.extend_from_slice(cell);
        }
    }

    /// The cells within `radius` of `p`, row by row: the blobs [`Grid::near`] collects, in the
    /// same order, without copying them (the chain walk asks this for every step).
    fn cells_near(&self, p: Point, radius: f32) -> impl Iterator<Item = &[usize]> {
        let x0 = ((p.x - radius) / self.cell).floor().max(0.0) as usize;
        let y0 = ((p.y - radius) / self.cell).floor().max(0.0) as usize;
        let x1 = (((p.x + radius) / self.cell) as usize).min(self.cols - 1);
        let y1 = (((p.y + radius) / self.cell) as usize).min(self.rows - 1);
        (y0..=y1)
            .flat_map(move |cy| (x0..=x1).map(move |cx| self.cells[cy * self.cols + cx].as_slice()))
    }
}

/// A text line: blob indices in order along `u`, with its fitted geometry.
#[derive(Clone, Debug)]
struct Chain {
    members: Vec<usize>,
    u: Point,
    n: Point,
    start: f32,
    end: f32,
    offset: f32,
    pitch: f32,
    height: f32,
    height_start: f32,
    height_end: f32,
    slope: f32,
    /// The line's length in pitches, each gap measured against the local pitch (perspective).
    units: f32,
    /// Fraction of gaps within 25% of the local pitch: near 1 for printed text.
    regular: f32,
}

impl Chain {
    fn centre(&self) -> Point {
        let mid = (self.start + self.end) / 2.0;
        self.u
            .scale(mid)
            .add(self.n.scale(self.offset + self.slope * mid))
    }
    /// The same line with its direction pointing along `u` (chains are found in either direction).
    fn aligned_to(&self, u: Point) -> Chain {
        if self.u.dot(u) >= 0.0 {
            return self.clone();
        }
        let mut members = self.members.clone();
        members.reverse();
        Chain {
            members,
            u: self.u.scale(-1.0),
            n: self.n.scale(-1.0),
            start: -self.end,
            end: -self.start,
            offset: -self.offset,
            slope: self.slope,
            height_start: self.height_end,
            height_end: self.height_start,
            ..*self
        }
    }

    fn pitches(&self) -> f32 {
        self.units
    }
}

/// Follows evenly pitched, collinear neighbours from `seed` in direction `dir`.
fn follow(
    blobs: &[Blob],
    grid: &Grid,
    used: &[bool],
    seed: usize,
    mut dir: Point,
    pitch0: f32,
    height0: f32,
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = seed;
    let mut pitch = pitch0;
    // The height is followed like the pitch: under a steep perspective the far end of a line is
    // printed half as large as the near end.
    let mut height = height0;
    loop {
        let c = blobs[cur].c;
        let mut best: Option<(usize, f32, f32)> = None;
        for &j in grid.cells_near(c, pitch * 2.6).flatten() {
            // Already on this chain: the seed and every blob taken since.
            if used[j] || j == seed || out.contains(&j) {
                continue;
            }
            let d = blobs[j].c.sub(c);
            let along = d.dot(dir);
            let perp = (d.x * -dir.y + d.y * dir.x).abs();
            if along < pitch * 0.55 || along > pitch * 2.3 || perp > height * 0.28 {
                continue;
            }
            // Characters of one line share their height; a filler (<) is shorter, never taller.
            let h = blobs[j].extent(dir.perp());
            if h > height * 1.35 || h < height * 0.3 {
                continue;
            }
            if best.is_none_or(|(_, a, _)| along < a) {
                best = Some((j, along, h));
            }
        }
        let Some((j, along, h)) = best else { break };
        // Only glyphs of about full height update it: fillers are shorter by design.
        if h > height * 0.8 {
            height = height * 0.8 + h * 0.2;
        }
        // Re-estimate the direction from the recent history so the chain bends with perspective.
        let back = if out.len() >= 4 {
            out[out.len() - 4]
        } else {
            seed
        };
        let v = blobs[j].c.sub(blobs[back].c);
        if v.norm() > pitch * 2.0 {
            let v = v.scale(1.0 / v.norm());
            let w = dir.scale(0.7).add(v.scale(0.3));
            dir = w.scale(1.0 / w.norm());
        }
        if along < pitch * 1.4 {
            pitch = pitch * 0.8 + along * 0.2;
        }
        out.push(j);
        cur = j;
    }
    out
}

fn fit_chain(blobs: &[Blob], members: Vec<usize>, u_hint: Point) -> Option<Chain> {
    fit_chain_impl(blobs, members, u_hint, false)
}

fn fit_chain_impl(
    blobs: &[Blob],
    members: Vec<usize>,
    u_hint: Point,
    trimmed: bool,
) -> Option<Chain> {
    let m = members.len() as f32;
    let mean = members
        .iter()
        .fold(Point::new(0.0, 0.0), |a, &i| a.add(blobs[i].c))
        .scale(1.0 / m);
    // Principal direction of the centres.
    let (mut sxx, mut syy, mut sxy) = (0.0f32, 0.0f32, 0.0f32);
    for &i in &members {
        let d = blobs[i].c.sub(mean);
        sxx += d.x * d.x;
        syy += d.y * d.y;
        sxy += d.x * d.y;
    }
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    let mut u = Point::new(theta.cos(), theta.sin());
    if u.dot(u_hint) < 0.0 {
        u = u.scale(-1.0);
    }
    let n = u.perp();
    let mut members = members;
    members.sort_by(|&a, &b| blobs[a].c.dot(u).total_cmp(&blobs[b].c.dot(u)));
    if !trimmed {
        // Keep the longest evenly pitched run: a chain that wandered into background texture
        // continues with irregular gaps there. One missing character (a double gap) is allowed.
        let along: Vec<f32> = members.iter().map(|&i| blobs[i].c.dot(u)).collect();
        let gaps = local_gaps(&along);
        if gaps.is_empty() {
            return None;
        }
        let (mut best, mut start) = ((0, 0), 0);
        for i in 0..=gaps.len() {
            let ok = |g: f32| (0.65..=1.4).contains(&g);
            let broken = i == gaps.len()
                || !(ok(gaps[i])
                    || ((1.7..=2.3).contains(&gaps[i])
                        && i > 0
                        && ok(gaps[i - 1])
                        && gaps.get(i + 1).is_none_or(|&g| ok(g))));
            if broken {
                if i + 1 - start > best.1 - best.0 {
                    best = (start, i + 1);
                }
                start = i + 1;
            }
        }
        let kept: Vec<usize> = members[best.0..best.1].to_vec();
        if kept.len() < 3 {
            return None;
        }
        return fit_chain_impl(blobs, kept, u, true);
    }
    let along: Vec<f32> = members.iter().map(|&i| blobs[i].c.dot(u)).collect();
    let perp: Vec<f32> = members.iter().map(|&i| blobs[i].c.dot(n)).collect();
    // Least-squares perp = offset + slope * along: a line under perspective is still straight.
    let ma = along.iter().sum::<f32>() / m;
    let mp = perp.iter().sum::<f32>() / m;
    let cov: f32 = along
        .iter()
        .zip(&perp)
        .map(|(a, p)| (a - ma) * (p - mp))
        .sum();
    let var: f32 = along.iter().map(|a| (a - ma) * (a - ma)).sum();
    let slope = if var > 0.0 { cov / var } else { 0.0 };
    let offset = mp - slope * ma;
    let mut gaps: Vec<f32> = along.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_by(f32::total_cmp);
    let pitch = *gaps.get(gaps.len() / 2)?;
    if pitch <= 0.5 {
        return None;
    }
    let heights = |range: &[usize]| -> f32 {
        let mut h: Vec<f32> = range.iter().map(|&i| blobs[i].extent(n)).collect();
        h.sort_by(f32::total_cmp);
        // The upper quantile: fillers (<) and punctuation-like glyphs are shorter than letters.
        h[(h.len() * 3 / 4).min(h.len() - 1)]
    };
    let third = (members.len() / 3).max(1);
    let first = &members[..third];
    let last = &members[members.len() - third..];
    let start_ext = blobs[members[0]].extent(u) / 2.0;
    let end_ext = blobs[*members.last()?].extent(u) / 2.0;
    let local = local_gaps(&along);
    let regular =
        local.iter().filter(|g| (*g - 1.0).abs() < 0.25).count() as f32 / local.len().max(1) as f32;
    let units = local.iter().sum::<f32>() + (start_ext + end_ext) / pitch;
    Some(Chain {
        units,
        regular,
        height: heights(&members),
        height_start: heights(first),
        height_end: heights(last),
        start: along[0] - start_ext,
        end: *along.last()? + end_ext,
        u,
        n,
        offset,
        slope,
        pitch,
        members,
    })
}

/// Joins collinear pieces of one line (a line broken where a character was lost or taken by a
/// wrong chain): same direction, height and pitch, on one straight line, a few pitches apart.
fn merge_fragments(blobs: &[Blob], mut chains: Vec<Chain>) -> Vec<Chain> {
    // The first mergeable pair in (i, j) order is merged, and the search starts again. Rows
    // before `from` were already searched against every chain but the one the last merge
    // appended (a merge removes two chains at or after `from`), so they are searched against
    // that one only: the same merges in the same order, without rescanning every pair each time
    // (thousands of chains on a textured table at full resolution).
    let mut from = 0;
    loop {
        let mut merged = None;
        let last = chains.len().saturating_sub(1);
        'search: for i in 0..chains.len() {
            let columns = if i < from {
                last..chains.len()
            } else {
                0..chains.len()
            };
            for j in columns {
                if i != j && continues(&chains[i], &chains[j]) {
                    merged = Some((i, j));
                    break 'search;
                }
            }
        }
        let Some((i, j)) = merged else { break };
        let Some(joined) = joined(blobs, &chains[i], &chains[j]) else {
            break;
        };
        let (hi, lo) = (i.max(j), i.min(j));
        chains.remove(hi);
        chains.remove(lo);
        chains.push(joined);
        from = lo;
    }
    chains
}

/// Whether `c` carries line `a` on past its end: the same direction, height and pitch, starting
/// a few pitches after `a` ends, on `a`'s line extended.
fn continues(a: &Chain, c: &Chain) -> bool {
    // A run of fillers (<) is shorter than letters, and perspective changes the size along a
    // line: heights and pitches need only be alike. (Tested before the alignment, which copies
    // the chain: the ratios and |u.u| do not depend on it.)
    let similar = a.u.dot(c.u).abs() > 0.99
        && (0.55..=1.8).contains(&(c.height / a.height))
        && (0.7..=1.4).contains(&(c.pitch / a.pitch));
    if !similar {
        return false;
    }
    let b = c.aligned_to(a.u);
    if b.start < a.end - a.pitch * 0.5 {
        return false;
    }
    let gap = (b.start - a.end) / a.pitch;
    // Where the fragment's first glyph sits against the line through `a` extended: a straight
    // continuation, even across a washed-out stretch (glare, a finger).
    let bs =
        b.u.scale(b.start)
            .add(b.n.scale(b.offset + b.slope * b.start));
    let off = bs.dot(a.n) - (a.offset + a.slope * bs.dot(a.u));
    gap < 14.0 && off.abs() < a.height * (0.3 + 0.02 * gap.max(0.0))
}

/// Line `a` and its continuation `c` as one chain, refitted.
fn joined(blobs: &[Blob], a: &Chain, c: &Chain) -> Option<Chain> {
    let mut members = a.members.clone();
    members.extend(c.aligned_to(a.u).members);
    fit_chain_impl(blobs, members, a.u, true)
}

/// Two lines of 30 characters are a TD1 whose third line did not chain (a pattern behind it,
/// characters touching): the missing line is one line spacing above or below, on the side where
/// more blobs lie in that band.
fn missing_td1_line(blobs: &[Blob], group: &[Chain]) -> Option<Chain> {
    let [a, b] = group else { return None };
    let pitches = (a.pitches() + b.pitches()) / 2.0;
    if (pitches - 30.0).abs() > 4.0 {
        return None;
    }
    let spacing = b.centre().dot(a.n) - a.centre().dot(a.n);
    let band = |base: &Chain, shift: f32| {
        let mut line = base.clone();
        line.offset += shift;
        let count = blobs
            .iter()
            .filter(|bl| {
                let along = bl.c.dot(line.u);
                let perp = bl.c.dot(line.n) - (line.offset + line.slope * along);
                along > line.start && along < line.end && perp.abs() < line.height * 0.4
            })
            .count();
        (count, line)
    };
    let (above, up) = band(a, -spacing);
    let (below, down) = band(b, spacing);
    let (count, mut line) = if above > below {
        (above, up)
    } else {
        (below, down)
    };
    if (count as f32) < pitches * 0.4 {
        return None;
    }
    line.members.clear();
    Some(line)
}

/// The gaps between consecutive positions `along` a line, each divided by the median gap of its
/// neighbourhood rather than of the whole line: under perspective the pitch changes along the
/// line, by half or more on a steep photo.
fn local_gaps(along: &[f32]) -> Vec<f32> {
    let raw: Vec<f32> = along.windows(2).map(|w| w[1] - w[0]).collect();
    let mut win = Vec::with_capacity(9);
    (0..raw.len())
        .map(|i| {
            win.clear();
            win.extend_from_slice(&raw[i.saturating_sub(4)..(i + 5).min(raw.len())]);
            win.sort_by(f32::total_cmp);
            raw[i] / win[win.len() / 2].max(1e-3)
        })
        .collect()
}

type Found = MrzLocation;

fn line_quad(ch: &Chain, start: f32, end: f32) -> Quad {
    let at = |a: f32, h: f32, side: f32| {
        ch.u.scale(a)
            .add(ch.n.scale(ch.offset + ch.slope * a + side * h / 2.0))
    };
    Quad([
        at(start, ch.height_start, -1.0),
        at(end, ch.height_end, -1.0),
        at(end, ch.height_end, 1.0),
        at(start, ch.height_start, 1.0),
    ])
}

/// The smallest bow, in line heights, that a line is cut along: less is within the margins of a
/// straight cut, and leaving it out keeps the cut of a flat page exactly as it was.
const MIN_BOW: f32 = 0.12;

/// How a chain bows: a curve over its own extent `span` along its axis, in its own heights.
#[derive(Clone, Copy, Debug)]
struct Bow {
    curve: LineCurve,
    span: (f32, f32),
}

impl Bow {
    /// The curve's x at `a` along the axis, held within a quarter of the span beyond either end
    /// (a cubic soon runs off beyond the points it was fitted to).
    fn x(&self, a: f32) -> f32 {
        let len = (self.span.1 - self.span.0).max(1e-3);
        (2.0 * (a - self.span.0) / len - 1.0).clamp(-1.5, 1.5)
    }

    /// The centre's offset from the straight fit at `a`, in pixels of a line `height` high.
    fn offset_px(&self, a: f32, height: f32) -> f32 {
        if self.curve.is_straight() {
            return 0.0;
        }
        self.curve.at(self.x(a)) * height
    }

    /// The curve over the extent `start..end` instead: straight where it bows less than
    /// [`MIN_BOW`] there.
    fn over(&self, start: f32, end: f32) -> LineCurve {
        if self.curve.is_straight() {
            return LineCurve::STRAIGHT;
        }
        let len = (self.span.1 - self.span.0).max(1e-3);
        let stretch = (end - start) / len;
        let shift = (start + end - self.span.0 - self.span.1) / len;
        let curve = self.curve.reparametrised(stretch, shift, 1.0);
        if curve.max_offset() >= MIN_BOW {
            curve
        } else {
            LineCurve::STRAIGHT
        }
    }
}

/// Each line's bow, in `group`'s order. The lines of a zone lie on one page and bow alike: where
/// the line with the most characters bows, a line that lost characters (a curled end the chain
/// could not follow) takes its shape, axis and slope, at its own distance from it, so that the
/// search for its lost ends and its cut follow the arc.
fn share_bow(blobs: &[Blob], group: &mut [Chain]) -> Vec<Bow> {
    let mut bows: Vec<Bow> = group
        .iter()
        .map(|c| Bow {
            curve: line_curve(blobs, c),
            span: (c.start, c.end),
        })
        .collect();
    let Some(r) = (0..group.len()).max_by_key(|&i| group[i].members.len()) else {
        return bows;
    };
    let (reference, bow) = (group[r].clone(), bows[r]);
    if bow.curve.is_straight() {
        return bows;
    }
    let centre =
        |a: f32| reference.offset + reference.slope * a + bow.offset_px(a, reference.height);
    for (i, c) in group.iter_mut().enumerate() {
        if i == r || c.members.len() * 10 >= reference.members.len() * 9 {
            continue;
        }
        let mut apart: Vec<f32> = c
            .members
            .iter()
            .map(|&m| {
                let p = blobs[m].c;
                p.dot(reference.n) - centre(p.dot(reference.u))
            })
            .collect();
        apart.sort_by(f32::total_cmp);
        let Some(&d) = apart.get(apart.len() / 2) else {
            continue;
        };
        let height = c.height.max(1e-3);
        *c = Chain {
            members: std::mem::take(&mut c.members),
            u: reference.u,
            n: reference.n,
            offset: reference.offset + d,
            slope: reference.slope,
            ..c.clone()
        };
        bows[i] = Bow {
            curve: LineCurve(bow.curve.0.map(|k| k * reference.height / height)),
            span: bow.span,
        };
    }
    bows
}

/// How `ch` bows away from its straight fit over its own extent: a cubic through its
/// characters' centres, kept where it is at least [`MIN_BOW`] high somewhere and explains most
/// of what the straight fit leaves; else straight.
fn line_curve(blobs: &[Blob], ch: &Chain) -> LineCurve {
    let (start, span) = (ch.start, ch.end - ch.start);
    if ch.members.len() < 8 || span <= 0.0 || ch.height <= 0.0 {
        return LineCurve::STRAIGHT;
    }
    // (x in [-1, 1] along the line, offset below the straight fit in line heights).
    let points: Vec<(f64, f64)> = ch
        .members
        .iter()
        .map(|&m| {
            let c = blobs[m].c;
            let a = c.dot(ch.u);
            let off = c.dot(ch.n) - (ch.offset + ch.slope * a);
            (
                f64::from(2.0 * (a - start) / span - 1.0),
                f64::from(off / ch.height),
            )
        })
        .collect();
    let straight_ss: f64 = points.iter().map(|&(_, r)| r * r).sum();
    let Some(first) = fit_cubic(&points) else {
        return LineCurve::STRAIGHT;
    };
    // Once more without the centres far off the first fit (a touching speck, a split glyph).
    let eval = |c: &[f64; 4], x: f64| c[0] + x * (c[1] + x * (c[2] + x * c[3]));
    let kept: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(x, r)| (r - eval(&first, x)).abs() < 0.3)
        .collect();
    if kept.len() < points.len() * 3 / 4 {
        return LineCurve::STRAIGHT;
    }
    let Some(coef) = fit_cubic(&kept) else {
        return LineCurve::STRAIGHT;
    };
    let curved_ss: f64 = kept
        .iter()
        .map(|&(x, r)| (r - eval(&coef, x)).powi(2))
        .sum();
    let curve = LineCurve(coef.map(|c| c as f32));
    let explains = curved_ss < 0.35 * straight_ss * kept.len() as f64 / points.len() as f64;
    if curve.max_offset() >= MIN_BOW && explains {
        curve
    } else {
        LineCurve::STRAIGHT
    }
}

/// Least-squares cubic `c0 + c1 x + c2 x^2 + c3 x^3` through `points`; `None` when they do not
/// determine one.
fn fit_cubic(points: &[(f64, f64)]) -> Option<[f64; 4]> {
    // The normal equations.
    let mut a = [[0.0f64; 5]; 4];
    for &(x, y) in points {
        let pow = [1.0, x, x * x, x * x * x];
        for i in 0..4 {
            for j in 0..4 {
                a[i][j] += pow[i] * pow[j];
            }
            a[i][4] += pow[i] * y;
        }
    }
    solve(a)
}

/// Solves the `N` linear equations whose augmented rows are `a` (`M` = `N + 1` columns, the last
/// the right-hand side) by Gauss-Jordan elimination with partial pivoting; `None` when they are
/// singular.
pub(crate) fn solve<const N: usize, const M: usize>(mut a: [[f64; M]; N]) -> Option<[f64; N]> {
    debug_assert_eq!(M, N + 1);
    for col in 0..N {
        let pivot = (col..N).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (v, p) in r.iter_mut().zip(pivot_row).skip(col) {
                    *v -= f * p;
                }
            }
        }
    }
    Some(std::array::from_fn(|i| a[i][N] / a[i][i]))
}

/// How many character positions beyond `start` and beyond `end` (at most `budget` in all) still
/// show ink: the darkest tenth of a character cell against the darkest tenth of the paper between
/// the lines at the same place, which cancels glare and noise that affect both alike.
fn extend_ends(
    grey: &GrayImage,
    group: &[Chain],
    bows: &[Bow],
    start: f32,
    end: f32,
    pitch: f32,
    budget: usize,
) -> (usize, usize) {
    if group.len() < 2 {
        return (0, 0);
    }
    let (w, h) = grey.dimensions();
    let px = |p: Point| -> Option<u8> {
        let (x, y) = (p.x.round(), p.y.round());
        (x >= 0.0 && y >= 0.0 && x < w as f32 && y < h as f32)
            .then(|| grey.get_pixel(x as u32, y as u32)[0])
    };
    let mut buf: Vec<u8> = Vec::new();
    // The darkest tenth of a cell centred on `c`, `half_u` by `half_n` along the line's axes;
    // `None` when the cell leaves the image.
    let mut dark = |c: Point, u: Point, half_u: f32, half_n: f32| -> Option<f32> {
        buf.clear();
        let n = u.perp();
        let (iu, inn) = (half_u.ceil() as i32, half_n.ceil().max(1.0) as i32);
        for j in -inn..=inn {
            for i in -iu..=iu {
                buf.push(px(c.add(u.scale(i as f32)).add(n.scale(j as f32)))?);
            }
        }
        let k = buf.len() / 10;
        Some(f32::from(*buf.select_nth_unstable(k).1))
    };
    // Evidence of ink at `a` along the lines: the best line's cell against the paper beside it.
    let mut evidence = |a: f32| -> Option<f32> {
        let mut best = f32::NEG_INFINITY;
        for (i, c) in group.iter().enumerate() {
            let other = if i + 1 < group.len() { i + 1 } else { i - 1 };
            // On the line's centre, following its bow.
            let on = |k: usize| {
                let ch = &group[k];
                let off = ch.offset + ch.slope * a + bows[k].offset_px(a, ch.height);
                ch.u.scale(a).add(ch.n.scale(off))
            };
            let (p, q) = (on(i), on(other));
            let paper = p.add(q).scale(0.5);
            let cell = dark(p, c.u, pitch * 0.35, c.height * 0.4)?;
            let gap = dark(paper, c.u, pitch * 0.35, c.height * 0.12)?;
            best = best.max(gap - cell);
        }
        Some(best)
    };
    // What the known characters near each end look like: glare fades one end of a line, and
    // the ink walked into must be judged against the characters beside it, not the line's best.
    let mut typical = |from: f32, step: f32| -> Option<f32> {
        let mut known: Vec<f32> = (0..6)
            .filter_map(|j| evidence(from - step * (0.4 + j as f32)))
            .collect();
        if known.len() < 4 {
            return None;
        }
        known.sort_by(f32::total_cmp);
        Some(known[known.len() / 2])
    };
    let (Some(typical_end), Some(typical_start)) = (typical(end, pitch), typical(start, -pitch))
    else {
        return (0, 0);
    };
    let mut walk = |from: f32, step: f32, typical: f32, budget: usize| -> usize {
        // Paper between the lines scores 0-3 grey levels whatever the noise.
        let threshold = (typical * 0.4).max(4.0);
        let mut taken = 0;
        for k in 1..=budget {
            match evidence(from + step * (k as f32 - 0.4)) {
                Some(e) if e > threshold => taken = k,
                // One faint position may hide between two visible ones; two in a row end it.
                _ if k > taken + 1 => break,
                _ => {}
            }
        }
        taken
    };
    let more_end = walk(end, pitch, typical_end, budget);
    let more_start = walk(start, -pitch, typical_start, budget - more_end);
    (more_start, more_end)
}

/// Finds a zone in `grey` as it is (no rescaling), with glyphs of any size up to a twelfth of its
/// long side.
fn locate_at_scale(grey: &GrayImage, ink: &Ink) -> Option<Found> {
    locate_glyphs(grey, ink, glyph_sizes(grey.width().max(grey.height())))
}

/// The glyph sizes a search of an image with long side `long` considers: from 3 px (smaller is
/// a speck) to a twelfth of the image.
fn glyph_sizes(long: u32) -> RangeInclusive<f32> {
    3.0..=(long / 12) as f32
}

/// [`locate_at_scale`] with the glyph sizes (the longer side of a blob's box, in pixels) that
/// count as characters.
fn locate_glyphs(grey: &GrayImage, ink: &Ink, sizes: RangeInclusive<f32>) -> Option<Found> {
    let binary = binarise(grey, ink);
    let (mut blobs, labels) = blobs(&binary, sizes);
    // Over MAX_BLOBS the ink is mostly noise or texture (a faint pass over a grainy 12-megapixel
    // photo), and chaining it all costs seconds: the smallest blobs, the specks, go first.
    if blobs.len() > MAX_BLOBS {
        let mut sizes: Vec<f32> = blobs.iter().map(|b| b.size).collect();
        sizes.sort_by(|a, b| b.total_cmp(a));
        let cut = sizes[MAX_BLOBS];
        blobs.retain(|b| b.size > cut);
    }
    if blobs.len() < 40 {
        return None;
    }
    // Cells about a typical blob's neighbourhood: queries then touch few cells with few blobs.
    let mut sizes: Vec<f32> = blobs.iter().map(|b| b.size).collect();
    sizes.sort_by(f32::total_cmp);
    let typical = sizes[sizes.len() * 3 / 4];
    let grid = Grid::new(
        &blobs,
        grey.width(),
        grey.height(),
        (typical * 2.0).max(8.0),
    );

    // Seeds: each blob's nearest similar neighbour gives a candidate direction and pitch.
    let mut used = vec![false; blobs.len()];
    // Blobs in any run of several aligned characters: document text, as opposed to background.
    let mut texty = vec![false; blobs.len()];
    let mut chains: Vec<Chain> = Vec::new();
    let mut near = Vec::new();
    let mut order: Vec<usize> = (0..blobs.len()).collect();
    order.sort_by(|&a, &b| blobs[b].size.total_cmp(&blobs[a].size));
    for &seed in &order {
        if used[seed] {
            continue;
        }
        let b = &blobs[seed];
        grid.near(b.c, b.size * 1.8, &mut near);
        // Try the few nearest similar neighbours as the line's direction; keep the longest chain.
        let mut neighbours: Vec<(usize, f32)> = near
            .iter()
            .copied()
            .filter(|&j| j != seed && !used[j])
            .filter(|&j| (0.4..=1.6).contains(&(blobs[j].size / b.size)))
            .map(|j| (j, blobs[j].c.sub(b.c).norm()))
            .filter(|&(_, d)| d > b.size * 0.4)
            .collect();
        neighbours.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut members: Vec<usize> = Vec::new();
        for &(j, d) in neighbours.iter().take(3) {
            let v = blobs[j].c.sub(b.c).scale(1.0 / d);
            let height0 = b.extent(v.perp()).max(b.size * 0.5);
            let fwd = follow(&blobs, &grid, &used, seed, v, d, height0);
            let back = follow(&blobs, &grid, &used, seed, v.scale(-1.0), d, height0);
            if fwd.len() + back.len() + 1 > members.len() {
                members = back.into_iter().rev().collect();
                members.push(seed);
                members.extend(fwd);
            }
        }
        if members.len() >= 5 {
            for &m in &members {
                texty[m] = true;
            }
        }
        // Short runs are kept as fragments: glare or a finger splits an MRZ line into pieces
        // that only `merge_fragments` can join back to a full-length line.
        if members.len() < 6 {
            continue;
        }
        let v = blobs[members[members.len() - 1]].c.sub(blobs[members[0]].c);
        let v = v.scale(1.0 / v.norm().max(1e-3));
        match fit_chain(&blobs, members, v) {
            // Printed text has a pitch about its height; a chain zig-zagging across two lines
            // has a long pitch and a small height, and must not keep their characters.
            Some(chain) if chain.pitch < chain.height * 1.6 && chain.pitch > chain.height * 0.4 => {
                // Only the kept run is spent: what trimming dropped may seed or join another line.
                for &m in &chain.members {
                    used[m] = true;
                }
                chains.push(chain);
            }
            _ => used[seed] = true,
        }
    }
    let chains = merge_fragments(&blobs, chains);

    // MRZ lines: 30, 36 or 44 pitches long, allowing for a missed character at each end.
    let candidates: Vec<&Chain> = chains
        .iter()
        .filter(|c| {
            (24.0..=50.0).contains(&c.pitches())
                && c.members.len() as f32 >= c.pitches() * 0.6
                && c.regular >= 0.6
        })
        .collect();
    let mut best: Option<(f32, Vec<&Chain>)> = None;
    for (i, a) in candidates.iter().enumerate() {
        // Partners: parallel lines of the same extent, stacked at about 1.2 to 2.6 heights.
        let mut group: Vec<&Chain> = vec![a];
        for (j, b) in candidates.iter().enumerate() {
            if i == j || a.u.dot(b.u).abs() < 0.98 {
                continue;
            }
            let d = b.centre().sub(a.centre());
            let along = d.dot(a.u).abs();
            let perp = d.dot(a.n).abs();
            let h = a.height.max(b.height);
            let len_ratio = (b.end - b.start) / (a.end - a.start);
            // Glare or a finger may leave one line of a zone whole and its partner in part: a
            // partner that is shorter but lies within the line's columns still belongs with it.
            let bb = b.aligned_to(a.u);
            let ends =
                |c: &Chain, x: f32| c.u.scale(x).add(c.n.scale(c.offset + c.slope * x)).dot(a.u);
            let (bs, be) = (ends(&bb, bb.start), ends(&bb, bb.end));
            let slack = a.pitch * 2.0;
            let nested = (bs > a.start - slack && be < a.end + slack)
                || (a.start > bs - slack && a.end < be + slack);
            let aligned = (along < a.pitch * 3.0 && (0.85..=1.18).contains(&len_ratio))
                || (nested && (0.55..=1.8).contains(&len_ratio));
            if aligned && perp > h * 1.0 && perp < h * 5.6 {
                group.push(b);
            }
        }
        if group.len() < 2 {
            continue;
        }
        group.sort_by(|x, y| x.centre().dot(a.n).total_cmp(&y.centre().dot(a.n)));
        group.dedup_by(|x, y| (x.centre().dot(a.n) - y.centre().dot(a.n)).abs() < a.height * 0.8);
        // Every run of 2 or 3 consecutive, evenly spaced lines is a candidate zone: a line of the
        // visual zone printed above the MRZ must not be taken for one of its lines.
        for size in [2usize, 3] {
            for w in group.windows(size) {
                let pos: Vec<f32> = w.iter().map(|c| c.centre().dot(a.n)).collect();
                let h = w.iter().map(|c| c.height).sum::<f32>() / size as f32;
                let gaps: Vec<f32> = pos.windows(2).map(|p| (p[1] - p[0]) / h).collect();
                if gaps.iter().any(|g| !(1.1..=2.8).contains(g)) {
                    continue;
                }
                if size == 3 && (gaps[0] / gaps[1] - 1.0).abs() > 0.25 {
                    continue;
                }
                let pitches = w.iter().map(|c| c.pitches()).sum::<f32>() / size as f32;
                let fits_format = match size {
                    3 => (pitches - 30.0).abs() < 4.0,
                    _ => (pitches - 36.0).abs() < 4.0 || (pitches - 44.0).abs() < 5.0,
                };
                // Lines of one zone have one length; a neighbour of another length is not MRZ.
                let lens: Vec<f32> = w.iter().map(|c| c.end - c.start).collect();
                let spread = lens
                    .iter()
                    .fold(0.0f32, |m, l| m.max((l / lens[0] - 1.0).abs()));
                let score: f32 = w
                    .iter()
                    .map(|c| c.members.len() as f32 * c.regular)
                    .sum::<f32>()
                    * if fits_format { 2.0 } else { 1.0 }
                    * (1.0 - spread);
                if best.as_ref().is_none_or(|(s, _)| score > *s) {
                    best = Some((score, w.to_vec()));
                }
            }
        }
    }
    let (_, group) = best?;
    let mut group: Vec<Chain> = group.iter().map(|c| c.aligned_to(group[0].u)).collect();
    let n0 = group[0].n;
    group.sort_by(|x, y| x.centre().dot(n0).total_cmp(&y.centre().dot(n0)));
    if let Some(third) = missing_td1_line(&blobs, &group) {
        group.push(third);
        group.sort_by(|x, y| x.centre().dot(n0).total_cmp(&y.centre().dot(n0)));
    }
    let bows = share_bow(&blobs, &mut group);
    let first = &group[0];
    let u = first.u;
    // One common extent along the line for every line of the zone: the lines are printed in the
    // same columns, so this repairs a chain that lost its first or last character.
    // The union, but at most 1.5 pitches beyond the intersection: a line that lost its first or
    // last character gets it back from its neighbours, while background blobs that extended one
    // chain cannot widen the zone by more than a character.
    let mean = |f: fn(&Chain) -> f32| group.iter().map(f).sum::<f32>() / group.len() as f32;
    let pitch = mean(|c| c.pitch);
    // The chain's extent spans (n - 1) pitches plus one glyph width, about n - 0.3 pitches.
    // Counted in local pitches (perspective), plus what the common extent added or removed.
    let (units, extent) = (mean(|c| c.units), mean(|c| c.end - c.start));
    let chars_between = |start: f32, end: f32| units + (end - start - extent) / pitch + 0.3;
    let lengths = layout_lengths(group.len());
    let fold = |f: fn(&Chain) -> f32| {
        group
            .iter()
            .map(f)
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let (lo_start, hi_start) = fold(|c| c.start);
    let (lo_end, hi_end) = fold(|c| c.end);
    let mut start = lo_start.max(hi_start - 1.5 * pitch);
    let mut end = hi_end.min(lo_end + 1.5 * pitch);
    // A line shorter than its layout lost characters to glare, shadow or a finger: walk on from
    // each end while faint ink is still there, up to the longest length the line count allows.
    let longest = lengths.last().copied().unwrap_or(44) as f32;
    let missing = (longest - chars_between(start, end)).round().max(0.0) as usize;
    if missing > 0 {
        let (more_start, more_end) = extend_ends(grey, &group, &bows, start, end, pitch, missing);
        start -= more_start as f32 * pitch;
        end += more_end as f32 * pitch;
    }
    let (lines, curves): (Vec<Quad>, Vec<LineCurve>) = group
        .iter()
        .zip(&bows)
        .map(|(c, b)| b.over(start, end).through_ends(line_quad(c, start, end)))
        .unzip();
    let curves = if curves.iter().all(LineCurve::is_straight) {
        Vec::new()
    } else {
        curves
    };
    let last = lines.len() - 1;
    let quad = Quad([
        lines[0].0[0],
        lines[0].0[1],
        lines[last].0[2],
        lines[last].0[3],
    ]);
    // The nearest layout length (the longer on a tie).
    let chars = chars_between(start, end);
    let line_len = lengths
        .iter()
        .rev()
        .copied()
        .min_by(|&a, &b| {
            (chars - a as f32)
                .abs()
                .total_cmp(&(chars - b as f32).abs())
        })
        .unwrap_or(44);
    let found = Found {
        angle_deg: u.y.atan2(u.x).to_degrees().rem_euclid(360.0),
        quad,
        lines,
        pitch,
        line_len,
        curves,
    };
    // Fillers say which way the text reads; failing that, the MRZ sits at the bottom of the
    // document, so the side with more text beside it is "up". The engine confirms by reading.
    let members: Vec<usize> = group
        .iter()
        .flat_map(|c| c.members.iter().copied())
        .collect();
    let height = mean(|c| c.height);
    let chevrons = chevron_evidence(&blobs, &labels, &members, u, height);
    let backwards = if chevrons.abs() >= 1.0 {
        chevrons < 0.0
    } else {
        ink_beside(&blobs, &texty, &found, 1.0) > ink_beside(&blobs, &texty, &found, -1.0)
    };
    Some(if backwards { found.flipped() } else { found })
}

/// Counts blobs in a band beside the zone, on the top side (`side` -1) or the bottom side (+1).
fn ink_beside(blobs: &[Blob], texty: &[bool], found: &Found, side: f32) -> usize {
    let [tl, tr, br, bl] = found.quad.0;
    let u = tr.sub(tl);
    let len = u.norm();
    let u = u.scale(1.0 / len);
    let n = u.perp();
    let height = bl.sub(tl).norm().max(1.0);
    let (edge, _) = if side < 0.0 { (tl, tr) } else { (bl, br) };
    blobs
        .iter()
        .zip(texty)
        .filter(|(b, &t)| {
            let d = b.c.sub(edge);
            let a = d.dot(u);
            let p = d.dot(n) * side;
            t && a > 0.0 && a < len && p > height * 0.1 && p < height * 8.0
        })
        .count()
}

fn polygon_area(p: &[Point]) -> f32 {
    if p.len() < 3 {
        return 0.0;
    }
    let mut s = 0.0;
    for i in 0..p.len() {
        let (a, b) = (p[i], p[(i + 1) % p.len()]);
        s += a.x * b.y - b.x * a.y;
    }
    (s / 2.0).abs()
}

/// Sutherland-Hodgman clipping of convex `subject` by convex `clip`.
fn clip_convex(subject: &[Point], clip: &[Point]) -> Vec<Point> {
    let orient = {
        let mut s = 0.0;
        for i in 0..clip.len() {
            let (a, b) = (clip[i], clip[(i + 1) % clip.len()]);
            s += a.x * b.y - b.x * a.y;
        }
        s.signum()
    };
    let mut out = subject.to_vec();
    for i in 0..clip.len() {
        let (a, b) = (clip[i], clip[(i + 1) % clip.len()]);
        let inside =
            |p: Point| orient * ((b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)) >= 0.0;
        let input = std::mem::take(&mut out);
        for j in 0..input.len() {
            let (p, q) = (input[j], input[(j + 1) % input.len()]);
            let (ip, iq) = (inside(p), inside(q));
            if ip {
                out.push(p);
            }
            if ip != iq {
                let d1 = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
                let d2 = (b.x - a.x) * (q.y - a.y) - (b.y - a.y) * (q.x - a.x);
                let t = d1 / (d1 - d2);
                out.push(p.add(q.sub(p).scale(t)));
            }
        }
        if out.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 3x3 mean as it was first written: nine reads per pixel, clipped at the edges.
    fn box3_by_windows(grey: &GrayImage) -> GrayImage {
        let (w, h) = grey.dimensions();
        GrayImage::from_fn(w, h, |x, y| {
            let (mut sum, mut n) = (0u32, 0u32);
            for yy in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for xx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    sum += u32::from(grey.get_pixel(xx, yy)[0]);
                    n += 1;
                }
            }
            Luma([((sum + n / 2) / n) as u8])
        })
    }

    #[test]
    fn the_separable_box_mean_is_the_windowed_one() {
        let mut seed = 9303u32;
        for (w, h) in [(1, 1), (1, 7), (7, 1), (2, 2), (3, 5), (64, 33)] {
            let img = GrayImage::from_fn(w, h, |_, _| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                Luma([(seed >> 24) as u8])
            });
            assert_eq!(box3(&img), box3_by_windows(&img), "{w}x{h}");
        }
    }

    #[test]
    fn layout_lengths_follow_the_line_count() {
        assert_eq!(layout_lengths(3), [30]);
        assert_eq!(layout_lengths(2), [36, 44]);
        assert!(layout_lengths(1).is_empty());
    }

    /// A zone of two line quads (corners in reading order), its quad spanning both.
    fn zone_of(lines: [Quad; 2], angle_deg: f32, pitch: f32, line_len: usize) -> MrzLocation {
        MrzLocation {
            quad: Quad([lines[0].0[0], lines[0].0[1], lines[1].0[2], lines[1].0[3]]),
            lines: lines.to_vec(),
            angle_deg,
            pitch,
            line_len,
            curves: Vec::new(),
        }
    }

    #[test]
    fn a_mirrored_zone_cuts_its_lines_from_right_to_left_and_knows_it() {
        // Two upright lines, text running left to right, the top line first.
        let line = |y: f32| {
            Quad([
                Point::new(10.0, y),
                Point::new(450.0, y),
                Point::new(450.0, y + 20.0),
                Point::new(10.0, y + 20.0),
            ])
        };
        let loc = zone_of([line(100.0), line(130.0)], 0.0, 10.0, 44);
        assert!(!loc.is_mirrored());
        let m = loc.mirrored();
        assert!(m.is_mirrored());
        // Each line starts at its right end; the top line stays first and on top.
        assert_eq!(m.lines[0].0[0], Point::new(450.0, 100.0));
        assert_eq!(m.lines[0].0[1], Point::new(10.0, 100.0));
        assert_eq!(m.lines[1].0[3], Point::new(450.0, 150.0));
        assert_eq!(m.angle_deg, 180.0);
        assert_eq!((m.pitch, m.line_len), (10.0, 44));
        assert_eq!(m.mirrored().lines, loc.lines);
        // Upside down and mirrored is still mirrored; the lines' sizes do not change.
        let fm = loc.flipped().mirrored();
        assert!(fm.is_mirrored());
        assert_eq!(fm.lines[0].0[0], Point::new(10.0, 150.0));
        assert!((fm.text_height() - 20.0).abs() < 1e-4);
        assert!((m.visible_chars() - loc.visible_chars()).abs() < 1e-4);
    }

    #[test]
    fn extending_a_zone_lengthens_each_line_along_its_own_direction() {
        // Two lines of 40 px pitch drawn at 90 degrees (text running down the image), 30 characters
        // visible: 29.7 pitches of extent.
        let line = |x: f32| {
            Quad([
                Point::new(x, 0.0),
                Point::new(x, 1188.0),
                Point::new(x - 40.0, 1188.0),
                Point::new(x - 40.0, 0.0),
            ])
        };
        let loc = zone_of([line(100.0), line(40.0)], 90.0, 40.0, 36);
        assert!((loc.visible_chars() - 30.0).abs() < 1e-3);
        let longer = loc.extended(2.0, 4.5);
        assert!((longer.visible_chars() - 36.5).abs() < 1e-3);
        // The start moves back along the text direction, the end forward; nothing moves across.
        assert_eq!(longer.lines[0].0[0], Point::new(100.0, -80.0));
        assert_eq!(longer.lines[0].0[1], Point::new(100.0, 1368.0));
        assert_eq!(longer.lines[1].0[3], Point::new(0.0, -80.0));
        assert_eq!(longer.quad.0[2], Point::new(0.0, 1368.0));
        assert_eq!((longer.line_len, longer.pitch), (36, 40.0));
    }

    #[test]
    fn a_zone_reaches_the_edge_within_a_character_of_it() {
        // Two horizontal lines of 10 px pitch from x = 50 to x = 487 (44 characters).
        let line = |y: f32| {
            Quad([
                Point::new(50.0, y),
                Point::new(487.0, y),
                Point::new(487.0, y + 14.0),
                Point::new(50.0, y + 14.0),
            ])
        };
        let loc = zone_of([line(300.0), line(320.0)], 0.0, 10.0, 44);
        // A character and more from every edge.
        assert_eq!(loc.edge_reached(600, 400), None);
        assert_eq!(loc.edge_reached(498, 345), None);
        // Within a pitch of the right edge, then of the bottom, then past the bottom by more than
        // past the right.
        assert_eq!(loc.edge_reached(497, 400), Some(ImageEdge::Right));
        assert_eq!(loc.edge_reached(600, 344), Some(ImageEdge::Bottom));
        assert_eq!(loc.edge_reached(495, 330), Some(ImageEdge::Bottom));
        // Read past the image's left edge.
        assert_eq!(
            loc.extended(6.0, 0.0).edge_reached(600, 400),
            Some(ImageEdge::Left)
        );
        assert_eq!(loc.extended(4.0, 0.0).edge_reached(600, 400), None);
    }

    #[test]
    fn a_taller_cut_moves_each_line_edge_across_its_own_direction() {
        // One line drawn at 90 degrees: text runs down the image, its "height" runs along -x.
        let line = Quad([
            Point::new(100.0, 0.0),
            Point::new(100.0, 1000.0),
            Point::new(60.0, 1000.0),
            Point::new(60.0, 0.0),
        ]);
        let loc = MrzLocation {
            quad: line,
            lines: vec![line],
            angle_deg: 90.0,
            pitch: 25.0,
            line_len: 44,
            curves: Vec::new(),
        };
        let taller = loc.taller(0.25);
        assert_eq!(
            taller.lines[0].0,
            [
                Point::new(110.0, 0.0),
                Point::new(110.0, 1000.0),
                Point::new(50.0, 1000.0),
                Point::new(50.0, 0.0),
            ]
        );
        let shorter = loc.taller(-0.25);
        assert_eq!(shorter.lines[0].0[0], Point::new(90.0, 0.0));
        assert_eq!(shorter.lines[0].0[2], Point::new(70.0, 1000.0));
        // The zone, its direction, pitch and layout stay.
        assert_eq!(
            (taller.quad, taller.line_len, taller.pitch),
            (line, 44, 25.0)
        );
    }

    fn square(x: f32, y: f32, s: f32) -> Quad {
        Quad([
            Point::new(x, y),
            Point::new(x + s, y),
            Point::new(x + s, y + s),
            Point::new(x, y + s),
        ])
    }

    #[test]
    fn iou_of_quads() {
        let cases = [
            (square(0.0, 0.0, 10.0), square(0.0, 0.0, 10.0), 1.0),
            (square(0.0, 0.0, 10.0), square(5.0, 0.0, 10.0), 50.0 / 150.0),
            (square(0.0, 0.0, 10.0), square(20.0, 0.0, 10.0), 0.0),
            // Orientation of the corners does not matter.
            (
                square(0.0, 0.0, 10.0),
                square(0.0, 0.0, 10.0).rotated_180(),
                1.0,
            ),
        ];
        for (a, b, want) in cases {
            assert!((a.iou(&b) - want).abs() < 1e-4, "{a:?} {b:?}");
        }
    }

    #[test]
    fn downscale_averages_the_area_under_each_pixel() {
        // (input row, output width, expected output row); the image is two identical rows.
        let cases: [(&[u8], u32, &[u8]); 4] = [
            (&[200; 7], 3, &[200; 3]),
            (&[0, 0, 255, 255], 2, &[0, 255]),
            // 3 -> 2: each output pixel covers one and a half input pixels.
            (&[0, 90, 255], 2, &[30, 200]),
            (&[10, 20, 30, 40, 50], 5, &[10, 20, 30, 40, 50]),
        ];
        for (row, w, want) in cases {
            let mut raw = row.to_vec();
            raw.extend_from_slice(row);
            let img = GrayImage::from_raw(row.len() as u32, 2, raw).unwrap();
            let out = downscale(&img, w, 1);
            assert_eq!(out.as_raw().as_slice(), want, "{row:?} to {w}");
        }
    }

    #[test]
    fn area_weights_are_each_cells_rounded_cover() {
        // The table against its definition, one cell at a time: the share of each input cell an
        // output cell covers, in 256ths rounded by `f64::round`, the rounding error put on the
        // largest (the last of equals), zero-padded to the widest cell.
        for (src, dst) in [
            (1280, 800),
            (960, 600),
            (4032, 800),
            (7, 3),
            (3, 2),
            (5, 5),
            (9, 1),
        ] {
            let table = AreaWeights::new(src, dst);
            let scale = src as f64 / dst as f64;
            for i in 0..dst {
                let (a, b) = (i as f64 * scale, ((i + 1) as f64 * scale).min(src as f64));
                let mut want = vec![0u32; src];
                for (j, w) in want.iter_mut().enumerate() {
                    let cover = (b.min(j as f64 + 1.0) - a.max(j as f64)).max(0.0);
                    *w = (cover / (b - a) * 256.0).round() as u32;
                }
                let sum: u32 = want.iter().sum();
                if let Some(m) = want.iter_mut().max() {
                    *m = *m + 256 - sum;
                }
                let mut got = vec![0u32; src];
                let start = table.starts[i];
                let cell = &table.weights[i * table.taps..(i + 1) * table.taps];
                got[start..start + table.taps].copy_from_slice(cell);
                assert_eq!(got, want, "{src} to {dst}, cell {i}");
            }
        }
    }

    #[test]
    fn downscale_is_the_weighted_sum_over_both_axes() {
        // The two separable passes against the weights applied to each input pixel at once.
        for (sw, sh, w, h) in [
            (1280, 960, 800, 600),
            (37, 23, 10, 7),
            (9, 50, 9, 13),
            (640, 3, 3, 1),
        ] {
            let img = speckled(sw, sh, sw ^ sh);
            let got = downscale(&img, w, h);
            let (hx, hy) = (
                AreaWeights::new(sw as usize, w as usize),
                AreaWeights::new(sh as usize, h as usize),
            );
            for (x, y, p) in got.enumerate_pixels() {
                let (x, y) = (x as usize, y as usize);
                let mut acc = 0u64;
                for ky in 0..hy.taps {
                    for kx in 0..hx.taps {
                        let wt = hy.weights[y * hy.taps + ky] * hx.weights[x * hx.taps + kx];
                        let (sx, sy) = (hx.starts[x] + kx, hy.starts[y] + ky);
                        acc += u64::from(wt) * u64::from(img.get_pixel(sx as u32, sy as u32)[0]);
                    }
                }
                let want = ((acc + 32768) >> 16) as u8;
                assert_eq!(p[0], want, "{sw}x{sh} to {w}x{h} at {x},{y}");
            }
        }
    }

    #[test]
    fn blobs_match_a_flood_fill_of_the_ink() {
        for (w, h, seed) in [(1, 1, 1), (7, 1, 2), (1, 9, 3), (40, 30, 4), (203, 77, 5)] {
            let img = speckled(w, h, seed);
            // A fine threshold on the noise gives many touching and diagonal-only components.
            let binary = GrayImage::from_fn(w, h, |x, y| {
                Luma([if img.get_pixel(x, y)[0].is_multiple_of(3) {
                    255
                } else {
                    0
                }])
            });
            let (found, labels) = blobs(&binary, glyph_sizes(binary.width().max(binary.height())));
            // Reference labels: a flood fill from each unlabelled ink pixel in raster order.
            let (wi, hi) = (i64::from(w), i64::from(h));
            let mut want = vec![0u32; (w * h) as usize];
            let mut next = 0;
            for start in 0..(w * h) as usize {
                if binary.as_raw()[start] == 0 || want[start] != 0 {
                    continue;
                }
                next += 1;
                want[start] = next;
                let mut stack = vec![start];
                while let Some(i) = stack.pop() {
                    let (x, y) = ((i % w as usize) as i64, (i / w as usize) as i64);
                    for (dx, dy) in (-1..=1).flat_map(|dy| (-1..=1).map(move |dx| (dx, dy))) {
                        let (nx, ny) = (x + dx, y + dy);
                        let j = (ny * wi + nx) as usize;
                        if (0..wi).contains(&nx)
                            && (0..hi).contains(&ny)
                            && binary.as_raw()[j] != 0
                            && want[j] == 0
                        {
                            want[j] = next;
                            stack.push(j);
                        }
                    }
                }
            }
            assert_eq!(labels.as_raw(), &want, "{w}x{h}");
            for b in &found {
                let pixels: Vec<(f64, f64)> = labels
                    .enumerate_pixels()
                    .filter(|p| p.2[0] == b.label)
                    .map(|(x, y, _)| (f64::from(x), f64::from(y)))
                    .collect();
                let n = pixels.len() as f64;
                let mx = pixels.iter().map(|p| p.0).sum::<f64>() / n;
                let my = pixels.iter().map(|p| p.1).sum::<f64>() / n;
                let var = |f: &dyn Fn(&(f64, f64)) -> f64| pixels.iter().map(f).sum::<f64>() / n;
                assert!(
                    (f64::from(b.c.x) - mx).abs() < 1e-3 && (f64::from(b.c.y) - my).abs() < 1e-3
                );
                assert!((f64::from(b.sxx) - var(&|p| (p.0 - mx).powi(2))).abs() < 1e-2);
                assert!((f64::from(b.syy) - var(&|p| (p.1 - my).powi(2))).abs() < 1e-2);
                assert!((f64::from(b.sxy) - var(&|p| (p.0 - mx) * (p.1 - my))).abs() < 1e-2);
                let xs = pixels.iter().map(|p| p.0 as u32);
                let ys = pixels.iter().map(|p| p.1 as u32);
                let bbox = [xs.clone().min(), ys.clone().min(), xs.max(), ys.max()];
                assert_eq!(bbox.map(Option::unwrap), b.bbox);
            }
            if w * h > 10_000 {
                assert!(found.len() > 5, "{w}x{h}: {} blobs", found.len());
            }
        }
    }

    #[test]
    fn fainter_passes_find_fainter_ink() {
        // (paper, stroke grey level, pass, whether the stroke is ink)
        let cases = [
            (200u8, 150u8, 0usize, true),
            // 9% under the paper, 7% under the local mean (glare): only the faint passes see it.
            (200, 182, 0, false),
            (200, 182, 1, true),
            (200, 182, 2, true),
            // 3 levels: paper texture, not ink, in every pass.
            (200, 197, 2, false),
        ];
        for (paper, stroke, pass, want) in cases {
            let mut img = GrayImage::from_pixel(60, 60, Luma([paper]));
            for y in 20..40 {
                for x in 28..32 {
                    img.put_pixel(x, y, Luma([stroke]));
                }
            }
            let bin = binarise(&img, &Ink::PASSES[pass]);
            assert_eq!(
                bin.get_pixel(30, 30)[0] == 255,
                want,
                "{paper} {stroke} pass {pass}"
            );
            assert_eq!(bin.get_pixel(5, 5)[0], 0, "paper is not ink");
        }
    }

    /// A textured test image: a deterministic pseudo-random field over a gradient, so that every
    /// pass finds some ink and some paper.
    fn speckled(w: u32, h: u32, seed: u32) -> GrayImage {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        GrayImage::from_fn(w, h, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let base = 60 + (x * 120 / w.max(1)) + (y * 60 / h.max(1));
            Luma([(base + state % 40) as u8])
        })
    }

    #[test]
    fn binarise_matches_the_window_mean_pixel_by_pixel() {
        // Sizes below, at and above the window (radius 8 here: 17 pixels across), and a wide one.
        for (w, h) in [
            (1, 1),
            (5, 40),
            (16, 17),
            (17, 18),
            (18, 3),
            (61, 37),
            (300, 20),
        ] {
            for (pass, ink) in Ink::PASSES.iter().enumerate() {
                let img = speckled(w, h, w * 31 + h + pass as u32);
                let got = binarise(&img, ink);
                let grey = if ink.smooth { box3(&img) } else { img.clone() };
                let r = (w.max(h) / 60).clamp(8, 24) as i64;
                let mut ink_pixels = 0;
                for (x, y, p) in grey.enumerate_pixels() {
                    let (mut sum, mut n) = (0u32, 0u32);
                    for yy in (i64::from(y) - r).max(0)..=(i64::from(y) + r).min(i64::from(h) - 1) {
                        for xx in
                            (i64::from(x) - r).max(0)..=(i64::from(x) + r).min(i64::from(w) - 1)
                        {
                            sum += u32::from(grey.get_pixel(xx as u32, yy as u32)[0]);
                            n += 1;
                        }
                    }
                    let p = u32::from(p[0]);
                    let want = p * n * 100 < sum * ink.rel && sum - p * n > ink.abs * n;
                    ink_pixels += usize::from(want);
                    assert_eq!(
                        got.get_pixel(x, y)[0] == 255,
                        want,
                        "{w}x{h} pass {pass} at {x},{y}"
                    );
                }
                if w * h > 1000 {
                    assert!(
                        ink_pixels > 0 && ink_pixels < (w * h) as usize,
                        "{w}x{h} pass {pass}"
                    );
                }
            }
        }
    }

    /// Two lines of `len` T-shaped glyphs (pitch 12 px, 14 px high) from x = 40; glyphs from
    /// column `specks_from` on are broken into isolated dots, as glare breaks faint characters:
    /// still ink to the eye, but no blob of character size.
    fn two_line_zone(len: usize, specks_from: usize) -> GrayImage {
        let mut img = GrayImage::from_pixel(640, 260, Luma([200]));
        for line in 0..2u32 {
            let top = 100 + line * 26;
            for k in 0..len {
                let x0 = 40 + k as u32 * 12;
                if k >= specks_from {
                    for y in (top..top + 14).step_by(2) {
                        for x in (x0..x0 + 8).step_by(2) {
                            img.put_pixel(x, y, Luma([90]));
                        }
                    }
                    continue;
                }
                for y in top..top + 14 {
                    for x in x0 + 3..x0 + 5 {
                        img.put_pixel(x, y, Luma([90]));
                    }
                }
                for x in x0..x0 + 8 {
                    for y in top..top + 2 {
                        img.put_pixel(x, y, Luma([90]));
                    }
                }
            }
        }
        img
    }

    #[test]
    fn a_zone_is_walked_on_to_its_layout_length() {
        // (name, glyphs per line, first glyph broken into specks, expected line length)
        let cases = [
            ("whole td3", 44, 44, 44),
            ("td3, last 6 broken", 44, 38, 44),
            ("td3, last 10 broken", 44, 34, 44),
            // Blank paper after a whole 36-character line does not extend it.
            ("whole td2", 36, 36, 36),
        ];
        for (name, len, specks_from, want) in cases {
            let found = locate(&two_line_zone(len, specks_from), &LocateParams::default())
                .unwrap_or_else(|| panic!("{name}: no zone"));
            assert_eq!(found.lines.len(), 2, "{name}");
            assert_eq!(found.line_len, want, "{name}");
            // The zone spans the glyph columns, within half a pitch at each end.
            let xs = found.quad.0.map(|p| p.x);
            let lo = xs.iter().copied().fold(f32::MAX, f32::min);
            let hi = xs.iter().copied().fold(f32::MIN, f32::max);
            let right = 40.0 + 12.0 * (len as f32 - 1.0) + 8.0;
            assert!(
                (lo - 40.0).abs() < 6.0 && (hi - right).abs() < 6.0,
                "{name}: {lo}..{hi}, want 40..{right}"
            );
        }
    }

    #[test]
    fn a_zone_small_in_a_big_frame_is_found_by_the_last_search() {
        // The test zone at 0.6 of its size (glyphs 8.4 px high, pitch 7.2 px) in a 4000x3000
        // frame: 3.4 px high with sub-pixel strokes in the 1600-px copy, 6.7 px in the last,
        // 3200-px search.
        let zone = two_line_zone(44, 44);
        let zone = imageops::resize(&zone, 384, 156, imageops::FilterType::Triangle);
        let mut frame = GrayImage::from_pixel(4000, 3000, Luma([200]));
        imageops::replace(&mut frame, &zone, 1700, 1400);
        let found = locate(&frame, &LocateParams::default()).expect("found by the last search");
        assert_eq!((found.lines.len(), found.line_len), (2, 44));
        let xs = found.quad.0.map(|p| p.x);
        let lo = xs.iter().copied().fold(f32::MAX, f32::min);
        let hi = xs.iter().copied().fold(f32::MIN, f32::max);
        let (left, right) = (
            1700.0 + 0.6 * 40.0,
            1700.0 + 0.6 * (40.0 + 12.0 * 43.0 + 8.0),
        );
        assert!(
            (lo - left).abs() < 4.0 && (hi - right).abs() < 4.0,
            "{lo}..{hi}, want {left}..{right}"
        );
        // Without the last search the copies alone miss it.
        let copies_only = LocateParams {
            full_work_size: 1600,
            ..LocateParams::default()
        };
        assert_eq!(locate(&frame, &copies_only), None);
    }

    #[test]
    fn specks_beyond_the_blob_budget_go_before_the_characters() {
        // The test zone beside 45,000 specks, corners 3 px across (a filled square is no glyph at
        // all): over MAX_BLOBS blobs, and the specks, the smallest, are dropped before chaining,
        // so the zone is still found.
        let mut img = GrayImage::from_pixel(1500, 1200, Luma([200]));
        imageops::replace(&mut img, &two_line_zone(44, 44), 0, 0);
        let mut specks = 0;
        for y in (300..1200).step_by(5) {
            for x in (0..1500).step_by(6) {
                for (dx, dy) in [(0, 0), (1, 0), (2, 0), (0, 1), (0, 2)] {
                    img.put_pixel(x + dx, y + dy, Luma([60]));
                }
                specks += 1;
            }
        }
        assert!(specks > MAX_BLOBS);
        let ink = &Ink::PASSES[0];
        let (all, _) = blobs(&binarise(&img, ink), 3.0..=100.0);
        assert!(all.len() > MAX_BLOBS, "{} blobs", all.len());
        let found = locate_glyphs(&img, ink, 3.0..=100.0).expect("the zone among the specks");
        assert_eq!((found.lines.len(), found.line_len), (2, 44));
    }

    /// `merge_fragments` as it was before it resumed its search: the first pair in (i, j) order
    /// where one chain continues the other, every pair rescanned after each merge.
    fn merge_fragments_by_rescanning(blobs: &[Blob], mut chains: Vec<Chain>) -> Vec<Chain> {
        loop {
            let n = chains.len();
            let pairs = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)));
            let Some((i, j)) = pairs
                .filter(|&(i, j)| i != j)
                .find(|&(i, j)| continues(&chains[i], &chains[j]))
            else {
                break;
            };
            let Some(joined) = joined(blobs, &chains[i], &chains[j]) else {
                break;
            };
            chains.remove(i.max(j));
            chains.remove(i.min(j));
            chains.push(joined);
        }
        chains
    }

    #[test]
    fn merging_fragments_resumes_its_search_with_the_same_merges() {
        use rand::{Rng, SeedableRng};
        // Lines broken into fragments at random gaps, some read backwards, in a shuffled order:
        // the resumed search must merge exactly what rescanning every pair merges.
        let mut merges = 0;
        for seed in 0..300u64 {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let mut blobs = Vec::new();
            let mut chains = Vec::new();
            for _ in 0..rng.gen_range(3..12) {
                let angle: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
                let u = Point::new(angle.cos(), angle.sin());
                let pitch: f32 = rng.gen_range(8.0..20.0);
                let height = pitch * rng.gen_range(0.9..1.3);
                let origin = Point::new(rng.gen_range(0.0..2000.0), rng.gen_range(0.0..2000.0));
                let mut k = 0.0f32;
                for _ in 0..rng.gen_range(1..6) {
                    let mut members = Vec::new();
                    // Some fragments ragged enough that their own direction is off by degrees,
                    // where a longer join of them is not.
                    let ragged = height * rng.gen_range(0.0f32..0.3);
                    for _ in 0..rng.gen_range(6..16) {
                        let jitter = rng.gen_range(-0.5..0.5) + rng.gen_range(-ragged..=ragged);
                        let c = origin.add(u.scale(k * pitch)).add(u.perp().scale(jitter));
                        blobs.push(Blob {
                            c,
                            sxx: (pitch * 0.6).powi(2) / 12.0,
                            syy: height.powi(2) / 12.0,
                            sxy: 0.0,
                            size: height,
                            label: blobs.len() as u32 + 1,
                            bbox: [0; 4],
                        });
                        members.push(blobs.len() - 1);
                        k += 1.0;
                    }
                    k += f32::from(rng.gen_range(0u8..12));
                    let dir = if rng.gen_bool(0.3) { u.scale(-1.0) } else { u };
                    if let Some(chain) = fit_chain(&blobs, members, dir) {
                        chains.push(chain);
                    }
                }
            }
            for i in (1..chains.len()).rev() {
                chains.swap(i, rng.gen_range(0..=i));
            }
            let members = |c: Vec<Chain>| c.into_iter().map(|c| c.members).collect::<Vec<_>>();
            let want = members(merge_fragments_by_rescanning(&blobs, chains.clone()));
            let got = members(merge_fragments(&blobs, chains.clone()));
            assert_eq!(got, want, "seed {seed}");
            merges += chains.len() - want.len();
        }
        // The scenes give the search something to do.
        assert!(merges >= 40, "{merges} merges");
    }

    #[test]
    fn blank_and_noise_images_have_no_mrz() {
        let blank = GrayImage::from_pixel(400, 300, Luma([230]));
        assert_eq!(locate(&blank, &LocateParams::default()), None);
        let mut noise = GrayImage::new(400, 300);
        let mut s = 12345u32;
        for p in noise.pixels_mut() {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            p[0] = (s >> 24) as u8;
        }
        assert_eq!(locate(&noise, &LocateParams::default()), None);
    }

    /// The image row of the text's centre at image column `x` of a horizontal line quad that
    /// bows as `curve` says.
    fn centre_row(q: &Quad, curve: &LineCurve, x: f32) -> f32 {
        let [tl, tr, br, bl] = q.0;
        let s = (x - tl.x) / (tr.x - tl.x);
        let top = tl.y + (tr.y - tl.y) * s;
        let bottom = bl.y + (br.y - bl.y) * s;
        top + (bottom - top) * (0.5 + curve.at(2.0 * s - 1.0))
    }

    #[test]
    fn a_bow_stays_on_the_page_through_every_change_of_the_zone() {
        let line = |y: f32| {
            Quad([
                Point::new(0.0, y),
                Point::new(100.0, y),
                Point::new(100.0, y + 10.0),
                Point::new(0.0, y + 10.0),
            ])
        };
        let bow = LineCurve([0.1, 0.2, 0.5, -0.3]);
        let loc = MrzLocation {
            curves: vec![bow, LineCurve::STRAIGHT],
            ..zone_of([line(0.0), line(20.0)], 0.0, 10.0, 11)
        };
        let want = |x: f32| centre_row(&loc.lines[0], &bow, x);
        // Where the text is does not change with the cut around it, nor with the way it is read.
        let extended = loc.extended(1.0, 2.0);
        let taller = loc.taller(0.25);
        let flipped = loc.flipped();
        let mirrored = loc.mirrored();
        let moved = [
            ("extended", &extended.lines[0], extended.curve(0)),
            ("taller", &taller.lines[0], taller.curve(0)),
            ("flipped", &flipped.lines[1], flipped.curve(1)),
            ("mirrored", &mirrored.lines[0], mirrored.curve(0)),
        ];
        for x in [0.0, 13.0, 50.0, 77.0, 100.0] {
            for (name, q, c) in &moved {
                let got = centre_row(q, c, x);
                assert!(
                    (got - want(x)).abs() < 1e-3,
                    "{name} at {x}: {got} vs {}",
                    want(x)
                );
            }
        }
        // The extended line's curve goes on beyond the old ends, the way the cubic does.
        let beyond = centre_row(&extended.lines[0], &extended.curve(0), 115.0);
        let old = 5.0 + 10.0 * bow.at(1.3);
        assert!((beyond - old).abs() < 1e-3, "{beyond} vs {old}");
        // A straight line stays straight, and a zone without curves reads all lines straight.
        assert!(flipped.curve(0).is_straight() && mirrored.curve(1).is_straight());
        assert!(zone_of([line(0.0), line(20.0)], 0.0, 10.0, 11)
            .curve(1)
            .is_straight());
        let ends = bow.at(1.0).abs().max(bow.at(-1.0).abs());
        assert!(bow.max_offset() >= ends - 1e-6);
    }
}
