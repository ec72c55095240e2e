//! Decode to pixels. JPEG goes through jpeg-decoder (vendored) so it can scale in the DCT
//! domain by any M/8: a 12 MP photo bound for 2048 px never exists at full size in memory,
//! and an 8 MP one (3264 px) decodes at 5/8 straight to 2040 px with no resample after.
//! PNG, WebP, GIF and BMP go through the [`Codecs`] the caller passes: natively the
//! compiled-in `fhir_media_codecs::Native`, in the browser the lazily loaded codecs wasm
//! (`src/web/codecs.rs`). Every path reads the header first and checks the pixel limit
//! before the pixel buffer is allocated.

use fhir_media_codecs::Codecs;
use jpeg_decoder::PixelFormat;

use super::limits;
use super::raster::{self, Raster};
use super::sniff::Format;
use crate::error::MediaError;

/// A decoded picture plus what the encoder may carry over.
pub struct Decoded {
    pub raster: Raster,
    /// Width and height as stored, before any scaling.
    pub stored: (u32, u32),
    /// Embedded ICC profile (JPEG only), kept so colours survive (e.g. Display P3).
    pub icc_profile: Option<Vec<u8>>,
    /// M of the M/8 the JPEG was decoded at in the DCT domain; 8: full size.
    pub dct_scale: u32,
}

/// The scaled decode must keep at least this share of the target's longest side, so
/// that a 4032 px photo aimed at 2048 decodes at 1/2 (2016 px) with no resize pass.
const SCALE_SLACK: f64 = 0.975;

/// Decode `bytes` of `format`. `target` is the longest side wanted after resizing;
/// `max_pixels` is checked against the header before decoding. `codecs` decodes the
/// formats other than JPEG; `None` is enough for JPEG.
pub fn decode(
    bytes: &[u8],
    format: Format,
    target: u32,
    max_pixels: u64,
    codecs: Option<&dyn Codecs>,
) -> Result<Decoded, MediaError> {
    match format {
        Format::Jpeg => decode_jpeg(bytes, target, max_pixels),
        Format::Heif => Err(MediaError::HeicNotDecodable),
        Format::Tiff => Err(MediaError::UnsupportedFormat {
            detail: "TIFF scans are not supported; export the image as JPEG or PNG".into(),
        }),
        Format::Png | Format::WebP | Format::Gif | Format::Bmp => {
            decode_codec(bytes, format, max_pixels, codecs)
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

fn decode_jpeg(bytes: &[u8], target: u32, max_pixels: u64) -> Result<Decoded, MediaError> {
    // jpeg-decoder pads a cut-off scan with grey; a half-grey wound photo must not reach
    // the chart, so refuse files that end before their EOI marker.
    if !jpeg_reaches_eoi(bytes) {
        return Err(MediaError::corrupt(
            "the JPEG ends before its last scan is complete",
        ));
    }
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| MediaError::corrupt("JPEG header without a frame"))?;
    let (w, h) = (info.width as u32, info.height as u32);
    limits::check_pixels(w, h, max_pixels)?;
    let scale = jpeg_scale(w, h, target);
    if scale < 8 {
        // jpeg-decoder picks the smallest M/8 reaching this size on one side: ours.
        let req_w = (w * scale).div_ceil(8) as u16;
        let req_h = (h * scale).div_ceil(8) as u16;
        decoder.scale(req_w, req_h).map_err(jpeg_error)?;
    }
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
    })
}

/// Walk the marker segments (skipping APPn payloads, so an EXIF thumbnail's own EOI does
/// not count) and the entropy-coded data after each SOS, until EOI.
pub fn jpeg_reaches_eoi(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            0xD9 => return true,
            0xFF => i += 1, // fill byte
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = bytes.get(i + 2..i + 4) else {
                    return false;
                };
                i += 2 + u16::from_be_bytes([len[0], len[1]]) as usize;
                if marker == 0xDA {
                    // Entropy-coded data: ends at an FF not followed by 00 or RSTn.
                    while i + 1 < bytes.len()
                        && !(bytes[i] == 0xFF
                            && bytes[i + 1] != 0x00
                            && !(0xD0..=0xD7).contains(&bytes[i + 1]))
                    {
                        i += 1;
                    }
                }
            }
        }
    }
    false
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
    max_pixels: u64,
    codecs: Option<&dyn Codecs>,
) -> Result<Decoded, MediaError> {
    let (Some(codec), Some(codecs)) = (format.codec(), codecs) else {
        return Err(missing_codecs(format));
    };
    let img = codecs.decode(bytes, codec, max_pixels)?;
    let stored = (img.width, img.height);
    let raster = raster::from_8bit(img.width, img.height, img.channels.into(), img.pixels)
        .ok_or_else(|| MediaError::corrupt("decoder returned an unexpected buffer size"))?;
    Ok(Decoded {
        raster,
        stored,
        icc_profile: None,
        dct_scale: 8,
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
    use super::{jpeg_reaches_eoi, jpeg_scale};

    #[test]
    fn eoi_walk_skips_app_segments_and_scan_stuffing() {
        // SOI, APP1 holding a fake thumbnail with its own EOI, SOS, data with FF00 and
        // RST0, EOI.
        let full = [
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02,
            0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9,
        ];
        assert!(jpeg_reaches_eoi(&full));
        assert!(!jpeg_reaches_eoi(&full[..full.len() - 2]));
        assert!(
            !jpeg_reaches_eoi(&full[..9]),
            "the thumbnail's EOI is not ours"
        );
    }

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
