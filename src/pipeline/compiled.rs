//! The codecs compiled into native builds (feature `codecs`): fhir_media_codecs's `Native`
//! for PNG, WebP, GIF and BMP and the kept HEIF's metadata, and fhir_media_heif for HEIF (feature `heic`). In the
//! browser the same [`Codecs`] calls reach the lazily loaded wasm modules instead.

use fhir_media_codecs::{CodecError, Codecs, Format, Image, Native};

pub struct Compiled;

impl Codecs for Compiled {
    fn decode(
        &self,
        bytes: &[u8],
        format: Format,
        max_pixels: u64,
        target: u32,
    ) -> Result<Image, CodecError> {
        match format {
            #[cfg(feature = "heic")]
            Format::Heif => fhir_media_codecs::HeifDecoder::decode_heif(
                &fhir_media_heif::Heifer,
                bytes,
                max_pixels,
            ),
            _ => Native.decode(bytes, format, max_pixels, target),
        }
    }

    fn scrub_heif(
        &self,
        bytes: &mut [u8],
    ) -> Result<fhir_media_codecs::heif::Scrubbed, CodecError> {
        Native.scrub_heif(bytes)
    }

    fn encode_png(
        &self,
        width: u32,
        height: u32,
        channels: u8,
        pixels: &[u8],
    ) -> Result<Vec<u8>, CodecError> {
        Native.encode_png(width, height, channels, pixels)
    }
}
