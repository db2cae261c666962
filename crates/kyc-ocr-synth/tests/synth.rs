//! Integration tests of the document generator: determinism, MRZ validity over many identities,
//! and the truth quads against the drawn pixels.

use kyc_ocr_synth::{
    random_identity, render_document, CaptureParams, DocFormat, DocSpec, Preset, Quad, Rendered,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn render(format: DocFormat, params: &CaptureParams, seed: u64) -> Rendered {
    let spec = DocSpec::random(format, seed);
    render_document(&spec, params, seed).expect("random identities compose")
}

#[test]
fn same_seed_same_bytes() {
    for (i, preset) in Preset::ALL.into_iter().enumerate() {
        let format = DocFormat::ALL[i % DocFormat::ALL.len()];
        // Small characters keep the test fast; determinism does not depend on size.
        let params = CaptureParams {
            char_height_px: (9.0, 10.0),
            ..preset.params()
        };
        let a = render(format, &params, 42);
        let b = render(format, &params, 42);
        assert_eq!(a.image.as_raw(), b.image.as_raw(), "{}", preset.name());
        assert_eq!(a.jpeg, b.jpeg);
        assert_eq!(a.truth, b.truth);
        let c = render(format, &params, 43);
        assert_ne!(
            a.image.as_raw(),
            c.image.as_raw(),
            "{}: seeds 42 and 43 agree",
            preset.name()
        );
    }
}

#[test]
fn every_truth_mrz_parses_with_valid_check_digits() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for format in DocFormat::NAMED {
        for _ in 0..200 {
            let id = random_identity(&mut rng, format);
            let data = id.mrz_data(format);
            let lines =
                kyc_ocr::mrz::compose(&data).unwrap_or_else(|e| panic!("{format}: {e}: {data:?}"));
            assert_eq!(lines.len(), format.line_count());
            assert!(
                lines.iter().all(|l| l.len() == format.line_len()),
                "{lines:?}"
            );
            let mrz =
                kyc_ocr::mrz::parse(&lines.join("\n")).unwrap_or_else(|e| panic!("{e}: {lines:?}"));
            assert!(mrz.is_valid(), "{lines:?}: {:?}", mrz.checks);
            assert!(mrz.repairs.is_empty(), "{lines:?}: {:?}", mrz.repairs);
            let f = &mrz.fields;
            assert_eq!(f.document_number.value, id.document_number, "{lines:?}");
            assert_eq!(f.nationality.value, id.nationality);
            assert_eq!(f.issuing_state.value, id.issuing_state);
            assert_eq!(f.birth_date.value.civil(), Some(id.birth_date), "{lines:?}");
            let (surname, given) = (id.mrz_surname(), id.mrz_given_names());
            if format == DocFormat::FrenchId {
                // No expiry field; the surname and the given names have 25 and 14 characters
                // of their own.
                assert_eq!(mrz.format, kyc_ocr::mrz::MrzFormat::FrenchId);
                assert_eq!(f.expiry_date.raw, "");
                // The number starts with the issue year and month, of a card issued by 2021
                // after the holder's birth.
                let issued = id.issue_date;
                assert!(issued.year() <= 2021 && issued > id.birth_date, "{issued}");
                let yymm = format!("{:02}{:02}", issued.year() % 100, issued.month());
                assert!(f.document_number.value.starts_with(&yymm), "{lines:?}");
                assert!(surname.starts_with(&f.surname.value), "{lines:?}");
                assert!(given.starts_with(&f.given_names.value), "{lines:?}");
                if surname.len() <= 25 && given.len() + given.matches(' ').count() <= 14 {
                    assert_eq!(f.surname.value, surname, "{lines:?}");
                    assert_eq!(f.given_names.value, given, "{lines:?}");
                }
                continue;
            }
            assert_eq!(
                f.expiry_date.value.civil(),
                Some(id.expiry_date),
                "{lines:?}"
            );
            let width = match format {
                DocFormat::Td3 | DocFormat::MrvA => 39,
                DocFormat::Td1 => 30,
                _ => 31,
            };
            if surname.len() + 2 + given.len() <= width {
                assert_eq!(f.surname.value, surname, "{lines:?}");
                assert_eq!(f.given_names.value, given, "{lines:?}");
            } else {
                // Truncated: what is there is a prefix of the full name.
                assert!(surname.starts_with(&f.surname.value), "{lines:?}");
                assert!(given.starts_with(&f.given_names.value), "{lines:?}");
            }
        }
    }
}

fn inside_image(q: &Quad, w: u32, h: u32) -> bool {
    q.0.iter()
        .all(|&[x, y]| x >= 0.0 && y >= 0.0 && x <= w as f32 && y <= h as f32)
}

#[test]
fn quads_lie_inside_the_image_for_every_preset_and_format() {
    for preset in Preset::ALL {
        for (i, format) in DocFormat::NAMED.into_iter().enumerate() {
            let params = CaptureParams {
                char_height_px: (8.0, 12.0),
                ..preset.params()
            };
            let r = render(format, &params, 100 + i as u64);
            let (w, h) = r.image.dimensions();
            assert_eq!((r.truth.width, r.truth.height), (w, h));
            assert!(
                inside_image(&r.truth.mrz_quad, w, h),
                "{} {format}: {:?} in {w}x{h}",
                preset.name(),
                r.truth.mrz_quad
            );
            assert_eq!(r.truth.line_quads.len(), format.line_count());
            for q in &r.truth.line_quads {
                assert!(inside_image(q, w, h));
            }
            assert!(w.max(h) <= params.max_side + 1, "{w}x{h}");
            assert_eq!(r.truth.preset, "custom");
        }
    }
}

#[test]
fn a_cut_off_frame_leaves_one_end_of_the_zone_outside() {
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        for (preset, size) in [(Preset::Photo, None), (Preset::Scan, Some((1200, 900)))] {
            let params = CaptureParams {
                char_height_px: (10.0, 14.0),
                output_size: size,
                mrz_cut_prob: 1.0,
                ..preset.params()
            };
            let r = render(format, &params, 300 + i as u64);
            let (w, h) = (r.truth.width as f32, r.truth.height as f32);
            let (x0, y0, x1, y1) = r.truth.mrz_quad.bounds();
            // Along the zone's longer image axis, 10-35% of its extent lies beyond one edge.
            let (lo, hi, size) = if x1 - x0 >= y1 - y0 {
                (x0, x1, w)
            } else {
                (y0, y1, h)
            };
            let outside = (-lo).max(hi - size) / (hi - lo);
            assert!(
                (0.099..0.351).contains(&outside),
                "{} {format}: {outside} of {:?} outside {w}x{h}",
                preset.name(),
                r.truth.mrz_quad
            );
        }
    }
    // Off by default: the same bytes as before the knob existed (drawing nothing from the RNG).
    let params = CaptureParams {
        char_height_px: (9.0, 10.0),
        ..Preset::Photo.params()
    };
    assert_eq!(params.mrz_cut_prob, 0.0);
    let plain = render(DocFormat::Td3, &params, 7);
    assert!(inside_image(
        &plain.truth.mrz_quad,
        plain.truth.width,
        plain.truth.height
    ));
}

#[test]
fn a_mirrored_capture_is_the_plain_one_flipped_with_its_truth() {
    // The clean preset draws nothing after the mirror, so the two captures differ by the flip.
    let plain_params = CaptureParams {
        char_height_px: (10.0, 12.0),
        ..Preset::Clean.params()
    };
    let params = CaptureParams {
        mirror_prob: 1.0,
        ..plain_params.clone()
    };
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let (plain, mirrored) = (
            render(format, &plain_params, 40 + i as u64),
            render(format, &params, 40 + i as u64),
        );
        let flipped = image::imageops::flip_horizontal(&plain.image);
        assert_eq!(mirrored.image.as_raw(), flipped.as_raw(), "{format}");
        let w = plain.truth.width as f32;
        let mirror = |q: &Quad| q.0.map(|[x, y]| [w - x, y]);
        for (a, b) in plain
            .truth
            .line_quads
            .iter()
            .zip(&mirrored.truth.line_quads)
        {
            for (p, q) in mirror(a).iter().zip(b.0) {
                assert!(
                    (p[0] - q[0]).abs() < 1e-2 && (p[1] - q[1]).abs() < 1e-2,
                    "{format}"
                );
            }
        }
        assert_eq!(plain.truth.lines, mirrored.truth.lines);
    }
}

#[test]
fn a_bent_page_is_the_same_document_with_its_lines_bowed() {
    // Clean and upright, so that the line boxes' corners are in image axes.
    let flat = CaptureParams {
        char_height_px: (12.0, 12.0),
        ..Preset::Clean.params()
    };
    let bent = CaptureParams {
        page_bend: (2.0, 2.0),
        ..flat.clone()
    };
    for (i, format) in DocFormat::ALL.into_iter().enumerate() {
        let seed = 60 + i as u64;
        let (a, b) = (render(format, &flat, seed), render(format, &bent, seed));
        // The bend draws from its own stream: the same identity, lines and fields.
        assert_eq!(a.truth.lines, b.truth.lines, "{format}");
        assert_eq!(a.truth.fields, b.truth.fields, "{format}");
        // Each line's ends now lie at different heights, by at most the bow across its length
        // (2 characters; the box's corners lie at its ends, not at its lowest or highest point).
        for q in &b.truth.line_quads {
            let [tl, tr, br, bl] = q.0;
            let height = bl[1] - tl[1];
            let rise = (tr[1] - tl[1]).abs();
            assert!(rise <= 2.0 * height + 1.0, "{format}: ends {rise} px apart");
            assert!(
                (br[1] - tr[1] - height).abs() < 1.0,
                "{format}: height kept"
            );
        }
        for q in &a.truth.line_quads {
            assert!((q.0[1][1] - q.0[0][1]).abs() < 0.5, "{format}: flat line");
        }
    }
    // Some layouts put a line's ends at different heights (a curl towards one end).
    let curled = DocFormat::ALL.into_iter().enumerate().any(|(i, format)| {
        let q = render(format, &bent, 60 + i as u64).truth.line_quads[0];
        (q.0[1][1] - q.0[0][1]).abs() > 3.0
    });
    assert!(curled, "no bend moved a line's end");
}

#[test]
fn a_dithered_capture_is_black_and_white_dots_of_its_greys() {
    let params = CaptureParams {
        char_height_px: (12.0, 14.0),
        dither_prob: 1.0,
        ..Preset::Photo.params()
    };
    let plain_params = CaptureParams {
        dither_prob: 0.0,
        ..params.clone()
    };
    let r = render(DocFormat::Td3, &params, 9);
    assert!(r.jpeg.is_none(), "a dithered page is not JPEG-compressed");
    assert!(r.image.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
    assert!(r.image.pixels().all(|p| p[0] == 0 || p[0] == 255));
    // Over 16x16 blocks, the dots' density follows the plain capture's grey.
    let plain = render(DocFormat::Td3, &plain_params, 9);
    let (w, h) = (r.image.width(), r.image.height());
    let mut worst = 0.0f32;
    for by in (0..h - 16).step_by(64) {
        for bx in (0..w - 16).step_by(64) {
            let mean = |img: &image::RgbImage| {
                let mut s = 0.0;
                for y in by..by + 16 {
                    for x in bx..bx + 16 {
                        s += luma(img.get_pixel(x, y));
                    }
                }
                s / 256.0
            };
            worst = worst.max((mean(&r.image) - mean(&plain.image)).abs());
        }
    }
    assert!(worst < 40.0, "block mean off by {worst}");
}

#[test]
fn fixed_output_size_is_respected() {
    let params = CaptureParams {
        output_size: Some((600, 400)),
        ..Preset::Scan.params()
    };
    let r = render(DocFormat::Td3, &params, 5);
    assert_eq!(r.image.dimensions(), (600, 400));
    assert!(inside_image(&r.truth.mrz_quad, 600, 400));
}

fn luma(p: &image::Rgb<u8>) -> f32 {
    0.299 * f32::from(p.0[0]) + 0.587 * f32::from(p.0[1]) + 0.114 * f32::from(p.0[2])
}

#[test]
fn clean_truth_quad_matches_the_drawn_text() {
    for format in DocFormat::ALL {
        let r = render(format, &Preset::Clean.params(), 7);
        assert_eq!(r.truth.preset, "clean");
        let (x0, y0, x1, y1) = r.truth.mrz_quad.bounds();
        let line_h = (y1 - y0) / format.line_count() as f32;
        let grown = Quad::rect(x0 - 2.0, y0 - 2.0, x1 + 2.0, y1 + 2.0);
        // Within the MRZ band (a quarter line height above and below the block; the portrait ends
        // a little above it) the dark ink must be the MRZ text, inside the quad.
        let (mut inside, mut outside) = (0u32, 0u32);
        for (x, y, p) in r.image.enumerate_pixels() {
            let (xf, yf) = (x as f32 + 0.5, y as f32 + 0.5);
            if yf < y0 - line_h / 4.0 || yf > y1 + line_h / 4.0 || luma(p) > 90.0 {
                continue;
            }
            if grown.contains([xf, yf]) {
                inside += 1
            } else {
                outside += 1
            }
        }
        assert!(
            inside > 0 && outside * 50 < inside,
            "{format}: {inside} dark pixels inside, {outside} outside"
        );
        let area = r.truth.mrz_quad.area();
        assert!(
            inside as f32 > area * 0.08,
            "{format}: quad of {area} px holds only {inside} dark pixels"
        );
        // Each line quad holds ink across its whole width: both its first and last character.
        for q in &r.truth.line_quads {
            let (lx0, ly0, lx1, ly1) = q.bounds();
            let char_w = (lx1 - lx0) / format.line_len() as f32;
            for (a, b) in [(lx0, lx0 + char_w), (lx1 - char_w, lx1)] {
                let dark = (ly0 as u32..ly1 as u32)
                    .flat_map(|y| (a as u32..b as u32).map(move |x| (x, y)))
                    .filter(|&(x, y)| luma(r.image.get_pixel(x, y)) < 90.0)
                    .count();
                assert!(dark > 5, "{format}: no ink in the cell at x {a}..{b}");
            }
        }
    }
}

#[test]
fn truth_serialises_to_the_documented_keys() {
    let r = render(DocFormat::Td1, &Preset::Clean.params(), 3);
    let v: serde_json::Value = serde_json::to_value(&r.truth).unwrap();
    for key in [
        "image",
        "format",
        "preset",
        "lines",
        "fields",
        "mrz_quad",
        "line_quads",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert_eq!(v["format"], "td1");
    assert_eq!(v["mrz_quad"].as_array().map(Vec::len), Some(4));
    for key in [
        "surname",
        "given_names",
        "document_number",
        "nationality",
        "birth_date",
        "sex",
        "expiry_date",
        "issuing_state",
        "native_surname",
    ] {
        assert!(v["fields"].get(key).is_some(), "fields.{key}");
    }
}
