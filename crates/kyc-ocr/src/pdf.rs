//! Stage 1 for scans saved as PDF: a scanner or a phone's scan app writes the page as one image
//! inside the document, and KYC uploads accept PDFs. Rather than render the page, this finds that
//! image and hands it on: a JPEG (`DCTDecode`, what most scanners write); a JPEG 2000
//! (`JPXDecode`); a black-and-white page coded as JBIG2 (`JBIG2Decode`, with its
//! `JBIG2Globals`: copiers and document systems) or as a fax (`CCITTFaxDecode`, group 4 or 3); or
//! 8-bit grey, RGB or CMYK samples and 1-bit black and white, deflated (`FlateDecode`, with or
//! without PNG predictors) or stored as they are. Faxes and samples are converted to grey here. A
//! page of text or vector graphics is not read: it comes back as `None` and the caller says the
//! PDF holds no image it can read.
//!
//! The scan is a byte search for image streams, not a PDF parser: it never follows the page tree
//! (page images come in file order, which is page order as scanners write them), so a damaged
//! cross-reference table does not matter, and every length it reads is checked against the bytes
//! it has.

use std::io::Read;

/// An image found in a PDF.
#[derive(Debug, PartialEq)]
pub(crate) enum Embedded<'a> {
    /// A complete JPEG file, a slice of the PDF.
    Jpeg(&'a [u8]),
    /// Grey levels, row by row, already decompressed and converted.
    Grey {
        width: u32,
        height: u32,
        pixels: Vec<u8>,
    },
    /// A JPEG 2000 file or codestream, a slice of the PDF.
    Jpeg2000(&'a [u8]),
    /// A JBIG2 page in the embedded organisation, with the segments of its `JBIG2Globals`
    /// stream where it names one; `inverted` where `/Decode [1 0]` swaps black and white.
    Jbig2 {
        data: &'a [u8],
        globals: Option<&'a [u8]>,
        inverted: bool,
    },
    /// A deflated or uncompressed image over the pixel limit, left as it is.
    Oversized { width: u32, height: u32 },
}

/// The image stream with the most pixels that this module can decode, or `None`. A deflated image
/// over `max_pixels` is never inflated ([`Embedded::Oversized`]); a JPEG's size is checked by the
/// caller's own decoder, from its header.
pub(crate) fn largest_image(pdf: &[u8], max_pixels: u64) -> Option<Embedded<'_>> {
    let mut streams: Vec<Stream<'_>> = image_streams(pdf).collect();
    // Largest first; the first that decodes wins.
    streams.sort_by_key(|s| std::cmp::Reverse(u64::from(s.width) * u64::from(s.height)));
    streams.into_iter().find_map(|s| s.decode(max_pixels))
}

/// The most page images [`page_images`] gives: a scan of a passport and an identity card, front and
/// back, with room to spare.
pub(crate) const MAX_PAGES: usize = 4;

/// The page images of `pdf` in file order, which is page order as scanners and scan apps write
/// them: every image this module decodes with at least a quarter of the largest one's pixels (a
/// logo or a thumbnail is not a page), at most [`MAX_PAGES`].
pub(crate) fn page_images(pdf: &[u8], max_pixels: u64) -> Vec<Embedded<'_>> {
    let streams: Vec<Stream<'_>> = image_streams(pdf).collect();
    let pixels = |s: &Stream<'_>| u64::from(s.width) * u64::from(s.height);
    let largest = streams.iter().map(pixels).max().unwrap_or(0);
    streams
        .iter()
        .filter(|s| pixels(s) >= largest / 4)
        .filter_map(|s| s.decode(max_pixels))
        .take(MAX_PAGES)
        .collect()
}

/// One image XObject: its dictionary and its data bytes.
struct Stream<'a> {
    pdf: &'a [u8],
    dict: &'a [u8],
    data: &'a [u8],
    width: u32,
    height: u32,
}

impl<'a> Stream<'a> {
    fn decode(&self, max_pixels: u64) -> Option<Embedded<'a>> {
        let filters = filters(self.dict);
        // Samples and fax pages are decoded here, so their size is checked here, before any
        // allocation; the other codecs' files carry their size, which the caller checks.
        let decoded_here = matches!(
            filters.as_slice(),
            [] | [b"FlateDecode" | b"Fl"] | [b"CCITTFaxDecode" | b"CCF"]
        );
        if decoded_here && u64::from(self.width) * u64::from(self.height) > max_pixels {
            return Some(Embedded::Oversized {
                width: self.width,
                height: self.height,
            });
        }
        match filters.as_slice() {
            [b"DCTDecode" | b"DCT"] => {
                // The JPEG header carries the size the caller checks against its limits.
                self.data
                    .starts_with(&[0xFF, 0xD8])
                    .then_some(Embedded::Jpeg(self.data))
            }
            // Deflated samples, or samples as they are (some writers store a page uncompressed).
            filters @ ([] | [b"FlateDecode" | b"Fl"]) => self.samples(!filters.is_empty()),
            [b"CCITTFaxDecode" | b"CCF"] => self.fax(),
            // Here only that the data is what the filter says.
            [b"JPXDecode"] => {
                crate::decode::is_jpeg2000(self.data).then_some(Embedded::Jpeg2000(self.data))
            }
            [b"JBIG2Decode"] => crate::decode::is_jbig2_page(self.data).then(|| Embedded::Jbig2 {
                data: self.data,
                globals: self.jbig2_globals(),
                inverted: decode_inverted(self.dict),
            }),
            _ => None,
        }
    }

    /// The data of the stream `/JBIG2Globals` names (an unfiltered stream, as JBIG2 writers
    /// leave it), or `None`.
    fn jbig2_globals(&self) -> Option<&'a [u8]> {
        let Value::Reference(object, generation) = value(self.dict, b"JBIG2Globals")? else {
            return None;
        };
        let body = object_body(self.pdf, object, generation)?;
        let keyword = body + find_all(&self.pdf[body..], b"stream").next()?;
        // The object's own stream, not the next object's.
        let end = find_all(&self.pdf[body..], b"endobj")
            .next()
            .map(|e| body + e);
        if end.is_some_and(|e| e < keyword) {
            return None;
        }
        let dict = dictionary_before(self.pdf, keyword)?;
        if !filters(dict).is_empty() {
            return None;
        }
        stream_data(self.pdf, keyword + b"stream".len(), dict)
    }

    /// Decodes a fax-coded page (`CCITTFaxDecode`: group 4, `/K` below 0, what scanners write;
    /// group 3, one- or two-dimensional, `/K` 0 or more, what fax machines write) to grey. The
    /// rows the data holds are kept where it breaks off (a page cut short reads as far as it
    /// goes); a page none of whose rows decode is `None`.
    fn fax(&self) -> Option<Embedded<'a>> {
        use hayro_ccitt::{DecodeSettings, EncodingMode};

        let k = value_after(self.dict, b"K").and_then(|v| {
            let (negative, v) = match v.strip_prefix(b"-") {
                Some(v) => (true, v),
                None => (false, v),
            };
            number(v).map(|(n, _)| if negative { -n } else { n })
        });
        if integer(self.dict, b"Columns").is_some_and(|c| c != i64::from(self.width)) {
            return None;
        }
        let flag = |key: &[u8], default: bool| {
            value_after(self.dict, key).map_or(default, |v| v.starts_with(b"true"))
        };
        let settings = DecodeSettings {
            columns: self.width,
            rows: self.height,
            end_of_block: flag(b"EndOfBlock", true),
            end_of_line: flag(b"EndOfLine", false),
            rows_are_byte_aligned: flag(b"EncodedByteAlign", false),
            encoding: match k.unwrap_or(0) {
                k if k < 0 => EncodingMode::Group4,
                0 => EncodingMode::Group3_1D,
                _ => EncodingMode::Group3_2D,
            },
            strict: false,
        };
        // A run coded white is paper unless `/BlackIs1 true` or `/Decode [1 0]` (not both) swaps
        // it.
        let paper_is_white = flag(b"BlackIs1", false) == decode_inverted(self.dict);
        let mut pixels = Vec::with_capacity(self.width as usize * self.height as usize);
        let white = if paper_is_white { 255 } else { 0 };
        if crate::decode::fax_rows(self.data, settings, white, &mut pixels) == 0 {
            return None;
        }
        pixels.resize(self.width as usize * self.height as usize, white);
        Some(Embedded::Grey {
            width: self.width,
            height: self.height,
            pixels,
        })
    }

    /// Reads the samples, inflating them where `deflated`, and converts them to grey.
    fn samples(&self, deflated: bool) -> Option<Embedded<'a>> {
        let dict = self.dict;
        // 8-bit samples and 1-bit black and white are what scanners write; 2, 4 and 16 bits are
        // not read.
        let bits = integer(dict, b"BitsPerComponent").unwrap_or(8);
        if bits != 1 && bits != 8 {
            return None;
        }
        // An image mask is a stencil, not a page; a palette maps the samples to colours this
        // search does not resolve.
        let mask = value_after(dict, b"ImageMask").is_some_and(|v| v.starts_with(b"true"));
        if mask || contains(dict, b"/Indexed") {
            return None;
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let predictor = integer(dict, b"Predictor").unwrap_or(1);
        let png = predictor >= 10;
        // The colour space may be an ICC profile in another object: the sample count per pixel
        // follows from the inflated length instead.
        let channel_options: &[usize] = if bits == 1 { &[1] } else { &[1, 3, 4] };
        let row_bytes = |c: usize| (w * c * bits as usize).div_ceil(8) + usize::from(png);
        let largest = row_bytes(4) * h;
        let mut raw = Vec::new();
        if deflated {
            flate2::read::ZlibDecoder::new(self.data)
                .take(largest as u64 + 1)
                .read_to_end(&mut raw)
                .ok()?;
        } else {
            raw.extend_from_slice(&self.data[..self.data.len().min(largest + 1)]);
        }
        // The most samples per pixel the data holds whole rows of.
        let channels = *channel_options
            .iter()
            .rev()
            .find(|&&c| raw.len() >= row_bytes(c) * h)?;
        let stride = row_bytes(channels) - usize::from(png);
        let rows = if png {
            unpredict(&raw, stride, h, (channels * bits as usize).div_ceil(8))?
        } else {
            raw.truncate(stride * h);
            raw
        };
        let invert = decode_inverted(dict);
        let mut pixels = Vec::with_capacity(w * h);
        for row in rows.chunks_exact(stride) {
            match (bits, channels) {
                (1, _) => pixels.extend((0..w).map(|x| {
                    if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                        255
                    } else {
                        0
                    }
                })),
                (8, 1) => pixels.extend_from_slice(&row[..w]),
                (8, 3) => pixels.extend(row.chunks_exact(3).map(|p| rgb_grey(p[0], p[1], p[2]))),
                (8, 4) => pixels.extend(
                    row.chunks_exact(4)
                        .map(|p| cmyk_grey(p[0], p[1], p[2], p[3])),
                ),
                _ => return None,
            }
        }
        if invert {
            pixels.iter_mut().for_each(|p| *p = 255 - *p);
        }
        Some(Embedded::Grey {
            width: self.width,
            height: self.height,
            pixels,
        })
    }
}

/// The grey level of an RGB colour (Rec. 601 weights), for the samples decoded here.
pub(crate) fn rgb_grey(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
}

/// The grey level of a CMYK colour: the paper's white less the ink (its cyan, magenta and yellow
/// weighed as [`rgb_grey`] weighs light, and its black).
pub(crate) fn cmyk_grey(c: u8, m: u8, y: u8, k: u8) -> u8 {
    let ink = u32::from(rgb_grey(c, m, y)) + u32::from(k);
    255u32.saturating_sub(ink) as u8
}

/// Undoes PNG row predictors (`/Predictor` 10-15): each row starts with its filter type.
fn unpredict(raw: &[u8], stride: usize, rows: usize, bpp: usize) -> Option<Vec<u8>> {
    let bpp = bpp.max(1);
    let mut out = vec![0u8; stride * rows];
    for r in 0..rows {
        let line = raw.get(r * (stride + 1)..(r + 1) * (stride + 1))?;
        let (filter, line) = (line[0], &line[1..]);
        let (done, rest) = out.split_at_mut(r * stride);
        let prev = if r > 0 {
            &done[(r - 1) * stride..]
        } else {
            &[][..]
        };
        let cur = &mut rest[..stride];
        for i in 0..stride {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev.get(i).copied().unwrap_or(0);
            let c = if i >= bpp {
                prev.get(i - bpp).copied().unwrap_or(0)
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                _ => return None,
            };
            cur[i] = line[i].wrapping_add(predicted);
        }
    }
    Some(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Every image stream in `pdf`, in file order.
fn image_streams(pdf: &[u8]) -> impl Iterator<Item = Stream<'_>> {
    image_dictionaries(pdf).filter_map(move |(at, dict)| {
        let width = u32::try_from(integer(dict, b"Width")?).ok()?;
        let height = u32::try_from(integer(dict, b"Height")?).ok()?;
        if width == 0 || height == 0 {
            return None;
        }
        let data = stream_data(pdf, at + b"stream".len(), dict)?;
        Some(Stream {
            pdf,
            dict,
            data,
            width,
            height,
        })
    })
}

/// The dictionary of every image stream in `pdf`, in file order, with where its `stream` keyword
/// starts.
///
/// Hostile files are bounded: at most [`MAX_STREAMS`] stream keywords are looked at, each
/// dictionary at most [`MAX_DICT_BYTES`] back, and at most [`MAX_IMAGE_STREAMS`] image
/// dictionaries given (each may cost a search for its length's object and one for its data's
/// end), so a file of repeated keywords costs a few dozen passes over its bytes.
fn image_dictionaries(pdf: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    find_all(pdf, b"stream")
        .take(MAX_STREAMS)
        .filter_map(move |at| {
            // `endstream` ends a stream; only the keyword after a dictionary starts one.
            if at >= 3 && &pdf[at - 3..at] == b"end" {
                return None;
            }
            let dict = dictionary_before(pdf, at)?;
            has_name(dict, b"Subtype", b"Image").then_some((at, dict))
        })
        .take(MAX_IMAGE_STREAMS)
}

/// The most `stream` keywords [`image_streams`] looks at: a scanned PDF has tens, a long text
/// document thousands (fonts and page contents).
const MAX_STREAMS: usize = 10_000;
/// The most bytes an image dictionary may span; real ones are a few hundred (an inline palette
/// about two thousand).
const MAX_DICT_BYTES: usize = 8 << 10;
/// The most image dictionaries [`image_dictionaries`] gives.
const MAX_IMAGE_STREAMS: usize = 32;

/// The dictionary `<< ... >>` that ends just before `at` (whitespace between), nesting counted.
fn dictionary_before(pdf: &[u8], at: usize) -> Option<&[u8]> {
    let mut end = at;
    while end > 0 && pdf[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if end < 2 || &pdf[end - 2..end] != b">>" {
        return None;
    }
    let mut depth = 0usize;
    let mut i = end;
    let lowest = end.saturating_sub(MAX_DICT_BYTES);
    while i >= 2 && i > lowest {
        match &pdf[i - 2..i] {
            b">>" => {
                depth += 1;
                i -= 2;
            }
            b"<<" => {
                depth = depth.checked_sub(1)?;
                i -= 2;
                if depth == 0 {
                    return Some(&pdf[i..end]);
                }
            }
            _ => i -= 1,
        }
    }
    None
}

/// The bytes of the stream whose keyword ends at `after`: from past its end of line, `/Length`
/// long where that is where `endstream` follows, else up to `endstream`.
fn stream_data<'a>(pdf: &'a [u8], after: usize, dict: &[u8]) -> Option<&'a [u8]> {
    let start = match pdf.get(after..after + 2)? {
        [b'\r', b'\n'] => after + 2,
        [b'\n', _] | [b'\r', _] => after + 1,
        _ => return None,
    };
    if let Some(len) = length(dict, pdf).and_then(|l| usize::try_from(l).ok()) {
        if let Some(end) = start.checked_add(len).filter(|&e| e <= pdf.len()) {
            let tail = &pdf[end..pdf.len().min(end + 32)];
            let rest = tail
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .map(|p| &tail[p..]);
            if rest.is_some_and(|r| r.starts_with(b"endstream")) {
                return Some(&pdf[start..end]);
            }
        }
    }
    let end = start + find_all(&pdf[start..], b"endstream").next()?;
    let mut end = end;
    // The end of line before `endstream` is not data.
    if end > start && pdf[end - 1] == b'\n' {
        end -= 1;
    }
    if end > start && pdf[end - 1] == b'\r' {
        end -= 1;
    }
    Some(&pdf[start..end])
}

/// The filter names of a stream dictionary: `/Filter /X` or `/Filter [/X /Y]`.
fn filters(dict: &[u8]) -> Vec<&[u8]> {
    let Some(value) = value_after(dict, b"Filter") else {
        return Vec::new();
    };
    match value.strip_prefix(b"[") {
        Some(list) => {
            let list = &list[..list.iter().position(|&b| b == b']').unwrap_or(list.len())];
            list.split(|&b| b == b'/').skip(1).map(name).collect()
        }
        None => value.strip_prefix(b"/").map(name).into_iter().collect(),
    }
}

/// The name at the start of `s` (after its slash).
fn name(s: &[u8]) -> &[u8] {
    &s[..s.iter().position(|&b| !is_regular(b)).unwrap_or(s.len())]
}

/// Whether `/key` in `dict` has the name `/value`.
fn has_name(dict: &[u8], key: &[u8], value: &[u8]) -> bool {
    value_after(dict, key)
        .and_then(|v| v.strip_prefix(b"/"))
        .is_some_and(|v| name(v) == value)
}

/// Whether the dictionary's `/Decode` array maps the first sample value to white (`[1 0]`).
fn decode_inverted(dict: &[u8]) -> bool {
    value_after(dict, b"Decode").is_some_and(|v| {
        let v: Vec<u8> = v
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        v.starts_with(b"[10]") || v.starts_with(b"[1.00]") || v.starts_with(b"[1.00.0]")
    })
}

/// The integer value of `/key` in `dict`; `None` where it is missing or a reference to another
/// object (only [`length`] follows those: scanners write the other numbers in place).
fn integer(dict: &[u8], key: &[u8]) -> Option<i64> {
    match value(dict, key)? {
        Value::Number(n) => Some(n),
        Value::Reference(..) => None,
    }
}

/// The stream's `/Length`, following a reference (`12 0 R`, which PDF writers use when they know
/// the length only after writing the data) to the object that holds it.
fn length(dict: &[u8], pdf: &[u8]) -> Option<i64> {
    match value(dict, b"Length")? {
        Value::Number(n) => Some(n),
        Value::Reference(object, generation) => {
            let body = pdf[object_body(pdf, object, generation)?..].trim_ascii_start();
            number(body).map(|(n, _)| n)
        }
    }
}

/// Where the body of object `object generation` starts: just past its `N G obj` header (the
/// first whole one; `12 0 obj` must not match inside `112 0 obj`).
fn object_body(pdf: &[u8], object: i64, generation: i64) -> Option<usize> {
    let header = format!("{object} {generation} obj");
    let at = find_all(pdf, header.as_bytes()).find(|&i| i == 0 || !pdf[i - 1].is_ascii_digit())?;
    Some(at + header.len())
}

/// A number in a dictionary, or a reference to the object that holds it.
enum Value {
    Number(i64),
    Reference(i64, i64),
}

fn value(dict: &[u8], key: &[u8]) -> Option<Value> {
    let (first, rest) = number(value_after(dict, key)?)?;
    if let Some((generation, rest)) = number(rest.trim_ascii_start()) {
        if rest.trim_ascii_start().starts_with(b"R") {
            return Some(Value::Reference(first, generation));
        }
    }
    Some(Value::Number(first))
}

/// A non-negative integer at the start of `s` and what follows it.
fn number(s: &[u8]) -> Option<(i64, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 12 {
        return None;
    }
    let n = std::str::from_utf8(&s[..digits]).ok()?.parse().ok()?;
    Some((n, &s[digits..]))
}

/// What follows `/key` in `dict` (whitespace skipped), where `/key` is a whole name.
fn value_after<'a>(dict: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut name = Vec::with_capacity(key.len() + 1);
    name.push(b'/');
    name.extend_from_slice(key);
    let found = find_all(dict, &name).find_map(|at| {
        let rest = &dict[at + name.len()..];
        // `/Width` must not match `/Widths`.
        match rest.first() {
            Some(&b) if is_regular(b) => None,
            _ => Some(rest.trim_ascii_start()),
        }
    });
    found
}

/// Whether `b` continues a PDF name (not whitespace and not a delimiter).
fn is_regular(b: u8) -> bool {
    !b.is_ascii_whitespace() && !b"()<>[]{}/%".contains(&b)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find_all(haystack, needle).next().is_some()
}

/// The start of every occurrence of `needle` in `haystack`.
fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let mut from = 0usize;
    std::iter::from_fn(move || {
        let first = *needle.first()?;
        while from + needle.len() <= haystack.len() {
            let at = from + haystack[from..].iter().position(|&b| b == first)?;
            from = at + 1;
            if haystack[at..].starts_with(needle) {
                return Some(at);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A one-page PDF whose objects 4, 5, ... are `streams` (dictionary, data), each written as
    /// scanners write them; `extra` objects follow them.
    fn pdf(streams: &[(String, Vec<u8>)], extra: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im1 4 0 R >> >> >>".to_vec(),
        ];
        for (dict, data) in streams {
            let mut o = format!("{dict}\nstream\r\n").into_bytes();
            o.extend_from_slice(data);
            o.extend_from_slice(b"\r\nendstream");
            objects.push(o);
        }
        objects.extend(extra.iter().map(|e| e.as_bytes().to_vec()));
        for (i, o) in objects.iter().enumerate() {
            writeln!(out, "{} 0 obj", i + 1).unwrap();
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        out.extend_from_slice(b"trailer\n<< /Root 1 0 R >>\n%%EOF\n");
        out
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    /// A 37x23 grey test pattern: every level occurs, and rows and columns differ.
    fn pattern() -> (u32, u32, Vec<u8>) {
        let (w, h) = (37u32, 23u32);
        let px = (0..h)
            .flat_map(|y| (0..w).map(move |x| ((x * 7 + y * 13) % 256) as u8))
            .collect();
        (w, h, px)
    }

    fn grey_of(e: Option<Embedded<'_>>) -> (u32, u32, Vec<u8>) {
        match e {
            Some(Embedded::Grey {
                width,
                height,
                pixels,
            }) => (width, height, pixels),
            other => panic!("not grey pixels: {other:?}"),
        }
    }

    #[test]
    fn deflated_grey_comes_back_as_it_went_in_with_its_length_in_another_object() {
        let (w, h, px) = pattern();
        let data = deflate(&px);
        let dict = format!(
            "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray \
             /BitsPerComponent 8 /Filter /FlateDecode /Length 5 0 R >>"
        );
        let file = pdf(&[(dict, data.clone())], &[&data.len().to_string()]);
        assert_eq!(grey_of(largest_image(&file, u64::MAX)), (w, h, px));
    }

    #[test]
    fn uncompressed_samples_come_back_as_they_are() {
        // MuPDF, for one, stores a page image without a filter.
        let (w, h, px) = pattern();
        let dict = format!(
            "<</Type/XObject/Subtype/Image/DecodeParms<<>>/Width {w}/Height {h}\
             /BitsPerComponent 8/ColorSpace 7 0 R/Length {}>>",
            px.len()
        );
        let file = pdf(&[(dict, px.clone())], &[]);
        assert_eq!(grey_of(largest_image(&file, u64::MAX)), (w, h, px));
    }

    #[test]
    fn png_predicted_rgb_is_undone_for_every_row_filter() {
        let (w, h, grey) = pattern();
        // Grey in all three channels, so the conversion must give the grey back.
        let rgb: Vec<u8> = grey.iter().flat_map(|&g| [g, g, g]).collect();
        let stride = w as usize * 3;
        let mut coded = Vec::new();
        for (y, row) in rgb.chunks(stride).enumerate() {
            let filter = (y % 5) as u8;
            coded.push(filter);
            let prev = if y > 0 {
                &rgb[(y - 1) * stride..y * stride]
            } else {
                &[][..]
            };
            for i in 0..stride {
                let a = if i >= 3 { row[i - 3] } else { 0 };
                let b = prev.get(i).copied().unwrap_or(0);
                let c = if i >= 3 {
                    prev.get(i - 3).copied().unwrap_or(0)
                } else {
                    0
                };
                let p = match filter {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                    _ => paeth(a, b, c),
                };
                coded.push(row[i].wrapping_sub(p));
            }
        }
        let dict = format!(
            "<</Type/XObject/Subtype/Image/Width {w}/Height {h}/ColorSpace[/ICCBased 9 0 R]\
             /BitsPerComponent 8/Filter[/FlateDecode]/DecodeParms<</Predictor 15/Colors 3\
             /Columns {w}>>/Length {}>>",
            deflate(&coded).len()
        );
        let file = pdf(&[(dict, deflate(&coded))], &[]);
        assert_eq!(grey_of(largest_image(&file, u64::MAX)), (w, h, grey));
    }

    #[test]
    fn colour_becomes_grey_light_for_paper_and_dark_for_ink() {
        assert_eq!(rgb_grey(255, 255, 255), 255);
        assert_eq!(rgb_grey(0, 0, 0), 0);
        // Green counts most, blue least.
        assert!(rgb_grey(0, 255, 0) > rgb_grey(255, 0, 0));
        assert!(rgb_grey(255, 0, 0) > rgb_grey(0, 0, 255));
        assert_eq!(cmyk_grey(0, 0, 0, 0), 255);
        assert_eq!(cmyk_grey(0, 0, 0, 255), 0);
        assert_eq!(cmyk_grey(255, 255, 255, 0), 0);
        // Magenta ink darkens more than yellow ink, as their light does.
        assert!(cmyk_grey(0, 255, 0, 0) < cmyk_grey(0, 0, 255, 0));
    }

    #[test]
    fn cmyk_and_inverted_one_bit_keep_paper_light_and_ink_dark() {
        // Two pixels, paper then ink: CMYK (0,0,0,0) and (0,0,0,255).
        let dict = |extra: &str, len: usize| {
            format!(
                "<< /Subtype /Image /Width 2 /Height 1 {extra} /Filter /FlateDecode /Length {len} >>"
            )
        };
        let cmyk = deflate(&[0, 0, 0, 0, 0, 0, 0, 255]);
        let file = pdf(
            &[(
                dict("/BitsPerComponent 8 /ColorSpace /DeviceCMYK", cmyk.len()),
                cmyk,
            )],
            &[],
        );
        assert_eq!(grey_of(largest_image(&file, u64::MAX)).2, [255, 0]);
        // One bit per pixel with /Decode [1 0]: a set bit is ink. Bits 01 -> paper, ink.
        let bits = deflate(&[0b0100_0000]);
        let d = dict(
            "/BitsPerComponent 1 /ColorSpace /DeviceGray /Decode [1 0]",
            bits.len(),
        );
        let file = pdf(&[(d, bits)], &[]);
        assert_eq!(grey_of(largest_image(&file, u64::MAX)).2, [255, 0]);
    }

    #[test]
    fn the_largest_image_is_the_page_scan() {
        let jpeg = |n: u8| {
            let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0];
            j.extend(std::iter::repeat_n(n, 40));
            j
        };
        let dict = |w: u32, h: u32| {
            format!(
                "<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /BitsPerComponent 8 \
                 /ColorSpace /DeviceRGB /Filter /DCTDecode /Length 44 >>"
            )
        };
        // A logo before the scan and a thumbnail after it.
        let file = pdf(
            &[
                (dict(120, 40), jpeg(1)),
                (dict(2480, 3508), jpeg(2)),
                (dict(100, 141), jpeg(3)),
            ],
            &[],
        );
        assert_eq!(
            largest_image(&file, u64::MAX),
            Some(Embedded::Jpeg(&jpeg(2)[..]))
        );
        // The pages are the scan alone: the logo and the thumbnail are under a quarter of it.
        assert_eq!(page_images(&file, u64::MAX), [Embedded::Jpeg(&jpeg(2)[..])]);
        // Two pages of a booklet, scanned alike, come in page order, the smaller first.
        let file = pdf(
            &[
                (dict(2400, 3500), jpeg(4)),
                (dict(100, 141), jpeg(3)),
                (dict(2480, 3508), jpeg(5)),
            ],
            &[],
        );
        assert_eq!(
            page_images(&file, u64::MAX),
            [Embedded::Jpeg(&jpeg(4)[..]), Embedded::Jpeg(&jpeg(5)[..])]
        );
    }

    #[test]
    fn a_fax_page_decodes_with_its_paper_white() {
        // One group 4 row of 8 pixels, 2-4 black (horizontal mode: white 2, black 3; then V0 to
        // the end), then the end-of-block code.
        let row = b"\x2f\x40\x04\x00\x40".to_vec();
        let fax = |parms: &str, extra: &str| {
            let dict = format!(
                "<< /Subtype /Image /Width 8 /Height 1 /BitsPerComponent 1 {extra} \
                 /Filter /CCITTFaxDecode /DecodeParms << {parms} >> /Length {} >>",
                row.len()
            );
            grey_of(largest_image(&pdf(&[(dict, row.clone())], &[]), u64::MAX))
        };
        let ink = [255, 255, 0, 0, 0, 255, 255, 255].to_vec();
        assert_eq!(fax("/K -1 /Columns 8", ""), (8, 1, ink.clone()));
        // `/BlackIs1 true` or `/Decode [1 0]` swaps paper and ink; both swap back.
        let swapped: Vec<u8> = ink.iter().map(|v| 255 - v).collect();
        assert_eq!(
            fax("/K -1 /Columns 8 /BlackIs1 true", ""),
            (8, 1, swapped.clone())
        );
        assert_eq!(fax("/K -1 /Columns 8", "/Decode [1 0]"), (8, 1, swapped));
        assert_eq!(
            fax("/K -1 /Columns 8 /BlackIs1 true", "/Decode [1 0]"),
            (8, 1, ink)
        );
        // Columns that disagree with the image's width: not this image's data.
        let dict = "<< /Subtype /Image /Width 8 /Height 1 /Filter /CCITTFaxDecode \
                    /DecodeParms << /K -1 /Columns 9 >> /Length 5 >>";
        assert_eq!(
            largest_image(&pdf(&[(dict.into(), row.clone())], &[]), u64::MAX),
            None
        );
        // Over the pixel limit: refused before decoding.
        let dict = "<< /Subtype /Image /Width 30000 /Height 30000 /Filter /CCITTFaxDecode \
                    /DecodeParms << /K -1 /Columns 30000 >> /Length 5 >>";
        assert_eq!(
            largest_image(&pdf(&[(dict.into(), row.clone())], &[]), 100_000_000),
            Some(Embedded::Oversized {
                width: 30000,
                height: 30000
            })
        );
        // Data that decodes to no row at all.
        let dict = "<< /Subtype /Image /Width 8 /Height 1 /Filter /CCITTFaxDecode \
                    /DecodeParms << /K -1 /Columns 8 >> /Length 5 >>";
        assert_eq!(
            largest_image(&pdf(&[(dict.into(), vec![0; 5])], &[]), u64::MAX),
            None
        );
    }

    #[test]
    fn a_jbig2_page_comes_with_the_globals_stream_it_names_and_a_jpeg2000_as_it_is() {
        let page = crate::decode::blank_jbig2(12, 3);
        let image = |extra_dict: &str, globals: (&str, &[u8]), more: &[&str]| {
            let streams = [
                (
                    format!(
                        "<< /Subtype /Image /Width 12 /Height 3 /BitsPerComponent 1 \
                         /Filter /JBIG2Decode {extra_dict} /Length {} >>",
                        page.len()
                    ),
                    page.clone(),
                ),
                (globals.0.to_string(), globals.1.to_vec()),
            ];
            // What the page came with, owned (the found image borrows the file).
            match largest_image(&pdf(&streams, more), u64::MAX) {
                Some(Embedded::Jbig2 {
                    data,
                    globals,
                    inverted,
                }) => Some((data.to_vec(), globals.map(<[u8]>::to_vec), inverted)),
                _ => None,
            }
        };
        let globals = ("<< /Length 7 >>", &b"GLOBALS"[..]);
        assert_eq!(
            image("/DecodeParms << /JBIG2Globals 5 0 R >>", globals, &[]),
            Some((page.clone(), Some(b"GLOBALS".to_vec()), false))
        );
        // No globals named; `/Decode [1 0]` swaps black and white.
        assert_eq!(
            image("/Decode [1 0]", globals, &[]),
            Some((page.clone(), None, true))
        );
        // Globals that are compressed (JBIG2 writers leave them as they are), or an object that
        // is no stream (the next object's stream is not taken for its own): none.
        for (parms, globals, more) in [
            (
                "5 0 R",
                ("<< /Filter /FlateDecode /Length 7 >>", &b"GLOBALS"[..]),
                &[][..],
            ),
            (
                "6 0 R",
                globals,
                &[
                    "<< /Not /AStream >>",
                    "<< /Length 3 >>\nstream\r\nXYZ\r\nendstream",
                ][..],
            ),
            ("9 0 R", globals, &[][..]),
        ] {
            let found = image(
                &format!("/DecodeParms << /JBIG2Globals {parms} >>"),
                globals,
                more,
            );
            assert_eq!(found, Some((page.clone(), None, false)), "{parms}");
        }
        // A JPEG 2000 codestream is handed on as it is; data that is none is not.
        let j2k = b"\xff\x4f\xff\x51 and the rest".to_vec();
        for (data, want) in [
            (j2k.clone(), Some(Embedded::Jpeg2000(&j2k[..]))),
            (b"abc".to_vec(), None),
        ] {
            let dict = format!(
                "<< /Subtype /Image /Width 8 /Height 8 /Filter /JPXDecode /Length {} >>",
                data.len()
            );
            assert_eq!(
                largest_image(&pdf(&[(dict, data.clone())], &[]), u64::MAX),
                want
            );
        }
    }

    #[test]
    fn pages_without_a_readable_image_and_broken_files_give_none_without_panicking() {
        let text = pdf(
            &[(
                "<< /Length 44 >>".into(),
                b"BT /F1 12 Tf 72 712 Td (P<UTO) Tj ET        ".to_vec(),
            )],
            &[],
        );
        assert_eq!(largest_image(&text, u64::MAX), None);
        let jbig2 = pdf(
            &[(
                "<< /Subtype /Image /Width 9 /Height 9 /Filter /JBIG2Decode /Length 3 >>".into(),
                b"abc".to_vec(),
            )],
            &[],
        );
        assert_eq!(largest_image(&jbig2, u64::MAX), None);
        // Sample sizes no scanner writes, one large enough to overflow a row's byte count.
        for bits in ["4", "16", "999999999999"] {
            let data = deflate(&[0; 64]);
            let dict = format!(
                "<< /Subtype /Image /Width 8 /Height 8 /BitsPerComponent {bits} \
                 /Filter /FlateDecode /Length {} >>",
                data.len()
            );
            assert_eq!(
                largest_image(&pdf(&[(dict, data)], &[]), u64::MAX),
                None,
                "{bits}"
            );
        }
        // Every prefix of a file with an image: no panic, and never an image from past the end.
        let (w, h, px) = pattern();
        let data = deflate(&px);
        let dict = format!(
            "<< /Subtype /Image /Width {w} /Height {h} /BitsPerComponent 8 /Filter /FlateDecode \
             /Length {} >>",
            data.len()
        );
        let file = pdf(&[(dict, data)], &[]);
        for end in 0..file.len() {
            if let Some(e) = largest_image(&file[..end], u64::MAX) {
                assert_eq!(
                    grey_of(Some(e)),
                    (w, h, px.clone()),
                    "prefix of {end} bytes"
                );
            }
        }
    }

    #[test]
    fn hostile_files_of_repeated_keywords_are_searched_within_bounds() {
        // A dictionary that never opens, before every one of many keywords: each walk back stops
        // at the dictionary bound, and no stream is found.
        let unopened = b">> stream\n".repeat(200_000);
        assert_eq!(image_streams(&unopened).count(), 0);
        // Many image dictionaries without an end to their data: only the first few are searched
        // for it.
        let mut many = b"%PDF-1.7\n".to_vec();
        for _ in 0..5_000 {
            many.extend_from_slice(b"<< /Subtype /Image /Width 9 /Height 9 >>stream\nxx");
        }
        assert_eq!(image_dictionaries(&many).count(), MAX_IMAGE_STREAMS);
        assert_eq!(image_streams(&many).count(), 0);
        // An oversized dictionary is not taken for one.
        let mut big = b"<< /Subtype /Image /Width 9 /Height 9 /Pad (".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_DICT_BYTES));
        big.extend_from_slice(b") >>\nstream\nabc\nendstream");
        assert!(dictionary_before(&big, big.len() - b"stream\nabc\nendstream".len()).is_none());
    }

    #[test]
    fn a_deflated_image_over_the_pixel_limit_is_not_inflated() {
        // A few hundred bytes that would inflate to 400 megabytes.
        let (w, h) = (20_000u32, 20_000u32);
        let bomb = deflate(&vec![0u8; 1 << 20]);
        let dict = format!(
            "<< /Subtype /Image /Width {w} /Height {h} /BitsPerComponent 8 /Filter /FlateDecode \
             /Length {} >>",
            bomb.len()
        );
        let file = pdf(&[(dict, bomb)], &[]);
        assert_eq!(
            largest_image(&file, 100_000_000),
            Some(Embedded::Oversized {
                width: w,
                height: h
            })
        );
    }
}
