//! `prepare`: bytes + settings → a Media ready to POST. The stage sequence and nothing
//! else: sniff → limits → decode (scaled) → orient → resize → quality checks → encode
//! (byte budget) → Media.

pub mod budget;
#[cfg(feature = "codecs")]
mod compiled;
pub mod decode;
pub mod encode;
pub mod icc;
pub mod jpeg_limits;
pub mod keep;
pub mod limits;
pub mod orient;
pub mod quality;
pub mod raster;
pub mod resize;
pub mod sniff;

use std::borrow::Cow;

use fhir_media_codecs::Codecs;
use serde::Serialize;
use web_time::Instant;

use crate::error::MediaError;
use crate::fhir::{build_media, Media};
use crate::options::{HeicMode, OutputFormat, Settings};
pub use sniff::Format;

/// Milliseconds spent per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    pub decode: f64,
    pub orient: f64,
    pub resize: f64,
    pub checks: f64,
    pub encode: f64,
    pub total: f64,
}

/// What the source was, before we touched it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    pub orientation: u8,
}

/// A prepared photo: the resource plus facts about the encoded image.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub media: Media,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    /// Encoded image bytes (before base64).
    pub bytes: usize,
    /// JPEG quality used in (0, 1]; `None` for PNG.
    pub quality: Option<f64>,
    pub encodes: u32,
    pub source: SourceInfo,
    /// Reasons to retake the photo (empty when fine or when the checks are off).
    pub warnings: Vec<quality::Warning>,
    /// What the checks measured; `None` when they are off.
    pub metrics: Option<quality::Metrics>,
    pub timings: Timings,
}

/// [`prepare_with`] the compiled-in codecs (and HEIF decoder, feature `heic`).
#[cfg(feature = "codecs")]
pub fn prepare(bytes: &[u8], settings: &Settings) -> Result<Prepared, MediaError> {
    prepare_with(bytes, settings, Some(&compiled::Compiled))
}

/// What [`prepare_with`] will ask of a codecs module for these bytes, by the name the JS
/// loader gets: a format to decode (`png`, `webp`, `gif`, `bmp`; `heif` loads the HEIC
/// decoder instead), `png` for PNG output, or [`KEEP_HEIF`] for a HEIF kept as it is (the
/// codecs module blanks its metadata). `None` for bytes refused before any codec is needed
/// (over the size limit, unknown, TIFF), so loading a module never delays such an error.
pub fn needs_codecs(bytes: &[u8], settings: &Settings) -> Option<&'static str> {
    limits::check_input_size(bytes.len() as u64, settings.max_input_bytes).ok()?;
    match sniff::sniff(bytes).ok()? {
        Format::Jpeg if settings.format == OutputFormat::Png => {
            Some(fhir_media_codecs::Format::Png.name())
        }
        Format::Heif if settings.heic == HeicMode::Keep => Some(KEEP_HEIF),
        format => format.codec().map(fhir_media_codecs::Format::name),
    }
}

/// [`needs_codecs`]' name for a HEIF kept as it is: the codecs module, not the decoder.
pub const KEEP_HEIF: &str = "heif-keep";

/// The pipeline. `codecs` decodes PNG, WebP, GIF, BMP and HEIF, encodes PNG and blanks a
/// kept HEIC's metadata; `None` does for inputs where [`needs_codecs`] is `None`. A HEIF
/// to convert without codecs, or one they cannot read, is refused as `heic-not-decodable`.
/// Bytes given owned (`Vec<u8>`) are freed once decoded, so that the later stages reuse
/// that memory (a PNG or BMP file can be as large as its decoded picture).
pub fn prepare_with<'a>(
    bytes: impl Into<Cow<'a, [u8]>>,
    settings: &Settings,
    codecs: Option<&dyn Codecs>,
) -> Result<Prepared, MediaError> {
    let bytes = bytes.into();
    let start = Instant::now();
    limits::check_input_size(bytes.len() as u64, settings.max_input_bytes)?;
    let format = sniff::sniff(&bytes)?;
    if format == Format::Heif && settings.heic == HeicMode::Keep {
        return keep::keep(&bytes, settings, codecs, start);
    }
    // HEIF: the decoder applied the container's irot/imir, which are the truth; the EXIF
    // tag beside them (iPhones write one) is not applied on top, as libheif does not.
    let orientation = match format {
        Format::Heif => 1,
        _ => orient::read_orientation(&bytes),
    };
    // A JPEG comes out of its decoder already oriented; the orient stage is then empty.
    let decoded = decode::decode_oriented(
        &bytes,
        format,
        settings.max_dimension,
        settings.max_pixels,
        codecs,
        orientation,
    )?;
    let source_bytes = bytes.len();
    drop(bytes);
    let t_decode = Instant::now();
    let decoded_stored = decoded.stored;
    let dct_scaled = decoded.dct_scale != 8;
    let dct_scale = decoded.dct_scale;

    let oriented = orient::apply(decoded.raster, decoded.orientation_left);
    let t_orient = Instant::now();

    let oriented_size = (oriented.width, oriented.height);
    let resized = resize::fit(oriented, settings.max_dimension)?;
    let t_resize = Instant::now();
    // On the picture as it is encoded: what the clinician will see.
    let metrics = settings.checks.map(|_| quality::measure(&resized));
    let warnings = match (settings.checks, &metrics) {
        (Some(t), Some(m)) => t.warnings(m),
        _ => Vec::new(),
    };
    let t_checks = Instant::now();
    let path = if (resized.width, resized.height) != oriented_size {
        encode::ScalePath::Resampled
    } else if dct_scaled && matches!(dct_scale, 1 | 2 | 4) {
        encode::ScalePath::DctScaled
    } else if dct_scaled {
        encode::ScalePath::DctScaledFraction
    } else {
        encode::ScalePath::Unscaled
    };

    let use_png = match settings.format {
        OutputFormat::Png => true,
        OutputFormat::Jpeg => false,
        OutputFormat::Auto => resized.has_transparency(),
    };
    let (encoded, content_type) = if use_png {
        let img = resized.without_opaque_alpha();
        let codecs = codecs.ok_or_else(|| decode::missing_codecs(Format::Png))?;
        (
            budget::png_within(img, settings.max_bytes, codecs)?,
            "image/png",
        )
    } else {
        let rgb = resized.flatten_onto_white();
        // Colour tags only: no text of the source's profile reaches the chart.
        let icc = decoded.icc_profile.as_deref().and_then(icc::sanitize);
        let style = encode::JpegStyle {
            icc_profile: icc.as_deref(),
            progressive: settings.progressive,
            path,
        };
        (
            budget::jpeg_within(rgb, settings.quality, settings.max_bytes, style)?,
            "image/jpeg",
        )
    };
    let t_encode = Instant::now();

    let media = build_media(settings, content_type, &encoded.bytes);
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
    Ok(Prepared {
        media,
        content_type,
        width: encoded.width,
        height: encoded.height,
        bytes: encoded.bytes.len(),
        quality: encoded.quality,
        encodes: encoded.encodes,
        source: SourceInfo {
            format: format.name(),
            width: decoded_stored.0,
            height: decoded_stored.1,
            bytes: source_bytes,
            orientation,
        },
        warnings,
        metrics,
        timings: Timings {
            decode: ms(start, t_decode),
            orient: ms(t_decode, t_orient),
            resize: ms(t_orient, t_resize),
            checks: ms(t_resize, t_checks),
            encode: ms(t_checks, t_encode),
            total: ms(start, Instant::now()),
        },
    })
}
