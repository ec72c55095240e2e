//! fhir_media_codecs: the rare image formats of fhir_media_capture (PNG, WebP, GIF and
//! BMP decoding, PNG encoding), apart from its prepare module so that a browser preparing a
//! JPEG camera photo never downloads them.
//!
//! - [`Codecs`]: what the pipeline asks of them, with plain data in and out ([`Format`],
//!   [`Image`], [`CodecError`]), so it can be served natively ([`Native`], feature
//!   `image`) or by the lazily loaded wasm module `codecs-wasm` through JS.
//! - [`HeifDecoder`]: HEIC/HEIF decoding, served by the crate `fhir_media_heif`; in the
//!   browser the JS shell's decoding tiers answer the [`Codecs`] call for [`Format::Heif`].
//! - [`heif`]: HEIF/HEIC kept as it is with its Exif and XMP blanked in place (keep mode);
//!   plain Rust without `image`, served by [`Codecs::scrub_heif`].
//! - [`Native`]: the implementation, over `image`'s codec-level decoders. Every decode
//!   reads the header first and checks the pixel limit before the pixel buffer exists.

use std::fmt;

mod header;
pub mod heif;
#[cfg(feature = "image")]
mod native;
pub mod reduce;
#[cfg(feature = "image")]
mod stream;
pub use header::header_size;
#[cfg(feature = "image")]
pub use native::{Native, Source};

/// The formats these codecs decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    WebP,
    Gif,
    Bmp,
    /// HEIC/HEIF: not in this crate's `Native` (see `fhir_media_heif`), but named here so
    /// that it travels the same road to the browser's decoder.
    Heif,
}

impl Format {
    /// Lower-case name, as in `SourceInfo.format`; also the name across the JS boundary.
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::WebP => "webp",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Heif => "heif",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        [
            Format::Png,
            Format::WebP,
            Format::Gif,
            Format::Bmp,
            Format::Heif,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// Decoded 8-bit pixels: `channels` 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA),
/// `width * height * channels` bytes, rows top to bottom, as stored (EXIF orientation is
/// the caller's business; a HEIF decoder has applied the container's `irot`/`imir`),
/// possibly reduced from the `stored` size ([`reduce`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
    pub pixels: Vec<u8>,
    /// The ICC profile the samples are in, where the decoder keeps it (HEIF).
    pub icc_profile: Option<Vec<u8>>,
    /// Width and height as the file stores them, before any reduction.
    pub stored: (u32, u32),
}

/// Why a decode or encode failed; the caller maps each kind to its typed error code
/// (`unsupported-format`, `corrupt-image`, `too-many-pixels`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    Unsupported(String),
    Corrupt(String),
    TooManyPixels { width: u32, height: u32, limit: u64 },
}

impl CodecError {
    /// The stable code of the matching `MediaError`, also used across the JS boundary.
    pub fn code(&self) -> &'static str {
        match self {
            CodecError::Unsupported(_) => "unsupported-format",
            CodecError::Corrupt(_) => "corrupt-image",
            CodecError::TooManyPixels { .. } => "too-many-pixels",
        }
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Unsupported(d) | CodecError::Corrupt(d) => f.write_str(d),
            CodecError::TooManyPixels {
                width,
                height,
                limit,
            } => write!(f, "{width}x{height} pixels, over the limit of {limit}"),
        }
    }
}

/// Header dimensions over `max_pixels` → `TooManyPixels`; zero → `Corrupt`.
pub fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), CodecError> {
    if width == 0 || height == 0 {
        return Err(CodecError::Corrupt(
            "the header gives a zero width or height".into(),
        ));
    }
    if width as u64 * height as u64 > max_pixels {
        return Err(CodecError::TooManyPixels {
            width,
            height,
            limit: max_pixels,
        });
    }
    Ok(())
}

/// A HEIC/HEIF decoder (crate `fhir_media_heif`; in the browser the JS shell's tiers, the
/// browser's own decoder then the HEIC wasm module, stand behind [`Codecs`] with
/// [`Format::Heif`]).
pub trait HeifDecoder {
    /// Decode the primary image in display orientation (`clap`, `irot`, `imir` applied),
    /// refusing more than `max_pixels` from the container alone. `Unsupported` means a
    /// valid file this decoder cannot read.
    fn decode_heif(&self, bytes: &[u8], max_pixels: u64) -> Result<Image, CodecError>;
}

/// The codecs the pipeline needs for anything but JPEG.
pub trait Codecs {
    /// Decode `bytes` of `format`, refusing more than `max_pixels` from the header alone.
    /// `target` is the longest side the caller will resize to (0: full size wanted): the
    /// picture may come reduced by an integer factor to no less than 97.5% of it
    /// ([`reduce::factor`]), never below it otherwise.
    fn decode(
        &self,
        bytes: &[u8],
        format: Format,
        max_pixels: u64,
        target: u32,
    ) -> Result<Image, CodecError>;

    /// Blank, in place and at the same length, every Exif and XMP item of the HEIF/HEIC
    /// file `bytes` ([`heif::scrub`]).
    fn scrub_heif(&self, bytes: &mut [u8]) -> Result<heif::Scrubbed, CodecError>;

    /// Encode 8-bit RGB (`channels` 3) or RGBA (4) pixels as PNG, writing no metadata.
    fn encode_png(
        &self,
        width: u32,
        height: u32,
        channels: u8,
        pixels: &[u8],
    ) -> Result<Vec<u8>, CodecError>;
}
