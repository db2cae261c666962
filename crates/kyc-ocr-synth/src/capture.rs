//! The camera and scanner model: puts a flat page into a scene under a projective transform and
//! degrades it the way phones and scanners do, tracking where the MRZ ends up.

use crate::buf::{jpeg_round_trip, uniform, value_noise, Buf};
use crate::geometry::{Homography, Point, Quad};
use image::{Rgb, RgbImage};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// What lies around the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scene {
    /// A plain light grey surface.
    Plain,
    /// A flatbed scanner: near-white lid with faint dust and gradient.
    Scanner,
    /// A table: wood grain, fabric or stone-like textures in varied colours.
    Table,
}

/// Every knob of the capture simulation. Ranges are `(min, max)` and sampled uniformly per image
/// from the seed; set both ends equal to fix a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureParams {
    /// Height of an MRZ character (cap height) in output pixels.
    pub char_height_px: (f32, f32),
    /// In-plane rotation of the document in degrees; `(0, 360)` allows any angle.
    pub rotation_deg: (f32, f32),
    /// Largest out-of-plane tilt in degrees (perspective); 0 keeps the page flat to the sensor.
    pub tilt_deg: f32,
    /// Camera focal length as a multiple of the document's diagonal: smaller means stronger
    /// perspective at the same tilt (a phone held close).
    pub focal: (f32, f32),
    /// Scene margin around the document, as a fraction of its longer side in the image.
    pub margin: (f32, f32),
    /// Fixed output size `(width, height)`; the document is scaled down if it does not fit.
    /// `None` sizes the scene around the document.
    pub output_size: Option<(u32, u32)>,
    /// Longest output side when `output_size` is `None`; larger scenes are cropped around the MRZ.
    pub max_side: u32,
    /// Surface around the document.
    pub scene: Scene,
    /// Probability of other sheets of paper lying in the scene.
    pub clutter_prob: f32,
    /// Probability of a hand-like occluder over a corner of the document.
    pub occluder_prob: f32,
    /// The largest fraction of the MRZ area the occluder may cover.
    pub max_mrz_occlusion: f32,
    /// Probability that the frame cuts the MRZ off: the document is shifted so that 10-35% of the
    /// zone's extent along its longer image axis lies outside the image, at one end (a photo
    /// cropped too tightly, the document partly out of frame). Such an image cannot be read
    /// exactly; it is there to check what the reader says about it.
    #[serde(default)]
    pub mrz_cut_prob: f32,
    /// Probability that the image is delivered as black and white dots, its grey diffused into
    /// them (Floyd-Steinberg), as a fax, a scanner's black-and-white mode or a scan app writes
    /// a page; such an image is not JPEG-compressed by the capture.
    pub dither_prob: f32,
    /// Probability that the image is saved as a mirror image, as a selfie camera or a webcam
    /// that keeps what its preview shows may save it.
    pub mirror_prob: f32,
    /// The MRZ's stroke weight against the OCR-B outline's, drawn per document from this range:
    /// above 1 bolder (ink spreading into paper, a worn printer's blots), below 1 thinner (laser
    /// engraving in a polycarbonate card, a starved ribbon). `(1, 1)` draws the outline as it is,
    /// and draws nothing from the random stream.
    #[serde(default = "outline_weight")]
    pub mrz_weight: (f32, f32),
    /// How far the page bows out of flat, per document from this range: the MRZ's lines become
    /// arcs whose ends and middle lie this many MRZ character heights apart across the image (a
    /// booklet held open, a page curling towards the binding, a card lifting at one end). `(0,
    /// 0)` keeps the page flat. Drawn from a random stream of its own, so a seed gives the same
    /// document and capture bent or flat.
    #[serde(default)]
    pub page_bend: (f32, f32),
    /// Gaussian blur sigma in output pixels (defocus).
    pub blur_sigma: (f32, f32),
    /// Motion blur length in output pixels (camera shake).
    pub motion_blur_px: (f32, f32),
    /// Standard deviation of sensor noise (0-255 scale).
    pub noise_sigma: (f32, f32),
    /// JPEG quality range; `None` leaves the image uncompressed.
    pub jpeg_quality: Option<(u8, u8)>,
    /// Strength of uneven, low-frequency lighting (0 none, 1 strong falloff).
    pub uneven_light: f32,
    /// Probability of specular glare spots on the document.
    pub glare_prob: f32,
    /// Peak glare strength (fraction of the way to white at the spot's centre).
    pub glare_strength: (f32, f32),
    /// Probability of a soft cast shadow (a hand or phone between light and page).
    pub shadow_prob: f32,
    /// Contrast factor (1 unchanged, lower is washed out).
    pub contrast: (f32, f32),
    /// Overall exposure gain.
    pub brightness: (f32, f32),
    /// Largest per-channel gain deviation (white balance error).
    pub color_cast: f32,
}

fn outline_weight() -> (f32, f32) {
    (1.0, 1.0)
}

/// Named capture presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Upright, flat, sharp, uncompressed: what a renderer sees, for checking the drawing itself.
    Clean,
    /// A flatbed scan: small rotation, 200-300 dpi look, mild blur and compression.
    Scan,
    /// A phone photo: any rotation, perspective, table scene, uneven light, glare, blur, JPEG.
    Photo,
    /// Everything of `photo`, stronger: tiny and huge characters, heavy blur, noise, glare and
    /// compression, low contrast, colour casts.
    Hard,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 4] = [Preset::Clean, Preset::Scan, Preset::Photo, Preset::Hard];

    /// The lowercase name used on the command line and in `truth.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Clean => "clean",
            Preset::Scan => "scan",
            Preset::Photo => "photo",
            Preset::Hard => "hard",
        }
    }

    /// Parses a name as written by [`Preset::name`], in any case.
    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The preset's parameters, a starting point for changing single knobs.
    pub fn params(self) -> CaptureParams {
        let clean = CaptureParams {
            char_height_px: (22.0, 30.0),
            rotation_deg: (0.0, 0.0),
            tilt_deg: 0.0,
            focal: (2.0, 2.0),
            margin: (0.04, 0.1),
            output_size: None,
            max_side: 2000,
            scene: Scene::Plain,
            clutter_prob: 0.0,
            occluder_prob: 0.0,
            max_mrz_occlusion: 0.0,
            mrz_cut_prob: 0.0,
            dither_prob: 0.0,
            mirror_prob: 0.0,
            mrz_weight: (1.0, 1.0),
            page_bend: (0.0, 0.0),
            blur_sigma: (0.0, 0.0),
            motion_blur_px: (0.0, 0.0),
            noise_sigma: (0.0, 0.0),
            jpeg_quality: None,
            uneven_light: 0.0,
            glare_prob: 0.0,
            glare_strength: (0.0, 0.0),
            shadow_prob: 0.0,
            contrast: (1.0, 1.0),
            brightness: (1.0, 1.0),
            color_cast: 0.0,
        };
        match self {
            Preset::Clean => clean,
            Preset::Scan => CaptureParams {
                // 2.3 mm characters at 200-300 dpi.
                char_height_px: (18.0, 27.0),
                rotation_deg: (-4.0, 4.0),
                margin: (0.03, 0.3),
                max_side: 3508,
                scene: Scene::Scanner,
                blur_sigma: (0.3, 0.9),
                noise_sigma: (1.0, 3.0),
                jpeg_quality: Some((70, 95)),
                uneven_light: 0.1,
                contrast: (0.85, 1.0),
                brightness: (0.98, 1.08),
                color_cast: 0.03,
                ..clean
            },
            Preset::Photo => CaptureParams {
                char_height_px: (10.0, 40.0),
                rotation_deg: (0.0, 360.0),
                tilt_deg: 28.0,
                focal: (0.9, 2.0),
                margin: (0.05, 0.6),
                scene: Scene::Table,
                clutter_prob: 0.5,
                occluder_prob: 0.4,
                // Phone captures for KYC show the whole MRZ; only `hard` lets a finger touch it.
                max_mrz_occlusion: 0.0,
                blur_sigma: (0.0, 1.4),
                motion_blur_px: (0.0, 3.5),
                noise_sigma: (1.5, 7.0),
                jpeg_quality: Some((50, 92)),
                uneven_light: 0.45,
                glare_prob: 0.45,
                glare_strength: (0.3, 0.75),
                shadow_prob: 0.35,
                contrast: (0.7, 1.0),
                brightness: (0.8, 1.12),
                color_cast: 0.12,
                // A passport held open or a card lifting off the table bows a little.
                page_bend: (0.0, 1.2),
                ..clean
            },
            Preset::Hard => CaptureParams {
                char_height_px: (8.0, 60.0),
                rotation_deg: (0.0, 360.0),
                tilt_deg: 42.0,
                focal: (0.7, 1.6),
                margin: (0.02, 0.8),
                scene: Scene::Table,
                clutter_prob: 0.7,
                occluder_prob: 0.7,
                max_mrz_occlusion: 0.04,
                blur_sigma: (0.4, 2.4),
                motion_blur_px: (0.0, 7.0),
                noise_sigma: (4.0, 14.0),
                jpeg_quality: Some((20, 75)),
                uneven_light: 0.75,
                glare_prob: 0.8,
                glare_strength: (0.5, 0.95),
                shadow_prob: 0.7,
                contrast: (0.4, 0.9),
                brightness: (0.6, 1.2),
                color_cast: 0.25,
                page_bend: (0.0, 2.5),
                ..clean
            },
        }
    }
}

impl Default for CaptureParams {
    fn default() -> CaptureParams {
        Preset::Clean.params()
    }
}

/// The result of a capture.
pub(crate) struct Captured {
    pub image: RgbImage,
    pub jpeg: Option<Vec<u8>>,
    pub page_to_image: Homography,
}

/// Maps page corners through a tilted pinhole camera, rotated in-plane, scaled by `k` page pixels
/// to image pixels. Returns the four corners in image pixels around the origin.
fn project_corners(pw: f32, ph: f32, k: f32, rot: f32, tilt: (f32, f32), focal: f32) -> [Point; 4] {
    let (cx, cy) = (pw / 2.0, ph / 2.0);
    let diag = (pw * pw + ph * ph).sqrt();
    let f = focal * diag;
    let (sa, ca) = tilt.0.sin_cos();
    let (sb, cb) = tilt.1.sin_cos();
    let (sr, cr) = rot.sin_cos();
    [[0.0, 0.0], [pw, 0.0], [pw, ph], [0.0, ph]].map(|[x, y]| {
        let (x, y) = (x - cx, y - cy);
        // In-plane rotation first, then tilt about the camera's x and y axes.
        let (x, y) = (x * cr - y * sr, x * sr + y * cr);
        let (y1, z1) = (y * ca, y * sa);
        let (x2, z2) = (x * cb + z1 * sb, -x * sb + z1 * cb);
        let s = f / (f + z2);
        [x2 * s * k, y1 * s * k]
    })
}

/// Paints the scene surface.
fn paint_scene(buf: &mut Buf, scene: Scene, rng: &mut ChaCha8Rng) {
    let (w, h) = (buf.w, buf.h);
    match scene {
        Scene::Plain => {
            let g = rng.gen_range(200.0..235.0);
            buf.px.iter_mut().for_each(|p| *p = [g, g, g]);
        }
        Scene::Scanner => {
            let g = rng.gen_range(232.0..252.0);
            let n = value_noise(w, h, 200.0, rng);
            for (p, v) in buf.px.iter_mut().zip(n) {
                let g = g + v * 4.0;
                *p = [g, g, g - 1.0];
            }
        }
        Scene::Table => {
            let base = [
                rng.gen_range(30.0..220.0),
                rng.gen_range(25.0..200.0),
                rng.gen_range(20.0..190.0),
            ];
            let kind = rng.gen_range(0..3);
            let coarse = value_noise(w, h, rng.gen_range(40.0..200.0), rng);
            let fine = value_noise(w, h, rng.gen_range(2.0..6.0), rng);
            let angle: f32 = rng.gen_range(0.0..std::f32::consts::PI);
            let (ga, gb) = (angle.cos(), angle.sin());
            let freq = rng.gen_range(0.02..0.12);
            for y in 0..h {
                for x in 0..w {
                    let i = y * w + x;
                    let v = match kind {
                        // Wood grain: stripes bent by the coarse field.
                        0 => {
                            0.25 * ((x as f32 * ga + y as f32 * gb) * freq + coarse[i] * 6.0).sin()
                                + 0.1 * fine[i]
                        }
                        // Fabric: fine weave.
                        1 => {
                            0.2 * fine[i] + 0.08 * ((x as f32 * 0.9).sin() * (y as f32 * 0.9).sin())
                        }
                        // Stone: blotches.
                        _ => 0.3 * coarse[i] + 0.15 * fine[i],
                    };
                    buf.px[i] = base.map(|c| c * (1.0 + v));
                }
            }
        }
    }
}

/// Fills a convex quad with a flat colour and a few grey text-like lines (other paper in the scene).
fn paint_paper(buf: &mut Buf, quad: &Quad, rng: &mut ChaCha8Rng) {
    let g = rng.gen_range(215.0..250.0);
    let color = [g, g - rng.gen_range(0.0..8.0), g - rng.gen_range(0.0..15.0)];
    let (x0, y0, x1, y1) = quad.bounds();
    let Some(inv) =
        Homography::from_points(quad.0, [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    else {
        return;
    };
    let lines = rng.gen_range(0.0..0.08);
    for y in (y0.max(0.0) as usize)..(y1.max(0.0) as usize).min(buf.h) {
        for x in (x0.max(0.0) as usize)..(x1.max(0.0) as usize).min(buf.w) {
            let [u, v] = inv.apply([x as f32 + 0.5, y as f32 + 0.5]);
            if (0.0..1.0).contains(&u) && (0.0..1.0).contains(&v) {
                let row = (v * 40.0).fract();
                let text = lines > 0.02
                    && row < 0.3
                    && (0.08..0.9).contains(&u)
                    && (0.08..0.92).contains(&v);
                buf.px[y * buf.w + x] = if text { color.map(|c| c * 0.75) } else { color };
            }
        }
    }
}

/// A hand-like occluder: a palm outside a document corner with fingers reaching in.
struct Hand {
    palm: (Point, f32, f32),
    fingers: Vec<(Point, Point, f32)>,
    skin: [f32; 3],
}

impl Hand {
    fn coverage(&self, p: Point) -> f32 {
        let (c, rx, ry) = self.palm;
        let d = ((p[0] - c[0]) / rx).powi(2) + ((p[1] - c[1]) / ry).powi(2);
        let mut a: f32 = if d < 1.0 { 1.0 } else { 0.0 };
        for &(s, e, r) in &self.fingers {
            let (vx, vy) = (e[0] - s[0], e[1] - s[1]);
            let t =
                (((p[0] - s[0]) * vx + (p[1] - s[1]) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
            let (qx, qy) = (s[0] + vx * t - p[0], s[1] + vy * t - p[1]);
            if (qx * qx + qy * qy).sqrt() < r {
                a = 1.0;
            }
        }
        a
    }

    fn random(doc: &Quad, rng: &mut ChaCha8Rng) -> Hand {
        let corner = rng.gen_range(0..4);
        let c = doc.0[corner];
        let centre = doc
            .0
            .iter()
            .fold([0.0, 0.0], |a, p| [a[0] + p[0] / 4.0, a[1] + p[1] / 4.0]);
        let (dx, dy) = (centre[0] - c[0], centre[1] - c[1]);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let size = len * rng.gen_range(0.25..0.45);
        let palm_c = [c[0] - ux * size * 0.6, c[1] - uy * size * 0.6];
        let n = rng.gen_range(1..5);
        let base_angle = uy.atan2(ux) + rng.gen_range(-0.5..0.5);
        let fingers = (0..n)
            .map(|i| {
                let a = base_angle + (i as f32 - n as f32 / 2.0) * 0.22;
                let flen = size * rng.gen_range(0.9..1.5);
                (
                    palm_c,
                    [palm_c[0] + a.cos() * flen, palm_c[1] + a.sin() * flen],
                    size * 0.16,
                )
            })
            .collect();
        let tone = rng.gen_range(80.0..235.0);
        Hand {
            palm: (palm_c, size * 0.7, size * 0.55),
            fingers,
            skin: [
                tone,
                tone * rng.gen_range(0.68..0.82),
                tone * rng.gen_range(0.52..0.7),
            ],
        }
    }
}

/// Runs the capture model on a rendered page. `mrz` is the MRZ block and `cap_page` the height of
/// one MRZ character, both in page pixels; `target` the character height wanted in the output
/// (reduced if the document must shrink to fit); the result's transform maps page pixels to output pixels.
pub(crate) fn capture(
    page: &RgbImage,
    mrz: &Quad,
    cap_page: f32,
    target: f32,
    params: &CaptureParams,
    rng: &mut ChaCha8Rng,
) -> Result<Captured, image::ImageError> {
    let (pw, ph) = (page.width() as f32, page.height() as f32);
    let mut k = target / cap_page;
    let rot = uniform(rng, params.rotation_deg).to_radians();
    let tilt_max = params.tilt_deg.to_radians();
    let tilt = if tilt_max > 0.0 {
        (
            rng.gen_range(-tilt_max..=tilt_max),
            rng.gen_range(-tilt_max..=tilt_max) * 0.7,
        )
    } else {
        (0.0, 0.0)
    };
    let focal = uniform(rng, params.focal).max(0.3);
    let page_quad = Quad::rect(0.0, 0.0, pw, ph);

    // Transform at unit placement, then fit it into the output.
    let mut corners = project_corners(pw, ph, k, rot, tilt, focal);
    let mut h = Homography::from_points(page_quad.0, corners).unwrap_or(Homography::IDENTITY);
    let mut img_mrz = mrz.map(&h);
    let doc_bounds = |c: &[Point; 4]| Quad(*c).bounds();
    let (mut bx0, mut by0, mut bx1, mut by1) = doc_bounds(&corners);
    let longer = (bx1 - bx0).max(by1 - by0);
    let (out_w, out_h, offset);
    if let Some((ow, oh)) = params.output_size {
        let (ow, oh) = (ow.max(8) as f32, oh.max(8) as f32);
        let m = uniform(rng, params.margin) * longer;
        let fit = ((ow - 2.0 * m.min(ow * 0.1)) / (bx1 - bx0))
            .min((oh - 2.0 * m.min(oh * 0.1)) / (by1 - by0));
        if fit < 1.0 {
            k *= fit;
            corners = project_corners(pw, ph, k, rot, tilt, focal);
            (bx0, by0, bx1, by1) = doc_bounds(&corners);
        }
        let slack_x = (ow - (bx1 - bx0)).max(0.0);
        let slack_y = (oh - (by1 - by0)).max(0.0);
        offset = [
            rng.gen_range(0.0..=slack_x) - bx0,
            rng.gen_range(0.0..=slack_y) - by0,
        ];
        out_w = ow as u32;
        out_h = oh as u32;
    } else {
        let max_side = params.max_side.max(64) as f32;
        let pad = target * 1.5;
        let (mx0, my0, mx1, my1) = img_mrz.bounds();
        let mrz_extent = (mx1 - mx0).max(my1 - my0) + 2.0 * pad;
        if mrz_extent > max_side * 0.95 {
            k *= max_side * 0.95 / mrz_extent;
            corners = project_corners(pw, ph, k, rot, tilt, focal);
            (bx0, by0, bx1, by1) = doc_bounds(&corners);
        }
        h = Homography::from_points(page_quad.0, corners).unwrap_or(Homography::IDENTITY);
        img_mrz = mrz.map(&h);
        let longer = (bx1 - bx0).max(by1 - by0);
        let mut side = || uniform(rng, params.margin) * longer;
        let (l, t, r, b) = (side(), side(), side(), side());
        let (sx0, sy0, sx1, sy1) = (bx0 - l, by0 - t, bx1 + r, by1 + b);
        let (sw, sh) = (sx1 - sx0, sy1 - sy0);
        let (cw, ch) = (sw.min(max_side), sh.min(max_side));
        // Crop a window of the scene that keeps the whole MRZ (and a little around it).
        let (mx0, my0, mx1, my1) = img_mrz.bounds();
        let lo_x = (mx1 + pad - cw).max(sx0);
        let hi_x = (mx0 - pad).min(sx1 - cw).max(lo_x);
        let lo_y = (my1 + pad - ch).max(sy0);
        let hi_y = (my0 - pad).min(sy1 - ch).max(lo_y);
        let wx = rng.gen_range(lo_x..=hi_x);
        let wy = rng.gen_range(lo_y..=hi_y);
        offset = [-wx, -wy];
        out_w = cw.ceil() as u32;
        out_h = ch.ceil() as u32;
    }
    let mut offset = offset;
    // The RNG is only drawn from when cutting is on, so that other captures stay byte-identical.
    if params.mrz_cut_prob > 0.0 && rng.gen_bool(params.mrz_cut_prob.clamp(0.0, 1.0) as f64) {
        let at = Homography::from_points(page_quad.0, corners).unwrap_or(Homography::IDENTITY);
        let (mx0, my0, mx1, my1) = mrz.map(&at).bounds();
        let cut = rng.gen_range(0.1..0.35);
        let far_end = rng.gen_bool(0.5);
        let (axis, lo, hi, size) = if mx1 - mx0 >= my1 - my0 {
            (0, mx0, mx1, out_w as f32)
        } else {
            (1, my0, my1, out_h as f32)
        };
        let outside = (hi - lo) * cut;
        offset[axis] = if far_end {
            size + outside - hi
        } else {
            -outside - lo
        };
    }
    let placed = corners.map(|p| [p[0] + offset[0], p[1] + offset[1]]);
    let h = Homography::from_points(page_quad.0, placed).unwrap_or(Homography::IDENTITY);
    let doc_quad = Quad(placed);
    let img_mrz = mrz.map(&h);
    let (w, hgt) = (out_w.max(1) as usize, out_h.max(1) as usize);

    let mut buf = Buf::new(w, hgt, [0.0; 3]);
    paint_scene(&mut buf, params.scene, rng);
    if rng.gen_bool(params.clutter_prob.clamp(0.0, 1.0) as f64) {
        for _ in 0..rng.gen_range(1..3) {
            let (cx, cy) = (rng.gen_range(0.0..w as f32), rng.gen_range(0.0..hgt as f32));
            let (a, sz) = (
                rng.gen_range(0.0..std::f32::consts::TAU),
                longer * rng.gen_range(0.5..1.2),
            );
            let (sa, ca) = a.sin_cos();
            let pts =
                [[-1.0, -1.4], [1.0, -1.4], [1.0, 1.4], [-1.0, 1.4]].map(|[x, y]: [f32; 2]| {
                    [
                        cx + (x * ca - y * sa) * sz / 2.0,
                        cy + (x * sa + y * ca) * sz / 2.0,
                    ]
                });
            paint_paper(&mut buf, &Quad(pts), rng);
        }
    }

    // Soft contact shadow under the document, offset toward the light.
    if params.scene != Scene::Plain {
        let (sx, sy) = (
            rng.gen_range(-0.01..0.01) * longer,
            rng.gen_range(0.0..0.015) * longer,
        );
        let shadow_q = Quad(placed.map(|p| [p[0] + sx, p[1] + sy]));
        let (x0, y0, x1, y1) = shadow_q.bounds();
        for y in (y0.max(0.0) as usize)..(y1.max(0.0) as usize).min(hgt) {
            for x in (x0.max(0.0) as usize)..(x1.max(0.0) as usize).min(w) {
                if shadow_q.contains([x as f32 + 0.5, y as f32 + 0.5]) {
                    buf.px[y * w + x] = buf.px[y * w + x].map(|v| v * 0.7);
                }
            }
        }
    }

    // The page itself, inverse-mapped with bilinear sampling and supersampled when minified.
    let page_buf = Buf::from_rgb(page);
    let inv = h.inverse().unwrap_or(Homography::IDENTITY);
    let minify = 1.0 / k.max(1e-3);
    let ss = (minify.ceil() as usize).clamp(1, 3);
    let (x0, y0, x1, y1) = doc_quad.bounds();
    for y in (y0.max(0.0) as usize)..((y1.max(0.0).ceil()) as usize + 1).min(hgt) {
        for x in (x0.max(0.0) as usize)..((x1.max(0.0).ceil()) as usize + 1).min(w) {
            let (acc, inside) = page_buf.supersample(&inv, x, y, ss, |u, v| {
                u >= 0.0 && v >= 0.0 && u < pw && v < ph
            });
            if inside > 0 {
                let n = (ss * ss) as f32;
                let a = inside as f32 / n;
                let bg = buf.px[y * w + x];
                for c in 0..3 {
                    buf.px[y * w + x][c] = acc[c] / n + bg[c] * (1.0 - a);
                }
            }
        }
    }

    // A hand over a corner, never over more than a small part of the MRZ.
    if rng.gen_bool(params.occluder_prob.clamp(0.0, 1.0) as f64) {
        let samples = img_mrz.grid(24);
        for _ in 0..8 {
            let hand = Hand::random(&doc_quad, rng);
            let covered = samples.iter().filter(|&&p| hand.coverage(p) > 0.0).count() as f32
                / samples.len() as f32;
            if covered <= params.max_mrz_occlusion {
                let shade = value_noise(w, hgt, longer * 0.1, rng);
                for y in 0..hgt {
                    for x in 0..w {
                        if hand.coverage([x as f32 + 0.5, y as f32 + 0.5]) > 0.0 {
                            let s = 1.0 + 0.15 * shade[y * w + x];
                            buf.px[y * w + x] = hand.skin.map(|c| c * s);
                        }
                    }
                }
                break;
            }
        }
    }

    // Lighting: low-frequency falloff, a cast shadow, glare spots.
    let diag = ((w * w + hgt * hgt) as f32).sqrt();
    if params.uneven_light > 0.0 {
        let field = value_noise(w, hgt, diag * 0.4, rng);
        let a: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
        let grad = params.uneven_light * rng.gen_range(0.3..1.0);
        for y in 0..hgt {
            for x in 0..w {
                let t = ((x as f32 - w as f32 / 2.0) * a.cos()
                    + (y as f32 - hgt as f32 / 2.0) * a.sin())
                    / diag;
                let g = (1.0 + grad * t * 1.2 + params.uneven_light * 0.35 * field[y * w + x])
                    .max(0.15);
                buf.px[y * w + x] = buf.px[y * w + x].map(|v| v * g);
            }
        }
    }
    if rng.gen_bool(params.shadow_prob.clamp(0.0, 1.0) as f64) {
        let a: f32 = rng.gen_range(0.0..std::f32::consts::TAU);
        let (nx, ny) = (a.cos(), a.sin());
        let c = [rng.gen_range(0.0..w as f32), rng.gen_range(0.0..hgt as f32)];
        let soft = diag * rng.gen_range(0.01..0.08);
        let depth = rng.gen_range(0.25..0.6);
        for y in 0..hgt {
            for x in 0..w {
                let d = (x as f32 - c[0]) * nx + (y as f32 - c[1]) * ny;
                let t = (0.5 + d / (2.0 * soft)).clamp(0.0, 1.0);
                let g = 1.0 - depth * t;
                buf.px[y * w + x] = buf.px[y * w + x].map(|v| v * g);
            }
        }
    }
    if rng.gen_bool(params.glare_prob.clamp(0.0, 1.0) as f64) {
        for _ in 0..rng.gen_range(1..3) {
            let (x0, y0, x1, y1) = doc_quad.bounds();
            let c = [
                rng.gen_range(x0..x1.max(x0 + 1.0)),
                rng.gen_range(y0..y1.max(y0 + 1.0)),
            ];
            let r = longer * rng.gen_range(0.04..0.18);
            let elong = rng.gen_range(1.0..3.0);
            let a: f32 = rng.gen_range(0.0..std::f32::consts::PI);
            let strength = uniform(rng, params.glare_strength);
            let (ca, sa) = (a.cos(), a.sin());
            let reach = 3.0 * r * elong;
            for y in ((c[1] - reach).max(0.0) as usize)..((c[1] + reach).max(0.0) as usize).min(hgt)
            {
                for x in
                    ((c[0] - reach).max(0.0) as usize)..((c[0] + reach).max(0.0) as usize).min(w)
                {
                    let (dx, dy) = (x as f32 - c[0], y as f32 - c[1]);
                    let (u, v) = ((dx * ca + dy * sa) / elong, -dx * sa + dy * ca);
                    let g = strength * (-(u * u + v * v) / (2.0 * r * r)).exp();
                    // Glare is specular: it washes toward white, flattening the print underneath.
                    buf.px[y * w + x] = buf.px[y * w + x].map(|p| p + (255.0 - p) * g.min(1.0));
                }
            }
        }
    }

    // Exposure, white balance, optics, sensor.
    let contrast = uniform(rng, params.contrast);
    let brightness = uniform(rng, params.brightness);
    buf.set_contrast(contrast, brightness);
    if params.color_cast > 0.0 {
        let cc = params.color_cast;
        let gains = [
            1.0 + rng.gen_range(-cc..cc),
            1.0 + rng.gen_range(-cc..cc) * 0.5,
            1.0 + rng.gen_range(-cc..cc),
        ];
        for p in &mut buf.px {
            for c in 0..3 {
                p[c] *= gains[c];
            }
        }
    }
    buf.gaussian_blur(uniform(rng, params.blur_sigma));
    let mlen = uniform(rng, params.motion_blur_px);
    buf.motion_blur(mlen, rng.gen_range(0.0..std::f32::consts::PI));
    let sigma = uniform(rng, params.noise_sigma);
    buf.add_noise(sigma, rng);

    let mut image = buf.to_rgb();
    // Drawn from the RNG only when on, so that other captures stay byte-identical.
    let chance = |p: f32, rng: &mut ChaCha8Rng| p > 0.0 && rng.gen_bool(p.clamp(0.0, 1.0) as f64);
    let dithered = chance(params.dither_prob, rng);
    if dithered {
        dither_black_and_white(&mut image);
    }
    let mut page_to_image = h;
    if chance(params.mirror_prob, rng) {
        image::imageops::flip_horizontal_in_place(&mut image);
        let width = f64::from(image.width());
        let mirror = Homography([-1.0, 0.0, width, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        page_to_image = h.then(&mirror);
    }
    let mut jpeg = None;
    if let Some((lo, hi)) = params.jpeg_quality.filter(|_| !dithered) {
        let q = if hi > lo { rng.gen_range(lo..=hi) } else { lo };
        let (bytes, decoded) = jpeg_round_trip(&image, q)?;
        image = decoded;
        jpeg = Some(bytes);
    }
    Ok(Captured {
        image,
        jpeg,
        page_to_image,
    })
}

/// Turns the image into black and white dots whose density follows its grey (Floyd-Steinberg
/// error diffusion, left to right on every row).
fn dither_black_and_white(image: &mut RgbImage) {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let mut grey: Vec<f32> = image
        .pixels()
        .map(|p| 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]))
        .collect();
    for y in 0..h {
        for x in 0..w {
            let old = grey[y * w + x];
            let new = if old < 128.0 { 0.0 } else { 255.0 };
            let err = old - new;
            grey[y * w + x] = new;
            for (dx, dy, k) in [(1, 0, 7.0), (-1, 1, 3.0), (0, 1, 5.0), (1, 1, 1.0)] {
                let (nx, ny) = (x as isize + dx, y + dy);
                if (0..w as isize).contains(&nx) && ny < h {
                    grey[ny * w + nx as usize] += err * k / 16.0;
                }
            }
        }
    }
    for (p, g) in image.pixels_mut().zip(grey) {
        *p = Rgb([g as u8; 3]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_names_round_trip() {
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
        }
        assert_eq!(Preset::from_name("blurry"), None);
    }

    #[test]
    fn presets_grow_harder() {
        let (photo, hard) = (Preset::Photo.params(), Preset::Hard.params());
        assert!(hard.noise_sigma.1 > photo.noise_sigma.1);
        assert!(hard.jpeg_quality.unwrap().0 < photo.jpeg_quality.unwrap().0);
        assert!(hard.char_height_px.0 <= 8.0 && hard.char_height_px.1 >= 60.0);
        assert_eq!(Preset::Clean.params().rotation_deg, (0.0, 0.0));
    }

    #[test]
    fn flat_projection_is_a_similarity() {
        let c = project_corners(100.0, 50.0, 2.0, 0.0, (0.0, 0.0), 2.0);
        let w = c[1][0] - c[0][0];
        let h = c[3][1] - c[0][1];
        assert!((w - 200.0).abs() < 1e-3 && (h - 100.0).abs() < 1e-3);
    }
}
