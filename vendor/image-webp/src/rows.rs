//! `read_image`'s picture row by row, for every kind of WebP (fhir_media_capture's addition,
//! README.vendor.md): a still frame's rows, or an animation's first frame composed on its
//! canvas a row at a time.

use std::io::BufRead;

use crate::alpha_blending::do_alpha_blending;
use crate::decoder::DecodingError;
use crate::lossless::rows::LosslessRows;
use crate::lossy_rows::LossyRows;

/// A frame's own rows: lossy (RGB, or RGBA with an alpha plane) or lossless (RGBA).
pub(crate) enum Frame<R> {
    Lossy(LossyRows<R>),
    Lossless(LosslessRows<R>),
}

impl<R: BufRead> Frame<R> {
    fn channels(&self) -> usize {
        match self {
            Frame::Lossy(rows) => rows.channels(),
            Frame::Lossless(_) => 4,
        }
    }

    fn dimensions(&self) -> (u16, u16) {
        match self {
            Frame::Lossy(rows) => rows.dimensions(),
            Frame::Lossless(rows) => rows.dimensions(),
        }
    }

    fn decode(self, row: &mut dyn FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        match self {
            Frame::Lossy(rows) => rows.decode(row),
            Frame::Lossless(rows) => rows.decode(row),
        }
    }
}

/// Where an animation's first frame lies on the canvas, and how it is drawn there.
pub(crate) struct Placement {
    pub(crate) x: usize,
    pub(crate) y: usize,
    /// Blend with the canvas (the frame's alpha over it) rather than replace it.
    pub(crate) blend: bool,
    /// The canvas before the frame: `background_color`, else transparent black.
    pub(crate) background: [u8; 4],
}

/// The rows `read_image` gives (RGB, or RGBA when the file has alpha), top to bottom.
pub struct Rows<R> {
    frame: Frame<R>,
    /// On a canvas (an animation's first frame), or the picture itself (a still).
    placement: Option<Placement>,
    width: u32,
    height: u32,
    channels: usize,
}

impl<R: BufRead> Rows<R> {
    /// `frame`'s size is checked against the canvas (`width` x `height`) and `placement`.
    pub(crate) fn new(
        frame: Frame<R>,
        placement: Option<Placement>,
        (width, height): (u32, u32),
        has_alpha: bool,
    ) -> Result<Self, DecodingError> {
        let (w, h) = frame.dimensions();
        let (x, y) = placement.as_ref().map_or((0, 0), |p| (p.x, p.y));
        let fits = x + usize::from(w) <= width as usize && y + usize::from(h) <= height as usize;
        if placement.is_none() && (u32::from(w), u32::from(h)) != (width, height) {
            return Err(DecodingError::InconsistentImageSizes);
        }
        if !fits {
            return Err(DecodingError::FrameOutsideImage);
        }
        Ok(Self {
            frame,
            placement,
            width,
            height,
            channels: if has_alpha { 4 } else { 3 },
        })
    }

    /// The picture's width and height (the canvas's for an animation).
    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// 4 when the file has alpha, else 3: as `read_image`.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Decodes the picture, calling `row(y, pixels)` for `y` = 0, 1, ... with `width *
    /// channels()` bytes: the bytes of `read_image`, row by row.
    pub fn decode(self, mut row: impl FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        self.decode_dyn(&mut row)
    }

    fn decode_dyn(self, out: &mut dyn FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        let (channels, from) = (self.channels, self.frame.channels());
        let mut line = vec![0u8; self.width as usize * channels];
        let Some(p) = self.placement else {
            // A still: its rows, RGBA cut to RGB when the file has no alpha.
            return self.frame.decode(&mut |y, px| {
                if from == channels {
                    out(y, px);
                } else {
                    for (o, i) in line.chunks_exact_mut(channels).zip(px.chunks_exact(from)) {
                        o.copy_from_slice(&i[..channels]);
                    }
                    out(y, &line);
                }
            });
        };
        // An animation's first frame on its canvas, as `read_frame` composes it: the
        // background, and the frame's pixels blended over it or put in its place.
        let background: Vec<u8> = p.background.repeat(self.width as usize);
        let mut emit = |y: usize, rgba: &[u8], line: &mut [u8]| {
            for (o, i) in line.chunks_exact_mut(channels).zip(rgba.chunks_exact(4)) {
                o.copy_from_slice(&i[..channels]);
            }
            out(y as u32, line);
        };
        let frame_height = usize::from(self.frame.dimensions().1);
        for y in 0..p.y {
            emit(y, &background, &mut line);
        }
        let mut canvas = background.clone();
        self.frame.decode(&mut |r, px| {
            canvas.copy_from_slice(&background);
            let under = canvas[p.x * 4..].chunks_exact_mut(4);
            for (c, f) in under.zip(px.chunks_exact(from)) {
                if from == 3 {
                    c[..3].copy_from_slice(f);
                    c[3] = 255;
                } else if p.blend {
                    let blended =
                        do_alpha_blending(f.try_into().unwrap(), (&*c).try_into().unwrap());
                    c.copy_from_slice(&blended);
                } else {
                    c.copy_from_slice(f);
                }
            }
            emit(p.y + r as usize, &canvas, &mut line);
        })?;
        for y in p.y + frame_height..self.height as usize {
            emit(y, &background, &mut line);
        }
        Ok(())
    }
}
