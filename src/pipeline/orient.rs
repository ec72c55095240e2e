//! EXIF orientation: read the tag (JPEG APP1, PNG eXIf, WebP EXIF) and bake the transform
//! into the pixels. The encoder writes no EXIF, so nothing downstream can rotate the
//! picture a second time.
//!
//! The reader is our own rather than kamadak-exif, whose container parsers (HEIF, TIFF
//! streams, io errors) cost ~16 KB of wasm for one number. It accepts exactly what
//! kamadak-exif 0.6 accepts (tests/orientation_reader.rs compares the two): the whole
//! TIFF structure is walked with its checks, so an EXIF block kamadak rejects gives 1,
//! and the value may be a BYTE, SHORT or LONG as there. Deliberate differences:
//! a JPEG is read only up to its first SOS (EXIF after image data is not valid JPEG, and
//! scanning the whole file would cost time); a WebP EXIF chunk may carry the "Exif\0\0"
//! prefix that some writers add; a structure of more than [`MAX_IFDS`] IFDs (only ever
//! crafted) gives 1.

use super::raster::Raster;

/// The EXIF Orientation value 1..=8; 1 when absent or unreadable (a broken EXIF block
/// must not cost the photo).
pub fn read_orientation(bytes: &[u8]) -> u8 {
    exif_payload(bytes)
        .and_then(tiff_orientation)
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u8)
}

const EXIF_ID: &[u8] = b"Exif\0\0";

/// The TIFF structure embedded in the container, if there is one.
fn exif_payload(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        jpeg_exif(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_exif(bytes)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        webp_exif(bytes).map(|p| p.strip_prefix(EXIF_ID).unwrap_or(p))
    } else {
        None
    }
}

/// The first APP1 "Exif\0\0" segment before the first SOS.
fn jpeg_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut pos = 2;
    loop {
        // Like kamadak-exif: resynchronise on the next 0xFF, skip fill bytes, and pass
        // over the stand-alone markers (stuffing, TEM, RSTn).
        pos += bytes.get(pos..)?.iter().position(|&b| b == 0xFF)?;
        pos += bytes.get(pos..)?.iter().position(|&b| b != 0xFF)?;
        let code = *bytes.get(pos)?;
        pos += 1;
        match code {
            0x00 | 0x01 | 0xD0..=0xD7 => continue,
            // SOI again, EOI, or the image data: no EXIF to be had.
            0xD8..=0xDA => return None,
            _ => {}
        }
        let len = usize::from(be16(bytes, pos)?).checked_sub(2)?;
        let seg = bytes.get(pos + 2..pos + 2 + len)?;
        pos += 2 + len;
        if code == 0xE1 {
            if let Some(tiff) = seg.strip_prefix(EXIF_ID) {
                return Some(tiff);
            }
        }
    }
}

/// The data of the first `eXIf` chunk. Its CRC is not checked, as kamadak-exif does not:
/// a damaged checksum alone does not cost the photo its orientation.
fn png_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut pos = 8;
    loop {
        let len = usize::try_from(be32(bytes, pos)?).ok()?;
        let kind = bytes.get(pos + 4..pos + 8)?;
        let data = pos + 8;
        if kind == b"eXIf" {
            return bytes.get(data..data.checked_add(len)?);
        }
        pos = data.checked_add(len)?.checked_add(4)?;
    }
}

/// The payload of the first `EXIF` chunk, within the RIFF size as kamadak-exif checks it.
fn webp_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut left = usize::try_from(le32(bytes, 4)?).ok()?.checked_sub(4)?;
    let mut pos = 12;
    while left > 0 {
        left = left.checked_sub(8)?;
        let size = usize::try_from(le32(bytes, pos + 4)?).ok()?;
        let kind = bytes.get(pos..pos + 4)?;
        left = left.checked_sub(size)?;
        let data = pos + 8;
        if kind == b"EXIF" {
            return bytes.get(data..data.checked_add(size)?);
        }
        // Chunks are padded to even sizes, except a last one the RIFF size cuts short.
        let pad = usize::from(size % 2 != 0 && left > 0);
        left -= pad;
        pos = data.checked_add(size)?.checked_add(pad)?;
        bytes.get(..pos)?;
    }
    None
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// A TIFF structure in one byte order.
struct Tiff<'a> {
    data: &'a [u8],
    le: bool,
    /// IFD offsets already walked: a loop is an error, as in kamadak-exif.
    seen: Vec<usize>,
    /// Value of the last Orientation entry of IFD0 (the one kamadak-exif kept).
    orientation: Option<u32>,
}

const MAX_IFDS: usize = 64;

const TIFF_CONTEXT: u8 = 0;
const EXIF_CONTEXT: u8 = 1;
const GPS_CONTEXT: u8 = 2;
const INTEROP_CONTEXT: u8 = 3;

/// Orientation from IFD0 of a TIFF structure; `None` if the structure is broken anywhere
/// kamadak-exif would have refused it (IFD chain, sub-IFDs, value offsets).
fn tiff_orientation(data: &[u8]) -> Option<u32> {
    let le = match data.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let mut t = Tiff {
        data,
        le,
        seen: Vec::new(),
        orientation: None,
    };
    if data.len() < 8 || t.u16(2)? != 42 {
        return None;
    }
    let mut offset = t.u32(4)? as usize;
    let mut ifd = 0;
    while offset != 0 {
        // kamadak-exif stops at 8 IFDs (resource exhaustion).
        if ifd >= 8 {
            return None;
        }
        offset = t.ifd(offset, TIFF_CONTEXT, ifd)?;
        ifd += 1;
    }
    t.orientation
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// Walk one IFD; the offset of the next one (0: none).
    fn ifd(&mut self, offset: usize, context: u8, ifd: u32) -> Option<usize> {
        let count = self.u16(offset)?;
        // Revisiting an IFD is an error, as in kamadak-exif. Real files have a handful of
        // IFDs; past MAX_IFDS (only a crafted file) we give up rather than let the search
        // of `seen` grow quadratic — the one place we refuse what kamadak-exif accepted.
        if self.seen.contains(&offset) || self.seen.len() >= MAX_IFDS {
            return None;
        }
        self.seen.push(offset);
        let mut entry = offset + 2;
        for _ in 0..count {
            let tag = self.u16(entry)?;
            let typ = self.u16(entry + 2)?;
            let count = self.u32(entry + 4)?;
            // The whole 12-byte entry must be there, value field included.
            self.data.get(entry..entry + 12)?;
            let value_at = self.value_at(entry + 8, typ, count)?;
            entry += 12;
            let child = match (context, tag) {
                (TIFF_CONTEXT, 0x8769) => EXIF_CONTEXT,
                (TIFF_CONTEXT, 0x8825) => GPS_CONTEXT,
                (EXIF_CONTEXT, 0xA005) => INTEROP_CONTEXT,
                (TIFF_CONTEXT, 0x0112) if ifd == 0 => {
                    self.orientation = self.first_uint(value_at, typ, count);
                    continue;
                }
                _ => continue,
            };
            // A sub-IFD pointer must be an unsigned integer, and its IFD has no next.
            let child_offset = self.first_uint(value_at, typ, count)?;
            if self.ifd(child_offset as usize, child, ifd)? != 0 {
                return None;
            }
        }
        self.u32(entry).map(|next| next as usize)
    }

    /// Where an entry's value is: in its value field when it fits in 4 bytes, else at the
    /// offset held there, which must lie wholly within the data.
    fn value_at(&self, field: usize, typ: u16, count: u32) -> Option<usize> {
        let unit: u64 = match typ {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            5 | 10 | 12 => 8,
            _ => 0,
        };
        let len = unit * u64::from(count);
        if len <= 4 {
            return Some(field);
        }
        let at = self.u32(field)? as usize;
        let end = u64::try_from(at).ok()?.checked_add(len)?;
        (end <= self.data.len() as u64).then_some(at)
    }

    /// The first element of a BYTE, SHORT or LONG value.
    fn first_uint(&self, at: usize, typ: u16, count: u32) -> Option<u32> {
        if count == 0 {
            return None;
        }
        match typ {
            1 => self.data.get(at).map(|&b| u32::from(b)),
            3 => self.u16(at).map(u32::from),
            4 => self.u32(at),
            _ => None,
        }
    }
}

/// Apply EXIF orientation `value` so the pixels display upright. Each output pixel
/// (x, y) is read from the stored picture at a position given by the tag:
/// 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 CW, 7 transverse, 8 rotate 270 CW.
///
/// A JPEG never comes here oriented: its decoder places each block oriented (issue 15,
/// vendor/jpeg-decoder/src/orient.rs). What is left (PNG, WebP, GIF, BMP with an EXIF
/// orientation, rare) takes this plain loop, kept small for the main wasm's size budget.
pub fn apply(raster: Raster, value: u8) -> Raster {
    if !(2..=8).contains(&value) {
        return raster;
    }
    let (w, h, c) = (
        raster.width as usize,
        raster.height as usize,
        raster.channels,
    );
    let swap = value >= 5;
    let (ow, oh) = if swap { (h, w) } else { (w, h) };
    let mut out = vec![0u8; raster.data.len()];
    // The stored index is linear in the output (x, y): `base + x·dx + y·dy` (in pixels).
    let (wi, hi) = (w as isize, h as isize);
    let (base, dx, dy) = match value {
        2 => (wi - 1, -1, wi),
        3 => (hi * wi - 1, -1, -wi),
        4 => ((hi - 1) * wi, 1, -wi),
        5 => (0, wi, 1),
        6 => ((hi - 1) * wi, -wi, 1),
        7 => (hi * wi - 1, -wi, -1),
        _ => (wi - 1, wi, -1), // 8
    };
    for (y, row) in out.chunks_exact_mut(ow * c).take(oh).enumerate() {
        let mut i = base + y as isize * dy;
        for px in row.chunks_exact_mut(c) {
            let at = i as usize * c;
            px.copy_from_slice(&raster.data[at..at + c]);
            i += dx;
        }
    }
    Raster {
        width: ow as u32,
        height: oh as u32,
        channels: c,
        data: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3x2 picture whose pixels are numbered 0..6 (one channel triplicated).
    fn numbered() -> Raster {
        Raster::new(3, 2, 3, (0u8..6).flat_map(|v| [v, v, v]).collect()).unwrap()
    }

    fn firsts(r: &Raster) -> Vec<u8> {
        r.data.chunks_exact(3).map(|p| p[0]).collect()
    }

    /// The definition, one pixel at a time: what `apply` must reproduce.
    fn naive(r: &Raster, value: u8) -> Raster {
        let (w, h, c) = (r.width as usize, r.height as usize, r.channels);
        let swap = value >= 5;
        let (ow, oh) = if swap { (h, w) } else { (w, h) };
        let mut data = Vec::with_capacity(ow * oh * c);
        for y in 0..oh {
            for x in 0..ow {
                let (sx, sy) = match value {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    8 => (w - 1 - y, x),
                    _ => (x, y),
                };
                data.extend_from_slice(&r.data[(sy * w + sx) * c..][..c]);
            }
        }
        Raster::new(ow as u32, oh as u32, c, data).unwrap()
    }

    #[test]
    fn apply_matches_the_definition_for_all_eight() {
        // Sizes on, below and above the tile edge, thin strips and a single pixel.
        let sizes = [
            (1, 1),
            (1, 7),
            (7, 1),
            (3, 2),
            (64, 64),
            (65, 63),
            (130, 67),
            (200, 129),
        ];
        let mut seed = 1u32;
        for channels in [3, 4] {
            for (w, h) in sizes {
                let data = (0..w * h * channels)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        (seed >> 16) as u8
                    })
                    .collect();
                let r = Raster::new(w as u32, h as u32, channels, data).unwrap();
                for value in 1..=8 {
                    assert_eq!(
                        apply(r.clone(), value),
                        naive(&r, value),
                        "orientation {value}, {w}x{h}x{channels}"
                    );
                }
            }
        }
    }

    #[test]
    fn all_eight_transforms() {
        // Stored:  0 1 2 / 3 4 5
        let cases: [(u8, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (value, dims, expected) in cases {
            let r = apply(numbered(), value);
            assert_eq!((r.width, r.height), dims, "orientation {value}");
            assert_eq!(firsts(&r), expected, "orientation {value}");
        }
    }
}
