//! Retake guidance: no-reference measures of the picture as it is encoded, so the person
//! holding the phone hears "blurred", "too dark" or "burnt out" before the photo reaches
//! the chart. Plain loops over a sample of the pixels, at the size the photo is sent:
//! no copy, deterministic, a few ms for a 2048 px photo.
//!
//! - Sharpness: how abruptly slopes change, Σ|Δ²F| / 2Σ|ΔF| (second over first
//!   differences): 1 for a hard edge, about 1/(2σ) px for one blurred by a Gaussian of σ,
//!   low too for a box (motion) blur, whose slopes are long and flat. It is a ratio, so a
//!   plain, low-contrast photo of skin is not taken for a blurred one; steps of one grey
//!   level are left out (quantisation and noise, not edges). Taken along rows, columns
//!   and both diagonals separately (the worst wins), so motion in any direction counts; per tile, keeping the
//!   sharpest tiles: a sharp lesion in front of a soft background is a good photo.
//! - Exposure: mean luma and the shares of pixels crushed to black or blown to white.
//!
//! Thresholds come from `examples/quality_calibration.rs` (bench/QUALITY.md).

use super::raster::Raster;

/// Tiles per side for the sharpness measure.
const GRID: usize = 8;
/// About this many rows (and as many columns) are sampled for sharpness, whatever the size.
const SAMPLED_LINES: usize = 96;
/// A tile needs this mean |slope| above the noise floor (grey levels per pixel, per
/// direction) to say anything about focus: flatter ones (sky, a sheet) carry no edges.
const MIN_TEXTURE: f64 = 0.1;
/// Steps smaller than this (grey levels) are quantisation or noise, not slopes.
const NOISE_FLOOR: i32 = 2;
/// Luma at or below this is crushed to black; at or above [`BRIGHT_LEVEL`] blown to white.
const DARK_LEVEL: u32 = 12;
const BRIGHT_LEVEL: u32 = 246;

/// What the measures found, each in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// 1 sharp … 0 smeared (share of fine detail that a further blur would remove, in the
    /// sharpest tiles); 1 when nothing in the picture has a slope to judge.
    pub sharpness: f64,
    /// Mean luma (0 black, 1 white).
    pub brightness: f64,
    /// Share of pixels crushed to black.
    pub clipped_dark: f64,
    /// Share of pixels blown to white.
    pub clipped_bright: f64,
}

/// A reason to retake the photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    Blurry,
    TooDark,
    TooBright,
}

impl Warning {
    pub fn code(self) -> &'static str {
        match self {
            Warning::Blurry => "blurry",
            Warning::TooDark => "too-dark",
            Warning::TooBright => "too-bright",
        }
    }
}

/// When a measure warns. Defaults from the calibration (bench/QUALITY.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// `blurry` below this sharpness.
    pub min_sharpness: f64,
    /// `too-dark` below this brightness…
    pub min_brightness: f64,
    /// …or above this share crushed to black.
    pub max_clipped_dark: f64,
    /// `too-bright` above this brightness…
    pub max_brightness: f64,
    /// …or above this share blown to white.
    pub max_clipped_bright: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_sharpness: 0.285,
            min_brightness: 0.22,
            max_clipped_dark: 0.075,
            max_brightness: 0.69,
            max_clipped_bright: 0.07,
        }
    }
}

impl Thresholds {
    /// The warnings `metrics` earn, in a fixed order (blurry, too-dark, too-bright).
    pub fn warnings(&self, m: &Metrics) -> Vec<Warning> {
        let mut out = Vec::new();
        if m.sharpness < self.min_sharpness {
            out.push(Warning::Blurry);
        }
        if m.brightness < self.min_brightness || m.clipped_dark > self.max_clipped_dark {
            out.push(Warning::TooDark);
        }
        if m.brightness > self.max_brightness || m.clipped_bright > self.max_clipped_bright {
            out.push(Warning::TooBright);
        }
        out
    }
}

/// Measure an RGB or RGBA raster (alpha is ignored).
#[inline(never)]
pub fn measure(raster: &Raster) -> Metrics {
    // Luma (BT.601) of every fourth pixel of every fourth row: plenty for shares and a
    // mean (~200,000 pixels of a 2048 px photo), at a sixteenth of the reads.
    let (w, h, c) = (
        raster.width as usize,
        raster.height as usize,
        raster.channels,
    );
    let d = &raster.data;
    let (mut sum, mut dark, mut bright, mut n) = (0u64, 0u32, 0u32, 0u32);
    for y in (0..h).step_by(4) {
        for x in (0..w).step_by(4) {
            let i = (y * w + x) * c;
            let v = (77 * d[i] as u32 + 150 * d[i + 1] as u32 + 29 * d[i + 2] as u32 + 128) >> 8;
            sum += v as u64;
            dark += (v <= DARK_LEVEL) as u32;
            bright += (v >= BRIGHT_LEVEL) as u32;
            n += 1;
        }
    }
    let n = n.max(1) as f64;
    Metrics {
        sharpness: sharpness(raster),
        brightness: sum as f64 / 255.0 / n,
        clipped_dark: dark as f64 / n,
        clipped_bright: bright as f64 / n,
    }
}

/// Directions the slopes are taken in: along rows, down columns and both diagonals
/// (motion blur along a diagonal leaves rows and columns of a fine texture, such as skin,
/// looking sharp).
const DIRECTIONS: usize = 4;

/// Per tile, per direction: Σ|Δ²F| and Σ|ΔF| over the samples whose |ΔF| clears the
/// noise floor, and how many samples were looked at.
#[derive(Clone, Copy, Default)]
struct Tile {
    curve: [u64; DIRECTIONS],
    slope: [u64; DIRECTIONS],
    samples: [u64; DIRECTIONS],
}

impl Tile {
    /// The tile's sharpness, or `None` when too little of it has a slope to judge (less
    /// than `min_texture` per sample, or none at all, in some direction). The lower of: how
    /// abruptly slopes bend in its blurriest direction, and how steep its flattest
    /// direction is next to its steepest one (a fine texture smeared along one direction
    /// keeps no slopes there to bend, but the other directions keep theirs).
    #[inline(never)] // one copy, not one per caller and unrolled: the wasm is near its budget
    fn sharpness(&self, min_texture: f64) -> Option<f64> {
        let textured = (0..DIRECTIONS).all(|d| {
            self.slope[d] > 0 && self.slope[d] as f64 >= min_texture * self.samples[d] as f64
        });
        textured.then(|| {
            let (mut bend, mut flattest, mut steepest) = (1.0f64, f64::MAX, 0.0f64);
            for d in 0..DIRECTIONS {
                bend = bend.min(self.curve[d] as f64 / (2.0 * self.slope[d] as f64));
                // Diagonal neighbours are √2 apart: per unit of distance their slopes are
                // smaller by that much.
                let per_px = if d < 2 {
                    1.0
                } else {
                    std::f64::consts::FRAC_1_SQRT_2
                };
                let steep = per_px * self.slope[d] as f64 / self.samples[d] as f64;
                (flattest, steepest) = (flattest.min(steep), steepest.max(steep));
            }
            bend.min(flattest / steepest).min(1.0)
        })
    }
}

/// Walk `len` points `data[start + i * step]` (along a row or down a column), taking the
/// slopes at each towards its neighbours `data[at ± near]` (the same line, or a diagonal
/// one), adding to `tiles[first + k * stride]` for its k-th stretch of `tile_len`, in
/// direction `dir`. One function for all directions keeps the wasm small.
#[inline(never)]
fn line_sums(
    data: &[u8],
    (start, step, len, near): (usize, usize, usize, usize),
    tile_len: usize,
    tiles: &mut [Tile],
    (first, stride, dir): (usize, usize, usize),
) {
    let get = |i: usize, k: usize| data[start + i * step + k - near] as i32;
    let mut i = 1;
    while i + 1 < len {
        let tile = i / tile_len;
        let end = ((tile + 1) * tile_len).min(len - 1);
        let (mut curve, mut slope) = (0u64, 0u64);
        let from = i;
        while i < end {
            let (a, b, c) = (get(i, 0), get(i, near), get(i, 2 * near));
            let d1 = (b - a).abs();
            // One grey level of slope is quantisation or noise, not an edge. The curvature
            // counts on either side of a slope (a hard step bends twice).
            if d1 >= NOISE_FLOOR {
                slope += d1 as u64;
            }
            if d1.max((c - b).abs()) >= NOISE_FLOOR {
                curve += (c - 2 * b + a).unsigned_abs() as u64;
            }
            i += 1;
        }
        let t = &mut tiles[first + tile * stride];
        t.curve[dir] += curve;
        t.slope[dir] += slope;
        t.samples[dir] += (end - from) as u64;
    }
}

/// Mean sharpness of the sharpest quarter of the textured tiles; 1 when no tile has a slope. Measured
/// on the green channel (most of a camera's detail, no conversion) at full resolution, on
/// every k-th row and column.
#[inline(never)]
fn sharpness(raster: &Raster) -> f64 {
    let (w, h, c) = (
        raster.width as usize,
        raster.height as usize,
        raster.channels,
    );
    if w < 3 || h < 3 {
        return 1.0;
    }
    let data = &raster.data;
    let (tw, th) = (w.div_ceil(GRID), h.div_ceil(GRID));
    let mut tiles = [Tile::default(); GRID * GRID];
    // Green is byte 1 of each pixel. Rows away from the edges also give both diagonals
    // (each point towards its neighbours a row above and below).
    for y in (0..h).step_by(h.div_ceil(SAMPLED_LINES)) {
        let row = y * w * c + 1;
        let all = [(c, 0), ((w + 1) * c, 2), ((w - 1) * c, 3)];
        let directions = if y > 0 && y + 1 < h {
            &all[..]
        } else {
            &all[..1]
        };
        for &(near, dir) in directions {
            line_sums(
                data,
                (row, c, w, near),
                tw,
                &mut tiles,
                ((y / th) * GRID, 1, dir),
            );
        }
    }
    for x in (0..w).step_by(w.div_ceil(SAMPLED_LINES)) {
        let line = (x * c + 1, w * c, h, w * c);
        line_sums(data, line, th, &mut tiles, (x / tw, GRID, 1));
    }
    let mut scores = [-1.0f64; GRID * GRID];
    let mut judged = 0;
    // Tiles with texture to judge; if none has, whatever slopes there are: a picture
    // blurred until its fine texture is gone is not a plain one (that still has its
    // noise, which reads sharp). Only one without any slope at all cannot be judged.
    for min_texture in [MIN_TEXTURE, 0.0] {
        judged = 0;
        for (score, tile) in scores.iter_mut().zip(&tiles) {
            *score = tile.sharpness(min_texture).unwrap_or(-1.0);
            judged += (*score >= 0.0) as usize;
        }
        if judged > 0 {
            break;
        }
    }
    if judged == 0 {
        return 1.0;
    }
    // The sharpest quarter by repeated maximum: a sort would link ~5 KB of wasm for
    // these 64 numbers.
    let top = judged.div_ceil(4);
    let mut sum = 0.0;
    for _ in 0..top {
        let (mut at, mut best) = (0, -1.0);
        for (i, &v) in scores.iter().enumerate() {
            if v > best {
                (at, best) = (i, v);
            }
        }
        sum += best;
        scores[at] = -1.0;
    }
    sum / top as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> Raster {
        let mut data = Vec::new();
        for y in 0..h {
            for x in 0..w {
                data.extend([f(x, y); 3]);
            }
        }
        Raster::new(w, h, 3, data).unwrap()
    }

    #[test]
    fn tiny_and_flat_pictures_cannot_be_blurred() {
        for r in [raster(1, 1, |_, _| 0), raster(9, 300, |x, _| x as u8)] {
            assert_eq!(measure(&r).sharpness, 1.0);
        }
        let flat = measure(&raster(300, 200, |_, _| 128));
        assert_eq!(flat.sharpness, 1.0);
        assert!((flat.brightness - 128.0 / 255.0).abs() < 1e-9);
        assert_eq!((flat.clipped_dark, flat.clipped_bright), (0.0, 0.0));
    }

    #[test]
    fn hard_edges_are_sharp_smooth_waves_are_not() {
        let edges = measure(&raster(256, 256, |x, y| {
            if (x / 8 + y / 8) % 2 == 0 {
                40
            } else {
                200
            }
        }));
        let waves = measure(&raster(256, 256, |x, y| {
            let t = |v: u32| (v as f64 * std::f64::consts::TAU / 64.0).sin() * 60.0;
            (128.0 + t(x) + t(y)) as u8
        }));
        assert!(edges.sharpness > 0.5, "{edges:?}");
        assert!(waves.sharpness < 0.2, "{waves:?}");
    }

    #[test]
    fn a_fine_texture_smeared_along_a_diagonal_is_blurred() {
        // Skin-like grain: random levels 100..164 (an xorshift, deterministic).
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let grain: Vec<u8> = (0..300 * 300)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                100 + (state % 64) as u8
            })
            .collect();
        let at = |x: i64, y: i64| grain[(y.clamp(0, 299) * 300 + x.clamp(0, 299)) as usize] as u32;
        let sharp = measure(&raster(300, 300, |x, y| at(x.into(), y.into()) as u8));
        for (dx, dy) in [(1, 1), (1, -1), (1, 0), (0, 1)] {
            // 12 px of motion in one direction.
            let smeared = measure(&raster(300, 300, |x, y| {
                let sum: u32 = (0..12)
                    .map(|k| at(x as i64 + k * dx, y as i64 + k * dy))
                    .sum();
                (sum / 12) as u8
            }));
            assert!(smeared.sharpness < 0.3, "({dx}, {dy}): {smeared:?}");
        }
        assert!(sharp.sharpness > 0.6, "{sharp:?}");
    }

    #[test]
    fn clipping_is_counted_at_each_end() {
        let m = measure(&raster(100, 100, |x, _| match x {
            0..=24 => 0,
            25..=74 => 128,
            _ => 255,
        }));
        assert!((m.clipped_dark - 0.25).abs() < 0.04, "{m:?}");
        assert!((m.clipped_bright - 0.25).abs() < 0.04, "{m:?}");
        let t = Thresholds::default();
        assert_eq!(t.warnings(&m), vec![Warning::TooDark, Warning::TooBright]);
    }
}
