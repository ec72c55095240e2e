//! The codecs over `image`'s codec-level decoders and its PNG encoder.

use std::io::{BufRead, Cursor, Seek, SeekFrom};

use image::codecs::bmp::BmpDecoder;
use image::codecs::gif::GifDecoder;
use image::codecs::png::{CompressionType, FilterType, PngDecoder, PngEncoder};
use image::codecs::webp::WebPDecoder;
use image::{ColorType, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError};

use crate::{check_pixels, header_size, reduce, stream, CodecError, Codecs, Format, Image};

/// The codecs, compiled in.
#[derive(Debug, Clone, Copy, Default)]
pub struct Native;

impl Native {
    /// [`Codecs::decode`] from any seekable source: a slice natively; in the browser the
    /// caller's bytes read in place (`codecs-wasm`), so the file is never copied here.
    pub fn decode_from(
        &self,
        r: &mut dyn Source,
        format: Format,
        max_pixels: u64,
        target: u32,
    ) -> Result<Image, CodecError> {
        // Judged before a decoder exists: making one may already allocate for the header.
        let mut first = [0u8; 32];
        let n = fill(r, &mut first)?;
        r.seek(SeekFrom::Start(0)).map_err(read_error)?;
        let header = header_size(&first[..n], format);
        if let Some((width, height)) = header {
            check_pixels(width, height, max_pixels)?;
        }
        let k = header.map_or(1, |(w, h)| reduce::factor(w, h, target));
        let image_err = |e| image_error(format, e);
        match format {
            // Reduced while decoding: the full-size picture never exists.
            Format::Png if k > 1 => stream::png(r, max_pixels, k),
            Format::Gif if k > 1 => stream::gif(r, max_pixels, k),
            Format::Png => decode_with(PngDecoder::new(r).map_err(image_err)?, format, max_pixels),
            // Reduced while decoded where the file allows it (a photo's kind of each).
            Format::WebP => streamed_or_whole(r, k, max_pixels, stream::webp, |r| {
                decode_with(WebPDecoder::new(r).map_err(image_err)?, format, max_pixels)
            }),
            Format::Bmp => streamed_or_whole(r, k, max_pixels, stream::bmp, |r| {
                decode_with(BmpDecoder::new(r).map_err(image_err)?, format, max_pixels)
            }),
            Format::Gif => decode_with(GifDecoder::new(r).map_err(image_err)?, format, max_pixels),
            Format::Heif => Err(CodecError::Unsupported(
                "HEIF is decoded by fhir_media_heif, not these codecs".into(),
            )),
        }
    }
}

impl Codecs for Native {
    fn decode(
        &self,
        bytes: &[u8],
        format: Format,
        max_pixels: u64,
        target: u32,
    ) -> Result<Image, CodecError> {
        self.decode_from(&mut Cursor::new(bytes), format, max_pixels, target)
    }

    fn scrub_heif(&self, bytes: &mut [u8]) -> Result<crate::heif::Scrubbed, CodecError> {
        crate::heif::scrub(bytes)
    }

    fn encode_png(
        &self,
        width: u32,
        height: u32,
        channels: u8,
        pixels: &[u8],
    ) -> Result<Vec<u8>, CodecError> {
        let color = match channels {
            4 => ExtendedColorType::Rgba8,
            3 => ExtendedColorType::Rgb8,
            _ => return Err(encode_error(format!("{channels} channels"))),
        };
        let mut out = Vec::new();
        PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive)
            .write_image(pixels, width, height, color)
            .map_err(encode_error)?;
        Ok(out)
    }
}

/// A decoder that reduces while it decodes (`crate::stream`): `None` for a file it does not
/// read, which is then decoded whole.
type Streamed = fn(&mut dyn Source, u64, u32) -> Result<Option<Image>, CodecError>;

/// Reduced while decoded by `streamed` where it reads this file (every WebP, an uncompressed
/// BMP); else (an RLE BMP) decoded whole by `whole`, then reduced before it leaves this
/// module.
fn streamed_or_whole(
    r: &mut dyn Source,
    k: u32,
    max_pixels: u64,
    streamed: Streamed,
    whole: impl FnOnce(&mut dyn Source) -> Result<Image, CodecError>,
) -> Result<Image, CodecError> {
    if k > 1 {
        if let Some(img) = streamed(&mut *r, max_pixels, k)? {
            return Ok(img);
        }
        r.seek(SeekFrom::Start(0)).map_err(read_error)?;
    }
    whole(r).map(|img| reduced(img, k))
}

fn decode_with<D: ImageDecoder>(
    mut decoder: D,
    format: Format,
    max_pixels: u64,
) -> Result<Image, CodecError> {
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, max_pixels)?;
    let mut limits = image::Limits::default();
    // RGBA16 is the widest buffer a decoder makes, plus slack for its own state.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    decoder
        .set_limits(limits)
        .map_err(|e| image_error(format, e))?;
    let color = decoder.color_type();
    let len = usize::try_from(decoder.total_bytes())
        .map_err(|_| CodecError::Corrupt("image too large for this device".into()))?;
    let mut buf = vec![0u8; len];
    decoder
        .read_image(&mut buf)
        .map_err(|e| image_error(format, e))?;
    let pixels = match color {
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8 => buf,
        ColorType::L16 | ColorType::La16 | ColorType::Rgb16 | ColorType::Rgba16 => eight_bit(&buf),
        other => {
            return Err(CodecError::Unsupported(format!(
                "{} with {other:?} pixels",
                format.name().to_uppercase()
            )))
        }
    };
    let channels = color.channel_count();
    if pixels.len() as u64 != u64::from(width) * u64::from(height) * u64::from(channels) {
        return Err(CodecError::Corrupt(
            "decoder returned an unexpected buffer size".into(),
        ));
    }
    Ok(Image {
        width,
        height,
        channels,
        pixels,
        icc_profile: None,
        stored: (width, height),
    })
}

/// `img` reduced by `k` (the same when `k` is 1).
fn reduced(img: Image, k: u32) -> Image {
    if k <= 1 {
        return img;
    }
    let mut r = reduce::Reducer::rows(img.width, img.height, img.channels.into(), k);
    let stride = img.width as usize * usize::from(img.channels);
    for (y, row) in img.pixels.chunks_exact(stride.max(1)).enumerate() {
        r.add(y as u32, 0, 1, row);
    }
    let (width, height) = r.size();
    Image {
        width,
        height,
        pixels: r.finish(),
        ..img
    }
}

/// Native-endian 16-bit samples to 8 bits, rounding.
pub(crate) fn eight_bit(data: &[u8]) -> Vec<u8> {
    data.chunks_exact(2)
        .map(|s| {
            let v = u16::from_ne_bytes([s[0], s[1]]) as u32;
            ((v * 255 + 32767) / 65535) as u8
        })
        .collect()
}

pub(crate) fn image_error(format: Format, e: ImageError) -> CodecError {
    let name = format.name().to_uppercase();
    match e {
        ImageError::Unsupported(u) => {
            CodecError::Unsupported(format!("a {name} variant we cannot decode: {u}"))
        }
        ImageError::Limits(l) => {
            CodecError::Corrupt(format!("{name} needs more memory than allowed: {l}"))
        }
        other => CodecError::Corrupt(format!("{name}: {other}")),
    }
}

/// What the decoders read from. One type for all (a trait object, not a generic): each
/// decoder is then compiled once into the wasm, whatever it reads (the caller's bytes in
/// place, a BMP band), which keeps the codecs module small.
pub trait Source: BufRead + Seek {}

impl<T: BufRead + Seek> Source for T {}

/// Fill `buf` from `r` as far as it goes; the count read.
pub(crate) fn fill(r: &mut dyn Source, buf: &mut [u8]) -> Result<usize, CodecError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(m) => n += m,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(e)),
        }
    }
    Ok(n)
}

/// The source failed (natively a slice cannot; in the browser, neither can the bytes).
pub(crate) fn read_error(e: std::io::Error) -> CodecError {
    CodecError::Corrupt(format!("the file could not be read: {e}"))
}

fn encode_error(e: impl std::fmt::Display) -> CodecError {
    // Encoding our own well-formed buffers only fails on impossible sizes.
    CodecError::Corrupt(format!("encoding failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_samples_round_to_eight() {
        let data: Vec<u8> = [0xFFFFu16, 0, 0x8080]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        assert_eq!(eight_bit(&data), vec![255, 0, 128]);
    }

    #[test]
    fn png_round_trip_and_pixel_limit() {
        let pixels: Vec<u8> = (0..4 * 3 * 4).map(|i| i as u8).collect();
        let png = Native.encode_png(4, 3, 4, &pixels).expect("encode");
        let img = Native.decode(&png, Format::Png, 12, 0).expect("decode");
        assert_eq!((img.width, img.height, img.channels), (4, 3, 4));
        assert_eq!(img.pixels, pixels);
        let err = Native.decode(&png, Format::Png, 11, 0).unwrap_err();
        assert_eq!(err.code(), "too-many-pixels");
        let err = Native.decode(&png[..20], Format::Png, 12, 0).unwrap_err();
        assert_eq!(err.code(), "corrupt-image");
    }

    /// PNG's chunk CRC (ISO 3309), so that the bomb below has a valid IHDR.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xedb8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }

    /// A 40000×40000 IHDR with nothing behind it: over the limit, said as such, before
    /// image's decoder refuses it for memory ("corrupt-image" before).
    #[test]
    fn a_png_bomb_is_too_many_pixels() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&40_000u32.to_be_bytes());
        png.extend_from_slice(&40_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0]);
        png.extend_from_slice(&crc32(&png[12..]).to_be_bytes());
        png.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
        let err = Native.decode(&png, Format::Png, 50_000_000, 0).unwrap_err();
        assert_eq!(err.code(), "too-many-pixels", "{err}");
    }
}
