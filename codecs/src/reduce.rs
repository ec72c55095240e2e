//! Reduce a picture by an integer factor `k` while it is decoded: each output pixel is the
//! exact mean of a k×k block of source pixels (fewer at the right and bottom edges), the
//! way libjpeg-turbo's DCT scaling lets a JPEG decode small. The pipeline's Catmull-Rom
//! resize then does the rest, from a picture at most about twice the size it wants, so a
//! PNG, GIF, BMP or WebP never has to exist at full size in the main module, and for PNG
//! and GIF not in the codecs module either (rows are summed as the decoder makes them).
//!
//! Alpha: colours are averaged weighted by alpha (premultiplied), so the colour under a
//! transparent pixel (a GIF's transparent palette entry) does not bleed into its
//! neighbours, as the resize's premultiplied filter does not let it either.

/// The slack of the JPEG path's DCT-scale choice (`pipeline::decode::jpeg_scale`): a
/// reduced longest side of 97.5% of the wanted one is close enough to need no resample.
const SCALE_SLACK: f64 = 0.975;

/// The largest factor: the alpha-weighted sums of a 256×256 block still fit a `u32`
/// (255 · 255 · 65,536 < 2³²), and a side reduced by 256 is left to the resize.
pub const MAX_FACTOR: u32 = 256;

/// Up to this factor, sums without alpha fit a `u16` (255 · 16 · 16 < 2¹⁶).
const NARROW_FACTOR: u32 = 16;

/// Box sums. A window over the whole reduced picture (Adam7 rows come pass by pass) without
/// alpha keeps them as u16 in byte pairs, and turns them into the 8-bit picture in place:
/// half the memory of u32 sums, and no second buffer (at k = 2, u32 sums alone were as
/// large as the full-size 8-bit picture).
enum Sums {
    /// `u16`s, native-endian, in pairs of bytes.
    Narrow(Vec<u8>),
    Wide(Vec<u32>),
}

/// Box sums that sample `i` of a row can be added to.
trait Store {
    fn add(&mut self, i: usize, v: u32);
}

// Saturating: a box never holds more than k² samples, whose sum fits; a decoder that gave a
// row twice would get a wrong mean, never a panic.
impl Store for [u32] {
    fn add(&mut self, i: usize, v: u32) {
        self[i] = self[i].saturating_add(v);
    }
}

impl Store for [u8] {
    fn add(&mut self, i: usize, v: u32) {
        let pair = &mut self[2 * i..2 * i + 2];
        let sum = u16::from_ne_bytes([pair[0], pair[1]]).saturating_add(v as u16);
        pair.copy_from_slice(&sum.to_ne_bytes());
    }
}

/// The largest k (at most [`MAX_FACTOR`]) whose reduced longest side is still ≥ 97.5% of
/// `target`; 1 when `target` is 0 (no reduction wanted) or the picture is small already.
pub fn factor(width: u32, height: u32, target: u32) -> u32 {
    let long = width.max(height);
    if target == 0 || long <= target {
        return 1;
    }
    let wanted = SCALE_SLACK * f64::from(target);
    (2..=MAX_FACTOR)
        .take_while(|&k| f64::from(long.div_ceil(k)) >= wanted)
        .last()
        .unwrap_or(1)
}

/// Box sums of a `width`×`height` picture of `channels` 8-bit samples, over a window of
/// output rows. Rows in order need a window of one output row ([`Reducer::rows`]); rows
/// in any order (Adam7, an interlaced GIF frame) a window over all the output rows they
/// touch ([`Reducer::window`]). Output rows never touched are zero (transparent black,
/// which is a GIF screen's background outside its frame).
pub struct Reducer {
    width: u32,
    height: u32,
    channels: usize,
    k: u32,
    out_w: u32,
    out_h: u32,
    /// First output row the sums hold, and how many.
    first: u32,
    window: u32,
    sums: Sums,
    out: Vec<u8>,
}

impl Reducer {
    /// For rows fed top to bottom (rows may be skipped: they count as zero).
    pub fn rows(width: u32, height: u32, channels: usize, k: u32) -> Reducer {
        Reducer::window(width, height, channels, k, 0, height.min(1))
    }

    /// For rows `top..top + rows` of the picture fed in any order.
    pub fn window(
        width: u32,
        height: u32,
        channels: usize,
        k: u32,
        top: u32,
        rows: u32,
    ) -> Reducer {
        let k = k.clamp(1, MAX_FACTOR);
        let (out_w, out_h) = (width.div_ceil(k), height.div_ceil(k));
        let (first, window) = if rows == 0 || top >= height {
            (0, 0)
        } else {
            let last = (top.saturating_add(rows) - 1).min(height - 1) / k;
            (top / k, last - top / k + 1)
        };
        Reducer {
            width,
            height,
            channels,
            k,
            out_w,
            out_h,
            first,
            window,
            sums: {
                let len = window as usize * out_w as usize * channels;
                let alpha = channels == 2 || channels == 4;
                if !alpha && k <= NARROW_FACTOR && first == 0 && window == out_h && out_h > 1 {
                    Sums::Narrow(vec![0; 2 * len])
                } else {
                    Sums::Wide(vec![0; len])
                }
            },
            out: Vec::new(),
        }
    }

    /// The reduced size.
    pub fn size(&self) -> (u32, u32) {
        (self.out_w, self.out_h)
    }

    /// Add `pixels` (`channels` samples each) of source row `y`, the i-th at column
    /// `x0 + i * dx`; columns past the right edge and rows outside the window are dropped.
    pub fn add(&mut self, y: u32, x0: u32, dx: u32, pixels: &[u8]) {
        if y >= self.height || self.window == 0 {
            return;
        }
        let oy = y / self.k;
        if oy < self.first {
            return;
        }
        // Rows in order: the window slides down, finishing the rows it leaves.
        while oy >= self.first + self.window {
            if self.window != 1 {
                return;
            }
            self.emit(self.first);
            if let Sums::Wide(v) = &mut self.sums {
                v.fill(0);
            }
            self.first += 1;
        }
        let w = self.out_w as usize * self.channels;
        let row = (oy - self.first) as usize * w;
        let (ch, k, width) = (self.channels, self.k, self.width);
        match &mut self.sums {
            Sums::Narrow(v) => {
                add_row(&mut v[2 * row..2 * (row + w)], ch, k, width, x0, dx, pixels)
            }
            Sums::Wide(v) => add_row(&mut v[row..row + w], ch, k, width, x0, dx, pixels),
        }
    }

    /// The reduced pixels, `out_w * out_h * channels` bytes.
    pub fn finish(mut self) -> Vec<u8> {
        if let Sums::Narrow(pairs) = &mut self.sums {
            let mut pairs = std::mem::take(pairs);
            self.means_in_place(&mut pairs);
            return pairs;
        }
        for oy in self.first..(self.first + self.window).min(self.out_h) {
            self.emit(oy);
        }
        self.out
    }

    /// The whole picture's u16 sums (`pairs`) to their rounded means, each written over the
    /// first byte of the pairs that are read already (byte i is pair i / 2's, and i / 2 ≤ i).
    fn means_in_place(&self, pairs: &mut Vec<u8>) {
        let (ch, k) = (self.channels, self.k);
        let w = self.out_w as usize * ch;
        let n = w * self.out_h as usize;
        for i in 0..n {
            let (oy, ox) = ((i / w) as u32, ((i % w) / ch) as u32);
            let count = k.min(self.height - oy * k) * k.min(self.width - ox * k);
            let sum = u32::from(u16::from_ne_bytes([pairs[2 * i], pairs[2 * i + 1]]));
            pairs[i] = ((sum + count / 2) / count) as u8;
        }
        pairs.truncate(n);
    }

    /// Output row `oy` from the sums (rounded means).
    fn emit(&mut self, oy: u32) {
        let Sums::Wide(sums) = &self.sums else {
            return; // whole-picture sums: finish() turns them into the picture
        };
        if oy >= self.out_h || oy < self.first {
            return;
        }
        if self.out.is_empty() {
            self.out = vec![0; self.out_w as usize * self.out_h as usize * self.channels];
        }
        let ch = self.channels;
        let alpha = ch == 2 || ch == 4;
        let k = self.k;
        let rows = k.min(self.height - oy * k);
        let w = self.out_w as usize * ch;
        let at = (oy - self.first) as usize * w;
        let out = &mut self.out[oy as usize * w..][..w];
        emit_row(&sums[at..at + w], out, ch, alpha, k, rows, self.width);
    }
}

/// Add a source row's pixels (the i-th at column `x0 + i * dx`) to one row of box sums.
fn add_row<S: Store + ?Sized>(
    sums: &mut S,
    ch: usize,
    k: u32,
    width: u32,
    x0: u32,
    dx: u32,
    pixels: &[u8],
) {
    let alpha = ch == 2 || ch == 4;
    for (i, px) in pixels.chunks_exact(ch).enumerate() {
        let x = u64::from(x0) + i as u64 * u64::from(dx);
        if x >= u64::from(width) {
            break;
        }
        let at = (x as u32 / k) as usize * ch;
        if alpha {
            let a = u32::from(px[ch - 1]);
            for (c, &v) in px[..ch - 1].iter().enumerate() {
                sums.add(at + c, u32::from(v) * a);
            }
            sums.add(at + ch - 1, a);
        } else {
            for (c, &v) in px.iter().enumerate() {
                sums.add(at + c, u32::from(v));
            }
        }
    }
}

/// One output row from its box sums (rounded means; `rows` source rows in this box row).
fn emit_row(sums: &[u32], out: &mut [u8], ch: usize, alpha: bool, k: u32, rows: u32, width: u32) {
    for (bx, (s, o)) in sums
        .chunks_exact(ch)
        .zip(out.chunks_exact_mut(ch))
        .enumerate()
    {
        let cols = k.min(width - bx as u32 * k);
        let count = cols * rows;
        if alpha {
            let a = s[ch - 1];
            for c in 0..ch - 1 {
                o[c] = (s[c] + a / 2).checked_div(a).unwrap_or(0) as u8;
            }
            o[ch - 1] = ((a + count / 2) / count) as u8;
        } else {
            for c in 0..ch {
                o[c] = ((s[c] + count / 2) / count) as u8;
            }
        }
    }
}

/// A decoded picture reduced by `k` (rows in order, whole).
pub fn reduce(width: u32, height: u32, channels: usize, k: u32, pixels: &[u8]) -> Vec<u8> {
    let mut r = Reducer::rows(width, height, channels, k);
    let stride = width as usize * channels;
    if stride > 0 {
        for (y, row) in pixels.chunks_exact(stride).enumerate() {
            r.add(y as u32, 0, 1, row);
        }
    }
    r.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_keeps_975_percent_of_target() {
        assert_eq!(factor(4032, 3024, 2048), 2); // 2016 ≥ 1996.8
        assert_eq!(factor(4000, 3000, 2048), 2); // 2000; 3 → 1334
        assert_eq!(factor(3264, 2448, 2048), 1); // 1632 < 1996.8
        assert_eq!(factor(8064, 6048, 2048), 4); // 2016
        assert_eq!(factor(6000, 4000, 2048), 3); // 2000
        assert_eq!(factor(1800, 1200, 2048), 1);
        assert_eq!(factor(16384, 100, 2048), 8);
        assert_eq!(factor(65535, 65535, 16), MAX_FACTOR);
        assert_eq!(factor(8064, 6048, 0), 1);
    }

    #[test]
    fn exact_box_means_with_partial_edges() {
        // 3x3 gray by 2: blocks of 4, 2, 2 and 1 pixels.
        let px = [0, 10, 20, 30, 40, 50, 60, 70, 80];
        assert_eq!(reduce(3, 3, 1, 2, &px), vec![20, 35, 65, 80]);
        // k = 1 is the identity.
        assert_eq!(reduce(3, 3, 1, 1, &px), px.to_vec());
    }

    #[test]
    fn alpha_weights_colour() {
        // A transparent red beside an opaque blue: the colour is blue, alpha half.
        let px = [255, 0, 0, 0, 0, 0, 255, 255];
        assert_eq!(reduce(2, 1, 4, 2, &px), vec![0, 0, 255, 128]);
        assert_eq!(reduce(2, 1, 2, 2, &[200, 0, 100, 0]), vec![0, 0]);
    }

    #[test]
    fn narrow_sums_up_to_k_16_give_the_wide_sums_means() {
        // A window over the whole picture (Adam7) without alpha, k <= 16: narrow sums. White
        // RGB at k = 16 is the largest narrow sum: 255 · 256 per box (fits a u16).
        let whole = |w: u32, h: u32, ch: usize, k: u32, px: &[u8]| {
            let mut r = Reducer::window(w, h, ch, k, 0, h);
            let narrow = matches!(r.sums, Sums::Narrow(_));
            for (y, row) in px.chunks_exact(w as usize * ch).enumerate().rev() {
                r.add(y as u32, 0, 1, row); // bottom first: any order
            }
            (narrow, r.finish())
        };
        let white = vec![255u8; 32 * 32 * 3];
        assert_eq!(whole(32, 32, 3, 16, &white), (true, vec![255; 2 * 2 * 3]));
        // Past 16, with alpha, or rows in order: u32.
        let white34 = vec![255u8; 34 * 34 * 3];
        assert_eq!(
            whole(34, 34, 3, 17, &white34),
            (false, vec![255; 2 * 2 * 3])
        );
        assert!(!whole(32, 32, 4, 2, &[255u8; 32 * 32 * 4]).0);
        assert!(matches!(Reducer::rows(32, 32, 3, 2).sums, Sums::Wide(_)));
        // A gradient: the narrow means are exact (against a plain f64 mean), and the same
        // as the rows-in-order (u32) path's.
        let px: Vec<u8> = (0..48 * 40).map(|i| ((i * 7) % 251) as u8).collect();
        for k in [2, 3, 5, 16] {
            let (narrow, got) = whole(48, 40, 1, k, &px);
            assert!(narrow);
            assert_eq!(got, reduce(48, 40, 1, k, &px), "k {k}");
            let (ow, oh) = (48u32.div_ceil(k), 40u32.div_ceil(k));
            for oy in 0..oh {
                for ox in 0..ow {
                    let (mut sum, mut n) = (0.0, 0.0);
                    for y in oy * k..((oy + 1) * k).min(40) {
                        for x in ox * k..((ox + 1) * k).min(48) {
                            sum += f64::from(px[(y * 48 + x) as usize]);
                            n += 1.0;
                        }
                    }
                    let want = (sum / n).round() as u8;
                    let g = got[(oy * ow + ox) as usize];
                    assert!(g.abs_diff(want) <= 1, "k {k} at {ox},{oy}: {g} vs {want}");
                }
            }
        }
    }

    #[test]
    fn rows_in_any_order_in_a_window() {
        // Rows 4..6 of an 8x8 picture by 2, fed bottom first: output rows 2 only.
        let mut r = Reducer::window(8, 8, 1, 2, 4, 2);
        r.add(5, 0, 2, &[40, 40, 40, 40]);
        r.add(4, 1, 2, &[80, 80, 80, 80]);
        r.add(0, 0, 1, &[255; 8]); // outside the window: dropped
        let out = r.finish();
        assert_eq!(out.len(), 16);
        assert_eq!(&out[8..12], &[30, 30, 30, 30]);
        assert!(out[..8].iter().chain(&out[12..]).all(|&v| v == 0));
    }
}
