//! Inverse DCTs to N×N pixels for N = 3, 5, 6, 7 (the scales M/8 that upstream lacks),
//! in the manner of libjpeg's reduced IDCTs: the top-left N×N coefficients of a block,
//! read as samples of the same cosines on the N-point output grid, so a block decodes
//! straight to its M/8 size (e.g. 3264 px at 5/8 = 2040 px) with no resample after.
//!
//! One matrix product per pass with 13-bit fixed-point cosines (the tables below;
//! `tables_match_cosines` recomputes them) and 2 guard bits between the passes, over the
//! non-zero rows and columns of the block only (photo blocks are sparse), each step a
//! whole 8-lane row so that it vectorises. One function for every N rather than one per
//! N: the main wasm module is near its size budget. In the browser 5/8, the commonest of
//! these scales, has an unrolled SIMD128 kernel of its own (arch/wasm.rs), the others
//! share one.
//! Wrapping arithmetic, as upstream's: corrupt coefficients may overflow, never panic.

pub(crate) const CONST_BITS: u32 = 13;
pub(crate) const PASS1_BITS: u32 = 2;
pub(crate) const FINAL_SHIFT: u32 = CONST_BITS + PASS1_BITS;

/// `K[u][x] = round(2^13 · ½·C(u) · cos((2x+1)·u·π / 2N))`, C(0) = 1/√2, else 1: the
/// cosine of frequency u at output sample x, stored by frequency with the samples padded
/// to 8 lanes, so that each pass is a sum of whole rows (two i32x4 on wasm SIMD128).
/// N = 3: `[u][x]`, x padded to 8 lanes.
#[rustfmt::skip]
const K3: [[i32; 8]; 3] = [
    [2896, 2896, 2896, 0, 0, 0, 0, 0],
    [3547, 0, -3547, 0, 0, 0, 0, 0],
    [2048, -4096, 2048, 0, 0, 0, 0, 0],
];
/// N = 5: `[u][x]`, x padded to 8 lanes.
#[rustfmt::skip]
pub(crate) const K5: [[i32; 8]; 5] = [
    [2896, 2896, 2896, 2896, 2896, 0, 0, 0],
    [3896, 2408, 0, -2408, -3896, 0, 0, 0],
    [3314, -1266, -4096, -1266, 3314, 0, 0, 0],
    [2408, -3896, 0, 3896, -2408, 0, 0, 0],
    [1266, -3314, 4096, -3314, 1266, 0, 0, 0],
];
/// N = 6: `[u][x]`, x padded to 8 lanes.
#[rustfmt::skip]
const K6: [[i32; 8]; 6] = [
    [2896, 2896, 2896, 2896, 2896, 2896, 0, 0],
    [3956, 2896, 1060, -1060, -2896, -3956, 0, 0],
    [3547, 0, -3547, -3547, 0, 3547, 0, 0],
    [2896, -2896, -2896, 2896, 2896, -2896, 0, 0],
    [2048, -4096, 2048, 2048, -4096, 2048, 0, 0],
    [1060, -2896, 3956, -3956, 2896, -1060, 0, 0],
];
/// N = 7: `[u][x]`, x padded to 8 lanes.
#[rustfmt::skip]
const K7: [[i32; 8]; 7] = [
    [2896, 2896, 2896, 2896, 2896, 2896, 2896, 0],
    [3993, 3202, 1777, 0, -1777, -3202, -3993, 0],
    [3690, 911, -2554, -4096, -2554, 911, 3690, 0],
    [3202, -1777, -3993, 0, 3993, 1777, -3202, 0],
    [2554, -3690, -911, 4096, -911, -3690, 2554, 0],
    [1777, -3993, 3202, 0, -3202, 3993, -1777, 0],
    [911, -2554, 3690, -4096, 3690, -2554, 911, 0],
];

/// Dequantize `coefficients` and write an `n`×`n` block (n = 3, 5, 6 or 7) to `output`,
/// rows `output_linestride` apart.
pub(crate) fn dequantize_and_idct_block_nxn(
    n: usize,
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
) {
    // Vendored: the SIMD128 kernel in the browser (the scalar one is then unused).
    #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
    if n == 5 {
        return crate::arch::wasm_idct_5x5(coefficients, quantization_table, output_linestride, output);
    }
    #[cfg(all(target_feature = "simd128", target_arch = "wasm32"))]
    return crate::arch::wasm_idct_nxn(table(n), coefficients, quantization_table, output_linestride, output);
    #[allow(unreachable_code)]
    dequantize_and_idct_block_nxn_scalar(n, coefficients, quantization_table, output_linestride, output)
}

/// The cosine table of an N×N IDCT, N = 3, 5, 6 or 7.
pub(crate) fn table(n: usize) -> &'static [[i32; 8]] {
    match n {
        3 => &K3,
        5 => &K5,
        6 => &K6,
        _ => &K7,
    }
}

pub(crate) fn dequantize_and_idct_block_nxn_scalar(
    n: usize,
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
) {
    let k = table(n);
    let n = k.len();
    // temp[u][y]: column pass output for frequency u at output row y (2 guard bits).
    let mut temp = [[0i32; 8]; 8];
    // Frequencies u whose column is not all zero: the row pass skips the others.
    let mut cols = 0;
    for u in 0..n {
        let mut col = [0i32; 8];
        let mut rows = 0;
        for v in 0..n {
            col[v] = i32::from(coefficients[v * 8 + u])
                .wrapping_mul(i32::from(quantization_table[v * 8 + u]));
            if col[v] != 0 {
                rows = v + 1;
            }
        }
        if rows == 0 {
            continue;
        }
        cols = u + 1;
        let mut acc = [1i32 << (CONST_BITS - PASS1_BITS - 1); 8];
        // Photos' blocks are sparse: only the rows up to the last non-zero one.
        for (kv, &c) in k.iter().zip(&col[..rows]) {
            for (a, &kx) in acc.iter_mut().zip(kv) {
                *a = a.wrapping_add(kx.wrapping_mul(c));
            }
        }
        for (t, a) in temp[u].iter_mut().zip(acc) {
            *t = a >> (CONST_BITS - PASS1_BITS);
        }
    }
    // Rounding and the +128 level shift in one bias.
    let bias = (1i32 << (FINAL_SHIFT - 1)).wrapping_add(128 << FINAL_SHIFT);
    for y in 0..n {
        let mut acc = [bias; 8];
        for (ku, tu) in k.iter().zip(&temp[..cols]) {
            let t = tu[y];
            for (a, &kx) in acc.iter_mut().zip(ku) {
                *a = a.wrapping_add(kx.wrapping_mul(t));
            }
        }
        let out = &mut output[y * output_linestride..][..n];
        for (px, a) in out.iter_mut().zip(acc) {
            *px = clamp(a >> FINAL_SHIFT);
        }
    }
}

fn clamp(x: i32) -> u8 {
    x.clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basis(n: usize, x: usize, u: usize) -> f64 {
        let c = if u == 0 { std::f64::consts::FRAC_1_SQRT_2 } else { 1.0 };
        0.5 * c * ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / (2 * n) as f64).cos()
    }

    #[test]
    fn tables_match_cosines() {
        for n in [3, 5, 6, 7] {
            assert_eq!(table(n).len(), n);
            assert!(table(n).iter().all(|r| r[n..].iter().all(|&p| p == 0)));
            for x in 0..n {
                for u in 0..n {
                    let want = (8192.0 * basis(n, x, u)).round() as i32;
                    assert_eq!(table(n)[u][x], want, "N={n} x={x} u={u}");
                }
            }
        }
    }

    /// The N×N inverse DCT in f64 of the top-left N×N dequantized coefficients.
    fn reference(n: usize, coef: &[i16; 64], q: &[u16; 64]) -> Vec<f64> {
        let mut out = vec![0.0; n * n];
        for y in 0..n {
            for x in 0..n {
                let mut s = 0.0;
                for v in 0..n {
                    for u in 0..n {
                        let f = f64::from(coef[v * 8 + u]) * f64::from(q[v * 8 + u]);
                        s += basis(n, y, v) * basis(n, x, u) * f;
                    }
                }
                out[y * n + x] = (s + 128.0).clamp(0.0, 255.0);
            }
        }
        out
    }

    /// xorshift: the tests need no dependency.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn matches_float_idct_within_one() {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for n in [3, 5, 6, 7] {
            for round in 0..2000 {
                let mut coef = [0i16; 64];
                let mut q = [1u16; 64];
                // Photo-like: a DC anywhere, AC sparse and shrinking with frequency;
                // every 10th block dense and large.
                let dense = round % 10 == 0;
                for i in 0..64 {
                    q[i] = 1 + (rng(&mut s) % 40) as u16;
                    let (v, u) = (i / 8, i % 8);
                    let r = rng(&mut s);
                    if i == 0 {
                        coef[0] = ((r % 2048) as i16 - 1024) / q[0] as i16;
                    } else if dense || r % 4 == 0 {
                        let span = 1 + 600 / (1 + u + v) as u64;
                        coef[i] = ((r >> 8) % (2 * span)) as i16 - span as i16;
                    }
                }
                let want = reference(n, &coef, &q);
                let stride = 11;
                let mut out = vec![0u8; stride * n];
                dequantize_and_idct_block_nxn(n, &coef, &q, stride, &mut out);
                for y in 0..n {
                    for x in 0..n {
                        let got = f64::from(out[y * stride + x]);
                        let w = want[y * n + x];
                        assert!((got - w).abs() <= 1.0, "N={n} round {round} ({x},{y}): {got} vs {w:.2}");
                    }
                }
            }
        }
    }

    #[test]
    fn dc_only_block_is_flat_at_dc_over_8() {
        for n in [3, 5, 6, 7] {
            let mut coef = [0i16; 64];
            coef[0] = -37;
            let q = [4u16; 64];
            let mut out = vec![0u8; 8 * n];
            dequantize_and_idct_block_nxn(n, &coef, &q, 8, &mut out);
            // -37 · 4 / 8 + 128 = 109.5 → 110 (rounded half up, as the 8×8 does)
            for y in 0..n {
                assert!(out[y * 8..y * 8 + n].iter().all(|&p| p == 110), "N={n}: {out:?}");
            }
        }
    }

    #[test]
    fn hostile_coefficients_do_not_panic() {
        let coef = [i16::MIN; 64];
        let q = [u16::MAX; 64];
        for n in [3, 5, 6, 7] {
            let mut out = vec![0u8; 8 * 8];
            dequantize_and_idct_block_nxn(n, &coef, &q, 8, &mut out);
        }
    }
}
