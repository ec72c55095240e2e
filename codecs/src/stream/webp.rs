//! A lossy WebP still without alpha, decoded row by row by the vendored image-webp's
//! `Vp8Rows` (three macroblock rows of YUV at a time; its rows are byte-for-byte those of
//! the whole-frame decode). Any other WebP is the caller's to decode whole.

use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Image, Source};

/// A lossy WebP without alpha reduced by `k` while it is decoded (the vendored image-webp's
/// `Vp8Rows`: its rows are those of its whole-frame decode); `None` for any other kind of
/// WebP (lossless, alpha, animation), which the caller decodes whole.
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
    let Some(rows) = decoder.lossy_rows().map_err(err)? else {
        return Ok(None);
    };
    let mut reducer = Reducer::rows(width, height, 3, k);
    rows.decode(|y, row| reducer.add(y, 0, 1, row))
        .map_err(err)?;
    Ok(Some(super::image(reducer, 3, (width, height))))
}
