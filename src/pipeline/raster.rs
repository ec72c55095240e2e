//! The in-memory picture passed between stages: 8-bit RGB, or RGBA when the source had
//! an alpha channel. Everything else is converted to one of these at decode time.

use image::{DynamicImage, RgbImage, RgbaImage};

pub type Raster = DynamicImage;

/// Normalise any decoded image to RGB8 / RGBA8.
pub fn normalise(img: DynamicImage) -> Raster {
    match img {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => img,
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

/// True when some pixel is not fully opaque.
pub fn has_transparency(img: &Raster) -> bool {
    match img {
        DynamicImage::ImageRgba8(rgba) => rgba.pixels().any(|p| p.0[3] < 255),
        _ => false,
    }
}

/// Composite onto white: a JPEG has no alpha, and black behind a cut-out wound photo
/// would hide what matters.
pub fn flatten_onto_white(img: Raster) -> RgbImage {
    match img {
        DynamicImage::ImageRgba8(rgba) => composite_white(&rgba),
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => other.to_rgb8(),
    }
}

fn composite_white(rgba: &RgbaImage) -> RgbImage {
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = src.0[3] as u32;
        for c in 0..3 {
            // round(src*a/255 + 255*(255-a)/255)
            let v = src.0[c] as u32 * a + 255 * (255 - a);
            dst.0[c] = ((v + 127) / 255) as u8;
        }
    }
    out
}
