//! The reading pipeline stage by stage on the committed fixtures (`fixtures/docs`, made by the
//! document generator with the commands in `fixtures/README.md`), and end to end at every rotation.
#![cfg(feature = "reader")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::{GrayImage, Luma};
use kyc_ocr::compare::DocumentType;
use kyc_ocr::decode::DecodeErrorKind;
use kyc_ocr::engine::{DetectorUse, Engine, EngineErrorKind, EngineParams};
use kyc_ocr::locate::{Point, Quad};
use kyc_ocr::rectify::LINE_HEIGHT;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineParams::default()).expect("embedded model loads"))
}

struct Doc {
    image: String,
    lines: Vec<String>,
    mrz_quad: Quad,
    line_quads: Vec<Quad>,
}

fn quad(v: &serde_json::Value) -> Quad {
    let p: Vec<Point> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Point::new(p[0].as_f64().unwrap() as f32, p[1].as_f64().unwrap() as f32))
        .collect();
    Quad([p[0], p[1], p[2], p[3]])
}

fn docs(preset: &str) -> Vec<Doc> {
    docs_in(&root().join("fixtures/docs").join(preset))
}

/// The documents of a generator folder (its images and `truth.jsonl`).
fn docs_in(dir: &Path) -> Vec<Doc> {
    std::fs::read_to_string(dir.join("truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Doc {
                image: dir.join(v["image"].as_str().unwrap()).display().to_string(),
                lines: v["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
                mrz_quad: quad(&v["mrz_quad"]),
                line_quads: v["line_quads"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(quad)
                    .collect(),
            }
        })
        .collect()
}

fn grey(doc: &Doc) -> GrayImage {
    let bytes = std::fs::read(&doc.image).unwrap();
    engine().decode(&bytes).unwrap().to_luma8()
}

#[test]
fn engine_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<kyc_ocr::engine::ReadOutput>();
    assert_send_sync::<kyc_ocr::engine::EngineError>();
}

#[test]
fn decode_errors_on_bad_files() {
    // fixtures/bad/expected.tsv lists each bad file with the outcome the reader must give.
    let dir = root().join("fixtures/bad");
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut checked = 0;
    for row in table.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, outcome) = (cols[0], cols[1]);
        let Ok(bytes) = std::fs::read(dir.join(file)) else {
            continue;
        };
        let result = engine().read(&bytes);
        match outcome.strip_prefix("error:") {
            Some(kind) => {
                let err = result.expect_err(file);
                let source = std::error::Error::source(&err)
                    .and_then(|s| s.downcast_ref::<kyc_ocr::decode::DecodeError>())
                    .unwrap_or_else(|| panic!("{file}: not a decode error: {err}"));
                let want = match kind {
                    "empty" => matches!(source.kind(), DecodeErrorKind::Empty),
                    "unsupported_format" => {
                        matches!(source.kind(), DecodeErrorKind::UnsupportedFormat)
                    }
                    "too_many_pixels" => {
                        matches!(source.kind(), DecodeErrorKind::TooManyPixels { .. })
                    }
                    "corrupt" => matches!(source.kind(), DecodeErrorKind::Corrupt),
                    other => panic!("unknown outcome {other}"),
                };
                assert!(want, "{file}: expected {kind}, got {:?}", source.kind());
            }
            None => {
                let out = result.unwrap_or_else(|e| panic!("{file}: {e}"));
                assert!(out.mrz.is_none(), "{file}: expected no mrz");
            }
        }
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} bad fixtures found");
}

#[test]
fn decode_error_messages() {
    let cases: [(&[u8], &str); 4] = [
        (b"", "image is empty"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            "image format is not supported (expected jpeg, png, webp, tiff, bmp, gif, heic, jpeg \
             2000 or a pdf scan)",
        ),
        // A PDF with no page image in it (text, vector graphics): the message says what it is.
        (
            b"%PDF-1.4 not an image",
            "image format is not supported: this is a PDF document without a scanned page image \
             this engine reads (a page of text or vector graphics) (expected jpeg, png, webp, \
             tiff, bmp, gif, heic, jpeg 2000 or a pdf scan)",
        ),
        (
            &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
            "image is truncated or corrupt",
        ),
    ];
    for (bytes, message) in cases {
        assert_eq!(engine().decode(bytes).unwrap_err().to_string(), message);
    }
}

#[test]
fn locate_overlaps_truth_on_every_preset() {
    for preset in ["clean", "scan", "photo"] {
        for doc in docs(preset) {
            let g = grey(&doc);
            let loc = engine()
                .locate(&g)
                .unwrap_or_else(|| panic!("{}: no mrz", doc.image));
            // The zone may come back upside down; overlap does not depend on corner order.
            let iou = loc.quad.iou(&doc.mrz_quad);
            assert!(iou > 0.5, "{}: zone overlap {iou}", doc.image);
            assert_eq!(loc.lines.len(), doc.lines.len(), "{}", doc.image);
            assert_eq!(loc.line_len, doc.lines[0].len(), "{}", doc.image);
        }
    }
}

/// The example passport photo scaled by `k` and pasted at (1500, 1000) into a 4032x3024 frame,
/// a 12-megapixel phone photo of a document lying far off; with its truth moved alike.
fn in_phone_frame(k: f32) -> (GrayImage, Doc) {
    let dir = root().join("fixtures/example");
    let doc = docs_in(&dir).remove(0);
    let g = grey(&doc);
    let (w, h) = (g.width() as f32 * k, g.height() as f32 * k);
    let small = image::imageops::resize(
        &g,
        w.round() as u32,
        h.round() as u32,
        image::imageops::FilterType::Triangle,
    );
    let mut frame = GrayImage::from_pixel(4032, 3024, Luma([110]));
    image::imageops::replace(&mut frame, &small, 1500, 1000);
    let moved = |q: &Quad| Quad(q.0.map(|p| Point::new(p.x * k + 1500.0, p.y * k + 1000.0)));
    let doc = Doc {
        mrz_quad: moved(&doc.mrz_quad),
        line_quads: doc.line_quads.iter().map(moved).collect(),
        ..doc
    };
    (frame, doc)
}

#[test]
fn a_small_document_in_a_big_phone_frame_is_found_and_read() {
    // At 0.6 the characters are about 9 px high in the frame, 3.5 px in the 1600-px copy: only
    // the last, 3200-px search finds them. At 1.0 the copy finds them at about 5.6 px, and the
    // zone is located again in a crop at full resolution, tight enough to read.
    for k in [0.6f32, 1.0] {
        let (frame, doc) = in_phone_frame(k);
        let loc = engine()
            .locate(&frame)
            .unwrap_or_else(|| panic!("scale {k}: no zone"));
        assert_eq!(loc.lines.len(), 2, "scale {k}");
        let truth = loc.quad.iou(&doc.mrz_quad);
        assert!(truth > 0.5, "scale {k}: zone overlap {truth}");
        // Each line box's centre lies on a truth line's mid-line to within a quarter of the
        // text's height (its ends may differ by a filler, so only the offset across counts).
        let height = doc.line_quads[0].height();
        let mid = |a: Point, b: Point| Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        for got in &loc.lines {
            let [p, q, r, s] = got.0;
            let centre = mid(mid(p, r), mid(q, s));
            let across = |want: &Quad| {
                let (a, b) = (mid(want.0[0], want.0[3]), mid(want.0[1], want.0[2]));
                let (dx, dy) = (b.x - a.x, b.y - a.y);
                ((centre.x - a.x) * dy - (centre.y - a.y) * dx).abs() / dx.hypot(dy)
            };
            let d = doc.line_quads.iter().map(across).fold(f32::MAX, f32::min);
            assert!(
                d < height * 0.25,
                "scale {k}: line {d} px off ({height} px high)"
            );
            let ratio = got.height() / height;
            assert!(
                (0.7..1.4).contains(&ratio),
                "scale {k}: line height ratio {ratio}"
            );
        }
        let out = engine().read_image(&frame).unwrap();
        let mrz = out.mrz.unwrap_or_else(|| panic!("scale {k}: nothing read"));
        assert_eq!(mrz.lines, doc.lines, "scale {k}");
        assert!(mrz.is_valid(), "scale {k}");
    }
}

#[test]
fn rectify_gives_one_crop_per_line_at_model_height() {
    for doc in docs("scan") {
        let g = grey(&doc);
        let loc = engine().locate(&g).unwrap();
        let lines = engine().rectify(&g, &loc);
        assert_eq!(lines.len(), doc.line_quads.len(), "{}", doc.image);
        for line in &lines {
            assert_eq!(line.image.height(), LINE_HEIGHT);
            // About 0.6 to 0.8 height per character plus margins.
            let per_char = line.image.width() as f32 / doc.lines[0].len() as f32;
            assert!(
                (12.0..=30.0).contains(&per_char),
                "{}: {per_char} px per char",
                doc.image
            );
        }
    }
}

/// Reads `doc` end to end and asserts that it gave the truth's lines, every check digit valid.
fn read_exactly(doc: &Doc) -> kyc_ocr::engine::ReadOutput {
    let bytes = std::fs::read(&doc.image).unwrap();
    let out = engine().read(&bytes).unwrap();
    let mrz = out
        .mrz
        .as_ref()
        .unwrap_or_else(|| panic!("{}: {:?}", doc.image, out.parse_error));
    assert_eq!(mrz.lines, doc.lines, "{}", doc.image);
    assert!(mrz.is_valid(), "{}", doc.image);
    out
}

#[test]
fn reads_clean_and_scan_fixtures_exactly() {
    for preset in ["clean", "scan"] {
        for doc in docs(preset) {
            let out = read_exactly(&doc);
            assert!(
                out.confidence > 0.5,
                "{}: confidence {}",
                doc.image,
                out.confidence
            );
            let loc = out.location.unwrap();
            // Read in reading order: the first corner is the truth's first corner.
            let d = loc.lines[0].0[0];
            let t = doc.line_quads[0].0[0];
            let tol = (doc.line_quads[0].0[3].y - t.y).hypot(doc.line_quads[0].0[3].x - t.x) * 1.5;
            assert!(
                (d.x - t.x).hypot(d.y - t.y) < tol,
                "{}: first corner {d:?} vs {t:?}",
                doc.image
            );
        }
    }
}

/// A page that bows (a booklet held open, a curling page) prints its MRZ lines as arcs: the
/// localiser measures each line's bow and the rectifier cuts along it. The committed bent photos
/// (2-3 character heights between the lines' ends and middles) read exactly; cut straight along
/// the same line boxes, most do not.
#[test]
fn bent_pages_are_read_along_their_arcs() {
    let docs = docs("bent");
    assert_eq!(docs.len(), 5);
    let mut straight_exact = 0;
    for doc in &docs {
        let out = read_exactly(doc);
        let loc = out.location.unwrap();
        assert_eq!(
            loc.curves.len(),
            loc.lines.len(),
            "{}: bows measured",
            doc.image
        );
        let bow = loc
            .curves
            .iter()
            .map(|c| c.max_offset())
            .fold(0.0, f32::max);
        assert!(bow > 0.3, "{}: largest bow {bow} line heights", doc.image);
        // The same boxes cut straight.
        let g = grey(doc);
        let straight = kyc_ocr::locate::MrzLocation {
            curves: Vec::new(),
            ..loc
        };
        let lines = engine().rectify(&g, &straight);
        let readings = engine().recognise(&lines).unwrap();
        let read = engine().parse(&readings).map(|m| m.lines);
        straight_exact += usize::from(read.is_ok_and(|l| l == doc.lines));
    }
    assert!(
        straight_exact <= 2,
        "{straight_exact} of 5 read exactly cut straight"
    );
}

/// Uploads arrive as CMYK JPEGs (scanners, print workflows), which store no luma channel for the
/// fast grey decode, as 16-bit PNGs, JPEG 2000, HEIC (an iPhone's photos) and GIF: all read like
/// the example they were made from (`fixtures/formats/make_formats.py`).
#[test]
fn reads_cmyk_jpeg_16_bit_png_jpeg2000_heic_and_gif() {
    let want = docs_in(&root().join("fixtures/example")).remove(0).lines;
    for name in [
        "passport-cmyk.jpg",
        "passport-grey16.png",
        "passport.jp2",
        "passport.heic",
        "passport.gif",
    ] {
        let bytes = std::fs::read(root().join("fixtures/formats").join(name)).unwrap();
        let grey = engine().decode_grey(&bytes).unwrap();
        assert_eq!(grey.dimensions(), (800, 600), "{name}");
        // Paper is light and ink dark in both: the CMYK conversion kept its polarity.
        let mut levels: Vec<u8> = grey.pixels().map(|p| p[0]).collect();
        levels.sort_unstable();
        let (dark, light) = (levels[levels.len() / 50], levels[levels.len() * 49 / 50]);
        assert!(light > dark + 100, "{name}: levels {dark}..{light}");
        let out = engine().read(&bytes).unwrap();
        let mrz = out.mrz.unwrap_or_else(|| panic!("{name}: no mrz"));
        assert_eq!(mrz.lines, want, "{name}");
        assert!(mrz.is_valid(), "{name}");
    }
}

/// An iPhone stores its photo as 512 x 512 tiles (a HEIF grid), often on its side with a rotation
/// box that turns it upright: the tiles come back as one picture, turned as the file says.
#[test]
fn reads_a_heic_laid_out_as_an_iphone_writes_it() {
    let want = docs_in(&root().join("fixtures/example")).remove(0).lines;
    let bytes = std::fs::read(root().join("fixtures/formats/passport-iphone.heic")).unwrap();
    // Stored 960 x 1280 (on its side), turned upright by its `irot` box.
    let grey = engine().decode_grey(&bytes).unwrap();
    assert_eq!(grey.dimensions(), (1280, 960));
    let example = engine()
        .decode_grey(&std::fs::read(root().join("fixtures/example/passport.jpg")).unwrap())
        .unwrap();
    // The same picture as the example it was coded from, to within the coding loss: a tile out of
    // place or a turn the wrong way would differ by far more.
    let diff: u64 = grey
        .pixels()
        .zip(example.pixels())
        .map(|(a, b)| u64::from(a[0].abs_diff(b[0])))
        .sum();
    let mean = diff as f64 / f64::from(1280 * 960);
    assert!(mean < 6.0, "mean difference {mean:.1} grey levels");
    let mrz = engine().read(&bytes).unwrap().mrz.expect("an mrz");
    assert_eq!(mrz.lines, want);
    assert!(mrz.is_valid());
}

/// Scans saved as PDF (`fixtures/formats/make_formats.py`): the page image inside is read, a JPEG
/// or a JPEG 2000 as the photo it was made from, a black-and-white page, group 4 or group 3 fax
/// or JBIG2, as the scan it was thresholded from (all three the same pixels). So are fax TIFFs,
/// which `image` does not read: modified Huffman, and group 3 as a fax server writes it.
#[test]
fn reads_pdf_scans() {
    let example = docs_in(&root().join("fixtures/example")).remove(0).lines;
    let scan = docs_in(&root().join("fixtures/docs/scan")).remove(0).lines;
    let mut black_and_white = Vec::new();
    for (name, size, want) in [
        ("passport-scan.pdf", (800, 600), example.clone()),
        ("passport-scan-jpx.pdf", (800, 600), example),
        ("scan-bw-g4.pdf", (1399, 1312), scan.clone()),
        ("scan-bw-g3.pdf", (1399, 1312), scan.clone()),
        ("scan-bw-jbig2.pdf", (1399, 1312), scan.clone()),
        ("scan-bw-mh.tif", (1399, 1312), scan.clone()),
        // Sent at a fax's standard resolution, 656 rows, each shown twice: square pixels.
        ("fax-standard.tif", (1399, 1312), scan),
    ] {
        let bytes = std::fs::read(root().join("fixtures/formats").join(name)).unwrap();
        let grey = engine().decode_grey(&bytes).unwrap();
        assert_eq!(grey.dimensions(), size, "{name}");
        // The black-and-white pages are mostly paper, white, with black ink: their black and
        // white are the right way round.
        if name.starts_with("scan") || name.starts_with("fax") {
            let mut levels: Vec<u8> = grey.pixels().map(|p| p[0]).collect();
            levels.sort_unstable();
            let at = |q: usize| levels[levels.len() * q / 100];
            assert_eq!((at(1), at(50)), (0, 255), "{name}");
            black_and_white.push(grey.clone());
        }
        let out = engine().read(&bytes).unwrap();
        let mrz = out.mrz.unwrap_or_else(|| panic!("{name}: no mrz"));
        assert_eq!(mrz.lines, want, "{name}");
        assert!(mrz.is_confident(), "{name}");
    }
    // The same thresholded scan, coded four ways, decodes to the same pixels; at half the rows,
    // to every other row of it (the odd ones, as Pillow's nearest resize took them), each twice.
    let standard = black_and_white.pop().unwrap();
    assert_eq!(black_and_white.len(), 4);
    assert!(black_and_white.windows(2).all(|w| w[0] == w[1]));
    let full = &black_and_white[0];
    let differ = (0..1312)
        .filter(|&y| {
            (0..1399).any(|x| standard.get_pixel(x, y) != full.get_pixel(x, y / 2 * 2 + 1))
        })
        .count();
    assert_eq!(differ, 0);
}

/// A PDF of two pages, the first without an MRZ (a booklet's cover, a card's front): the pages are
/// read in turn, and the second gives the zone.
#[test]
fn reads_the_page_of_a_pdf_that_holds_the_zone() {
    let want = docs_in(&root().join("fixtures/example")).remove(0).lines;
    let bytes = std::fs::read(root().join("fixtures/formats/two-pages.pdf")).unwrap();
    let pages = engine().decode_grey_pages(&bytes).unwrap();
    assert_eq!(pages.len(), 2);
    assert!(engine().read_image(&pages[0]).unwrap().mrz.is_none());
    // The single-image decode takes the first of two pages of one size: no zone there.
    assert_eq!(engine().decode_grey(&bytes).unwrap(), pages[0]);
    for out in [
        engine().read(&bytes).unwrap(),
        engine()
            .read_wanting(&bytes, kyc_ocr::compare::DocumentType::Passport)
            .unwrap(),
    ] {
        let mrz = out.mrz.expect("the second page's mrz");
        assert_eq!(mrz.lines, want);
        assert!(mrz.is_confident());
    }
    // An image is one page.
    let jpeg = std::fs::read(root().join("fixtures/example/passport.jpg")).unwrap();
    assert_eq!(engine().decode_grey_pages(&jpeg).unwrap().len(), 1);
}

/// A TIFF of two pages, as a fax or a scanner's document feeder writes it: black and white, group
/// 4, a cover without an MRZ first. The image library reads a TIFF's first page alone.
#[test]
fn reads_the_page_of_a_tiff_that_holds_the_zone() {
    let want = docs_in(&root().join("fixtures/docs/scan")).remove(0).lines;
    let bytes = std::fs::read(root().join("fixtures/formats/two-pages.tif")).unwrap();
    let pages = engine().decode_grey_pages(&bytes).unwrap();
    let sizes: Vec<(u32, u32)> = pages.iter().map(|p| p.dimensions()).collect();
    assert_eq!(sizes, [(1200, 850), (1399, 1312)]);
    assert_eq!(engine().decode_grey(&bytes).unwrap(), pages[0]);
    assert!(engine().read_image(&pages[0]).unwrap().mrz.is_none());
    let out = engine().read(&bytes).unwrap();
    assert_eq!(out.page, 1);
    let mrz = out.mrz.expect("the second page's mrz");
    assert_eq!(mrz.lines, want);
    assert!(mrz.is_confident());
    // The pages already decoded read the same, plainly or for the kind wanted.
    for want_kind in [None, Some(kyc_ocr::compare::DocumentType::Passport)] {
        let again = engine().read_decoded_pages(&pages, want_kind).unwrap();
        assert_eq!(again.page, 1, "{want_kind:?}");
        assert_eq!(
            again.mrz.map(|m| m.lines),
            Some(want.clone()),
            "{want_kind:?}"
        );
    }
}

#[test]
fn reads_a_dithered_one_bit_scan() {
    // Every grey of the photo is a pattern of black and white dots; read as it is, the zone
    // came out as an invalid TD2. The descreen step blurs the dots back into greys first.
    let want = docs_in(&root().join("fixtures/example")).remove(0).lines;
    let bytes = std::fs::read(root().join("fixtures/formats/passport-dithered.png")).unwrap();
    let grey = engine().decode_grey(&bytes).unwrap();
    assert_eq!(grey.dimensions(), (1280, 960));
    assert!(grey.pixels().all(|p| p[0] == 0 || p[0] == 255), "not 1-bit");
    let smooth = engine().descreen(&grey).expect("taken for dithered");
    let greys = smooth
        .pixels()
        .filter(|p| (40..216).contains(&p[0]))
        .count();
    assert!(
        greys > smooth.len() / 4,
        "{greys} grey pixels after descreening"
    );
    let out = engine().read(&bytes).unwrap();
    let mrz = out.mrz.expect("an mrz");
    assert_eq!(mrz.lines, want);
    assert!(mrz.is_valid());
    // A photo that is not dithered is read as it is.
    let photo = std::fs::read(root().join("fixtures/example/passport.jpg")).unwrap();
    assert!(engine()
        .descreen(&engine().decode_grey(&photo).unwrap())
        .is_none());
}

/// A scan saved as a negative (white text on black, a scanner's or a viewer's inverted mode)
/// reads as the scan does.
#[test]
fn reads_a_negative_scan() {
    for doc in docs("scan").iter().take(2) {
        let mut negative = grey(doc);
        image::imageops::invert(&mut negative);
        let out = engine().read_image(&negative).unwrap();
        let mrz = out.mrz.unwrap_or_else(|| panic!("{}: no mrz", doc.image));
        assert_eq!(mrz.lines, doc.lines, "{}", doc.image);
        assert!(mrz.is_valid(), "{}", doc.image);
    }
}

#[test]
fn reads_a_mirror_image() {
    // A selfie camera or a webcam may save the photo as its preview showed it, mirrored. Mirrored
    // left to right, and top to bottom (a mirror turned upside down), the zone reads right.
    let doc = docs_in(&root().join("fixtures/example")).remove(0);
    let photo = grey(&doc);
    let upright = engine().read_image(&photo).unwrap();
    assert!(!upright.location.unwrap().is_mirrored());
    for (how, image) in [
        ("left to right", image::imageops::flip_horizontal(&photo)),
        ("top to bottom", image::imageops::flip_vertical(&photo)),
    ] {
        let out = engine().read_image(&image).unwrap();
        let mrz = out.mrz.unwrap_or_else(|| panic!("{how}: nothing read"));
        assert_eq!(mrz.lines, doc.lines, "{how}");
        assert!(mrz.is_valid(), "{how}");
        let location = out.location.unwrap();
        assert!(location.is_mirrored(), "{how}");
        // The zone lies where the mirrored truth does.
        let mirror = |p: Point| match how {
            "left to right" => Point::new(photo.width() as f32 - 1.0 - p.x, p.y),
            _ => Point::new(p.x, photo.height() as f32 - 1.0 - p.y),
        };
        let want = Quad(doc.mrz_quad.0.map(mirror));
        let overlap = location.quad.iou(&want);
        assert!(overlap > 0.5, "{how}: zone overlap {overlap}");
    }
}

/// `a` and `b` on one white page, side by side or one above the other.
fn side_by_side(a: &GrayImage, b: &GrayImage, stacked: bool) -> GrayImage {
    let (w, h) = if stacked {
        (a.width().max(b.width()), a.height() + b.height())
    } else {
        (a.width() + b.width(), a.height().max(b.height()))
    };
    let mut page = GrayImage::from_pixel(w, h, Luma([255]));
    image::imageops::replace(&mut page, a, 0, 0);
    let (x, y) = if stacked {
        (0, a.height())
    } else {
        (a.width(), 0)
    };
    image::imageops::replace(&mut page, b, i64::from(x), i64::from(y));
    page
}

#[test]
fn a_form_gets_the_mrz_of_the_document_it_names() {
    // A passport photographed beside a visa (a spread, a scan of two pages): a plain read takes
    // either zone, and a read that wants one kind paints the other over and finds its own.
    let photos = docs("photo");
    let (passport, visa) = (&photos[0], &photos[3]);
    assert!(passport.lines[0].starts_with('P') && visa.lines[0].starts_with('V'));
    let (p, v) = (grey(passport), grey(visa));
    // Arrangements where the plain read took the other document, per wanted kind: the test is
    // only worth its name where some were.
    let mut taken_instead = [0, 0];
    for (name, image) in [
        ("passport | visa", side_by_side(&p, &v, false)),
        ("visa | passport", side_by_side(&v, &p, false)),
        ("passport over visa", side_by_side(&p, &v, true)),
        ("visa over passport", side_by_side(&v, &p, true)),
    ] {
        let plain = engine().read_image(&image).unwrap().mrz.unwrap().lines;
        for (k, (want, doc)) in [
            (DocumentType::Passport, passport),
            (DocumentType::Other, visa),
        ]
        .into_iter()
        .enumerate()
        {
            taken_instead[k] += usize::from(plain != doc.lines);
            let out = engine().read_image_wanting(&image, want).unwrap();
            let mrz = out
                .mrz
                .unwrap_or_else(|| panic!("{name}, {want:?}: nothing read"));
            assert_eq!(mrz.lines, doc.lines, "{name}, {want:?}");
            assert!(mrz.is_valid(), "{name}, {want:?}");
        }
    }
    assert!(taken_instead.iter().all(|&n| n > 0), "{taken_instead:?}");
    // Painted over, a zone is no longer found.
    let alone = engine().read_image(&p).unwrap();
    let mut painted = p.clone();
    alone.location.as_ref().unwrap().paint_over(&mut painted);
    assert_eq!(engine().locate(&painted), None);
    // An image of one document gives its reading whatever was wanted: the plain read's, with
    // the same zone.
    let wanting_other = engine()
        .read_image_wanting(&p, DocumentType::Other)
        .unwrap();
    assert_eq!(wanting_other.mrz.unwrap().lines, passport.lines);
    assert_eq!(wanting_other.location, alone.location);
}

/// Rotates `g` by `degrees` about its centre onto a canvas large enough to hold all of it.
fn rotate(g: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = (g.width() as f32, g.height() as f32);
    let side = (w.hypot(h)).ceil() as u32;
    let mut canvas = GrayImage::from_pixel(side, side, Luma([128]));
    image::imageops::overlay(
        &mut canvas,
        g,
        i64::from((side - g.width()) / 2),
        i64::from((side - g.height()) / 2),
    );
    imageproc::geometric_transformations::rotate_about_center(
        &canvas,
        degrees.to_radians(),
        imageproc::geometric_transformations::Interpolation::Bilinear,
        Luma([128]),
    )
}

#[test]
fn reads_at_any_rotation() {
    let doc = &docs("scan")[0];
    let g = grey(doc);
    let mut cases: Vec<(String, GrayImage)> = vec![
        ("90".into(), image::imageops::rotate90(&g)),
        ("180".into(), image::imageops::rotate180(&g)),
        ("270".into(), image::imageops::rotate270(&g)),
    ];
    for a in [17.0f32, 143.0, 211.0, 333.0] {
        cases.push((a.to_string(), rotate(&g, a)));
    }
    for (name, img) in cases {
        let out = engine().read_image(&img).unwrap();
        let mrz = out.mrz.unwrap_or_else(|| panic!("rotation {name}: no mrz"));
        assert_eq!(mrz.lines, doc.lines, "rotation {name}");
    }
}

#[test]
fn detector_finds_the_zone_in_photos_landscape_and_portrait() {
    for doc in docs("photo") {
        let g = grey(&doc);
        // A quarter turn clockwise makes the landscape photo portrait: (x, y) -> (h - y, x).
        let h = g.height() as f32;
        let turned = image::imageops::rotate90(&g);
        let turn = |q: &Quad| Quad(q.0.map(|p| Point::new(h - p.y, p.x)));
        for (image, truth) in [(&g, doc.mrz_quad), (&turned, turn(&doc.mrz_quad))] {
            let zones = engine().detect(image);
            let best = zones
                .iter()
                .map(|z| z.quad.iou(&truth))
                .fold(0.0f32, f32::max);
            assert!(best > 0.5, "{}: best zone overlap {best}", doc.image);
            let zone = zones
                .iter()
                .find(|z| z.quad.iou(&truth) > 0.5)
                .expect("a zone over the MRZ");
            assert_eq!(zone.lines.len(), doc.lines.len(), "{}", doc.image);
        }
    }
}

#[test]
fn detector_runs_only_as_a_fallback_and_can_be_switched_off() {
    let doc = &docs("scan")[0];
    let bytes = std::fs::read(&doc.image).unwrap();
    // A scan the classical localiser reads: the detector never runs.
    let out = engine().read(&bytes).unwrap();
    assert!(out.mrz.as_ref().is_some_and(|m| m.is_valid()));
    assert_eq!(out.timings.detect_ms, 0.0);
    let off = Engine::new(EngineParams {
        detector: DetectorUse::Off,
        ..EngineParams::default()
    })
    .unwrap();
    assert!(off.detect(&grey(doc)).is_empty());
}

#[test]
fn a_missing_detector_model_is_a_typed_error() {
    let err = Engine::new(EngineParams {
        detector_path: Some(PathBuf::from("/nonexistent/mrz-det.onnx")),
        ..EngineParams::default()
    })
    .unwrap_err();
    assert_eq!(err.kind(), &EngineErrorKind::Detector);
    assert!(err.to_string().contains("mrz-det.onnx"), "{err}");
}
