//! Downscale so the longest side fits, with fast_image_resize (SIMD128 on wasm) and a
//! Catmull-Rom kernel: as sharp as Lanczos3 by SSIM on photos, and cheaper. Never upscales.

use fast_image_resize::images::TypedImage;
use fast_image_resize::pixels::{U8x3, U8x4};
use fast_image_resize::{
    FilterType, ImageView, ImageViewMut, PixelTrait, ResizeAlg, ResizeOptions, Resizer,
};

use super::raster::Raster;
use crate::error::MediaError;

/// Output size for fitting `(w, h)` into a `max` longest side; unchanged if it fits.
pub fn fitted_size(width: u32, height: u32, max: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max {
        return (width, height);
    }
    let scale = max as f64 / long as f64;
    let fit = |v: u32| ((v as f64 * scale).round() as u32).clamp(1, max);
    if width >= height {
        (max, fit(height))
    } else {
        (fit(width), max)
    }
}

/// Shrink `raster` so its longest side is at most `max`.
pub fn fit(mut raster: Raster, max: u32) -> Result<Raster, MediaError> {
    let (w, h) = fitted_size(raster.width, raster.height, max);
    if (w, h) == (raster.width, raster.height) {
        return Ok(raster);
    }
    resize_to(&mut raster, w, h)
}

/// Resample to exactly `w`x`h`. `raster` is only read; it is `&mut` for the reason
/// given at `resize_typed`.
pub fn resize_to(raster: &mut Raster, w: u32, h: u32) -> Result<Raster, MediaError> {
    let data = match raster.channels {
        4 => resize_typed::<U8x4>(raster, w, h)?,
        _ => resize_typed::<U8x3>(raster, w, h)?,
    };
    Raster::new(w, h, raster.channels, data)
        .ok_or_else(|| MediaError::corrupt("resize: buffer size"))
}

// The typed call links only the pixel types we use (the generic one pulls in all of
// them and a large table, ~0.8 MB of wasm). The source is a `TypedImage` (which needs a
// mutable buffer), not a `TypedImageRef`: fast_image_resize's alpha path resizes from
// its premultiplied `TypedImage` copy, so a `TypedImageRef` source would monomorphise the
// convolution passes twice for RGBA (~10 KB of wasm).
fn resize_typed<P>(src: &mut Raster, w: u32, h: u32) -> Result<Vec<u8>, MediaError>
where
    P: PixelTrait,
    for<'a> TypedImage<'a, P>: ImageView<Pixel = P> + ImageViewMut<Pixel = P>,
{
    let src_view = TypedImage::<P>::from_buffer(src.width, src.height, &mut src.data)
        .map_err(|e| MediaError::corrupt(format!("resize source: {e}")))?;
    let mut out = vec![0u8; w as usize * h as usize * src.channels];
    {
        let mut dst_view = TypedImage::<P>::from_buffer(w, h, &mut out)
            .map_err(|e| MediaError::corrupt(format!("resize target: {e}")))?;
        let options =
            ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom));
        Resizer::new()
            .resize_typed(&src_view, &mut dst_view, &options)
            .map_err(|e| MediaError::corrupt(format!("resize: {e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_sizes() {
        assert_eq!(fitted_size(4032, 3024, 2048), (2048, 1536));
        assert_eq!(fitted_size(1536, 2048, 1024), (768, 1024));
        assert_eq!(fitted_size(100, 50, 2048), (100, 50));
        assert_eq!(fitted_size(10000, 1, 100), (100, 1));
    }
}
