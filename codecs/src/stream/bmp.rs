//! An uncompressed BMP (BI_RGB or BI_BITFIELDS, every bit depth image reads) decoded a
//! band of rows at a time. Each band goes to image's `BmpDecoder` as a BMP of its own: the
//! file's bytes up to its pixel data (headers, masks, palette) with the band's height, then
//! the band's rows. So the pixels are exactly those of the whole decode, while only a band
//! is decoded at once. Rows of an uncompressed BMP are a fixed stride apart, bottom-up or
//! top-down, so a band's rows are one span of the file. RLE bitmaps are `bmp_rle`'s; files
//! whose headers do not read as plainly as that are the caller's to decode whole.

use std::io::{Cursor, Read, SeekFrom};

use image::codecs::bmp::BmpDecoder;
use image::ImageDecoder;

use crate::header::{le16, le32};
use crate::native::{fill, image_error, read_error};
use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Format, Image, Source};

/// About this much pixel data per band.
const BAND_BYTES: u64 = 1 << 20;
/// Pixel data further into the file than this is left to the whole decode (the bytes
/// before it are copied into every band).
const MAX_HEAD: u32 = 64 << 10;

/// What the bands need from the headers: their size, the pixel rows' place and stride, and
/// where the height is written.
struct Layout {
    width: u32,
    height: u32,
    top_down: bool,
    offset: u32,
    stride: u64,
    core: bool,
}

/// The BMP in `r` reduced by `k`: an RLE one a row at a time (`bmp_rle`), an uncompressed
/// one in bands; `None` for one that reads as neither.
pub fn bmp(r: &mut dyn Source, max_pixels: u64, k: u32) -> Result<Option<Image>, CodecError> {
    if let Some(img) = super::bmp_rle::bmp_rle(r, max_pixels, k)? {
        return Ok(Some(img));
    }
    r.seek(SeekFrom::Start(0)).map_err(read_error)?;
    bands(r, max_pixels, k, BAND_BYTES)
}

fn bands(
    r: &mut dyn Source,
    max_pixels: u64,
    k: u32,
    band_bytes: u64,
) -> Result<Option<Image>, CodecError> {
    let err = |e| image_error(Format::Bmp, e);
    let mut fixed = [0u8; 54];
    let n = fill(r, &mut fixed)?;
    let Some(layout) = layout(&fixed[..n]) else {
        return Ok(None);
    };
    let Layout { width, height, .. } = layout;
    check_pixels(width, height, max_pixels)?;
    let mut head = vec![0u8; layout.offset as usize];
    r.seek(SeekFrom::Start(0)).map_err(read_error)?;
    if fill(r, &mut head)? < head.len() {
        return Ok(None);
    }
    let rows_per_band = (band_bytes / layout.stride).clamp(1, u64::from(height)) as u32;
    let mut reducer = None;
    let mut channels = 0;
    let mut y0 = 0;
    // One buffer for every band (headers, then the band's rows), refilled each time.
    let mut band = Vec::new();
    while y0 < height {
        let n = rows_per_band.min(height - y0);
        let first = if layout.top_down { y0 } else { height - y0 - n };
        band.clear();
        band.extend_from_slice(&head);
        if layout.core {
            band[20..22].copy_from_slice(&(n as u16).to_le_bytes());
        } else {
            let h = if layout.top_down {
                -(n as i32)
            } else {
                n as i32
            };
            band[22..26].copy_from_slice(&h.to_le_bytes());
        }
        r.seek(SeekFrom::Start(
            u64::from(layout.offset) + u64::from(first) * layout.stride,
        ))
        .map_err(read_error)?;
        // What the file has of the band; a short band is the decoder's to refuse, as the
        // whole decode refuses a short file.
        r.take(u64::from(n) * layout.stride)
            .read_to_end(&mut band)
            .map_err(read_error)?;
        let mut source = Cursor::new(&band[..]);
        let decoder = BmpDecoder::new(&mut source as &mut dyn Source).map_err(err)?;
        if decoder.dimensions() != (width, n) {
            return Ok(None);
        }
        channels = usize::from(decoder.color_type().channel_count());
        let mut pixels = vec![0; decoder.total_bytes() as usize];
        decoder.read_image(&mut pixels).map_err(err)?;
        let reducer = reducer.get_or_insert_with(|| Reducer::rows(width, height, channels, k));
        for (i, row) in pixels.chunks_exact(width as usize * channels).enumerate() {
            reducer.add(y0 + i as u32, 0, 1, row);
        }
        y0 += n;
    }
    Ok(reducer.map(|r| super::image(r, channels, (width, height))))
}

/// The layout of an uncompressed BMP whose headers, masks and palette all lie before its
/// pixel data, from its first 54 bytes; `None` for anything else.
fn layout(b: &[u8]) -> Option<Layout> {
    if b.get(..2)? != b"BM" {
        return None;
    }
    let offset = le32(b, 10)?;
    let header = le32(b, 14)?;
    let core = header == 12;
    let (width, height, top_down, bits, compression, colors) = if core {
        (le16(b, 18)?, le16(b, 20)?, false, le16(b, 24)?, 0, 0)
    } else if [40, 52, 56, 108, 124].contains(&header) {
        let h = le32(b, 22)? as i32;
        let w = le32(b, 18)? as i32;
        let colors = le32(b, 46)?;
        (
            u32::try_from(w).ok()?,
            h.checked_abs()? as u32,
            h < 0,
            le16(b, 28)?,
            le32(b, 30)?,
            colors,
        )
    } else {
        return None;
    };
    // BI_RGB at the depths image reads, or BI_BITFIELDS at 16 or 32 bits.
    let plain = match compression {
        0 => [1, 2, 4, 8, 16, 24, 32].contains(&bits),
        3 => bits == 16 || bits == 32,
        _ => false,
    };
    if !plain || width == 0 || height == 0 || width > 0xFFFF || height > 0xFFFF {
        return None;
    }
    // What image reads after the header before it seeks to the pixels: the BITFIELDS
    // masks that follow a 40-byte header (later headers hold them), or a palette.
    let masks = if compression == 3 && header == 40 {
        12
    } else {
        0
    };
    let palette = if bits <= 8 {
        let entries = if colors == 0 {
            1u64 << bits
        } else {
            u64::from(colors)
        };
        entries * if core { 3 } else { 4 }
    } else {
        0
    };
    let before_pixels = 14 + u64::from(header) + masks + palette;
    if before_pixels > u64::from(offset) || offset > MAX_HEAD {
        return None;
    }
    Some(Layout {
        width,
        height,
        top_down,
        offset,
        stride: (u64::from(width) * u64::from(bits)).div_ceil(32) * 4,
        core,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce;

    /// A BMP: `header` 12 (core), 40 (info) or 108 (V4); `height` < 0 top-down; pixel rows
    /// pseudo-random (any bytes are valid pixels at these depths with a full palette).
    fn bmp_file(header: u32, width: u32, height: i32, bits: u16, compression: u32) -> Vec<u8> {
        let core = header == 12;
        let palette = if bits <= 8 {
            (1usize << bits) * if core { 3 } else { 4 }
        } else {
            0
        };
        let masks = if compression == 3 && header == 40 {
            12
        } else {
            0
        };
        let offset = 14 + header as usize + masks + palette;
        let stride = (width as usize * bits as usize).div_ceil(32) * 4;
        let rows = height.unsigned_abs() as usize;
        let mut f = b"BM".to_vec();
        f.extend_from_slice(&((offset + stride * rows) as u32).to_le_bytes());
        f.extend_from_slice(&[0; 4]);
        f.extend_from_slice(&(offset as u32).to_le_bytes());
        f.extend_from_slice(&header.to_le_bytes());
        if core {
            f.extend_from_slice(&(width as u16).to_le_bytes());
            f.extend_from_slice(&(height as u16).to_le_bytes());
            f.extend_from_slice(&1u16.to_le_bytes());
            f.extend_from_slice(&bits.to_le_bytes());
        } else {
            f.extend_from_slice(&width.to_le_bytes());
            f.extend_from_slice(&height.to_le_bytes());
            f.extend_from_slice(&1u16.to_le_bytes());
            f.extend_from_slice(&bits.to_le_bytes());
            f.extend_from_slice(&compression.to_le_bytes());
            f.extend_from_slice(&((stride * rows) as u32).to_le_bytes());
            f.extend_from_slice(&[0; 16]); // resolution, colours used (0: all), important
            if header == 108 {
                // Masks 5-6-5 and a 1-bit alpha... as 8-8-8-8 at 32 bits: R, G, B, A.
                let m: [u32; 4] = if bits == 16 {
                    [0xF800, 0x07E0, 0x001F, 0]
                } else {
                    [0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0xFF00_0000]
                };
                m.iter().for_each(|v| f.extend_from_slice(&v.to_le_bytes()));
                f.extend_from_slice(&[0; 108 - 56]);
            }
        }
        if masks > 0 {
            for m in [0xF800u32, 0x07E0, 0x001F] {
                f.extend_from_slice(&m.to_le_bytes());
            }
        }
        for i in 0..palette / if core { 3 } else { 4 } {
            let c = [(i * 37) as u8, (i * 91) as u8, (255 - i) as u8];
            f.extend_from_slice(&c);
            if !core {
                f.push(0);
            }
        }
        assert_eq!(f.len(), offset);
        let mut seed = width * 31 + rows as u32;
        for _ in 0..stride * rows {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            f.push((seed >> 16) as u8);
        }
        f
    }

    fn whole(file: &[u8]) -> (u32, u32, usize, Vec<u8>) {
        let d = BmpDecoder::new(Cursor::new(file)).expect("header");
        let (w, h) = d.dimensions();
        let ch = usize::from(d.color_type().channel_count());
        let mut px = vec![0; d.total_bytes() as usize];
        d.read_image(&mut px).expect("decode");
        (w, h, ch, px)
    }

    #[test]
    fn bands_give_the_whole_decode_reduced() {
        let cases = [
            ("24-bit bottom-up", 40, 101, 67, 24, 0),
            ("24-bit top-down", 40, 101, -67, 24, 0),
            ("8-bit palette", 40, 53, 40, 8, 0),
            ("4-bit palette", 40, 51, 33, 4, 0),
            ("2-bit palette", 40, 29, 30, 2, 0),
            ("1-bit palette", 40, 77, 31, 1, 0),
            ("16-bit 555", 40, 45, 37, 16, 0),
            ("16-bit 565 bitfields", 40, 45, -37, 16, 3),
            ("32-bit", 40, 39, 41, 32, 0),
            ("32-bit RGBA bitfields (V4)", 108, 39, 41, 32, 3),
            ("core 24-bit", 12, 61, 35, 24, 0),
            ("core 8-bit", 12, 61, 35, 8, 0),
        ];
        for (name, header, w, h, bits, compression) in cases {
            let file = bmp_file(header, w, h, bits, compression);
            let (ww, wh, ch, px) = whole(&file);
            assert_eq!((ww, wh), (w, h.unsigned_abs()), "{name}");
            for (k, band_bytes) in [(2, 1), (3, 200), (4, 1 << 20), (5, 97)] {
                let img = bands(&mut Cursor::new(&file), 1 << 30, k, band_bytes)
                    .expect(name)
                    .unwrap_or_else(|| panic!("{name}: read in bands"));
                assert_eq!(img.stored, (ww, wh), "{name}");
                assert_eq!(usize::from(img.channels), ch, "{name}");
                assert!(
                    img.pixels == reduce::reduce(ww, wh, ch, k, &px),
                    "{name}, k {k}, bands of {band_bytes} B"
                );
            }
        }
    }

    #[test]
    fn other_bmps_are_left_to_the_whole_decode() {
        // RLE8: compressed rows are not a fixed stride apart (`bmp_rle` reads them).
        let mut rle = bmp_file(40, 20, 10, 8, 0);
        rle[30..34].copy_from_slice(&1u32.to_le_bytes());
        let bands = |file: &[u8]| bands(&mut Cursor::new(file), 1 << 30, 2, BAND_BYTES);
        assert!(bands(&rle).unwrap().is_none());
        // A palette that runs into the pixel data.
        let mut overlap = bmp_file(40, 20, 10, 8, 0);
        overlap[10..14].copy_from_slice(&(14u32 + 40 + 100).to_le_bytes());
        assert!(bmp(&mut Cursor::new(&overlap), 1 << 30, 2)
            .unwrap()
            .is_none());
        assert!(bmp(&mut Cursor::new(b"BM".as_slice()), 1 << 30, 2)
            .unwrap()
            .is_none());
    }

    #[test]
    fn limits_and_damage_are_typed() {
        let file = bmp_file(40, 101, 67, 24, 0);
        let e = bmp(&mut Cursor::new(&file), 100 * 66, 2).unwrap_err();
        assert_eq!(e.code(), "too-many-pixels");
        for cut in [60, 200, file.len() / 2, file.len() - 1] {
            let e = bands(&mut Cursor::new(&file[..cut]), 1 << 30, 2, 1000).unwrap_err();
            assert_eq!(e.code(), "corrupt-image", "cut at {cut}: {e:?}");
        }
    }
}
