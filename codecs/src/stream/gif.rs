//! A GIF's first frame, line by line (the gif crate directly) onto its reduced logical
//! screen: the screen costs only its reduced size, however large it claims to be.

use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Image, Source};

/// A GIF's first frame on its logical screen, reduced by `k` while it is read: the screen
/// costs only its reduced size, however large it claims to be.
pub fn gif(r: &mut dyn Source, max_pixels: u64, k: u32) -> Result<Image, CodecError> {
    let err = |e: gif::DecodingError| CodecError::Corrupt(format!("GIF: {e}"));
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(r).map_err(err)?;
    let (width, height) = (u32::from(decoder.width()), u32::from(decoder.height()));
    check_pixels(width, height, max_pixels)?;
    let frame = decoder
        .next_frame_info()
        .map_err(err)?
        .ok_or_else(|| CodecError::Corrupt("GIF: no frame".into()))?;
    let (left, top) = (u32::from(frame.left), u32::from(frame.top));
    let (fw, fh) = (u32::from(frame.width), u32::from(frame.height));
    let interlaced = frame.interlaced;
    let mut reducer = if interlaced {
        Reducer::window(width, height, 4, k, top, fh)
    } else {
        Reducer::rows(width, height, 4, k)
    };
    if fw > 0 && fh > 0 {
        let mut row = vec![0u8; fw as usize * 4];
        for r in gif_rows(fh, interlaced) {
            // A palette index past the palette leaves the pixel as it was: zero, as in
            // image's freshly zeroed buffer.
            row.fill(0);
            if !decoder.fill_buffer(&mut row).map_err(err)? {
                return Err(CodecError::Corrupt("GIF: image truncated".into()));
            }
            reducer.add(top + r, left, 1, &row);
        }
    }
    Ok(super::image(reducer, 4, (width, height)))
}

/// A GIF frame's rows in file order: top to bottom, or the four interlace passes.
fn gif_rows(height: u32, interlaced: bool) -> Box<dyn Iterator<Item = u32>> {
    if !interlaced {
        return Box::new(0..height);
    }
    Box::new(
        [(0, 8), (4, 8), (2, 4), (1, 2)]
            .into_iter()
            .flat_map(move |(start, step)| (start..height).step_by(step)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interlace_order() {
        assert_eq!(gif_rows(5, true).collect::<Vec<_>>(), vec![0, 4, 2, 1, 3]);
        assert_eq!(gif_rows(3, false).collect::<Vec<_>>(), vec![0, 1, 2]);
    }
}
