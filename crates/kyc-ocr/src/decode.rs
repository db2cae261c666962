//! Stage 1: image bytes to pixels, with limits checked before any large allocation and the EXIF
//! orientation applied, so that later stages see the document the way the camera's user saw it.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageDecoder, ImageError, ImageFormat, ImageReader};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

use crate::pdf::Embedded;

mod codecs;
mod fax;
#[cfg(test)]
pub(crate) use codecs::tests::blank_jbig2;
pub(crate) use codecs::{is_jbig2_page, is_jpeg2000};
pub(crate) use fax::decode_rows as fax_rows;

/// Limits on untrusted input, checked before the decoder allocates the pixel buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// The most bytes an encoded image may have.
    pub max_bytes: usize,
    /// The most pixels (width times height) a decoded image may have.
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        // 40 MB and 100 megapixels cover any phone photo or 600 dpi page scan with room to spare,
        // while a decompression bomb stays below a few hundred MB of memory.
        DecodeLimits {
            max_bytes: 40 * 1024 * 1024,
            max_pixels: 100_000_000,
        }
    }
}

/// What went wrong while decoding an image.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input has no bytes at all.
    Empty,
    /// The bytes are not in any of the supported formats (JPEG, PNG, WebP, TIFF, BMP, GIF, HEIC,
    /// JPEG 2000), nor a PDF with a page image in one of them, in JBIG2 or deflated.
    UnsupportedFormat,
    /// The bytes start like a supported format but are truncated or corrupt.
    Corrupt,
    /// The encoded size in bytes is over [`DecodeLimits::max_bytes`].
    TooManyBytes {
        /// The size of the input.
        bytes: usize,
        /// The limit it exceeded.
        limit: usize,
    },
    /// The image's dimensions are over [`DecodeLimits::max_pixels`].
    TooManyPixels {
        /// Width in pixels, as declared by the file.
        width: u32,
        /// Height in pixels, as declared by the file.
        height: u32,
        /// The limit it exceeded.
        limit: u64,
    },
}

/// An image could not be decoded; [`DecodeError::kind`] says why, `source()` gives the decoder's error.
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(&self.kind, self.detected))]
pub struct DecodeError {
    kind: DecodeErrorKind,
    /// For [`DecodeErrorKind::UnsupportedFormat`], what the bytes were recognised as, if anything.
    detected: Option<&'static str>,
    #[source]
    source: Option<ImageError>,
}

fn describe(kind: &DecodeErrorKind, detected: Option<&str>) -> String {
    match kind {
        DecodeErrorKind::Empty => "image is empty".to_string(),
        DecodeErrorKind::UnsupportedFormat => {
            let what = detected
                .map(|w| format!(": this is {w}"))
                .unwrap_or_default();
            format!(
                "image format is not supported{what} (expected jpeg, png, webp, tiff, bmp, gif, heic, \
                 jpeg 2000 or a pdf scan)"
            )
        }
        DecodeErrorKind::Corrupt => "image is truncated or corrupt".to_string(),
        DecodeErrorKind::TooManyBytes { bytes, limit } => {
            format!("image has {bytes} bytes, more than the limit of {limit}")
        }
        DecodeErrorKind::TooManyPixels {
            width,
            height,
            limit,
        } => format!("image is {width}x{height} pixels, more than the limit of {limit}"),
    }
}

impl DecodeError {
    fn new(kind: DecodeErrorKind, source: Option<ImageError>) -> Self {
        DecodeError {
            kind,
            detected: None,
            source,
        }
    }

    /// A [`DecodeErrorKind::TooManyPixels`] error: the image declares `width` x `height`.
    fn too_many_pixels(width: u32, height: u32, limit: u64) -> Self {
        DecodeError::new(
            DecodeErrorKind::TooManyPixels {
                width,
                height,
                limit,
            },
            None,
        )
    }

    /// An [`DecodeErrorKind::UnsupportedFormat`] error naming what the bytes look like.
    fn unsupported(bytes: &[u8], source: Option<ImageError>) -> Self {
        DecodeError {
            detected: recognise_unsupported(bytes),
            ..DecodeError::new(DecodeErrorKind::UnsupportedFormat, source)
        }
    }

    /// Why decoding failed.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// For an unsupported format, what the input was recognised as (`"a PDF document"`, `"a
    /// HEIC/HEIF photo"`, ...), for the operator or the customer; `None` otherwise.
    pub fn detected_format(&self) -> Option<&'static str> {
        self.detected
    }
}

/// The common uploads that are not images we decode, by their signatures: AVIF, and HEIF images
/// coded otherwise than HEIC. (A PDF without a page image is named by [`source`].)
fn recognise_unsupported(bytes: &[u8]) -> Option<&'static str> {
    // ISO base media files: a box size, "ftyp", the major brand, then the compatible ones.
    let brands = codecs::ftyp_brands(bytes);
    if brands.iter().any(|&b| matches!(b, b"avif" | b"avis")) {
        Some("an AVIF image")
    } else if brands.iter().any(|&b| matches!(b, b"mif1" | b"msf1")) {
        Some("a HEIF image not coded as HEIC")
    } else {
        None
    }
}

/// What a file holds once a PDF scan gave up its page image: encoded image bytes (the file, or a
/// slice of it), or grey pixels already decoded (a JPEG 2000, a JBIG2 or fax page, samples).
enum Source<'a> {
    Encoded(&'a [u8]),
    Grey(GrayImage),
}

/// Whether `bytes` are a PDF document (by its signature), which the decode searches for its page
/// images.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// Whether `bytes` may hold several pages, which [`decode_grey_pages`] decodes one by one: a PDF
/// document, or a TIFF of several image directories.
pub fn may_have_pages(bytes: &[u8]) -> bool {
    is_pdf(bytes) || tiff_directories(bytes).is_some()
}

/// Why a PDF gave no image, for [`DecodeError::detected_format`].
const PDF_WITHOUT_IMAGE: &str = "a PDF document without a scanned page image this engine reads \
    (a page of text or vector graphics)";

/// Checks the input's size, then passes an image's bytes through; for a PDF, finds the page image
/// a scanner embedded (see the `pdf` module).
fn source<'a>(bytes: &'a [u8], limits: &DecodeLimits) -> Result<Source<'a>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::new(DecodeErrorKind::Empty, None));
    }
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::new(
            DecodeErrorKind::TooManyBytes {
                bytes: bytes.len(),
                limit: limits.max_bytes,
            },
            None,
        ));
    }
    if codecs::is_jpeg2000(bytes) {
        return codecs::jpeg2000_grey(bytes, limits.max_pixels).map(Source::Grey);
    }
    if codecs::is_heic(bytes) {
        return codecs::heic_grey(bytes, limits.max_pixels).map(Source::Grey);
    }
    if fax::is_fax_tiff(bytes) {
        return fax::tiff_grey(bytes, limits.max_pixels).map(Source::Grey);
    }
    if !is_pdf(bytes) {
        return Ok(Source::Encoded(bytes));
    }
    match crate::pdf::largest_image(bytes, limits.max_pixels) {
        Some(image) => embedded_source(image, limits),
        None => Err(no_pdf_image()),
    }
}

/// The error of a PDF without an image this engine reads.
fn no_pdf_image() -> DecodeError {
    DecodeError {
        detected: Some(PDF_WITHOUT_IMAGE),
        ..DecodeError::new(DecodeErrorKind::UnsupportedFormat, None)
    }
}

/// An image a PDF holds, as a [`Source`] to decode.
fn embedded_source<'a>(
    image: Embedded<'a>,
    limits: &DecodeLimits,
) -> Result<Source<'a>, DecodeError> {
    match image {
        Embedded::Jpeg(jpeg) => Ok(Source::Encoded(jpeg)),
        Embedded::Jpeg2000(data) => {
            codecs::jpeg2000_grey(data, limits.max_pixels).map(Source::Grey)
        }
        Embedded::Jbig2 {
            data,
            globals,
            inverted,
        } => codecs::jbig2_grey(data, globals, inverted, limits.max_pixels).map(Source::Grey),
        Embedded::Grey {
            width,
            height,
            pixels,
        } => GrayImage::from_raw(width, height, pixels)
            .map(Source::Grey)
            .ok_or_else(|| DecodeError::new(DecodeErrorKind::Corrupt, None)),
        Embedded::Oversized { width, height } => Err(DecodeError::too_many_pixels(
            width,
            height,
            limits.max_pixels,
        )),
    }
}

/// Decodes `bytes` to grey page by page: an image is one page; a PDF scan gives each of its page
/// images in page order, and a TIFF of several pages (a scanner's or a fax's document) each of
/// its pages (at most four; a logo or a thumbnail is no page), so that a reader can try each, as
/// a scan of a booklet's cover and data page needs. A page that fails to decode is left out;
/// where every page fails, the first page's error is returned.
pub fn decode_grey_pages(
    bytes: &[u8],
    limits: &DecodeLimits,
) -> Result<Vec<GrayImage>, DecodeError> {
    let one_page = || decode_grey(bytes, limits).map(|grey| vec![grey]);
    if bytes.len() > limits.max_bytes {
        return one_page();
    }
    if let Some((big_endian, directories)) = tiff_directories(bytes) {
        let (mut pages, first_error) =
            first_pages(directories.iter().map(|&directory| {
                decode_grey(&first_directory(bytes, big_endian, directory), limits)
            }));
        // A thumbnail is no page, as in a PDF.
        let pixels = |g: &GrayImage| u64::from(g.width()) * u64::from(g.height());
        let largest = pages.iter().map(pixels).max().unwrap_or(0);
        pages.retain(|g| pixels(g) >= largest / 4);
        return match first_error {
            Some(e) if pages.is_empty() => Err(e),
            _ => Ok(pages),
        };
    }
    if !is_pdf(bytes) {
        return one_page();
    }
    let images = crate::pdf::page_images(bytes, limits.max_pixels);
    let (pages, first_error) =
        first_pages(images.into_iter().map(|image| {
            embedded_source(image, limits).and_then(|source| grey_of(source, limits))
        }));
    match (pages.is_empty(), first_error) {
        (false, _) => Ok(pages),
        (true, Some(e)) => Err(e),
        (true, None) => Err(no_pdf_image()),
    }
}

/// Decodes pages in turn, leaving out those that fail, until [`crate::pdf::MAX_PAGES`] are held
/// (no more in memory at once); with the first error met, for where no page decodes.
fn first_pages(
    decoded: impl Iterator<Item = Result<GrayImage, DecodeError>>,
) -> (Vec<GrayImage>, Option<DecodeError>) {
    let mut pages = Vec::new();
    let mut first_error = None;
    for page in decoded {
        match page {
            Ok(grey) => pages.push(grey),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
        if pages.len() == crate::pdf::MAX_PAGES {
            break;
        }
    }
    (pages, first_error)
}

/// The most image directories of a TIFF looked at for pages: a document's pages and a
/// thumbnail or two, and a bound on a chain that loops or runs on.
const MAX_TIFF_DIRECTORIES: usize = 8;

/// The byte order (`true` for big-endian) and the offsets of the image directories of a TIFF of
/// several pages, in file order (page order), at most [`MAX_TIFF_DIRECTORIES`]; `None` for a
/// TIFF of one page, a BigTIFF, or anything else.
fn tiff_directories(bytes: &[u8]) -> Option<(bool, Vec<u32>)> {
    let tiff = Tiff::open(bytes)?;
    let read = |at: usize, n: usize| tiff.read(at, n);
    let mut directories = Vec::new();
    let mut next = read(4, 4)?;
    while next != 0 && directories.len() < MAX_TIFF_DIRECTORIES && !directories.contains(&next) {
        let at = usize::try_from(next).ok()?;
        let entries = usize::try_from(read(at, 2)?).ok()?;
        directories.push(next);
        next = read(at.checked_add(2 + 12 * entries)?, 4)?;
    }
    (directories.len() > 1).then_some((tiff.big_endian, directories))
}

/// A classic TIFF's bytes and byte order, for reading the integers of its directories.
struct Tiff<'a> {
    bytes: &'a [u8],
    big_endian: bool,
}

impl<'a> Tiff<'a> {
    /// `bytes` as a TIFF, by its header; `None` for anything else (a BigTIFF included).
    fn open(bytes: &'a [u8]) -> Option<Self> {
        let big_endian = match bytes.get(..4)? {
            b"II*\0" => false,
            b"MM\0*" => true,
            _ => return None,
        };
        Some(Tiff { bytes, big_endian })
    }

    /// The unsigned integer of `n` bytes at `at`, in the file's byte order.
    fn read(&self, at: usize, n: usize) -> Option<u32> {
        let b = self.bytes.get(at..at.checked_add(n)?)?;
        let fold = |v: u32, &x: &u8| v << 8 | u32::from(x);
        Some(if self.big_endian {
            b.iter().fold(0, fold)
        } else {
            b.iter().rev().fold(0, fold)
        })
    }
}

/// A copy of a TIFF whose header names `directory` first: the image library reads the first
/// directory alone, so this is how it decodes a later page.
fn first_directory(bytes: &[u8], big_endian: bool, directory: u32) -> Vec<u8> {
    let mut page = bytes.to_vec();
    let offset = if big_endian {
        directory.to_be_bytes()
    } else {
        directory.to_le_bytes()
    };
    page[4..8].copy_from_slice(&offset);
    page
}

/// Decodes `bytes` (JPEG, PNG, WebP, TIFF, BMP, GIF, HEIC or JPEG 2000, or a PDF scan's page
/// image) and applies its EXIF orientation (a HEIC its own rotation and mirror boxes). A HEIC, a
/// JPEG 2000, a JBIG2 or a deflated PDF page image comes back grey.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DynamicImage, DecodeError> {
    let bytes = match source(bytes, limits)? {
        Source::Encoded(bytes) => bytes,
        Source::Grey(grey) => return Ok(DynamicImage::ImageLuma8(grey)),
    };
    let opened = open(bytes, limits)?;
    let mut image = DynamicImage::from_decoder(opened.decoder)
        .map_err(|e| classify(e, Some(opened.size), limits.max_pixels))?;
    if let Some(orientation) = opened.orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// Decodes `bytes` to grey, which is all the later stages read, with the same checks, errors and
/// EXIF orientation as [`decode`]. A JPEG (most uploads) decodes its luma channel alone, which
/// skips chroma upsampling and colour conversion: about a third of the decode time of a photo.
pub fn decode_grey(bytes: &[u8], limits: &DecodeLimits) -> Result<GrayImage, DecodeError> {
    grey_of(source(bytes, limits)?, limits)
}

/// The grey pixels of a [`Source`]: encoded bytes decoded, pixels as they are.
fn grey_of(source: Source<'_>, limits: &DecodeLimits) -> Result<GrayImage, DecodeError> {
    match source {
        Source::Encoded(bytes) => decode_encoded_grey(bytes, limits),
        Source::Grey(grey) => Ok(grey),
    }
}

/// [`decode_grey`] of image bytes whose size was checked.
fn decode_encoded_grey(bytes: &[u8], limits: &DecodeLimits) -> Result<GrayImage, DecodeError> {
    let Opened {
        decoder,
        format,
        size: (width, height),
        orientation,
    } = open(bytes, limits)?;
    let grey = match format {
        ImageFormat::Jpeg => match jpeg_luma(bytes, (width, height))? {
            Some(grey) => grey,
            // CMYK and YCCK (scanners, print workflows) have no luma channel of their own: the
            // full decode converts them.
            None => decode_pixels(decoder, (width, height), limits)?,
        },
        _ => decode_pixels(decoder, (width, height), limits)?,
    };
    Ok(match orientation {
        Some(orientation) => {
            let mut image = DynamicImage::ImageLuma8(grey);
            image.apply_orientation(orientation);
            image.into_luma8()
        }
        None => grey,
    })
}

/// Decodes every channel with `image` and keeps the grey level.
fn decode_pixels(
    decoder: Box<dyn ImageDecoder + '_>,
    size: (u32, u32),
    limits: &DecodeLimits,
) -> Result<GrayImage, DecodeError> {
    Ok(DynamicImage::from_decoder(decoder)
        .map_err(|e| classify(e, Some(size), limits.max_pixels))?
        .into_luma8())
}

/// Decodes only the luma channel of a JPEG (a third of the work of a colour decode); `None` when
/// the JPEG stores no luma channel (CMYK, YCCK).
fn jpeg_luma(bytes: &[u8], (width, height): (u32, u32)) -> Result<Option<GrayImage>, DecodeError> {
    let options = DecoderOptions::default()
        .set_strict_mode(false)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX)
        .jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut jpeg = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let corrupt = |e: zune_jpeg::errors::DecodeErrors| {
        let e = image::error::DecodingError::new(ImageFormat::Jpeg.into(), e);
        DecodeError::new(DecodeErrorKind::Corrupt, Some(ImageError::Decoding(e)))
    };
    jpeg.decode_headers().map_err(corrupt)?;
    if !matches!(
        jpeg.input_colorspace(),
        Some(ColorSpace::YCbCr | ColorSpace::Luma)
    ) {
        return Ok(None);
    }
    let pixels = jpeg.decode().map_err(corrupt)?;
    let info = jpeg
        .info()
        .ok_or_else(|| DecodeError::new(DecodeErrorKind::Corrupt, None))?;
    // The header `image` read and the one zune-jpeg reads are the same bytes; a disagreement
    // means a file built to confuse one of them.
    if (u32::from(info.width), u32::from(info.height)) != (width, height) {
        return Err(DecodeError::new(DecodeErrorKind::Corrupt, None));
    }
    GrayImage::from_raw(width, height, pixels)
        .map(Some)
        .ok_or_else(|| DecodeError::new(DecodeErrorKind::Corrupt, None))
}

/// An image whose checks passed and whose header was read, its pixels not yet decoded.
struct Opened<'a> {
    decoder: Box<dyn ImageDecoder + 'a>,
    format: ImageFormat,
    size: (u32, u32),
    orientation: Option<image::metadata::Orientation>,
}

/// Checks the format, reads the header and checks the pixel count: everything before the pixel
/// buffer is allocated. (The byte count was checked by [`source`].)
fn open<'a>(bytes: &'a [u8], limits: &DecodeLimits) -> Result<Opened<'a>, DecodeError> {
    let format =
        image::guess_format(bytes).map_err(|e| DecodeError::unsupported(bytes, Some(e)))?;
    if !matches!(
        format,
        ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::WebP
            | ImageFormat::Tiff
            | ImageFormat::Bmp
            | ImageFormat::Gif
    ) {
        return Err(DecodeError::unsupported(bytes, None));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    // The decoder's own allocation cap backs up the pixel check below for formats whose headers
    // understate what decoding needs (16-bit, several channels).
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(image_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| classify(e, None, limits.max_pixels))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(DecodeError::too_many_pixels(
            width,
            height,
            limits.max_pixels,
        ));
    }
    // A broken EXIF block must not lose an otherwise readable image: fall back to no rotation.
    let orientation = decoder.orientation().ok();
    Ok(Opened {
        decoder: Box::new(decoder),
        format,
        size: (width, height),
        orientation,
    })
}

/// Maps the decoder's error to our kinds; `size` is the declared size once the header was read.
fn classify(error: ImageError, size: Option<(u32, u32)>, limit: u64) -> DecodeError {
    let kind = match (&error, size) {
        (ImageError::Unsupported(_), _) => DecodeErrorKind::UnsupportedFormat,
        (ImageError::Limits(_), Some((width, height))) => DecodeErrorKind::TooManyPixels {
            width,
            height,
            limit,
        },
        _ => DecodeErrorKind::Corrupt,
    };
    DecodeError::new(kind, Some(error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = GrayImage::from_pixel(width, height, Luma([200]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn errors_are_typed_and_worded() {
        let good = png(20, 10);
        let cases: Vec<(&str, Vec<u8>, DecodeLimits, DecodeErrorKind, &str)> = vec![
            (
                "empty",
                vec![],
                DecodeLimits::default(),
                DecodeErrorKind::Empty,
                "image is empty",
            ),
            (
                "text",
                b"hello, this is not an image".to_vec(),
                DecodeLimits::default(),
                DecodeErrorKind::UnsupportedFormat,
                "image format is not supported (expected jpeg, png, webp, tiff, bmp, gif, heic, \
                 jpeg 2000 or a pdf scan)",
            ),
            (
                "truncated",
                good[..good.len() / 2].to_vec(),
                DecodeLimits::default(),
                DecodeErrorKind::Corrupt,
                "image is truncated or corrupt",
            ),
            (
                "bytes",
                good.clone(),
                DecodeLimits {
                    max_bytes: 10,
                    ..DecodeLimits::default()
                },
                DecodeErrorKind::TooManyBytes {
                    bytes: good.len(),
                    limit: 10,
                },
                "",
            ),
            (
                "pixels",
                good.clone(),
                DecodeLimits {
                    max_pixels: 199,
                    ..DecodeLimits::default()
                },
                DecodeErrorKind::TooManyPixels {
                    width: 20,
                    height: 10,
                    limit: 199,
                },
                "image is 20x10 pixels, more than the limit of 199",
            ),
        ];
        for (name, bytes, limits, kind, message) in cases {
            let err = decode(&bytes, &limits).expect_err(name);
            assert_eq!(err.kind(), &kind, "{name}");
            if !message.is_empty() {
                assert_eq!(err.to_string(), message, "{name}");
            }
        }
    }

    #[test]
    fn common_uploads_that_are_not_images_are_named() {
        let cases: [(&[u8], Option<&str>); 6] = [
            (
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
                Some(PDF_WITHOUT_IMAGE),
            ),
            (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1", Some("an AVIF image")),
            // An AVIF may lead with the generic HEIF brand; its compatible brands say what it is.
            (b"\0\0\0\x1cftypmif1\0\0\0\0mif1avif", Some("an AVIF image")),
            (
                b"\0\0\0\x18ftypmif1\0\0\0\0mif1",
                Some("a HEIF image not coded as HEIC"),
            ),
            (b"\0\0\0\x18ftypmp42\0\0\0\0isom", None),
            (b"hello, this is not an image", None),
        ];
        for (bytes, what) in cases {
            let err = decode(bytes, &DecodeLimits::default()).expect_err("not decodable");
            assert_eq!(err.kind(), &DecodeErrorKind::UnsupportedFormat, "{what:?}");
            assert_eq!(err.detected_format(), what);
            let message = err.to_string();
            match what {
                Some(what) => assert_eq!(
                    message,
                    format!(
                        "image format is not supported: this is {what} (expected jpeg, png, \
                         webp, tiff, bmp, gif, heic, jpeg 2000 or a pdf scan)"
                    )
                ),
                None => assert!(!message.contains("this is"), "{message}"),
            }
        }
    }

    #[test]
    fn tiff_directory_chains_are_walked_within_bounds() {
        // A little-endian header, then directories of no entries at 8, 14, 20...: each is a
        // count (2 bytes) and the next directory's offset (4 bytes).
        let chain = |next: &[u32]| -> Vec<u8> {
            let mut b = b"II*\0".to_vec();
            b.extend_from_slice(&8u32.to_le_bytes());
            for &n in next {
                b.extend_from_slice(&0u16.to_le_bytes());
                b.extend_from_slice(&n.to_le_bytes());
            }
            b
        };
        assert_eq!(
            tiff_directories(&chain(&[14, 20, 0])),
            Some((false, vec![8, 14, 20]))
        );
        // One page: the image library reads it as it is.
        assert_eq!(tiff_directories(&chain(&[0])), None);
        // A chain that loops back, or points at itself, ends where it repeats.
        assert_eq!(
            tiff_directories(&chain(&[14, 8])),
            Some((false, vec![8, 14]))
        );
        assert_eq!(tiff_directories(&chain(&[8])), None);
        // A chain that runs on is cut at MAX_TIFF_DIRECTORIES.
        let long: Vec<u32> = (1..100).map(|i| 8 + 6 * i).collect();
        assert_eq!(
            tiff_directories(&chain(&long)).map(|(_, d)| d.len()),
            Some(MAX_TIFF_DIRECTORIES)
        );
        // Offsets and counts past the end are no pages, and no panic on any prefix.
        let mut past = chain(&[14, 0]);
        past[14..16].copy_from_slice(&60000u16.to_le_bytes());
        assert_eq!(tiff_directories(&past), None);
        let mut big = chain(&[u32::MAX, 0]);
        big.extend_from_slice(b"MM\0*");
        assert_eq!(tiff_directories(&big), None);
        let two = chain(&[14, 20, 0]);
        for end in 0..two.len() {
            assert_eq!(tiff_directories(&two[..end]), None, "{end}");
        }
        assert_eq!(tiff_directories(b"MM\0*\0\0\0\x08"), None);
        // A JPEG or a PNG is no TIFF.
        assert_eq!(tiff_directories(&png(4, 4)), None);
    }

    #[test]
    fn decodes_within_limits() {
        let image = decode(
            &png(20, 10),
            &DecodeLimits {
                max_pixels: 200,
                ..DecodeLimits::default()
            },
        )
        .unwrap();
        assert_eq!((image.width(), image.height()), (20, 10));
    }

    /// A colour JPEG with a left-to-right gradient, and the same file with an EXIF block that says
    /// "rotate 90 degrees clockwise to view" (orientation 6, what phones write for portrait shots).
    fn jpegs() -> (Vec<u8>, Vec<u8>) {
        let image = image::RgbImage::from_fn(48, 24, |x, y| {
            image::Rgb([(x * 5) as u8, (y * 9) as u8, 128])
        });
        let mut plain = Cursor::new(Vec::new());
        image.write_to(&mut plain, ImageFormat::Jpeg).unwrap();
        let plain = plain.into_inner();
        // APP1: "Exif\0\0", big-endian TIFF header, one IFD entry: 0x0112 SHORT 1 = 6.
        let mut tiff = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let mut rotated = vec![0xFF, 0xD8, 0xFF, 0xE1];
        rotated.extend_from_slice(&((tiff.len() + 2) as u16).to_be_bytes());
        rotated.extend_from_slice(&tiff);
        rotated.extend_from_slice(&plain[2..]);
        (plain, rotated)
    }

    #[test]
    fn exif_orientation_is_applied_by_both_decoders() {
        let (plain, rotated) = jpegs();
        let limits = DecodeLimits::default();
        let upright = decode_grey(&plain, &limits).unwrap();
        assert_eq!(upright.dimensions(), (48, 24));
        let turned = decode_grey(&rotated, &limits).unwrap();
        assert_eq!(turned.dimensions(), (24, 48));
        assert_eq!(turned, image::imageops::rotate90(&upright));
        let turned_colour = decode(&rotated, &limits).unwrap();
        assert_eq!((turned_colour.width(), turned_colour.height()), (24, 48));
    }

    #[test]
    fn grey_decode_matches_the_colour_decode() {
        let (plain, _) = jpegs();
        let limits = DecodeLimits::default();
        let fast = decode_grey(&plain, &limits).unwrap();
        let slow = decode(&plain, &limits).unwrap().to_luma8();
        assert_eq!(fast.dimensions(), slow.dimensions());
        // The JPEG's own luma (BT.601 weights) against `image`'s conversion (BT.709 weights) of the
        // decoded colours: close, not identical, on this saturated gradient.
        let diffs: Vec<u32> = fast
            .pixels()
            .zip(slow.pixels())
            .map(|(a, b)| u32::from(a[0].abs_diff(b[0])))
            .collect();
        let worst = diffs.iter().max().copied().unwrap();
        let mean = diffs.iter().sum::<u32>() as f32 / diffs.len() as f32;
        assert!(worst <= 40 && mean <= 12.0, "largest {worst}, mean {mean}");
        // Other formats go through the colour decoder and convert: identical.
        let png = png(20, 10);
        assert_eq!(
            decode_grey(&png, &limits).unwrap(),
            decode(&png, &limits).unwrap().to_luma8()
        );
        // The grey path has the same checks and errors.
        let err = decode_grey(&plain[..plain.len() / 2], &limits).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::Corrupt);
        assert_eq!(
            decode_grey(&[], &limits).unwrap_err().kind(),
            &DecodeErrorKind::Empty
        );
    }
}
