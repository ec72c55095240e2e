//! A WebP decoded row by row by the vendored image-webp's `Rows`: a lossy frame three
//! macroblock rows of YUV at a time (and its alpha plane, a byte a pixel), a lossless one
//! through the coded pixels a backward reference can reach (4 MB at most), an animation's
//! first frame composed on its canvas a row at a time. The rows are byte-for-byte
//! `read_image`'s (libwebp's, tests/webp_rows.rs and tests/webp_lossless_rows.rs).

use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Image, Source};

/// A WebP reduced by `k` while it is decoded (`Some` for every kind; the `Option` is the
/// shape of the streamed decoders' interface, where `None` sends a file to the whole decode).
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
    let rows = decoder.rows().map_err(err)?;
    let channels = rows.channels();
    let mut reducer = Reducer::rows(width, height, channels, k);
    rows.decode(|y, row| reducer.add(y, 0, 1, row))
        .map_err(err)?;
    Ok(Some(super::image(reducer, channels, (width, height))))
}
