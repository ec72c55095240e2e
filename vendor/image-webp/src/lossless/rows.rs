//! A lossless frame decoded row by row (fhir_media_capture's addition, README.vendor.md).
//!
//! Upstream decodes the whole entropy-coded image into one buffer, then runs the inverse
//! transforms over all of it: 4 bytes a pixel, and again 3 or 4 for the caller's copy. Here
//! the coded pixels live in a window that slides down the image, holding what a backward
//! reference can reach (at most 2^20 pixels back: 4 MB) plus the rows not yet handed out,
//! and each row goes through the inverse transforms on its own as soon as it is decoded.
//! Why this is exact: a backward reference and the colour cache read coded pixels only, and
//! every inverse transform of row `y` needs only row `y`, the same stage's row `y - 1`
//! (the predictor) and the transforms' own small images.

use std::io::BufRead;

use super::{
    BitReader, ColorCache, DecodingError, HuffmanInfo, LosslessDecoder, ALPHA, BLUE, DIST, GREEN,
    RED,
};
use crate::lossless::subsample_size;
use crate::lossless_transform::{
    apply_color_indexing_transform, apply_color_transform, apply_predictor_transform_row,
    apply_subtract_green_transform, TransformType,
};

/// The farthest a backward reference reaches: the largest distance code (prefix 39: 3 <<
/// 18, 18 extra bits, plus one) is 2^20, less the 120 short codes; the short codes reach at
/// most 7 rows of 2^14 pixels.
const MAX_DISTANCE: usize = 1 << 20;
/// The most pixels one step of the decoding loop writes: a backward reference's length.
const MAX_STEP: usize = 4096;

/// A lossless WebP frame (a `VP8L` chunk) whose RGBA rows are handed out top to bottom.
pub(crate) struct LosslessRows<R> {
    d: LosslessDecoder<R>,
}

impl<R: BufRead> LosslessRows<R> {
    /// Reads the header and checks its size against the container's `width` x `height`.
    pub(crate) fn new(r: R, width: u32, height: u32) -> Result<Self, DecodingError> {
        let mut d = LosslessDecoder::new(r);
        d.read_header(width, height)?;
        Ok(Self { d })
    }

    /// The frame's width and height.
    pub(crate) fn dimensions(&self) -> (u16, u16) {
        (self.d.width, self.d.height)
    }

    /// Decodes the frame, calling `row(y, rgba)` for `y` = 0, 1, ... with `width * 4` bytes.
    pub(crate) fn decode(mut self, row: &mut dyn FnMut(u32, &[u8])) -> Result<(), DecodingError> {
        self.d.decode_rows(row)
    }
}

impl<R: BufRead> LosslessDecoder<R> {
    /// An alpha plane (a header-less lossless image of the frame's size): its transforms
    /// and codes, then `next_row`.
    pub(crate) fn start_plane(
        &mut self,
        width: u16,
        height: u16,
    ) -> Result<RowState, DecodingError> {
        self.width = width;
        self.height = height;
        self.start_rows()
    }

    /// An alpha plane (a header-less lossless image of the frame's size) row by row.
    pub(crate) fn decode_plane_rows(
        &mut self,
        width: u16,
        height: u16,
        mut row: impl FnMut(u32, &[u8]),
    ) -> Result<(), DecodingError> {
        self.width = width;
        self.height = height;
        self.decode_rows(&mut row)
    }

    /// After the header: the transforms and codes, then `row(y, rgba)` for each row. Both
    /// `LosslessRows` and upstream's `decode_frame` (whole frames, alpha planes) run this.
    /// (`row` is a trait object so that this is compiled once for all its callers.)
    pub(super) fn decode_rows(
        &mut self,
        row: &mut dyn FnMut(u32, &[u8]),
    ) -> Result<(), DecodingError> {
        let mut state = self.start_rows()?;
        for y in 0..u32::from(self.height) {
            row(y, self.next_row(&mut state)?);
        }
        Ok(())
    }

    /// Reads the transforms and the main image's codes: what `next_row` needs.
    pub(crate) fn start_rows(&mut self) -> Result<RowState, DecodingError> {
        let coded_width = self.read_transforms()?;
        let color_cache = self.read_color_cache()?.map(|bits| ColorCache {
            color_cache_bits: bits,
            color_cache: vec![[0; 4]; 1 << bits],
        });
        let info = self.read_huffman_codes(true, coded_width, self.height, color_cache)?;
        Ok(RowState {
            coded: Coded::new(coded_width, self.height, info),
            coded_width,
            out: vec![0u8; usize::from(self.width) * 4],
            predicted: Vec::new(),
            y: 0,
        })
    }

    /// The next row (RGBA, `width * 4` bytes): decoded, then through the inverse
    /// transforms in decoding order (the reverse of the file's).
    pub(crate) fn next_row<'s>(
        &mut self,
        state: &'s mut RowState,
    ) -> Result<&'s [u8], DecodingError> {
        let RowState {
            coded,
            coded_width,
            out,
            predicted,
            y,
        } = state;
        let y = std::mem::replace(y, *y + 1);
        if y >= usize::from(self.height) {
            return Err(DecodingError::BitStreamError);
        }
        coded.decode_row(y, &mut self.bit_reader)?;
        out[..usize::from(*coded_width) * 4].copy_from_slice(coded.row(y));
        let mut width = *coded_width;
        for &t in self.transform_order.iter().rev() {
            let Some(stage) = &self.transforms[usize::from(t)] else {
                continue;
            };
            let w4 = usize::from(width) * 4;
            match stage {
                TransformType::PredictorTransform {
                    size_bits,
                    predictor_data,
                } => {
                    // The predictor's row above then its row, at the width it runs at.
                    if predicted.len() != 2 * w4 {
                        *predicted = vec![0; 2 * w4];
                    }
                    let (above, this) = predicted.split_at_mut(w4);
                    if y > 0 {
                        above.copy_from_slice(this);
                    }
                    this.copy_from_slice(&out[..w4]);
                    let rows = if y == 0 { this } else { &mut predicted[..] };
                    apply_predictor_transform_row(rows, y, width, *size_bits, predictor_data);
                    out[..w4].copy_from_slice(&predicted[w4..]);
                }
                TransformType::ColorTransform {
                    size_bits,
                    transform_data,
                } => {
                    let blocks = usize::from(subsample_size(width, *size_bits));
                    let start = (y >> size_bits) * blocks * 4;
                    let data = transform_data
                        .get(start..)
                        .ok_or(DecodingError::BitStreamError)?;
                    apply_color_transform(&mut out[..w4], width, *size_bits, data);
                }
                TransformType::SubtractGreen => {
                    apply_subtract_green_transform(&mut out[..w4]);
                }
                TransformType::ColorIndexingTransform {
                    table_size,
                    table_data,
                } => {
                    width = self.width;
                    apply_color_indexing_transform(out, width, 1, *table_size, table_data);
                }
            }
        }
        Ok(out)
    }
}

/// Where `next_row` is: the coded window, the row being built, the predictor's rows.
pub(crate) struct RowState {
    coded: Coded,
    coded_width: u16,
    out: Vec<u8>,
    predicted: Vec<u8>,
    y: usize,
}

/// The rows path's coded pixels: a window of the entropy-coded image (RGBA order, as
/// upstream keeps them), absolute pixel `p` at `buf[(p - base) * 4..]`.
struct Coded {
    entropy: Entropy,
    buf: Vec<u8>,
    base: usize,
}

impl Coded {
    fn new(width: u16, height: u16, info: HuffmanInfo) -> Self {
        let entropy = Entropy::new(width, height, info);
        // Twice the reach, so the window slides once per ~2^20 pixels, not per step.
        let (width, n) = (entropy.width, entropy.num_values);
        let cap = n.min(2 * MAX_DISTANCE.max(width) + MAX_STEP.max(width));
        Self {
            entropy,
            buf: vec![0; cap * 4],
            base: 0,
        }
    }

    /// Row `y`'s coded pixels; decoded by `decode_row(y)`.
    fn row(&self, y: usize) -> &[u8] {
        let width = self.entropy.width;
        &self.buf[(y * width - self.base) * 4..][..width * 4]
    }

    /// Decodes on until row `y` is complete, sliding the window down when a step might not
    /// fit: rows from `y` on and the last `MAX_DISTANCE` pixels are kept.
    fn decode_row<R: BufRead>(
        &mut self,
        y: usize,
        br: &mut BitReader<R>,
    ) -> Result<(), DecodingError> {
        let e = &mut self.entropy;
        let end = (y + 1) * e.width;
        let cap = self.buf.len() / 4;
        while e.index < end {
            let room = (e.index + MAX_STEP.max(e.width)).min(e.num_values);
            if room - self.base > cap {
                let keep = e
                    .index
                    .saturating_sub(MAX_DISTANCE)
                    .min(y * e.width)
                    .max(self.base);
                self.buf
                    .copy_within((keep - self.base) * 4..(e.index - self.base) * 4, 0);
                self.base = keep;
            }
            e.step(&mut self.buf, self.base, br)?;
        }
        Ok(())
    }
}

/// Where upstream's `decode_image_data` loop is: its Huffman codes, colour cache and
/// position. Both paths run it: the whole decode over the whole image (`base` 0), the rows
/// path over its window.
pub(super) struct Entropy {
    width: usize,
    num_values: usize,
    info: HuffmanInfo,
    index: usize,
    next_block_start: usize,
    group: usize,
}

impl Entropy {
    pub(super) fn new(width: u16, height: u16, info: HuffmanInfo) -> Self {
        let width = usize::from(width);
        Self {
            width,
            num_values: width * usize::from(height),
            info,
            index: 0,
            next_block_start: 0,
            group: 0,
        }
    }

    /// Decodes every pixel into `data` (the whole image, from pixel 0).
    pub(super) fn decode_all<R: BufRead>(
        &mut self,
        data: &mut [u8],
        br: &mut BitReader<R>,
    ) -> Result<(), DecodingError> {
        while self.index < self.num_values {
            self.step(data, 0, br)?;
        }
        Ok(())
    }

    /// One turn of upstream's `decode_image_data` loop: the same reads in the same order,
    /// writing pixel `p` at `buf[(p - base) * 4..]`; at most `max(MAX_STEP, width)` pixels.
    fn step<R: BufRead>(
        &mut self,
        buf: &mut [u8],
        base: usize,
        br: &mut BitReader<R>,
    ) -> Result<(), DecodingError> {
        let (width, num_values) = (self.width, self.num_values);
        br.fill()?;
        let at = |index: usize| (index - base) * 4;
        if self.index >= self.next_block_start {
            let x = self.index % width;
            let y = self.index / width;
            self.next_block_start =
                (x | usize::from(self.info.mask)).min(width - 1) + y * width + 1;
            self.group = self.info.get_huff_index(x as u16, y as u16);
            let tree = &self.info.huffman_code_groups[self.group];
            // Upstream's fast path: codes of one symbol each read no bits, so the block is
            // one colour (to the end of its row when there is one group).
            if tree[..4].iter().all(|t| t.is_single_node()) {
                let code = tree[GREEN].read_symbol(br)?;
                if code < 256 {
                    let n = self.next_block_start - self.index;
                    let red = tree[RED].read_symbol(br)?;
                    let blue = tree[BLUE].read_symbol(br)?;
                    let alpha = tree[ALPHA].read_symbol(br)?;
                    let value = [red as u8, code as u8, blue as u8, alpha as u8];
                    for px in buf[at(self.index)..][..n * 4].chunks_exact_mut(4) {
                        px.copy_from_slice(&value);
                    }
                    if let Some(cache) = self.info.color_cache.as_mut() {
                        cache.insert(value);
                    }
                    self.index += n;
                    return Ok(());
                }
            }
        }
        let tree = &self.info.huffman_code_groups[self.group];
        let code = tree[GREEN].read_symbol(br)?;
        if code < 256 {
            let green = code as u8;
            let red = tree[RED].read_symbol(br)? as u8;
            let blue = tree[BLUE].read_symbol(br)? as u8;
            if br.nbits < 15 {
                br.fill()?;
            }
            let alpha = tree[ALPHA].read_symbol(br)? as u8;
            let value = [red, green, blue, alpha];
            buf[at(self.index)..][..4].copy_from_slice(&value);
            if let Some(cache) = self.info.color_cache.as_mut() {
                cache.insert(value);
            }
            self.index += 1;
        } else if code < 256 + 24 {
            let length = LosslessDecoder::get_copy_distance(br, code - 256)?;
            let dist_symbol = tree[DIST].read_symbol(br)?;
            let dist_code = LosslessDecoder::get_copy_distance(br, dist_symbol)?;
            let dist = LosslessDecoder::<R>::plane_code_to_distance(width as u16, dist_code);
            if self.index < dist || num_values - self.index < length {
                return Err(DecodingError::BitStreamError);
            }
            if self.index - dist < base {
                // Cannot happen (the window keeps MAX_DISTANCE pixels); an error, not a panic.
                return Err(DecodingError::BitStreamError);
            }
            let (dst, src) = (at(self.index), at(self.index - dist));
            if dist == 1 {
                let value: [u8; 4] = buf[src..][..4].try_into().unwrap();
                for px in buf[dst..][..length * 4].chunks_exact_mut(4) {
                    px.copy_from_slice(&value);
                }
            } else {
                if dist >= length {
                    buf.copy_within(src..src + length * 4, dst);
                } else {
                    // Overlapping: forward, so the copy repeats the last `dist` pixels.
                    for i in 0..length * 4 {
                        buf[dst + i] = buf[src + i];
                    }
                }
                if let Some(cache) = self.info.color_cache.as_mut() {
                    for px in buf[dst..][..length * 4].chunks_exact(4) {
                        cache.insert(px.try_into().unwrap());
                    }
                }
            }
            self.index += length;
        } else {
            let cache = self
                .info
                .color_cache
                .as_mut()
                .ok_or(DecodingError::BitStreamError)?;
            let color = cache.lookup((code - 280).into());
            buf[at(self.index)..][..4].copy_from_slice(&color);
            self.index += 1;
            if self.index < self.next_block_start {
                if let Some((bits, code)) = tree[GREEN].peek_symbol(br) {
                    if code >= 280 {
                        br.consume(bits)?;
                        let color = cache.lookup((code - 280).into());
                        buf[at(self.index)..][..4].copy_from_slice(&color);
                        self.index += 1;
                    }
                }
            }
        }
        Ok(())
    }
}
