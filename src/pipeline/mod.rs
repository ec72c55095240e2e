//! `prepare`: bytes + settings → a Media ready to POST. The stage sequence and nothing
//! else: sniff → limits → decode (scaled) → orient → resize → encode (byte budget) → Media.

pub mod budget;
pub mod decode;
pub mod encode;
pub mod icc;
pub mod limits;
pub mod orient;
pub mod raster;
pub mod resize;
pub mod sniff;

use fhir_media_codecs::Codecs;
use serde::Serialize;
use web_time::Instant;

use crate::error::MediaError;
use crate::fhir::{build_media, Media};
use crate::options::{OutputFormat, Settings};
pub use sniff::Format;

/// Milliseconds spent per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    pub decode: f64,
    pub orient: f64,
    pub resize: f64,
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
    pub timings: Timings,
}

/// [`prepare_with`] the compiled-in codecs.
#[cfg(feature = "codecs")]
pub fn prepare(bytes: &[u8], settings: &Settings) -> Result<Prepared, MediaError> {
    prepare_with(bytes, settings, Some(&fhir_media_codecs::Native))
}

/// Whether [`prepare_with`] will call on the codecs for these bytes: PNG, WebP, GIF or
/// BMP input, or PNG output. False for bytes refused before decoding (over the size
/// limit, unknown, HEIF, TIFF), so loading the codecs never delays such an error.
pub fn needs_codecs(bytes: &[u8], settings: &Settings) -> bool {
    if limits::check_input_size(bytes.len() as u64, settings.max_input_bytes).is_err() {
        return false;
    }
    match sniff::sniff(bytes) {
        Ok(Format::Jpeg) => settings.format == OutputFormat::Png,
        Ok(format) => format.codec().is_some(),
        Err(_) => false,
    }
}

/// The pipeline. `codecs` decodes PNG, WebP, GIF and BMP and encodes PNG; `None` does
/// for inputs where [`needs_codecs`] is false.
pub fn prepare_with(
    bytes: &[u8],
    settings: &Settings,
    codecs: Option<&dyn Codecs>,
) -> Result<Prepared, MediaError> {
    let start = Instant::now();
    limits::check_input_size(bytes.len() as u64, settings.max_input_bytes)?;
    let format = sniff::sniff(bytes)?;
    if format == Format::Heif {
        return Err(MediaError::HeicNotDecodable);
    }
    let decoded = decode::decode(
        bytes,
        format,
        settings.max_dimension,
        settings.max_pixels,
        codecs,
    )?;
    let t_decode = Instant::now();
    let decoded_stored = decoded.stored;
    let dct_scaled = (decoded.raster.width, decoded.raster.height) != decoded_stored;
    let dct_scale = decoded.dct_scale;

    let orientation = orient::read_orientation(bytes);
    let oriented = orient::apply(decoded.raster, orientation);
    let t_orient = Instant::now();

    let oriented_size = (oriented.width, oriented.height);
    let resized = resize::fit(oriented, settings.max_dimension)?;
    let t_resize = Instant::now();
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
            bytes: bytes.len(),
            orientation,
        },
        timings: Timings {
            decode: ms(start, t_decode),
            orient: ms(t_decode, t_orient),
            resize: ms(t_orient, t_resize),
            encode: ms(t_resize, t_encode),
            total: ms(start, Instant::now()),
        },
    })
}
