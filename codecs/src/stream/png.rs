//! PNG read row by row (png's `next_row`); Adam7 rows summed into the box sums of the whole
//! reduced picture in any order. Palette, tRNS and low bit depths expanded to 8 bits as
//! image's decoder does; 16-bit samples rounded to 8 as `native::eight_bit` does.

use crate::reduce::Reducer;
use crate::{check_pixels, CodecError, Image, Source};

/// Adam7's passes: (x offset, x step, y offset, y step).
const ADAM7: [(u32, u32, u32, u32); 7] = [
    (0, 8, 0, 8),
    (4, 8, 0, 8),
    (0, 4, 4, 8),
    (2, 4, 0, 4),
    (0, 2, 2, 4),
    (1, 2, 0, 2),
    (0, 1, 1, 2),
];

/// A PNG reduced by `k` while it is read.
pub fn png(r: &mut dyn Source, max_pixels: u64, k: u32) -> Result<Image, CodecError> {
    let err = |e: png::DecodingError| CodecError::Corrupt(format!("PNG: {e}"));
    // The decoder's own allocations (a row, the inflater, text chunks) stay far below this.
    let limits = png::Limits {
        bytes: usize::try_from(max_pixels.saturating_add(64 << 20)).unwrap_or(usize::MAX),
    };
    let mut decoder = png::Decoder::new_with_limits(r, limits);
    // As image's PngDecoder: palette, tRNS and 1/2/4-bit samples to 8 bits; 16 stays.
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(err)?;
    let info = reader.info();
    let (width, height, interlaced) = (info.width, info.height, info.interlaced);
    check_pixels(width, height, max_pixels)?;
    let (color, depth) = reader.output_color_type();
    let channels = color.samples();
    let wide = depth == png::BitDepth::Sixteen;
    let mut reducer = if interlaced {
        Reducer::window(width, height, channels, k, 0, height)
    } else {
        Reducer::rows(width, height, channels, k)
    };
    let mut passes = adam7_rows(width, height);
    let mut eight = Vec::new();
    let mut y = 0;
    while let Some(row) = reader.next_row().map_err(err)? {
        let data = row.data();
        let data = if wide {
            eight.clear();
            eight.extend(data.chunks_exact(2).map(|s| {
                let v = u32::from(u16::from_be_bytes([s[0], s[1]]));
                ((v * 255 + 32767) / 65535) as u8
            }));
            &eight[..]
        } else {
            data
        };
        if interlaced {
            let (x0, dx, row_y) = passes
                .next()
                .ok_or_else(|| CodecError::Corrupt("PNG: more rows than Adam7 has".into()))?;
            reducer.add(row_y, x0, dx, data);
        } else {
            reducer.add(y, 0, 1, data);
            y += 1;
        }
    }
    // As image's decoder, the picture must be complete (next_row errs on missing data).
    Ok(super::image(reducer, channels, (width, height)))
}

/// Adam7's rows in the order the decoder gives them: (x0, dx, y) of each. Passes with
/// no pixels are skipped, as the png crate skips them.
fn adam7_rows(width: u32, height: u32) -> impl Iterator<Item = (u32, u32, u32)> {
    ADAM7.into_iter().flat_map(move |(x0, dx, y0, dy)| {
        let empty = width <= x0;
        (y0..height)
            .step_by(dy as usize)
            .filter(move |_| !empty)
            .map(move |y| (x0, dx, y))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam7_order_matches_the_png_crate() {
        for (w, h) in [(1, 1), (3, 5), (8, 8), (9, 17), (2, 1)] {
            let ours: Vec<_> = adam7_rows(w, h).collect();
            let rows: usize = ADAM7
                .iter()
                .filter(|p| w > p.0)
                .map(|p| h.saturating_sub(p.2).div_ceil(p.3) as usize)
                .sum();
            assert_eq!(ours.len(), rows, "{w}x{h}");
        }
    }
}
