//! Vendored (ours, issue 15): EXIF orientation applied inside the decoder, the way jpegtran
//! thinks of it. Each block's IDCT output is written oriented to its oriented place in an
//! oriented component plane (planes stay padded to whole blocks, so the real samples of a
//! flipped axis start after the padding); chroma upsampling and colour conversion then run
//! on upright planes and write the upright picture row by row. No second full-size buffer
//! and no full-size transpose pass after the decode.
//!
//! Pixel-identical to decoding and then orienting: the samples are the same IDCT output,
//! only placed elsewhere (orienting the coefficients instead would not be: the integer
//! IDCT's row and column passes round differently), and every upsampler is symmetric under
//! mirroring and transposing (H2V1 transposed is H1V2; upsampler.rs).

/// An EXIF orientation as what it does to the stored picture, in this order: transpose,
/// then mirror the result's x axis, then its y axis.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Orientation {
    transpose: bool,
    flip_x: bool,
    flip_y: bool,
}

impl Orientation {
    /// EXIF Orientation 1..=8 (1: as stored); any other value is taken as 1.
    pub fn from_exif(value: u8) -> Orientation {
        let (transpose, flip_x, flip_y) = match value {
            2 => (false, true, false),
            3 => (false, true, true),
            4 => (false, false, true),
            5 => (true, false, false),
            6 => (true, true, false),
            7 => (true, true, true),
            8 => (true, false, true),
            _ => (false, false, false),
        };
        Orientation {
            transpose,
            flip_x,
            flip_y,
        }
    }

    pub(crate) fn is_identity(self) -> bool {
        self == Orientation::default()
    }

    pub(crate) fn transposes(self) -> bool {
        self.transpose
    }

    pub(crate) fn flips_x(self) -> bool {
        self.flip_x
    }

    pub(crate) fn flips_y(self) -> bool {
        self.flip_y
    }

    /// (w, h) of something stored w×h, once oriented.
    pub(crate) fn size<T>(self, w: T, h: T) -> (T, T) {
        if self.transpose {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// Where item (x, y) of a stored w×h grid goes in the oriented grid.
    pub(crate) fn place(self, x: usize, y: usize, w: usize, h: usize) -> (usize, usize) {
        let ((x, y), (w, h)) = (self.size(x, y), self.size(w, h));
        (
            if self.flip_x { w - 1 - x } else { x },
            if self.flip_y { h - 1 - y } else { y },
        )
    }

    /// Top-left corner, in the oriented plane, of the real samples (stored at the top left,
    /// `real` of a plane of `padded`): past the padding on a flipped axis.
    pub(crate) fn origin(self, real: (usize, usize), padded: (usize, usize)) -> (usize, usize) {
        let ((rw, rh), (pw, ph)) = (self.size(real.0, real.1), self.size(padded.0, padded.1));
        (
            if self.flip_x {
                pw.saturating_sub(rw)
            } else {
                0
            },
            if self.flip_y {
                ph.saturating_sub(rh)
            } else {
                0
            },
        )
    }

    /// How many leading samples of an oriented, upsampled row (or column) of `upsampled`
    /// samples to skip so that `output` remain: those past the picture's far edge, which a
    /// flip brings to the front.
    pub(crate) fn skip(self, upsampled: (usize, usize), output: (usize, usize)) -> (usize, usize) {
        (
            if self.flip_x {
                upsampled.0.saturating_sub(output.0)
            } else {
                0
            },
            if self.flip_y {
                upsampled.1.saturating_sub(output.1)
            } else {
                0
            },
        )
    }

    /// Writes the top-left n×n samples of `block` (rows of 8) oriented, with its top-left
    /// corner at `out[0]`, rows `stride` apart.
    pub(crate) fn put_block(self, block: &[u8; 64], n: usize, stride: usize, out: &mut [u8]) {
        // Rows as little-endian u64s, in registers: a transpose, then each row mirrored
        // (a byte reversal: one shuffle per two rows on wasm), then a flip of the row order
        // as the store order. place() orients the same way: transpose, then flips.
        let mut rows = [0u64; 8];
        for (row, bytes) in rows.iter_mut().zip(block.chunks_exact(8)) {
            *row = u64::from_le_bytes(bytes.try_into().unwrap());
        }
        if self.transpose {
            transpose(&mut rows);
        }
        if self.flip_x {
            mirror(&mut rows, n);
        }
        let last_reversed = self.flip_y;
        for (i, row) in rows[..n].iter().enumerate() {
            let y = if last_reversed { n - 1 - i } else { i };
            let row = row.to_le_bytes();
            // A fixed-size store for full blocks (one i64.store; a copy of n bytes is a
            // memcpy call per row).
            if n == 8 {
                out[y * stride..][..8].copy_from_slice(&row);
            } else {
                out[y * stride..][..n].copy_from_slice(&row[..n]);
            }
        }
    }
}

/// Mirrors the first n bytes of each little-endian row (byte j to n - 1 - j): the row's
/// bytes reversed, then shifted down to the first n. wasm has no byte swap (a u64
/// swap_bytes is a dozen shifts and masks there): a byte shuffle does two rows at once.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn mirror(rows: &mut [u64; 8], n: usize) {
    use core::arch::wasm32::*;
    let shift = 8 * (8 - n as u32);
    for pair in rows.chunks_exact_mut(2) {
        let v = u64x2(pair[0], pair[1]);
        let r = u64x2_shr(i8x16_shuffle::<7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8>(v, v), shift);
        pair[0] = u64x2_extract_lane::<0>(r);
        pair[1] = u64x2_extract_lane::<1>(r);
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn mirror(rows: &mut [u64; 8], n: usize) {
    for row in rows {
        *row = row.swap_bytes() >> (8 * (8 - n as u32));
    }
}

/// Transposes 8×8 bytes held as 8 little-endian rows: three rounds of delta swaps (4×4,
/// 2×2, then 1×1 sub-blocks).
#[inline(never)]
fn transpose(rows: &mut [u64; 8]) {
    for (k, mask) in [
        (4, 0x0000_0000_FFFF_FFFF_u64),
        (2, 0x0000_FFFF_0000_FFFF),
        (1, 0x00FF_00FF_00FF_00FF),
    ] {
        for i in (0..8).filter(|i| i & k == 0) {
            let t = ((rows[i] >> (8 * k)) ^ rows[i + k]) & mask;
            rows[i] ^= t << (8 * k);
            rows[i + k] ^= t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Orientation;

    /// The definition (src/pipeline/orient.rs of the main crate): oriented (x, y) reads
    /// stored (sx, sy).
    fn source(value: u8, x: usize, y: usize, w: usize, h: usize) -> (usize, usize) {
        match value {
            2 => (w - 1 - x, y),
            3 => (w - 1 - x, h - 1 - y),
            4 => (x, h - 1 - y),
            5 => (y, x),
            6 => (y, h - 1 - x),
            7 => (w - 1 - y, h - 1 - x),
            8 => (w - 1 - y, x),
            _ => (x, y),
        }
    }

    #[test]
    fn place_is_the_exif_definition() {
        let (w, h) = (5, 3);
        for value in 1..=8 {
            let o = Orientation::from_exif(value);
            let (ow, oh) = o.size(w, h);
            for sy in 0..h {
                for sx in 0..w {
                    let (x, y) = o.place(sx, sy, w, h);
                    assert!(x < ow && y < oh);
                    assert_eq!(source(value, x, y, w, h), (sx, sy), "orientation {value}");
                }
            }
        }
    }

    #[test]
    fn put_block_orients_every_block_size() {
        let block: [u8; 64] = core::array::from_fn(|i| i as u8);
        for value in 1..=8 {
            let o = Orientation::from_exif(value);
            for n in 1..=8 {
                let stride = 11;
                let mut out = [0xAAu8; 8 * 11];
                o.put_block(&block, n, stride, &mut out);
                for y in 0..n {
                    for x in 0..n {
                        let (sx, sy) = source(value, x, y, n, n);
                        assert_eq!(out[y * stride + x], block[sy * 8 + sx], "{value} {n}");
                    }
                    assert!(out[y * stride + n..(y + 1) * stride]
                        .iter()
                        .all(|&b| b == 0xAA));
                }
            }
        }
    }
}
