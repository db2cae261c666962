//! The codecs of scans that `image` does not read: JPEG 2000 (archives, some scanners' PDFs,
//! `.jp2` files) and JBIG2 (the black-and-white pages of copiers' and document management
//! systems' PDFs). Both come back grey, with the pixel limit checked from the header before any
//! pixel is decoded.

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

    #[test]
    fn a_jpeg2000_file_decodes_to_grey_and_a_larger_one_at_a_coarser_level() {
        let jp2 = fixture("fixtures/formats/passport.jp2");
        assert!(is_jpeg2000(&jp2));
        let grey = jpeg2000_grey(&jp2, u64::MAX).unwrap();
        assert_eq!(grey.dimensions(), (800, 600));
        // Paper light, ink dark: the colour came through as grey.
        let mut levels: Vec<u8> = grey.pixels().map(|p| p[0]).collect();
        levels.sort_unstable();
        assert!(levels[levels.len() * 49 / 50] > levels[levels.len() / 50] + 100);
        // Over the full-resolution bound, one level down: half each side.
        let coarse = jpeg2000_grey_within(&jp2, u64::MAX, 100_000).unwrap();
        assert_eq!(coarse.dimensions(), (400, 300));
        // Over the limit: refused from the header.
        let err = jpeg2000_grey(&jp2, 100_000).unwrap_err();
        assert_eq!(
            err.kind(),
            &DecodeErrorKind::TooManyPixels {
                width: 800,
                height: 600,
                limit: 100_000
            }
        );
        // Cut inside its header: corrupt, no panic.
        let err = jpeg2000_grey(&jp2[..60], u64::MAX).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::Corrupt);
        assert!(!is_jpeg2000(b"\xff\xd8\xff\xe0"));
    }
}
