//! Encoders. JPEG: jpeg-encoder with 4:2:0 (box-averaged chroma) and optimised Huffman
//! tables. PNG: `image`'s encoder. Neither writes EXIF, XMP, IPTC, GPS or comments; a
//! source ICC profile is carried into the JPEG so colours stay right.

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use jpeg_encoder::{
    rgb_to_ycbcr, ChromaSubsamplingMethod, Encoder, ImageBuffer, JpegColorType, SamplingFactor,
};

use super::raster::Raster;
use crate::error::MediaError;

/// JPEG quality in (0, 1] to the encoder's 1..=100 scale.
pub fn quality_percent(quality: f64) -> u8 {
    (quality * 100.0).round().clamp(1.0, 100.0) as u8
}

/// Encode as JPEG; an alpha channel, if any, is ignored (callers flatten it first).
pub fn jpeg(img: &Raster, quality: u8, icc_profile: Option<&[u8]>) -> Result<Vec<u8>, MediaError> {
    let (w, h) = dims_u16(img.width, img.height)?;
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_optimized_huffman_tables(true);
    if let Some(icc) = icc_profile {
        encoder.add_icc_profile(icc).map_err(encode_error)?;
    }
    encoder
        .encode_image(Rows { img, w, h })
        .map_err(encode_error)?;
    Ok(out)
}

pub fn png(img: &Raster) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Default, FilterType::Adaptive);
    let color = if img.channels == 4 {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    };
    encoder
        .write_image(&img.data, img.width, img.height, color)
        .map_err(encode_error)?;
    Ok(out)
}

/// Our raster as jpeg-encoder input. Going through `encode_image` with this one type
/// (instead of `encode`, which dispatches over nine colour types) keeps one copy of the
/// encoder in the wasm; the YCbCr conversion per row is here for the same reason.
struct Rows<'a> {
    img: &'a Raster,
    w: u16,
    h: u16,
}

impl ImageBuffer for Rows<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.w
    }

    fn height(&self) -> u16 {
        self.h
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let c = self.img.channels;
        let row_len = self.w as usize * c;
        let start = y as usize * row_len;
        let Some(row) = self.img.data.get(start..start + row_len) else {
            return;
        };
        for px in row.chunks_exact(c) {
            let (luma, cb, cr) = rgb_to_ycbcr(px[0], px[1], px[2]);
            buffers[0].push(luma);
            buffers[1].push(cb);
            buffers[2].push(cr);
        }
    }
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
