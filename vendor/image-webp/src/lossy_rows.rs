//! A lossy frame row by row, with its alpha plane a row at a time when it has one
//! (fhir_media_capture's addition, README.vendor.md).

use std::io::BufRead;

use byteorder_lite::ReadBytesExt;

use crate::decoder::DecodingError;
use crate::extended::{alpha_header, get_alpha_predictor, FilteringMethod};
use crate::lossless::rows::RowState;
use crate::lossless::LosslessDecoder;
use crate::vp8::Vp8Rows;

/// The rows of a lossy frame (`Vp8Rows`): RGB, or RGBA with its alpha plane (`AlphaRows`),
/// unfiltered a row at a time as `read_image` does over the whole picture.
pub(crate) struct LossyRows<R> {
    vp8: Vp8Rows<R>,
    alpha: Option<AlphaRows<R>>,
}

/// An ALPH chunk's plane a row at a time: the green of a header-less lossless image, or
/// the chunk's raw bytes.
pub(crate) struct AlphaRows<R> {
    filtering: FilteringMethod,
    width: usize,
    plane: Plane<R>,
}

enum Plane<R> {
    Lossless(Box<LosslessDecoder<R>>, RowState),
    Raw(R),
}

impl<R: BufRead> AlphaRows<R> {
    /// Reads the chunk's header byte and, compressed, the plane's transforms and codes.
    pub(crate) fn new(mut chunk: R, width: u16, height: u16) -> Result<Self, DecodingError> {
        let (_preprocessing, filtering, lossless) = alpha_header(chunk.read_u8()?)?;
        let plane = if lossless {
            let mut d = Box::new(LosslessDecoder::new(chunk));
            let state = d.start_plane(width, height)?;
            Plane::Lossless(d, state)
        } else {
            Plane::Raw(chunk)
        };
        Ok(Self {
            filtering,
            width: usize::from(width),
            plane,
        })
    }

    /// The next row's coded (still filtered) alpha into `out`, `width` bytes.
    fn next(&mut self, out: &mut [u8]) -> Result<(), DecodingError> {
        match &mut self.plane {
            Plane::Lossless(d, state) => {
                let row = d.next_row(state)?;
                for (a, px) in out.iter_mut().zip(row.chunks_exact(4)) {
                    *a = px[1];
                }
            }
            Plane::Raw(r) => r.read_exact(&mut out[..self.width])?,
        }
        Ok(())
    }
}

impl<R: BufRead> LossyRows<R> {
    pub(crate) fn new(vp8: Vp8Rows<R>, alpha: Option<AlphaRows<R>>) -> Self {
        Self { vp8, alpha }
    }

    /// The frame's width and height.
    pub(crate) fn dimensions(&self) -> (u16, u16) {
        self.vp8.dimensions()
    }

    /// 4 with alpha, else 3.
    pub(crate) fn channels(&self) -> usize {
        if self.alpha.is_some() {
            4
        } else {
            3
        }
    }

    /// Decodes the frame, calling `row(y, pixels)` for `y` = 0, 1, ... with `width *
    /// channels()` bytes: the bytes of `read_image`, row by row. (`row` is a trait object
    /// so that this is compiled once for all its callers.)
    pub(crate) fn decode(self, row: &mut dyn FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        let Some(mut alpha) = self.alpha else {
            return self.vp8.decode_dyn(row);
        };
        let width = usize::from(self.vp8.dimensions().0);
        // The row above (once there is one), then this row; `get_alpha_predictor` reads the
        // alpha of both at the same offsets as in the whole picture's buffer, with y as 1.
        let mut rows = vec![0u8; width * 8];
        let mut coded = vec![0u8; width];
        // The plane's first error ends the rows handed out and is the answer.
        let mut failed = None;
        self.vp8.decode_dyn(&mut |y, rgb| {
            if failed.is_some() {
                return;
            }
            if let Err(e) = alpha.next(&mut coded) {
                failed = Some(e);
                return;
            }
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
            for (x, &a) in coded.iter().enumerate() {
                let predictor = get_alpha_predictor(x, yy, width, alpha.filtering, &rows);
                rows[at + x * 4 + 3] = predictor.wrapping_add(a);
            }
            row(y as u32, &rows[at..at + width * 4]);
        })?;
        failed.map_or(Ok(()), Err)
    }
}
