//! A still lossy frame row by row, with its alpha plane when it has one
//! (fhir_media_capture's addition, README.vendor.md).

use std::io::Read;

use crate::decoder::DecodingError;
use crate::extended::{get_alpha_predictor, AlphaChunk};
use crate::vp8::Vp8Rows;

/// The rows of a still lossy frame (`Vp8Rows`): RGB, or RGBA when the file has an alpha
/// plane, which is read whole first (a byte a pixel) and unfiltered a row at a time, as
/// `read_image` does over the whole picture.
pub struct LossyRows<R> {
    vp8: Vp8Rows<R>,
    alpha: Option<AlphaChunk>,
}

impl<R: Read> LossyRows<R> {
    pub(crate) fn new(vp8: Vp8Rows<R>, alpha: Option<AlphaChunk>) -> Self {
        Self { vp8, alpha }
    }

    /// The frame's width and height.
    pub fn dimensions(&self) -> (u16, u16) {
        self.vp8.dimensions()
    }

    /// 4 with alpha, else 3.
    pub fn channels(&self) -> usize {
        if self.alpha.is_some() {
            4
        } else {
            3
        }
    }

    /// Decodes the frame, calling `row(y, pixels)` for `y` = 0, 1, ... with `width *
    /// channels()` bytes: the bytes of `read_image`, row by row.
    pub fn decode(self, mut row: impl FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        self.decode_dyn(&mut row)
    }

    /// `decode` compiled once for every caller's `row`.
    fn decode_dyn(self, row: &mut dyn FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        let Some(alpha) = self.alpha else {
            return self.vp8.decode_dyn(row);
        };
        let width = usize::from(self.vp8.dimensions().0);
        // The row above (once there is one), then this row; `get_alpha_predictor` reads the
        // alpha of both at the same offsets as in the whole picture's buffer, with y as 1.
        let mut rows = vec![0u8; width * 8];
        self.vp8.decode_dyn(&mut |y, rgb| {
            let y = y as usize;
            if y >= 2 {
                rows.copy_within(width * 4.., 0);
            }
            let (at, yy) = if y == 0 { (0, 0) } else { (width * 4, 1) };
            for (px, rgb) in rows[at..at + width * 4]
                .chunks_exact_mut(4)
                .zip(rgb.chunks_exact(3))
            {
                px[..3].copy_from_slice(rgb);
            }
            let coded = &alpha.data[y * width..][..width];
            for (x, &a) in coded.iter().enumerate() {
                let predictor = get_alpha_predictor(x, yy, width, alpha.filtering_method, &rows);
                rows[at + x * 4 + 3] = predictor.wrapping_add(a);
            }
            row(y as u32, &rows[at..at + width * 4]);
        })
    }
}
