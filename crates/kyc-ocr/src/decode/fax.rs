//! Fax-coded pages (CCITT group 3, one- or two-dimensional, and group 4), for both places they
//! arrive in: a PDF scan's `CCITTFaxDecode` stream ([`crate::pdf`]) and a TIFF, as fax servers
//! and scanners' black-and-white modes write it. `image` reads a group 4 TIFF but no group 3
//! one, the format of a fax server's TIFF (class F), and refused those as an unknown format.

use hayro_ccitt::{DecodeSettings, DecoderContext, EncodingMode};
use image::GrayImage;

use super::{DecodeError, DecodeErrorKind, Tiff};

/// Decodes one fax-coded block of `settings.rows` rows (a PDF page, a TIFF strip) into grey rows
/// appended to `pixels`: a run coded white is `white`, a run coded black the other level. Rows the
/// data holds are kept where it breaks off (a page cut short reads as far as it goes); the count
/// of rows decoded is returned.
pub(crate) fn decode_rows(
    data: &[u8],
    settings: DecodeSettings,
    white: u8,
    pixels: &mut Vec<u8>,
) -> usize {
    let black = 255 - white;
    let mut rows = FaxRows {
        start: pixels.len(),
        pixels,
        width: settings.columns as usize,
        height: settings.rows as usize,
        white,
        black,
    };
    let mut context = DecoderContext::new(settings);
    // An error after some rows leaves those rows: a page cut short.
    let _ = hayro_ccitt::decode(data, &mut rows, &mut context);
    (rows.pixels.len() - rows.start) / rows.width.max(1)
}

/// Collects the rows of a fax-coded block as grey, at most its height.
struct FaxRows<'p> {
    pixels: &'p mut Vec<u8>,
    start: usize,
    width: usize,
    height: usize,
    white: u8,
    black: u8,
}

impl hayro_ccitt::Decoder for FaxRows<'_> {
    fn push_row(&mut self, changes: &[u32]) {
        if self.pixels.len() - self.start >= self.width * self.height {
            return;
        }
        let at = self.pixels.len();
        self.pixels.resize(at + self.width, self.white);
        let row = &mut self.pixels[at..];
        // From each odd change to the next, black (changes are ascending and within the row).
        for pair in changes.chunks(2) {
            let from = (pair[0] as usize).min(self.width);
            let to = pair
                .get(1)
                .map_or(self.width, |&c| (c as usize).min(self.width));
            if from < to {
                row[from..to].fill(self.black);
            }
        }
    }
}

/// The TIFF tags a fax page is read by.
mod tag {
    pub const WIDTH: u16 = 256;
    pub const HEIGHT: u16 = 257;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC: u16 = 262;
    pub const FILL_ORDER: u16 = 266;
    pub const STRIP_OFFSETS: u16 = 273;
    pub const ROWS_PER_STRIP: u16 = 278;
    pub const STRIP_BYTE_COUNTS: u16 = 279;
    pub const X_RESOLUTION: u16 = 282;
    pub const Y_RESOLUTION: u16 = 283;
    pub const T4_OPTIONS: u16 = 292;
}

/// The TIFF compressions of fax pages: modified Huffman (2, one-dimensional, each row byte
/// aligned), T.4 (3, group 3) and T.6 (4, group 4).
const FAX_COMPRESSIONS: [u32; 3] = [2, 3, 4];

/// The first image directory of a classic TIFF, read just far enough for a fax page.
struct Directory<'a> {
    tiff: Tiff<'a>,
    at: usize,
    entries: usize,
}

impl<'a> Directory<'a> {
    fn first(bytes: &'a [u8]) -> Option<Self> {
        let tiff = Tiff::open(bytes)?;
        let at = usize::try_from(tiff.read(4, 4)?).ok()?;
        let entries = usize::try_from(tiff.read(at, 2)?).ok()?;
        Some(Directory { tiff, at, entries })
    }

    fn read(&self, at: usize, n: usize) -> Option<u32> {
        self.tiff.read(at, n)
    }

    /// The values of `tag` (SHORT, LONG or the numerators and denominators of RATIONAL), at
    /// most `max` of them; `None` where the tag is absent or malformed.
    fn values(&self, tag: u16, max: usize) -> Option<Vec<u32>> {
        for i in 0..self.entries {
            let entry = self.at.checked_add(2 + 12 * i)?;
            if self.read(entry, 2)? != u32::from(tag) {
                continue;
            }
            let kind = self.read(entry + 2, 2)?;
            let count = usize::try_from(self.read(entry + 4, 4)?).ok()?;
            let (size, per) = match kind {
                3 => (2, 1),
                4 => (4, 1),
                5 => (4, 2),
                _ => return None,
            };
            let n = count.checked_mul(per)?;
            if n > max {
                return None;
            }
            let start = if n * size <= 4 {
                entry + 8
            } else {
                usize::try_from(self.read(entry + 8, 4)?).ok()?
            };
            return (0..n)
                .map(|k| self.read(start.checked_add(k * size)?, size))
                .collect();
        }
        None
    }

    fn value(&self, tag: u16) -> Option<u32> {
        self.values(tag, 1)?.first().copied()
    }
}

/// Whether `bytes` are a TIFF whose first page is fax coded.
pub(crate) fn is_fax_tiff(bytes: &[u8]) -> bool {
    Directory::first(bytes)
        .and_then(|d| d.value(tag::COMPRESSION))
        .is_some_and(|c| FAX_COMPRESSIONS.contains(&c))
}

/// The most strips a fax page is read from (a fax writes one per page or one per row).
const MAX_STRIPS: usize = 1 << 16;

/// Decodes the first page of a fax-coded TIFF to grey, stretched to square pixels where it was
/// sent at a fax's standard resolution (half as many rows per inch as columns), so that its
/// characters have their printed proportions. Strips are decoded in turn; a page cut short
/// keeps the rows it has.
pub(crate) fn tiff_grey(bytes: &[u8], max_pixels: u64) -> Result<GrayImage, DecodeError> {
    let corrupt = || DecodeError::new(DecodeErrorKind::Corrupt, None);
    let dir = Directory::first(bytes).ok_or_else(corrupt)?;
    let (width, height) = (
        dir.value(tag::WIDTH).ok_or_else(corrupt)?,
        dir.value(tag::HEIGHT).ok_or_else(corrupt)?,
    );
    if width == 0 || height == 0 {
        return Err(corrupt());
    }
    // Rows repeated to square the pixels: 2 for a standard-resolution fax (204 x 98 dpi).
    let stretch = match (
        dir.values(tag::X_RESOLUTION, 2).as_deref(),
        dir.values(tag::Y_RESOLUTION, 2).as_deref(),
    ) {
        (Some(&[xn, xd]), Some(&[yn, yd])) if xd > 0 && yn > 0 && yd > 0 => {
            let ratio = (f64::from(xn) / f64::from(xd)) / (f64::from(yn) / f64::from(yd));
            ratio.round().clamp(1.0, 4.0) as u32
        }
        _ => 1,
    };
    let out_height = height.saturating_mul(stretch);
    if u64::from(width) * u64::from(out_height) > max_pixels {
        return Err(DecodeError::too_many_pixels(width, out_height, max_pixels));
    }
    let compression = dir.value(tag::COMPRESSION).ok_or_else(corrupt)?;
    let t4 = dir.value(tag::T4_OPTIONS).unwrap_or(0);
    let encoding = match compression {
        2 => EncodingMode::Group3_1D,
        3 if t4 & 1 == 1 => EncodingMode::Group3_2D,
        3 => EncodingMode::Group3_1D,
        4 => EncodingMode::Group4,
        _ => return Err(corrupt()),
    };
    // Photometric 0 (white is zero, a fax's own) keeps a run coded white as paper; 1 swaps it.
    let white = if dir.value(tag::PHOTOMETRIC).unwrap_or(0) == 1 {
        0
    } else {
        255
    };
    let reversed = dir.value(tag::FILL_ORDER) == Some(2);
    let offsets = dir
        .values(tag::STRIP_OFFSETS, MAX_STRIPS)
        .ok_or_else(corrupt)?;
    let counts = dir
        .values(tag::STRIP_BYTE_COUNTS, MAX_STRIPS)
        .ok_or_else(corrupt)?;
    let per_strip = dir.value(tag::ROWS_PER_STRIP).unwrap_or(height).max(1);
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    let (mut rows, mut decoded) = (0u32, 0usize);
    for (&offset, &count) in offsets.iter().zip(&counts) {
        if rows >= height {
            break;
        }
        let strip_rows = per_strip.min(height - rows);
        let start = offset as usize;
        let Some(data) = bytes.get(start..start.saturating_add(count as usize).min(bytes.len()))
        else {
            break;
        };
        // Fill order 2 packs each byte's bits lowest first.
        let data: std::borrow::Cow<[u8]> = if reversed {
            data.iter().map(|b| b.reverse_bits()).collect()
        } else {
            data.into()
        };
        let settings = DecodeSettings {
            columns: width,
            rows: strip_rows,
            end_of_block: true,
            // T.4 rows start with an end-of-line code; modified Huffman and T.6 have none.
            end_of_line: compression == 3,
            // Modified Huffman starts every row on a byte; T.4 where its option bit 2 says so.
            rows_are_byte_aligned: compression == 2 || (compression == 3 && t4 & 4 == 4),
            encoding,
            strict: false,
        };
        let got = decode_rows(&data, settings, white, &mut pixels).min(strip_rows as usize);
        decoded += got;
        rows += strip_rows;
        // A strip short of its rows ends the page: what follows would be misplaced.
        if got < strip_rows as usize {
            break;
        }
    }
    if decoded == 0 {
        return Err(corrupt());
    }
    pixels.resize(width as usize * height as usize, white);
    let page = GrayImage::from_raw(width, height, pixels).ok_or_else(corrupt)?;
    Ok(if stretch > 1 {
        GrayImage::from_fn(width, out_height, |x, y| *page.get_pixel(x, y / stretch))
    } else {
        page
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF of one directory with `entries` (tag, type, count, value), the
    /// values of RATIONAL entries (numerator, denominator) placed after the directory, then
    /// `data`, which strip offset 0 in an entry's value points to.
    fn tiff(entries: &[(u16, u16, u32, u32)], rationals: &[(u32, u32)], data: &[u8]) -> Vec<u8> {
        let mut out = b"II*\0\x08\0\0\0".to_vec();
        let dir_len = 2 + 12 * entries.len() + 4;
        let rationals_at = 8 + dir_len;
        let data_at = rationals_at + 8 * rationals.len();
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        let mut r = 0;
        for &(tag, kind, count, value) in entries {
            let value = match (tag, kind) {
                (_, 5) => {
                    r += 1;
                    (rationals_at + 8 * (r - 1)) as u32
                }
                (tag::STRIP_OFFSETS, _) => data_at as u32 + value,
                _ => value,
            };
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&[0; 4]);
        for &(n, d) in rationals {
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&d.to_le_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    /// Group 3, one-dimensional, `rows` rows of 8 white pixels: each row an end-of-line code
    /// (000000000001) and the white run of 8 (10011), 17 bits, in `rows * 17` bits.
    fn white_rows(rows: usize) -> Vec<u8> {
        let mut bits = String::new();
        for _ in 0..rows {
            bits.push_str("00000000000110011");
        }
        while !bits.len().is_multiple_of(8) {
            bits.push('0');
        }
        bits.as_bytes()
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |v, &b| v << 1 | u8::from(b == b'1')))
            .collect()
    }

    fn page(width: u32, height: u32, y_dpi: u32, data: &[u8]) -> Vec<u8> {
        tiff(
            &[
                (tag::WIDTH, 4, 1, width),
                (tag::HEIGHT, 4, 1, height),
                (tag::COMPRESSION, 3, 1, 3),
                (tag::STRIP_OFFSETS, 4, 1, 0),
                (tag::STRIP_BYTE_COUNTS, 4, 1, data.len() as u32),
                (tag::X_RESOLUTION, 5, 1, 0),
                (tag::Y_RESOLUTION, 5, 1, 0),
            ],
            &[(204, 1), (y_dpi, 1)],
            data,
        )
    }

    #[test]
    fn a_fax_tiff_decodes_white_and_a_standard_resolution_one_to_square_pixels() {
        let fine = page(8, 3, 196, &white_rows(3));
        assert!(is_fax_tiff(&fine));
        let grey = tiff_grey(&fine, u64::MAX).unwrap();
        assert_eq!(grey.dimensions(), (8, 3));
        assert!(grey.pixels().all(|p| p[0] == 255));
        // 204 x 98 dpi: each row twice.
        let standard = page(8, 3, 98, &white_rows(3));
        assert_eq!(tiff_grey(&standard, u64::MAX).unwrap().dimensions(), (8, 6));
        // The limit counts the rows after stretching.
        let err = tiff_grey(&standard, 40).unwrap_err();
        assert_eq!(
            err.kind(),
            &DecodeErrorKind::TooManyPixels {
                width: 8,
                height: 6,
                limit: 40
            }
        );
    }

    #[test]
    fn broken_fax_tiffs_are_corrupt_not_panics() {
        let good = page(8, 3, 196, &white_rows(3));
        // A strip past the end of the file: no rows, corrupt.
        let mut far = good.clone();
        let strip = far.len() - white_rows(3).len();
        let at = far
            .windows(4)
            .position(|w| w == (strip as u32).to_le_bytes())
            .unwrap();
        far[at..at + 4].copy_from_slice(&100_000u32.to_le_bytes());
        assert_eq!(
            tiff_grey(&far, u64::MAX).unwrap_err().kind(),
            &DecodeErrorKind::Corrupt
        );
        // A page whose data stops keeps its rows, white below.
        let cut = &good[..good.len() - 2];
        if let Ok(grey) = tiff_grey(cut, u64::MAX) {
            assert_eq!(grey.dimensions(), (8, 3));
        }
        // A directory cut anywhere, or a strip offset past the end: an error or a page.
        for end in 0..good.len() {
            let _ = is_fax_tiff(&good[..end]);
            if let Ok(grey) = tiff_grey(&good[..end], u64::MAX) {
                assert_eq!(grey.width(), 8);
            }
        }
        // A size of zero, and a PNG: not fax pages.
        assert_eq!(
            tiff_grey(&page(0, 3, 196, &white_rows(3)), u64::MAX)
                .unwrap_err()
                .kind(),
            &DecodeErrorKind::Corrupt
        );
        assert!(!is_fax_tiff(b"\x89PNG\r\n\x1a\n"));
        // An LZW TIFF is `image`'s.
        let lzw = tiff(&[(tag::COMPRESSION, 3, 1, 5)], &[], &[]);
        assert!(!is_fax_tiff(&lzw));
    }
}
