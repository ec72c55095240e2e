//! A still WebP decoded row by row by the vendored image-webp: lossy by `LossyRows` (three
//! macroblock rows of YUV at a time, and the alpha plane, a byte a pixel, when there is
//! one), lossless by `LosslessRows` (the coded pixels a backward reference can reach, 4 MB
//! at most); their rows are byte-for-byte those of the whole-frame decode. An animated WebP
//! is the caller's to decode whole.

use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Image, Source};

/// A still WebP, lossy or lossless, reduced by `k` while it is decoded; `None` for an
/// animated one, which the caller decodes whole.
pub fn webp(r: &mut dyn Source, max_pixels: u64, k: u32) -> Result<Option<Image>, CodecError> {
    let err = |e: image_webp::DecodingError| match e {
        image_webp::DecodingError::UnsupportedFeature(f) => {
            CodecError::Unsupported(format!("a WEBP variant we cannot decode: {f}"))
        }
        other => CodecError::Corrupt(format!("WEBP: {other}")),
    };
    let mut decoder = image_webp::WebPDecoder::new(r).map_err(err)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, max_pixels)?;
    if let Some(rows) = decoder.lossy_rows().map_err(err)? {
        let channels = rows.channels();
        let mut reducer = Reducer::rows(width, height, channels, k);
        rows.decode(|y, row| reducer.add(y, 0, 1, row))
            .map_err(err)?;
        return Ok(Some(super::image(reducer, channels, (width, height))));
    }
    // image's decoder gives RGBA when the file says it has alpha, else RGB.
    let channels = if decoder.has_alpha() { 4 } else { 3 };
    if let Some(rows) = decoder.lossless_rows().map_err(err)? {
        let mut reducer = Reducer::rows(width, height, channels, k);
        let mut rgb = Vec::new();
        rows.decode(|y, rgba| {
            if channels == 4 {
                reducer.add(y, 0, 1, rgba);
            } else {
                rgb.clear();
                rgb.extend(rgba.chunks_exact(4).flat_map(|p| &p[..3]));
                reducer.add(y, 0, 1, &rgb);
            }
        })
        .map_err(err)?;
        return Ok(Some(super::image(reducer, channels, (width, height))));
    }
    Ok(None)
}
