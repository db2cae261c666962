//! The codecs of uploads that `image` does not read: HEIC (an iPhone's or a Mac's photos), JPEG
//! 2000 (archives, some scanners' PDFs, `.jp2` files) and JBIG2 (the black-and-white pages of
//! copiers' and document management systems' PDFs). All come back grey, with the pixel limit
//! checked from the header before any pixel is decoded.

use image::error::{DecodingError, ImageFormatHint};
use image::{GrayImage, ImageError};

use super::{DecodeError, DecodeErrorKind};
use crate::pdf::{cmyk_grey, rgb_grey};

/// The largest JPEG 2000 image decoded at full resolution. A larger one is decoded at the
/// coarsest of its resolution levels (each halves both sides) that keeps at least this many
/// pixels: the decoder holds every component in 32-bit floats, 1.2 GB for a 100-megapixel colour
/// image, and a page's MRZ reads as well from a 600 dpi scan at half its size.
const JPEG2000_FULL_PIXELS: u64 = 25_000_000;

/// Whether `bytes` are a JPEG 2000 file (the JP2 container) or a bare JPEG 2000 codestream.
pub(crate) fn is_jpeg2000(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x00\x00\x00\x0C\x6A\x50\x20\x20") || bytes.starts_with(b"\xFF\x4F\xFF\x51")
}

/// The ISO base media file brands of HEVC-coded HEIF: still images (`heic`, `heix`, `heim`,
/// `heis`) and image sequences (`hevc`, `hevx`), whose primary image is a still.
const HEVC_BRANDS: [&[u8; 4]; 6] = [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"];

/// The brands a file's `ftyp` box names, major first, then the compatible ones; empty when
/// `bytes` do not start with one.
pub(crate) fn ftyp_brands(bytes: &[u8]) -> Vec<&[u8]> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return Vec::new();
    }
    let size = bytes[..4]
        .iter()
        .fold(0usize, |n, &b| n << 8 | usize::from(b));
    let body = &bytes[8..size.clamp(8, bytes.len())];
    // The major brand, a minor version, then compatible brands to the end of the box.
    let mut brands: Vec<&[u8]> = body.get(..4).into_iter().collect();
    brands.extend(body.get(8..).unwrap_or_default().chunks_exact(4));
    brands
}

/// Whether `bytes` are a HEIC file: an ISO base media file whose brands say its images are HEVC
/// coded (an AVIF names `mif1` too, but not these).
pub(crate) fn is_heic(bytes: &[u8]) -> bool {
    ftyp_brands(bytes)
        .iter()
        .any(|brand| HEVC_BRANDS.iter().any(|b| b.as_slice() == *brand))
}

/// Decodes the primary image of a HEIC file to grey, turned and mirrored as the file says (its
/// `irot`, `imir` and `clap` boxes; HEIF does not use the EXIF orientation).
pub(crate) fn heic_grey(bytes: &[u8], max_pixels: u64) -> Result<GrayImage, DecodeError> {
    use heic_rs::{ChromaFormat, DecodeOptions, PixelLayout};

    let corrupt = |e| corrupt("HEIC", e);
    let info = heic_rs::probe(bytes).map_err(corrupt)?;
    if u64::from(info.width) * u64::from(info.height) > max_pixels {
        return Err(DecodeError::too_many_pixels(
            info.width,
            info.height,
            max_pixels,
        ));
    }
    // The decoder's own ceiling backs up the check above: a grid's tiles, not its header, decide
    // what it allocates.
    let options = DecodeOptions::default()
        .with_layout(PixelLayout::Gray8)
        .with_max_pixels(Some(max_pixels))
        .with_alpha(false);
    let image = heic_rs::decode(bytes, &options).map_err(|e| match (e, info.chroma) {
        (heic_rs::Error::PixelLimit { .. }, _) => {
            DecodeError::too_many_pixels(info.width, info.height, max_pixels)
        }
        // Colour at full resolution is HEVC's range extensions, which the decoder leaves out;
        // cameras and phones write 4:2:0.
        (_, ChromaFormat::Yuv444 | ChromaFormat::Yuv422) => DecodeError {
            detected: Some("a HEIC image with 4:4:4 or 4:2:2 colour (cameras write 4:2:0)"),
            ..DecodeError::new(DecodeErrorKind::UnsupportedFormat, None)
        },
        (e, _) => corrupt(e),
    })?;
    GrayImage::from_raw(image.width, image.height, image.data)
        .ok_or_else(|| DecodeError::new(DecodeErrorKind::Corrupt, None))
}

/// Whether `data` parses as a JBIG2 page in the embedded organisation (its segment headers and
/// page information; nothing is decoded).
pub(crate) fn is_jbig2_page(data: &[u8]) -> bool {
    hayro_jbig2::Page::new_embedded(data, None, &hayro_jbig2::DecodeSettings::default()).is_ok()
}

fn corrupt(format: &'static str, e: impl std::error::Error + Send + Sync + 'static) -> DecodeError {
    let e = DecodingError::new(ImageFormatHint::Name(format.to_string()), e);
    DecodeError::new(DecodeErrorKind::Corrupt, Some(ImageError::Decoding(e)))
}

/// Decodes a JPEG 2000 file or codestream to grey.
pub(crate) fn jpeg2000_grey(bytes: &[u8], max_pixels: u64) -> Result<GrayImage, DecodeError> {
    jpeg2000_grey_within(bytes, max_pixels, JPEG2000_FULL_PIXELS)
}

/// [`jpeg2000_grey`], decoding at full resolution up to `full_pixels`.
fn jpeg2000_grey_within(
    bytes: &[u8],
    max_pixels: u64,
    full_pixels: u64,
) -> Result<GrayImage, DecodeError> {
    use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};

    let corrupt = |e| corrupt("JPEG 2000", e);
    let settings = DecodeSettings::default();
    let header = Image::new(bytes, &settings).map_err(corrupt)?;
    let (width, height) = (header.width(), header.height());
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(DecodeError::too_many_pixels(width, height, max_pixels));
    }
    let image = if pixels > full_pixels {
        // The decoder skips the resolution levels the target allows (a palette image, none).
        let scale = (full_pixels as f64 / pixels as f64).sqrt();
        let target = (
            ((f64::from(width) * scale) as u32).max(1),
            ((f64::from(height) * scale) as u32).max(1),
        );
        let settings = DecodeSettings {
            target_resolution: Some(target),
            ..settings
        };
        Image::new(bytes, &settings).map_err(corrupt)?
    } else {
        header
    };
    let (width, height) = (image.width(), image.height());
    let mut context = DecoderContext::default();
    let decoded = image.decode(&mut context).map_err(corrupt)?;
    let channels = decoded.components().len();
    let samples = decoded.data_u8();
    let count = usize::try_from(u64::from(width) * u64::from(height)).unwrap_or(usize::MAX);
    if channels == 0 || samples.len() != count.saturating_mul(channels) {
        return Err(DecodeError::new(DecodeErrorKind::Corrupt, None));
    }
    let colour = channels - usize::from(image.has_alpha() && channels > 1);
    let grey: Vec<u8> = samples
        .chunks_exact(channels)
        .map(|p| match colour {
            // Converted as a PDF's own samples are.
            3 => rgb_grey(p[0], p[1], p[2]),
            4 => cmyk_grey(p[0], p[1], p[2], p[3]),
            // Grey, grey and alpha, or a colour space of another count: its first channel.
            _ => p[0],
        })
        .collect();
    GrayImage::from_raw(width, height, grey)
        .ok_or_else(|| DecodeError::new(DecodeErrorKind::Corrupt, None))
}

/// Decodes a JBIG2 page in the embedded organisation of a PDF stream (`JBIG2Decode`), with the
/// PDF's `JBIG2Globals` segments where it has them, to grey: black 0, white 255, swapped where
/// `inverted` (a `/Decode [1 0]`).
pub(crate) fn jbig2_grey(
    data: &[u8],
    globals: Option<&[u8]>,
    inverted: bool,
    max_pixels: u64,
) -> Result<GrayImage, DecodeError> {
    use hayro_jbig2::{DecodeSettings, Globals, Page};

    let corrupt = |e| corrupt("JBIG2", e);
    let settings = DecodeSettings::default();
    let globals = globals
        .map(|g| Globals::new(g, &settings))
        .transpose()
        .map_err(corrupt)?;
    let page = Page::new_embedded(data, globals.as_ref(), &settings).map_err(corrupt)?;
    let (width, height) = (page.width(), page.height());
    if width == 0 || height == 0 {
        return Err(DecodeError::new(DecodeErrorKind::Corrupt, None));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(DecodeError::too_many_pixels(width, height, max_pixels));
    }
    let (ink, paper) = if inverted { (255, 0) } else { (0, 255) };
    let mut out = Pixels {
        grey: vec![paper; width as usize * height as usize],
        at: 0,
        ink,
        paper,
    };
    page.decode(&mut out).map_err(corrupt)?;
    GrayImage::from_raw(width, height, out.grey)
        .ok_or_else(|| DecodeError::new(DecodeErrorKind::Corrupt, None))
}

/// Collects a JBIG2 page's pixels, row after row; any past the page's size are dropped.
struct Pixels {
    grey: Vec<u8>,
    at: usize,
    ink: u8,
    paper: u8,
}

impl hayro_jbig2::Decoder for Pixels {
    fn push_pixel(&mut self, black: bool) {
        if let Some(p) = self.grey.get_mut(self.at) {
            *p = if black { self.ink } else { self.paper };
        }
        self.at += 1;
    }

    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        let n = chunk_count as usize * 8;
        let end = self.at.saturating_add(n).min(self.grey.len());
        if self.at < end {
            self.grey[self.at..end].fill(if black { self.ink } else { self.paper });
        }
        self.at = self.at.saturating_add(n);
    }

    fn next_line(&mut self) {}
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A JBIG2 page in the embedded organisation with nothing but its page information: a
    /// `width` x `height` page of its default pixel, white.
    pub(crate) fn blank_jbig2(width: u32, height: u32) -> Vec<u8> {
        let mut info = Vec::new();
        for v in [width, height, 0, 0] {
            info.extend_from_slice(&v.to_be_bytes());
        }
        info.extend_from_slice(&[1, 0, 0]);
        // Segment 0, type 48 (page information), no referred-to segments, page 1, its length.
        let mut page = vec![0, 0, 0, 0, 48, 0, 1];
        page.extend_from_slice(&(info.len() as u32).to_be_bytes());
        page.extend_from_slice(&info);
        page
    }

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(path),
        )
        .unwrap()
    }

    #[test]
    fn a_jbig2_page_decodes_to_paper_white_unless_its_decode_array_swaps_it() {
        let page = blank_jbig2(12, 3);
        assert!(is_jbig2_page(&page));
        let grey = jbig2_grey(&page, None, false, u64::MAX).unwrap();
        assert_eq!(grey.dimensions(), (12, 3));
        assert!(grey.pixels().all(|p| p[0] == 255));
        let swapped = jbig2_grey(&page, None, true, u64::MAX).unwrap();
        assert!(swapped.pixels().all(|p| p[0] == 0));
        // The size is checked from the page information, before a pixel is decoded.
        let err = jbig2_grey(&blank_jbig2(30000, 30000), None, false, 100_000_000).unwrap_err();
        assert_eq!(
            err.kind(),
            &DecodeErrorKind::TooManyPixels {
                width: 30000,
                height: 30000,
                limit: 100_000_000
            }
        );
        // Not JBIG2 at all, and a page cut inside its header.
        assert!(!is_jbig2_page(b"abc"));
        assert!(!is_jbig2_page(&page[..page.len() - 4]));
        let err = jbig2_grey(b"abc", None, false, u64::MAX).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::Corrupt);
    }

    /// The example passport at 800x600, decoded: paper light, ink dark (colour came through as
    /// grey the right way round).
    fn assert_is_the_800x600_example(grey: &GrayImage) {
        assert_eq!(grey.dimensions(), (800, 600));
        let mut levels: Vec<u8> = grey.pixels().map(|p| p[0]).collect();
        levels.sort_unstable();
        assert!(levels[levels.len() * 49 / 50] > levels[levels.len() / 50] + 100);
    }

    /// The 800x600 example refused under a limit of 100,000 pixels.
    fn assert_refused_at_100k(err: DecodeError) {
        assert_eq!(
            err.kind(),
            &DecodeErrorKind::TooManyPixels {
                width: 800,
                height: 600,
                limit: 100_000
            }
        );
    }

    #[test]
    fn a_heic_is_told_by_its_brands_and_decodes_to_grey_within_the_limit() {
        // The major brand, or a compatible one after the generic `mif1`; an AVIF is not one.
        assert!(is_heic(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"));
        assert!(is_heic(b"\0\0\0\x18ftypmif1\0\0\0\0mif1heic"));
        assert!(!is_heic(b"\0\0\0\x1cftypmif1\0\0\0\0mif1avif"));
        assert!(!is_heic(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1"));
        // A brand past the end of the ftyp box belongs to the next box, not to the file.
        assert!(!is_heic(b"\0\0\0\x14ftypmif1\0\0\0\0mif1heic"));
        assert!(!is_heic(b"\0\0\0\x08ftyp"));
        assert!(!is_heic(b"ftyp"));

        let heic = fixture("fixtures/formats/passport.heic");
        assert!(is_heic(&heic));
        assert_is_the_800x600_example(&heic_grey(&heic, u64::MAX).unwrap());
        // Over the limit: refused from the header, as the decoder's own ceiling would.
        assert_refused_at_100k(heic_grey(&heic, 100_000).unwrap_err());
        // Cut short: corrupt. Coded in 4:4:4: named, not called corrupt.
        let err = heic_grey(&heic[..heic.len() / 2], u64::MAX).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::Corrupt);
        let err = heic_grey(&fixture("fixtures/bad/colour-444.heic"), u64::MAX).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::UnsupportedFormat);
        assert!(err.to_string().contains("4:4:4"), "{err}");
    }

    #[test]
    fn a_jpeg2000_file_decodes_to_grey_and_a_larger_one_at_a_coarser_level() {
        let jp2 = fixture("fixtures/formats/passport.jp2");
        assert!(is_jpeg2000(&jp2));
        assert_is_the_800x600_example(&jpeg2000_grey(&jp2, u64::MAX).unwrap());
        // Over the full-resolution bound, one level down: half each side.
        let coarse = jpeg2000_grey_within(&jp2, u64::MAX, 100_000).unwrap();
        assert_eq!(coarse.dimensions(), (400, 300));
        // Over the limit: refused from the header.
        assert_refused_at_100k(jpeg2000_grey(&jp2, 100_000).unwrap_err());
        // Cut inside its header: corrupt, no panic.
        let err = jpeg2000_grey(&jp2[..60], u64::MAX).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::Corrupt);
        assert!(!is_jpeg2000(b"\xff\xd8\xff\xe0"));
    }
}
