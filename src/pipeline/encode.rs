//! Encoders. JPEG: jpeg-encoder with 4:2:0 (box-averaged chroma) and optimised Huffman
//! tables. PNG: `image`'s encoder. Neither writes EXIF, XMP, IPTC, GPS or comments; a
//! source ICC profile is carried into the JPEG so colours stay right.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageEncoder, RgbImage};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

use super::raster::Raster;
use crate::error::MediaError;

/// JPEG quality in (0, 1] to the encoder's 1..=100 scale.
pub fn quality_percent(quality: f64) -> u8 {
    (quality * 100.0).round().clamp(1.0, 100.0) as u8
}

pub fn jpeg(
    img: &RgbImage,
    quality: u8,
    icc_profile: Option<&[u8]>,
) -> Result<Vec<u8>, MediaError> {
    let (w, h) = dims_u16(img.width(), img.height())?;
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_optimized_huffman_tables(true);
    if let Some(icc) = icc_profile {
        encoder.add_icc_profile(icc).map_err(encode_error)?;
    }
    encoder
        .encode(img.as_raw(), w, h, ColorType::Rgb)
        .map_err(encode_error)?;
    Ok(out)
}

pub fn png(img: &Raster) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive);
    let (color, raw): (image::ExtendedColorType, &[u8]) = match img {
        DynamicImage::ImageRgba8(i) => (image::ExtendedColorType::Rgba8, i.as_raw()),
        DynamicImage::ImageRgb8(i) => (image::ExtendedColorType::Rgb8, i.as_raw()),
        _ => return Err(MediaError::corrupt("unexpected pixel layout for PNG")),
    };
    encoder
        .write_image(raw, img.width(), img.height(), color)
        .map_err(encode_error)?;
    Ok(out)
}

fn dims_u16(w: u32, h: u32) -> Result<(u16, u16), MediaError> {
    match (u16::try_from(w), u16::try_from(h)) {
        (Ok(w), Ok(h)) => Ok((w, h)),
        _ => Err(MediaError::invalid(
            "maxDimension",
            "JPEG cannot exceed 65535 pixels a side",
        )),
    }
}

fn encode_error(e: impl std::fmt::Display) -> MediaError {
    // Encoding our own well-formed buffers only fails on impossible sizes.
    MediaError::corrupt(format!("encoding failed: {e}"))
}
