//! Stage 1: image bytes to pixels, with limits checked before any large allocation and the EXIF
//! orientation applied, so that later stages see the document the way the camera's user saw it.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};

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
    /// The bytes are not in any of the supported formats (JPEG, PNG, WebP, TIFF, BMP).
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
#[error("{}", describe(&self.kind))]
pub struct DecodeError {
    kind: DecodeErrorKind,
    #[source]
    source: Option<ImageError>,
}

fn describe(kind: &DecodeErrorKind) -> String {
    match kind {
        DecodeErrorKind::Empty => "image is empty".to_string(),
        DecodeErrorKind::UnsupportedFormat => {
            "image format is not supported (expected jpeg, png, webp, tiff or bmp)".to_string()
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
        DecodeError { kind, source }
    }

    /// Why decoding failed.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }
}

/// Decodes `bytes` (JPEG, PNG, WebP, TIFF or BMP) and applies its EXIF orientation.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<DynamicImage, DecodeError> {
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
    let format = image::guess_format(bytes)
        .map_err(|e| DecodeError::new(DecodeErrorKind::UnsupportedFormat, Some(e)))?;
    if !matches!(
        format,
        ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::WebP
            | ImageFormat::Tiff
            | ImageFormat::Bmp
    ) {
        return Err(DecodeError::new(DecodeErrorKind::UnsupportedFormat, None));
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
        return Err(DecodeError::new(
            DecodeErrorKind::TooManyPixels {
                width,
                height,
                limit: limits.max_pixels,
            },
            None,
        ));
    }
    // A broken EXIF block must not lose an otherwise readable image: fall back to no rotation.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder)
        .map_err(|e| classify(e, Some((width, height)), limits.max_pixels))?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
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
                "image format is not supported (expected jpeg, png, webp, tiff or bmp)",
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
}
