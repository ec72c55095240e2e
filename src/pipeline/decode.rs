//! Decode to pixels. JPEG goes through jpeg-decoder (vendored) so it can scale in the DCT
//! domain by any M/8: a 12 MP photo bound for 2048 px never exists at full size in memory,
//! and an 8 MP one (3264 px) decodes at 5/8 straight to 2040 px with no resample after.
//! PNG, WebP, GIF and BMP go through the [`Codecs`] the caller passes, which reduce them by
//! an integer box factor toward `target` as they decode (fhir_media_codecs::reduce): natively the
//! compiled-in `fhir_media_codecs::Native`, in the browser the lazily loaded codecs wasm
//! (`src/web/codecs.rs`); so does HEIC/HEIF (natively crate `fhir_media_heif`, in the
//! browser the JS shell's tiers: the browser's own decoder, then the HEIC wasm module).
//! Every path reads the header first and checks the pixel limit before the pixel buffer is
//! allocated. A JPEG is also oriented while it is decoded ([`decode_oriented`]): each block
//! lands at its upright place, so orientation costs no pass over the picture (issue 15).

use fhir_media_codecs::{CodecError, Codecs};
use jpeg_decoder::PixelFormat;

use super::jpeg_limits;
use super::limits;
use super::raster::{self, Raster};
use super::sniff::Format;
use crate::error::MediaError;

/// A decoded picture plus what the encoder may carry over.
pub struct Decoded {
    pub raster: Raster,
    /// Width and height as stored, before any scaling.
    pub stored: (u32, u32),
    /// Embedded ICC profile (JPEG, HEIF), kept so colours survive (e.g. Display P3).
    pub icc_profile: Option<Vec<u8>>,
    /// M of the M/8 the JPEG was decoded at in the DCT domain; 8: full size.
    pub dct_scale: u32,
    /// The EXIF orientation still to apply to `raster` (1: none; the JPEG decoder applies
    /// the one it is given itself).
    pub orientation_left: u8,
}

/// The scaled decode must keep at least this share of the target's longest side, so
/// that a 4032 px photo aimed at 2048 decodes at 1/2 (2016 px) with no resize pass.
const SCALE_SLACK: f64 = 0.975;

/// Decode `bytes` of `format` as stored. `target` is the longest side wanted after
/// resizing; `max_pixels` is checked against the header before decoding. `codecs` decodes
/// the formats other than JPEG; `None` is enough for JPEG.
pub fn decode(
    bytes: &[u8],
    format: Format,
    target: u32,
    max_pixels: u64,
    codecs: Option<&dyn Codecs>,
) -> Result<Decoded, MediaError> {
    decode_oriented(bytes, format, target, max_pixels, codecs, 1)
}

/// [`decode`], to the picture as EXIF `orientation` shows it where the decoder can do that
/// for free (JPEG: pixel-identical to orienting after); otherwise the orientation is left
/// to the caller in [`Decoded::orientation_left`].
pub fn decode_oriented(
    bytes: &[u8],
    format: Format,
    target: u32,
    max_pixels: u64,
    codecs: Option<&dyn Codecs>,
    orientation: u8,
) -> Result<Decoded, MediaError> {
    match format {
        Format::Jpeg => decode_jpeg(bytes, target, max_pixels, orientation),
        Format::Tiff => Err(MediaError::UnsupportedFormat {
            detail: "TIFF scans are not supported; export the image as JPEG or PNG".into(),
        }),
        Format::Png | Format::WebP | Format::Gif | Format::Bmp | Format::Heif => {
            decode_codec(bytes, format, target, max_pixels, codecs).map(|d| Decoded {
                orientation_left: orientation,
                ..d
            })
        }
    }
}

/// Smallest M in 1..=7 whose M/8-scaled longest side is still ≥ 97.5% of `target`;
/// 8 (full size) when none is.
pub fn jpeg_scale(width: u32, height: u32, target: u32) -> u32 {
    let long = u64::from(width.max(height));
    (1..8)
        .find(|&m| long.saturating_mul(m).div_ceil(8) as f64 >= SCALE_SLACK * target as f64)
        .map_or(8, |m| m as u32)
}

fn decode_jpeg(
    bytes: &[u8],
    target: u32,
    max_pixels: u64,
    orientation: u8,
) -> Result<Decoded, MediaError> {
    jpeg_limits::check(bytes, max_pixels, target)?;
    // No set_max_decoding_buffer_size: jpeg-decoder checks it only on the finished output,
    // after a progressive frame's coefficients exist, so it guards nothing the check above
    // has not; left at usize::MAX, its error path folds away (~1 KB gzip of wasm).
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| MediaError::corrupt("JPEG header without a frame"))?;
    let (w, h) = (info.width as u32, info.height as u32);
    let scale = jpeg_scale(w, h, target);
    if scale < 8 {
        // jpeg-decoder picks the smallest M/8 reaching this size on one side: ours.
        let req_w = (w * scale).div_ceil(8) as u16;
        let req_h = (h * scale).div_ceil(8) as u16;
        decoder.scale(req_w, req_h).map_err(jpeg_error)?;
    }
    decoder.set_orientation(jpeg_decoder::Orientation::from_exif(orientation));
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| MediaError::corrupt("JPEG frame lost while decoding"))?;
    let (ow, oh) = (info.width as u32, info.height as u32);
    let raster = match info.pixel_format {
        PixelFormat::RGB24 => Raster::new(ow, oh, 3, pixels),
        PixelFormat::L8 => raster::from_8bit(ow, oh, 1, pixels),
        // jpeg-decoder gives 16-bit samples big-endian.
        PixelFormat::L16 => {
            raster::from_8bit(ow, oh, 1, pixels.chunks_exact(2).map(|s| s[0]).collect())
        }
        PixelFormat::CMYK32 => Raster::new(ow, oh, 3, cmyk_to_rgb(&pixels)),
    }
    .ok_or_else(|| MediaError::corrupt("JPEG decoder returned too few pixels"))?;
    Ok(Decoded {
        raster,
        stored: (w, h),
        icc_profile: decoder.icc_profile(),
        dct_scale: scale,
        orientation_left: 1,
    })
}

/// jpeg-decoder undoes Adobe's inversion, so these are plain ink amounts.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    cmyk.chunks_exact(4)
        .flat_map(|p| {
            let k = 255 - p[3] as u32;
            let ch = |c: u8| (((255 - c as u32) * k + 127) / 255) as u8;
            [ch(p[0]), ch(p[1]), ch(p[2])]
        })
        .collect()
}

fn jpeg_error(e: jpeg_decoder::Error) -> MediaError {
    match e {
        jpeg_decoder::Error::Unsupported(f) => MediaError::UnsupportedFormat {
            detail: format!("a JPEG variant we cannot decode: {f:?}"),
        },
        // The same texts as jpeg-decoder's Display, without calling it: its io::Error
        // arm links every io::ErrorKind's description into the wasm.
        jpeg_decoder::Error::Format(desc) => {
            MediaError::corrupt(format!("JPEG: invalid JPEG format: {desc}"))
        }
        // Read from a slice, the only io error is running out of data
        // ("failed to fill whole buffer").
        jpeg_decoder::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            MediaError::corrupt("JPEG: the data ends too soon")
        }
        jpeg_decoder::Error::Io(_) => MediaError::corrupt("JPEG: the data could not be read"),
        jpeg_decoder::Error::Internal(e) => MediaError::corrupt(format!("JPEG: {e}")),
    }
}

fn decode_codec(
    bytes: &[u8],
    format: Format,
    target: u32,
    max_pixels: u64,
    codecs: Option<&dyn Codecs>,
) -> Result<Decoded, MediaError> {
    let (Some(codec), Some(codecs)) = (format.codec(), codecs) else {
        return Err(missing_codecs(format));
    };
    let img = codecs
        .decode(bytes, codec, max_pixels, target)
        .map_err(|e| match e {
            // A HEIF no decoder here can read is still a photo: the caller may keep it.
            CodecError::Unsupported(_) if format == Format::Heif => MediaError::HeicNotDecodable,
            other => other.into(),
        })?;
    // The codecs may have reduced it by an integer factor on the way (never below 97.5%
    // of `target`), so that it never existed at full size; the resize does the rest.
    let stored = img.stored;
    // Again here: the browser's own HEIC decoder tells the size only once it has decoded.
    limits::check_pixels(stored.0, stored.1, max_pixels)?;
    let raster = raster::from_8bit(img.width, img.height, img.channels.into(), img.pixels)
        .ok_or_else(|| MediaError::corrupt("decoder returned an unexpected buffer size"))?;
    Ok(Decoded {
        raster,
        stored,
        icc_profile: img.icc_profile,
        dct_scale: 8,
        orientation_left: 1,
    })
}

/// A build without the codecs, called without them (a bug of the caller's, not the file's).
pub(super) fn missing_codecs(format: Format) -> MediaError {
    MediaError::UnsupportedFormat {
        detail: format!(
            "{} needs the image codecs module, which is not loaded",
            // ASCII: the names are; to_uppercase would link Unicode case tables.
            format.name().to_ascii_uppercase()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::jpeg_scale;

    #[test]
    fn scale_choice_keeps_975_percent_of_target() {
        assert_eq!(jpeg_scale(4032, 3024, 2048), 4); // 4/8: 2016 ≥ 1996.8
        assert_eq!(jpeg_scale(4000, 3000, 2048), 4); // 2000; 3/8 = 1500 is too small
        assert_eq!(jpeg_scale(3264, 2448, 2048), 5); // 8 MP: 2040; 4/8 = 1632 < 1996.8
        assert_eq!(jpeg_scale(8064, 6048, 2048), 2); // 48 MP: 2016 at 2/8
        assert_eq!(jpeg_scale(8064, 6048, 1024), 1); // 1008 ≥ 998.4
        assert_eq!(jpeg_scale(3000, 2000, 2048), 6); // 2250, then resized: fewer pixels than 3000
        assert_eq!(jpeg_scale(1800, 1200, 2048), 8);
        assert_eq!(jpeg_scale(16384, 100, 2048), 1);
    }
}
