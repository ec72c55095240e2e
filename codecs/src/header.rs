//! Image size from the first bytes of a file, read before any decoder is made: a decoder
//! allocates on its own terms while it reads its header (image's PNG decoder refuses a
//! 40000×40000 IHDR with a memory-limit error), so `maxPixels` is judged here first and a
//! bomb reads as `too-many-pixels`, not as a damaged file. `None` when the bytes are too
//! short or not of a layout read here; the decoder then judges them (and its own header
//! check still applies).

use crate::Format;

/// (width, height) as the header states them; not checked for zero.
pub fn header_size(bytes: &[u8], format: Format) -> Option<(u32, u32)> {
    match format {
        // Signature (8), IHDR length (4) and type (4), then width and height, big-endian.
        Format::Png => match bytes.get(12..16)? {
            b"IHDR" => Some((be32(bytes, 16)?, be32(bytes, 20)?)),
            _ => None,
        },
        // "GIF8?a", then the logical screen width and height, little-endian u16.
        Format::Gif => Some((le16(bytes, 6)?, le16(bytes, 8)?)),
        // BITMAPINFOHEADER and later: i32 width and height at 18 and 22 (a negative height
        // is a top-down bitmap); BITMAPCOREHEADER (size 12): u16 at 18 and 20.
        Format::Bmp => match le32(bytes, 14)? {
            12 => Some((le16(bytes, 18)?, le16(bytes, 20)?)),
            _ => Some((
                (le32(bytes, 18)? as i32).unsigned_abs(),
                (le32(bytes, 22)? as i32).unsigned_abs(),
            )),
        },
        Format::WebP => webp_size(bytes),
        // The container's `ispe`, read by the HEIF decoder itself.
        Format::Heif => None,
    }
}

/// RIFF "WEBP", then the first chunk: VP8X (canvas size, 24-bit minus one), VP8L (14-bit
/// minus one, packed) or VP8 (the key frame's 14-bit sizes).
fn webp_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WEBP" {
        return None;
    }
    match bytes.get(12..16)? {
        b"VP8X" => Some((le24(bytes, 24)? + 1, le24(bytes, 27)? + 1)),
        b"VP8L" => {
            let bits = le32(bytes, 21)?;
            Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1))
        }
        b"VP8 " => Some((le16(bytes, 26)? & 0x3fff, le16(bytes, 28)? & 0x3fff)),
        _ => None,
    }
}

pub(crate) fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn le16(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 2)?;
    Some(u32::from(u16::from_le_bytes([b[0], b[1]])))
}

pub(crate) fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 3)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], 0]))
}

pub(crate) fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_ihdr(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    #[test]
    fn reads_each_formats_header() {
        assert_eq!(
            header_size(&png_ihdr(40_000, 30_000), Format::Png),
            Some((40_000, 30_000))
        );
        assert_eq!(
            header_size(b"GIF89a\x10\x27\x20\x4e\0\0\0", Format::Gif),
            Some((10_000, 20_000))
        );
        let mut bmp = vec![0u8; 30];
        bmp[..2].copy_from_slice(b"BM");
        bmp[14..18].copy_from_slice(&40u32.to_le_bytes());
        bmp[18..22].copy_from_slice(&50_000i32.to_le_bytes());
        bmp[22..26].copy_from_slice(&(-60_000i32).to_le_bytes());
        assert_eq!(header_size(&bmp, Format::Bmp), Some((50_000, 60_000)));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        vp8x.extend_from_slice(&[0x3f, 0x9c, 0x00, 0x3f, 0x9c, 0x00]); // 39999 + 1 each
        assert_eq!(header_size(&vp8x, Format::WebP), Some((40_000, 40_000)));
        let mut vp8l = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        vp8l.extend_from_slice(&(((16_383u32) << 14) | 16_383).to_le_bytes());
        assert_eq!(header_size(&vp8l, Format::WebP), Some((16_384, 16_384)));
    }

    #[test]
    fn short_or_foreign_bytes_are_left_to_the_decoder() {
        assert_eq!(header_size(&png_ihdr(1, 1)[..20], Format::Png), None);
        assert_eq!(
            header_size(
                b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDX\0\0\0\x01\0\0\0\x01",
                Format::Png
            ),
            None
        );
        assert_eq!(header_size(b"GIF89a", Format::Gif), None);
        assert_eq!(header_size(b"RIFF\0\0\0\0WEBPVP8Z", Format::WebP), None);
    }
}
