#[cfg(target_arch = "wasm32")]
use std::arch::wasm32::*;

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn idct8(data: &mut [v128; 8]) {
    // The fixed-point constants here are obtained by taking the fractional part of the constants
    // from the non-SIMD implementation and scaling them up by 1<<15. This is because
    // i16x8_q15mulr_sat(a, b) is effectively equivalent to (a*b)>>15 (except for possibly some
    // slight differences in rounding).

    // The code here is effectively equivalent to the calls to "kernel" in idct.rs, except that it
    // doesn't apply any further scaling and fixed point constants have a different precision.

    let p2 = data[2];
    let p3 = data[6];
    let p1 = i16x8_q15mulr_sat(i16x8_add_sat(p2, p3), i16x8_splat(17734)); // 0.5411961
    let t2 = i16x8_sub_sat(
        i16x8_sub_sat(p1, p3),
        i16x8_q15mulr_sat(p3, i16x8_splat(27779)), // 0.847759065
    );
    let t3 = i16x8_add_sat(p1, i16x8_q15mulr_sat(p2, i16x8_splat(25079))); // 0.765366865

    let p2 = data[0];
    let p3 = data[4];
    let t0 = i16x8_add_sat(p2, p3);
    let t1 = i16x8_sub_sat(p2, p3);

    let x0 = i16x8_add_sat(t0, t3);
    let x3 = i16x8_sub_sat(t0, t3);
    let x1 = i16x8_add_sat(t1, t2);
    let x2 = i16x8_sub_sat(t1, t2);

    let t0 = data[7];
    let t1 = data[5];
    let t2 = data[3];
    let t3 = data[1];

    let p3 = i16x8_add_sat(t0, t2);
    let p4 = i16x8_add_sat(t1, t3);
    let p1 = i16x8_add_sat(t0, t3);
    let p2 = i16x8_add_sat(t1, t2);
    let p5 = i16x8_add_sat(p3, p4);
    let p5 = i16x8_add_sat(p5, i16x8_q15mulr_sat(p5, i16x8_splat(5763))); // 0.175875602

    let t0 = i16x8_q15mulr_sat(t0, i16x8_splat(9786)); // 0.298631336
    let t1 = i16x8_add_sat(
        i16x8_add_sat(t1, t1),
        i16x8_q15mulr_sat(t1, i16x8_splat(1741)), // 0.053119869
    );
    let t2 = i16x8_add_sat(
        i16x8_add_sat(t2, i16x8_add_sat(t2, t2)),
        i16x8_q15mulr_sat(t2, i16x8_splat(2383)), // 0.072711026
    );
    let t3 = i16x8_add_sat(t3, i16x8_q15mulr_sat(t3, i16x8_splat(16427))); // 0.501321110

    let p1 = i16x8_sub_sat(p5, i16x8_q15mulr_sat(p1, i16x8_splat(29490))); // 0.899976223
    let p2 = i16x8_sub_sat(
        i16x8_sub_sat(i16x8_sub_sat(p5, p2), p2),
        i16x8_q15mulr_sat(p2, i16x8_splat(18446)), // 0.562915447
    );

    let p3 = i16x8_sub_sat(
        i16x8_q15mulr_sat(p3, i16x8_splat(-31509)), // -0.961570560
        p3,
    );
    let p4 = i16x8_q15mulr_sat(p4, i16x8_splat(-12785)); // -0.390180644

    let t3 = i16x8_add_sat(i16x8_add_sat(p1, p4), t3);
    let t2 = i16x8_add_sat(i16x8_add_sat(p2, p3), t2);
    let t1 = i16x8_add_sat(i16x8_add_sat(p2, p4), t1);
    let t0 = i16x8_add_sat(i16x8_add_sat(p1, p3), t0);

    data[0] = i16x8_add_sat(x0, t3);
    data[7] = i16x8_sub_sat(x0, t3);
    data[1] = i16x8_add_sat(x1, t2);
    data[6] = i16x8_sub_sat(x1, t2);
    data[2] = i16x8_add_sat(x2, t1);
    data[5] = i16x8_sub_sat(x2, t1);
    data[3] = i16x8_add_sat(x3, t0);
    data[4] = i16x8_sub_sat(x3, t0);
}

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn transpose8(data: &mut [v128; 8]) {
    // Transpose a 8x8 matrix with a sequence of interleaving operations.
    // Naming: dABl contains elements from the *l*ower halves of vectors A and B, interleaved, i.e.
    // A0 B0 A1 B1 ...
    // dABCDll contains elements from the lower quarter (ll) of vectors A, B, C, D, interleaved -
    // A0 B0 C0 D0 A1 B1 C1 D1 ...
    let d01l = i16x8_shuffle::<0,  8,  1,  9,  2, 10, 3, 11>(data[0], data[1]);
    let d23l = i16x8_shuffle::<0,  8,  1,  9,  2, 10, 3, 11>(data[2], data[3]);
    let d45l = i16x8_shuffle::<0,  8,  1,  9,  2, 10, 3, 11>(data[4], data[5]);
    let d67l = i16x8_shuffle::<0,  8,  1,  9,  2, 10, 3, 11>(data[6], data[7]);
    let d01h = i16x8_shuffle::<4, 12,  5, 13,  6, 14, 7, 15>(data[0], data[1]);
    let d23h = i16x8_shuffle::<4, 12,  5, 13,  6, 14, 7, 15>(data[2], data[3]);
    let d45h = i16x8_shuffle::<4, 12,  5, 13,  6, 14, 7, 15>(data[4], data[5]);
    let d67h = i16x8_shuffle::<4, 12,  5, 13,  6, 14, 7, 15>(data[6], data[7]);

    // Operating on 32-bits will interleave *consecutive pairs* of 16-bit integers.
    let d0123ll = i32x4_shuffle::<0, 4, 1, 5>(d01l, d23l);
    let d0123lh = i32x4_shuffle::<2, 6, 3, 7>(d01l, d23l);
    let d4567ll = i32x4_shuffle::<0, 4, 1, 5>(d45l, d67l);
    let d4567lh = i32x4_shuffle::<2, 6, 3, 7>(d45l, d67l);
    let d0123hl = i32x4_shuffle::<0, 4, 1, 5>(d01h, d23h);
    let d0123hh = i32x4_shuffle::<2, 6, 3, 7>(d01h, d23h);
    let d4567hl = i32x4_shuffle::<0, 4, 1, 5>(d45h, d67h);
    let d4567hh = i32x4_shuffle::<2, 6, 3, 7>(d45h, d67h);

    // Operating on 64-bits will interleave *consecutive quadruples* of 16-bit integers.
    data[0] = i64x2_shuffle::<0, 2>(d0123ll, d4567ll);
    data[1] = i64x2_shuffle::<1, 3>(d0123ll, d4567ll);
    data[2] = i64x2_shuffle::<0, 2>(d0123lh, d4567lh);
    data[3] = i64x2_shuffle::<1, 3>(d0123lh, d4567lh);
    data[4] = i64x2_shuffle::<0, 2>(d0123hl, d4567hl);
    data[5] = i64x2_shuffle::<1, 3>(d0123hl, d4567hl);
    data[6] = i64x2_shuffle::<0, 2>(d0123hh, d4567hh);
    data[7] = i64x2_shuffle::<1, 3>(d0123hh, d4567hh);
}

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn dequantize_and_idct_block_8x8(
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
) {
    dequantize_and_idct_block_8x8_oriented(
        coefficients,
        quantization_table,
        output_linestride,
        output,
        crate::orient::Orientation::default(),
    )
}

/// Vendored: stores the block oriented (orient.rs), with its top-left corner at `output[0]`:
/// transposed for free (the kernel's last transpose left out), each row mirrored by one
/// byte shuffle per two rows, the rows flipped by the store order. The same samples as the
/// kernel then `Orientation::put_block`.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn dequantize_and_idct_block_8x8_oriented(
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
    orientation: crate::orient::Orientation,
) {
    // The loop below will write to positions [output_linestride * i, output_linestride * i + 8)
    // for 0<=i<8. Thus, the last accessed position is at an offset of output_linestrade * 7 + 7,
    // and if that position is in-bounds, so are all other accesses.
    // Vendored: saturating, one panic site instead of three (a saturated bound fails too).
    assert!(output.len() > output_linestride.saturating_mul(7).saturating_add(7));

    const SHIFT: u32 = 3;

    // Read the DCT coefficients, scale them up and dequantize them.
    let mut data = [i16x8_splat(0); 8];
    unsafe {
        for i in 0..8 {
            data[i] = i16x8_shl(
                i16x8_mul(
                    v128_load(coefficients.as_ptr().wrapping_add(i * 8) as *const _),
                    v128_load(quantization_table.as_ptr().wrapping_add(i * 8) as *const _),
                ),
                SHIFT,
            );
        }
    }

    // Usual column IDCT - transpose - column IDCT - transpose approach.
    idct8(&mut data);
    transpose8(&mut data);
    idct8(&mut data);
    if !orientation.transposes() {
        transpose8(&mut data);
    }

    // The two passes of the IDCT algorithm give us a factor of 8, so the shift here is
    // increased by 3.
    // As values will be stored in a u8, they need to be 128-centered and not 0-centered.
    // We add 128 with the appropriate shift for that purpose.
    const OFFSET: i16 = 128 << (SHIFT + 3);
    // We want rounding right shift, so we should add (1/2) << (SHIFT+3) before shifting.
    const ROUNDING_BIAS: i16 = (1 << (SHIFT + 3)) >> 1;
    let row = |v: v128| i16x8_shr(i16x8_add_sat(v, i16x8_splat(OFFSET + ROUNDING_BIAS)), SHIFT + 3);
    for i in (0..8).step_by(2) {
        // Two rows' samples in one vector (lanes 0..8 and 8..16).
        let mut bytes = u8x16_narrow_i16x8(row(data[i]), row(data[i + 1]));
        if orientation.flips_x() {
            bytes = i8x16_shuffle::<7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8>(bytes, bytes);
        }
        let (y0, y1) = if orientation.flips_y() { (7 - i, 6 - i) } else { (i, i + 1) };
        // SAFETY: the assert at the start of this function ensures
        // `output_linestride * y + 7` < output.len() for y < 8, so all accesses are in-bounds.
        unsafe {
            let base = output.as_mut_ptr();
            v128_store64_lane::<0>(bytes, base.wrapping_add(output_linestride * y0) as *mut _);
            v128_store64_lane::<1>(bytes, base.wrapping_add(output_linestride * y1) as *mut _);
        }
    }
}

#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn color_convert_line_ycbcr(y_slice: &[u8], cb_slice: &[u8], cr_slice: &[u8], output: &mut [u8]) -> usize {

    assert!(output.len() % 3 == 0);
    let num = output.len() / 3;
    assert!(num <= y_slice.len());
    assert!(num <= cb_slice.len());
    assert!(num <= cr_slice.len());

    let num_vecs = num / 8;

    for i in 0..num_vecs {
        const SHIFT: u32 = 6;
        // Load.
        let y: v128;
        let cb: v128;
        let cr: v128;
        // SAFETY: i is at most `num / 8 - 8`, so the highest v128_load64_zero reads from
        // [num - 8, num). The above asserts ensure this is in-bounds.
        unsafe {
            y = v128_load64_zero(y_slice.as_ptr().wrapping_add(i * 8) as *const _);
            cb = v128_load64_zero(cb_slice.as_ptr().wrapping_add(i * 8) as *const _);
            cr = v128_load64_zero(cr_slice.as_ptr().wrapping_add(i * 8) as *const _);
        }

        // Convert to 16 bit.
        let y = i16x8_shl(i16x8_extend_low_u8x16(y), SHIFT);
        let cb = i16x8_shl(i16x8_extend_low_u8x16(cb), SHIFT);
        let cr = i16x8_shl(i16x8_extend_low_u8x16(cr), SHIFT);

        // Add offsets
        let c128 = i16x8_splat(128 << SHIFT);
        let y = i16x8_add_sat(y, i16x8_splat((1 << SHIFT) >> 1));
        let cb = i16x8_sub_sat(cb, c128);
        let cr = i16x8_sub_sat(cr, c128);

        // Compute cr * 1.402, cb * 0.34414, cr * 0.71414, cb * 1.772
        let cr_140200 = i16x8_add_sat(i16x8_q15mulr_sat(cr, i16x8_splat(13173)), cr);
        let cb_034414 = i16x8_q15mulr_sat(cb, i16x8_splat(11276));
        let cr_071414 = i16x8_q15mulr_sat(cr, i16x8_splat(23401));
        let cb_177200 = i16x8_add_sat(i16x8_q15mulr_sat(cb, i16x8_splat(25297)), cb);

        // Last conversion step.
        let r = i16x8_add_sat(y, cr_140200);
        let g = i16x8_sub_sat(y, i16x8_add_sat(cb_034414, cr_071414));
        let b = i16x8_add_sat(y, cb_177200);

        // Shift back and convert to u8.
        let zero = u8x16_splat(0);
        let r = u8x16_narrow_i16x8(i16x8_shr(r, SHIFT), zero);
        let g = u8x16_narrow_i16x8(i16x8_shr(g, SHIFT), zero);
        let b = u8x16_narrow_i16x8(i16x8_shr(b, SHIFT), zero);

        // Shuffle rrrrrrrrggggggggbbbbbbbb to rgbrgbrgb...

        let rg_lanes = i8x16_shuffle::<0, 16,
                                       1, 17,
                                       2, 18,
                                       3, 19,
                                       4, 20,
                                       5, 21,
                                       6, 22,
                                       7, 23>(r, g);

        let rgb_low = i8x16_shuffle::<0, 1, 16,         // r0, g0, b0
                                      2, 3, 17,         // r1, g1, b1
                                      4, 5, 18,         // r2, g2, b2
                                      6, 7, 19,         // r3, g3, b3
                                      8, 9, 20,         // r4, g4, b4
                                      10>(rg_lanes, b); // r5

        let rgb_hi = i8x16_shuffle::<11, 21, 12,       // g5, b5, r6
                                     13, 22, 14,       // g6, b6, r7
                                     15, 23,  0,       // g7, b7, --
                                      0,  0,  0,       // --, --, --
                                      0,  0,  0,       // --, --, --
                                      0>(rg_lanes, b); // --

        // SAFETY: i is at most `output.len() / 24 - 1` so the highest possible write is to
        // `output.len() - 1`.
        unsafe {
            v128_store(output.as_mut_ptr().wrapping_add(24 * i) as *mut _, rgb_low);
            v128_store64_lane::<0>(rgb_hi, output.as_mut_ptr().wrapping_add(24 * i + 16) as *mut _);
        }
    }

    num_vecs * 8
}

/// Vendored: a 4x4 of i32 lanes transposed (row r's lane c becomes row c's lane r).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn transpose4(r: [v128; 4]) -> [v128; 4] {
    let lo01 = i32x4_shuffle::<0, 4, 1, 5>(r[0], r[1]);
    let hi01 = i32x4_shuffle::<2, 6, 3, 7>(r[0], r[1]);
    let lo23 = i32x4_shuffle::<0, 4, 1, 5>(r[2], r[3]);
    let hi23 = i32x4_shuffle::<2, 6, 3, 7>(r[2], r[3]);
    [
        i64x2_shuffle::<0, 2>(lo01, lo23),
        i64x2_shuffle::<1, 3>(lo01, lo23),
        i64x2_shuffle::<0, 2>(hi01, hi23),
        i64x2_shuffle::<1, 3>(hi01, hi23),
    ]
}

/// Vendored: one 4-point pass of idct.rs's 4x4 IDCT on four lanes at once, the same i32
/// arithmetic (wrapping products, arithmetic shifts). `x` scales the even part, `bias` is
/// added to it and `shift` ends the odd part (column pass) or the whole sum (row pass).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn idct4(s: [v128; 4], x: u32, bias: i32, odd_shift: u32, shift: u32) -> [v128; 4] {
    let f2f = |c: f32| i32x4_splat(crate::idct::stbi_f2f(c).0);
    let x0 = i32x4_add(i32x4_shl(i32x4_add(s[0], s[2]), x), i32x4_splat(bias));
    let x2 = i32x4_add(i32x4_shl(i32x4_sub(s[0], s[2]), x), i32x4_splat(bias));
    let p1 = i32x4_mul(i32x4_add(s[1], s[3]), f2f(0.541196100));
    let round = i32x4_splat((1 << odd_shift) >> 1);
    let t0 = i32x4_shr(i32x4_add(i32x4_add(p1, i32x4_mul(s[3], f2f(-1.847759065))), round), odd_shift);
    let t2 = i32x4_shr(i32x4_add(i32x4_add(p1, i32x4_mul(s[1], f2f(0.765366865))), round), odd_shift);
    [
        i32x4_shr(i32x4_add(x0, t2), shift),
        i32x4_shr(i32x4_add(x2, t0), shift),
        i32x4_shr(i32x4_sub(x2, t0), shift),
        i32x4_shr(i32x4_sub(x0, t2), shift),
    ]
}

/// Vendored: idct.rs's 4x4 IDCT (DCT scale 4/8, the 12 MP photo's path) in SIMD128, the
/// four columns and then the four rows at once; the same samples as the scalar kernel
/// (tests below).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn dequantize_and_idct_block_4x4(
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
) {
    // The stores below reach output_linestride * 3 + 3.
    assert!(output.len() > output_linestride.saturating_mul(3).saturating_add(3));
    // Row r's first four coefficients times their quantisers, as i32 (i16 × u16 fits).
    let row = |r: usize| unsafe {
        i32x4_mul(
            i32x4_extend_low_i16x8(v128_load64_zero(coefficients.as_ptr().add(8 * r) as *const u64)),
            u32x4_extend_low_u16x8(v128_load64_zero(quantization_table.as_ptr().add(8 * r) as *const u64)),
        )
    };
    // Columns: CONST_BITS 12, PASS1_BITS 2 (idct.rs), lanes are columns, vectors rows.
    let rows = idct4([row(0), row(1), row(2), row(3)], 2, 0, 10, 0);
    // Rows: lanes are rows, vectors columns; FINAL_BITS 17, rounding and +128 in the bias.
    let cols = idct4(transpose4(rows), 12, (1 << 16) + (128 << 17), 0, 17);
    let out = transpose4(cols);
    // Clamped to 0..=255 as stbi_clamp does (the values fit in i16).
    let bytes = u8x16_narrow_i16x8(i16x8_narrow_i32x4(out[0], out[1]), i16x8_narrow_i32x4(out[2], out[3]));
    // SAFETY: the assert above keeps every row's 4 bytes in bounds.
    unsafe {
        let base = output.as_mut_ptr();
        let at = |r: usize| base.add(output_linestride * r) as *mut u32;
        v128_store32_lane::<0>(bytes, at(0));
        v128_store32_lane::<1>(bytes, at(1));
        v128_store32_lane::<2>(bytes, at(2));
        v128_store32_lane::<3>(bytes, at(3));
    }
}

/// Vendored: idct_reduced.rs's N×N IDCT (N = 3, 6, 7; DCT scales 3/8, 6/8, 7/8; 5/8 has
/// its own kernel below) in SIMD128, the same i32 arithmetic. The column pass runs with the lanes
/// over the frequency u (a block row as loaded, no transpose): temp row y = Σ_v K[v][y] ·
/// dequantized row v. The row pass with the lanes over x: out row y = Σ_u K[u] · temp[y][u]
/// (each temp sample broadcast by a shuffle). All-zero rows and columns are skipped, as
/// the scalar kernel does; both add nothing.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn dequantize_and_idct_block_nxn(
    k: &[[i32; 8]],
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
) {
    use crate::idct_reduced::{CONST_BITS, FINAL_SHIFT, PASS1_BITS};
    let n = k.len();
    assert!(matches!(n, 3 | 6 | 7));
    // The stores below reach output_linestride * (n - 1) + n - 1.
    assert!(output.len() >= output_linestride.saturating_mul(n - 1).saturating_add(n));
    // Dequantized rows v < n, each as two i32x4 (u = 0..3, 4..7), and which are not zero.
    let mut rows = [[i32x4_splat(0); 2]; 7];
    let (mut last_row, mut nonzero) = (0, [i32x4_splat(0); 2]);
    for (v, row) in rows.iter_mut().enumerate().take(n) {
        // SAFETY: row v < 8 of 64-element arrays: 8 i16 from v * 8.
        let (c, q) = unsafe {
            (
                v128_load(coefficients.as_ptr().add(8 * v) as *const v128),
                v128_load(quantization_table.as_ptr().add(8 * v) as *const v128),
            )
        };
        *row = [
            i32x4_mul(i32x4_extend_low_i16x8(c), u32x4_extend_low_u16x8(q)),
            i32x4_mul(i32x4_extend_high_i16x8(c), u32x4_extend_high_u16x8(q)),
        ];
        if v128_any_true(v128_or(row[0], row[1])) {
            last_row = v + 1;
        }
        nonzero = [v128_or(nonzero[0], row[0]), v128_or(nonzero[1], row[1])];
    }
    // Columns: temp[y] over u (lanes), 2 guard bits.
    let mut temp = [[i32x4_splat(0); 2]; 7];
    for (y, t) in temp.iter_mut().enumerate().take(n) {
        let mut acc = [i32x4_splat(1 << (CONST_BITS - PASS1_BITS - 1)); 2];
        for (kv, row) in k.iter().zip(&rows[..last_row]) {
            let kvy = i32x4_splat(kv[y]);
            acc[0] = i32x4_add(acc[0], i32x4_mul(kvy, row[0]));
            acc[1] = i32x4_add(acc[1], i32x4_mul(kvy, row[1]));
        }
        *t = [
            i32x4_shr(acc[0], CONST_BITS - PASS1_BITS),
            i32x4_shr(acc[1], CONST_BITS - PASS1_BITS),
        ];
    }
    // Frequencies u up to the last non-zero column (lanes of u = 0..3 and 4..7 as bits).
    let zero = i32x4_splat(0);
    let lanes = i32x4_bitmask(i32x4_ne(nonzero[0], zero)) | i32x4_bitmask(i32x4_ne(nonzero[1], zero)) << 4;
    let cols = (u8::BITS - lanes.leading_zeros()) as usize;
    // SAFETY: K rows are 8 lanes.
    let kx = |u: usize| unsafe { [v128_load(k[u].as_ptr() as *const v128), v128_load(k[u][4..].as_ptr() as *const v128)] };
    let bias = i32x4_splat((1i32 << (FINAL_SHIFT - 1)).wrapping_add(128 << FINAL_SHIFT));
    for (y, t) in temp.iter().enumerate().take(n) {
        let mut acc = [bias; 2];
        for u in 0..cols.min(n) {
            let half = t[u / 4];
            let tyu = match u % 4 {
                0 => i32x4_shuffle::<0, 0, 0, 0>(half, half),
                1 => i32x4_shuffle::<1, 1, 1, 1>(half, half),
                2 => i32x4_shuffle::<2, 2, 2, 2>(half, half),
                _ => i32x4_shuffle::<3, 3, 3, 3>(half, half),
            };
            let ku = kx(u);
            acc[0] = i32x4_add(acc[0], i32x4_mul(ku[0], tyu));
            acc[1] = i32x4_add(acc[1], i32x4_mul(ku[1], tyu));
        }
        // Clamped to 0..=255 (the values after the shift fit in i16).
        let words = i16x8_narrow_i32x4(i32x4_shr(acc[0], FINAL_SHIFT), i32x4_shr(acc[1], FINAL_SHIFT));
        let bytes = u8x16_narrow_i16x8(words, words);
        // SAFETY: the assert above keeps row y's n bytes in bounds.
        unsafe {
            let at = output.as_mut_ptr().add(output_linestride * y);
            match n {
                3 => {
                    v128_store16_lane::<0>(bytes, at as *mut u16);
                    v128_store8_lane::<2>(bytes, at.add(2));
                }
                6 => {
                    v128_store32_lane::<0>(bytes, at as *mut u32);
                    v128_store16_lane::<2>(bytes, at.add(4) as *mut u16);
                }
                _ => {
                    v128_store32_lane::<0>(bytes, at as *mut u32);
                    v128_store16_lane::<2>(bytes, at.add(4) as *mut u16);
                    v128_store8_lane::<6>(bytes, at.add(6));
                }
            }
        }
    }
}

/// Vendored: one 5-point pass of idct_reduced.rs's 5×5 IDCT, `s` the frequencies 0..4,
/// `bias` added once; outputs 0..4 before their shift. The cosines' symmetry K[u][4−x] =
/// ±K[u][x] (+ for even u, − for odd u) gives outputs x and 4−x as E ± O from the same
/// products: 11 multiplies for 25, the same wrapping i32 sums. In scalars for the one
/// column and the one row that do not fill four lanes; `idct5` is the same on four lanes.
#[cfg(target_arch = "wasm32")]
#[inline]
fn idct5_scalar(s: [i32; 5], bias: i32) -> [i32; 5] {
    use crate::idct_reduced::K5;
    let mul = |v: usize, x: usize| s[v].wrapping_mul(K5[v][x]);
    let e0 = bias.wrapping_add(mul(0, 0));
    let even = |x: usize| e0.wrapping_add(mul(2, x).wrapping_add(mul(4, x)));
    let odd = |x: usize| mul(1, x).wrapping_add(mul(3, x));
    let (e, o) = ([even(0), even(1), even(2)], [odd(0), odd(1)]);
    [e[0].wrapping_add(o[0]), e[1].wrapping_add(o[1]), e[2], e[1].wrapping_sub(o[1]), e[0].wrapping_sub(o[0])]
}

/// Vendored: `idct5_scalar` on four lanes.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
#[inline]
fn idct5(s: [v128; 5], bias: v128) -> [v128; 5] {
    use crate::idct_reduced::K5;
    let mul = |v: usize, x: usize| i32x4_mul(s[v], i32x4_splat(K5[v][x]));
    let e0 = i32x4_add(bias, mul(0, 0));
    let even = |x: usize| i32x4_add(e0, i32x4_add(mul(2, x), mul(4, x)));
    let odd = |x: usize| i32x4_add(mul(1, x), mul(3, x));
    let (e, o) = ([even(0), even(1), even(2)], [odd(0), odd(1)]);
    [i32x4_add(e[0], o[0]), i32x4_add(e[1], o[1]), e[2], i32x4_sub(e[1], o[1]), i32x4_sub(e[0], o[0])]
}

/// Vendored: idct_reduced.rs's 5×5 IDCT (DCT scale 5/8: an 8 MP photo's 3264 px to 2040)
/// in SIMD128, the same samples as the scalar kernel (tests below), unrolled: about 3× the
/// speed of the N×N kernel above, whose loops run over a run-time N and 8 lanes for 5. The
/// column pass runs on the block rows as loaded (lanes over u = 0..3; u = 4 in scalars); a
/// 4×4 transpose puts rows y = 0..3 in the lanes for the row pass (row 4 in scalars).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn dequantize_and_idct_block_5x5(
    coefficients: &[i16; 64],
    quantization_table: &[u16; 64],
    output_linestride: usize,
    output: &mut [u8],
) {
    use crate::idct_reduced::{CONST_BITS, FINAL_SHIFT, PASS1_BITS};
    // The stores below reach output_linestride * 4 + 4.
    assert!(output.len() >= output_linestride.saturating_mul(4).saturating_add(5));
    // Dequantized rows v = 0..4, u = 0..3 in `a`, u = 4..7 in `b`.
    let (mut a, mut b) = ([i32x4_splat(0); 5], [i32x4_splat(0); 5]);
    for v in 0..5 {
        // SAFETY: row v < 8 of 64-element arrays: 8 i16 from v * 8.
        let (c, q) = unsafe {
            (
                v128_load(coefficients.as_ptr().add(8 * v) as *const v128),
                v128_load(quantization_table.as_ptr().add(8 * v) as *const v128),
            )
        };
        a[v] = i32x4_mul(i32x4_extend_low_i16x8(c), u32x4_extend_low_u16x8(q));
        b[v] = i32x4_mul(i32x4_extend_high_i16x8(c), u32x4_extend_high_u16x8(q));
    }
    // SAFETY (all stores): the assert above keeps rows 0..4's 5 bytes in bounds.
    let base = output.as_mut_ptr();
    let row = |y: usize| unsafe { base.add(output_linestride * y) };
    let (bias1, shift1) = (1 << (CONST_BITS - PASS1_BITS - 1), CONST_BITS - PASS1_BITS);
    // temp[y] over u = 0..3; temp4[y] is u = 4, worked in scalars (one lane of four).
    let temp = idct5(a, i32x4_splat(bias1)).map(|t| i32x4_shr(t, shift1));
    let temp4 = idct5_scalar(b.map(|v| i32x4_extract_lane::<0>(v)), bias1).map(|t| t >> shift1);
    // Rows y = 0..3 into lanes: t[u] over y.
    let t = transpose4([temp[0], temp[1], temp[2], temp[3]]);
    let t4 = i32x4(temp4[0], temp4[1], temp4[2], temp4[3]);
    let bias2 = (1i32 << (FINAL_SHIFT - 1)).wrapping_add(128 << FINAL_SHIFT);
    let x = idct5([t[0], t[1], t[2], t[3], t4], i32x4_splat(bias2)).map(|x| i32x4_shr(x, FINAL_SHIFT));
    // Row 4 in scalars: u = 0..3 from temp[4], u = 4 from temp4[4].
    let r = temp[4];
    let r4 = [
        i32x4_extract_lane::<0>(r),
        i32x4_extract_lane::<1>(r),
        i32x4_extract_lane::<2>(r),
        i32x4_extract_lane::<3>(r),
        temp4[4],
    ];
    let x4 = idct5_scalar(r4, bias2).map(|x| (x >> FINAL_SHIFT).clamp(0, 255) as u8);
    // Clamped to 0..=255 (the values after the shift fit in i16). `main` holds x = 0..3 of
    // rows 0..3 (x-major), transposed to rows by the shuffle; `last` column x = 4 of rows
    // 0..3.
    let main = u8x16_narrow_i16x8(i16x8_narrow_i32x4(x[0], x[1]), i16x8_narrow_i32x4(x[2], x[3]));
    let main = u8x16_shuffle::<0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15>(main, main);
    let last = i16x8_narrow_i32x4(x[4], x[4]);
    let last = u8x16_narrow_i16x8(last, last);
    unsafe {
        v128_store32_lane::<0>(main, row(0) as *mut u32);
        v128_store32_lane::<1>(main, row(1) as *mut u32);
        v128_store32_lane::<2>(main, row(2) as *mut u32);
        v128_store32_lane::<3>(main, row(3) as *mut u32);
        v128_store8_lane::<0>(last, row(0).add(4));
        v128_store8_lane::<1>(last, row(1).add(4));
        v128_store8_lane::<2>(last, row(2).add(4));
        v128_store8_lane::<3>(last, row(3).add(4));
        core::ptr::copy_nonoverlapping(x4.as_ptr(), row(4), 5);
    }
}

/// Vendored: the 8 bytes at `row[at..]` widened to u16 lanes (the upsamplers' load).
///
/// # Safety
/// `at + 8 <= row.len()` (the callers' loop bounds); unchecked, as the loads were inline.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
#[inline]
unsafe fn widen8(row: &[u8], at: usize) -> v128 {
    u16x8_extend_low_u8x16(v128_load64_zero(row.as_ptr().add(at) as *const u64))
}

/// Vendored: upsampler.rs's H2V1 fancy upsampling (out[2i] = (3·in[i] + in[i−1] + 2) >> 2,
/// out[2i+1] = (3·in[i] + in[i+1] + 2) >> 2) for 8 inputs at a time in u16 lanes, from
/// i = 1 on; returns the first i it left to the scalar loop (which also does both ends).
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn upsample_h2v1(input: &[u8], width: usize, output: &mut [u8]) -> usize {
    let mut i = 1;
    // Reads input[i - 1 .. i + 9], writes output[2i .. 2i + 16].
    if width > input.len() || 2 * width > output.len() {
        return i;
    }
    while i + 9 <= width {
        // SAFETY: i + 9 <= width <= input.len(): input[i - 1 .. i + 9] is in bounds.
        let (prev, cur, next) = unsafe { (widen8(input, i - 1), widen8(input, i), widen8(input, i + 1)) };
        let t = i16x8_add(i16x8_mul(cur, i16x8_splat(3)), i16x8_splat(2));
        let even = u16x8_shr(i16x8_add(t, prev), 2);
        let odd = u16x8_shr(i16x8_add(t, next), 2);
        let bytes = u8x16_narrow_i16x8(even, odd);
        let out = i8x16_shuffle::<0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15>(bytes, bytes);
        // SAFETY: 2i + 16 <= 2 * width <= output.len().
        unsafe { v128_store(output.as_mut_ptr().add(2 * i) as *mut v128, out) };
        i += 8;
    }
    i
}

/// Vendored: upsampler.rs's H2V2 fancy upsampling (t[i] = 3·near[i] + far[i]; out[2i−1] =
/// (3·t[i−1] + t[i] + 8) >> 4, out[2i] = (3·t[i] + t[i−1] + 8) >> 4) for 8 inputs at a time
/// in u16 lanes, from i = 1 on; returns the first i it left to the scalar loop.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
pub fn upsample_h2v2(near: &[u8], far: &[u8], width: usize, output: &mut [u8]) -> usize {
    let mut i = 1;
    // Reads near/far[i - 1 .. i + 8], writes output[2i - 1 .. 2i + 15].
    if width > near.len() || width > far.len() || 2 * width > output.len() {
        return i;
    }
    // SAFETY (at <= i < i + 8 <= width <= near.len(), far.len()): in bounds.
    let t = |at: usize| unsafe { i16x8_add(i16x8_mul(widen8(near, at), i16x8_splat(3)), widen8(far, at)) };
    while i + 8 <= width {
        let (t0, t1) = (t(i - 1), t(i));
        let three = i16x8_splat(3);
        let eight = i16x8_splat(8);
        let odd = u16x8_shr(i16x8_add(i16x8_add(i16x8_mul(t0, three), t1), eight), 4);
        let even = u16x8_shr(i16x8_add(i16x8_add(i16x8_mul(t1, three), t0), eight), 4);
        let bytes = u8x16_narrow_i16x8(odd, even);
        let out = i8x16_shuffle::<0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15>(bytes, bytes);
        // SAFETY: 2i + 15 <= 2 * width <= output.len().
        unsafe { v128_store(output.as_mut_ptr().add(2 * i - 1) as *mut v128, out) };
        i += 8;
    }
    i
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The tests' random numbers: xorshift64 from `seed`.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// The SIMD128 4x4 IDCT against idct.rs's scalar one, sample for sample, on blocks from
    /// small to extreme coefficients (clamping both ways) and quantisers up to 65535.
    #[test]
    fn idct_4x4_matches_scalar() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1du64);
        for round in 0..20_000 {
            let (range, q_max) = [(64, 16), (1024, 100), (32768, 255), (32768, 65535)][round % 4];
            let mut coefficients = [0i16; 64];
            let mut table = [0u16; 64];
            for i in 0..64 {
                if next() % 3 != 0 {
                    coefficients[i] = ((next() % (2 * range)) as i64 - range as i64) as i16;
                }
                table[i] = 1 + (next() % q_max) as u16;
            }
            let (mut simd, mut scalar) = ([0u8; 4 * 7], [0u8; 4 * 7]);
            super::dequantize_and_idct_block_4x4(&coefficients, &table, 7, &mut simd);
            crate::idct::dequantize_and_idct_block_4x4_scalar(&coefficients, &table, 7, &mut scalar);
            assert_eq!(simd, scalar, "round {round}: {coefficients:?} {table:?}");
        }
    }

    /// The SIMD128 N×N IDCT (N = 3, 6, 7) against idct_reduced.rs's scalar one.
    #[test]
    fn idct_nxn_matches_scalar() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15u64);
        for n in [3, 6, 7] {
            for round in 0..10_000 {
                let (range, q_max, density) =
                    [(64, 16, 8), (1024, 100, 3), (32768, 255, 2), (32768, 65535, 1)][round % 4];
                let mut coefficients = [0i16; 64];
                let mut table = [0u16; 64];
                for i in 0..64 {
                    // Sparse blocks too: whole zero rows and columns take the skips.
                    if next() % density == 0 {
                        coefficients[i] = ((next() % (2 * range)) as i64 - range as i64) as i16;
                    }
                    table[i] = 1 + (next() % q_max) as u16;
                }
                let (mut simd, mut scalar) = ([0u8; 9 * 7], [0u8; 9 * 7]);
                super::dequantize_and_idct_block_nxn(
                    crate::idct_reduced::table(n),
                    &coefficients,
                    &table,
                    9,
                    &mut simd,
                );
                crate::idct_reduced::dequantize_and_idct_block_nxn_scalar(n, &coefficients, &table, 9, &mut scalar);
                assert_eq!(simd, scalar, "N={n} round {round}: {coefficients:?} {table:?}");
            }
        }
    }

    /// The unrolled SIMD128 5×5 IDCT against idct_reduced.rs's scalar one: random blocks
    /// as above, and the shapes it treats apart (DC only, DC and column u = 4 only, a
    /// single coefficient anywhere in the 5×5 or outside it).
    #[test]
    fn idct_5x5_matches_scalar() {
        let mut next = xorshift(0x6a09_e667_f3bc_c908u64);
        for round in 0..40_000 {
            let (range, q_max, density) = [(64, 16, 8), (1024, 100, 3), (32768, 255, 2), (32768, 65535, 1)][round % 4];
            let mut coefficients = [0i16; 64];
            let table: [u16; 64] = std::array::from_fn(|_| 1 + (next() % q_max) as u16);
            let random = |next: &mut dyn FnMut() -> u64| ((next() % (2 * range)) as i64 - range as i64) as i16;
            match round % 5 {
                0 => coefficients[0] = random(&mut next),
                1 => {
                    coefficients[0] = random(&mut next);
                    coefficients[8 * (next() % 5) as usize + 4] = random(&mut next);
                }
                2 => coefficients[(next() % 64) as usize] = random(&mut next),
                _ => {
                    for c in coefficients.iter_mut() {
                        if next() % density == 0 {
                            *c = random(&mut next);
                        }
                    }
                }
            }
            let (mut simd, mut scalar) = ([0u8; 9 * 5], [0u8; 9 * 5]);
            super::dequantize_and_idct_block_5x5(&coefficients, &table, 9, &mut simd);
            crate::idct_reduced::dequantize_and_idct_block_nxn_scalar(5, &coefficients, &table, 9, &mut scalar);
            assert_eq!(simd, scalar, "round {round}: {coefficients:?} {table:?}");
        }
    }

    /// The 8x8 kernel storing its block oriented against the kernel as stored then
    /// `Orientation::put_block`, for all 8 orientations, into a wider plane (stride 11).
    #[test]
    fn idct_8x8_oriented_matches_put_block() {
        use crate::orient::Orientation;
        let mut next = xorshift(0x0123_4567_89ab_cdefu64);
        for round in 0..4_000 {
            let (range, q_max) = [(64, 16), (1024, 100), (32768, 255), (32768, 65535)][round % 4];
            let mut coefficients = [0i16; 64];
            let mut table = [0u16; 64];
            for i in 0..64 {
                if next() % 3 != 0 {
                    coefficients[i] = ((next() % (2 * range)) as i64 - range as i64) as i16;
                }
                table[i] = 1 + (next() % q_max) as u16;
            }
            let mut stored = [0u8; 64];
            super::dequantize_and_idct_block_8x8_oriented(&coefficients, &table, 8, &mut stored, Orientation::default());
            for exif in 1..=8 {
                let orientation = Orientation::from_exif(exif);
                let (mut kernel, mut put) = ([0u8; 11 * 8], [0u8; 11 * 8]);
                super::dequantize_and_idct_block_8x8_oriented(&coefficients, &table, 11, &mut kernel, orientation);
                orientation.put_block(&stored, 8, 11, &mut put);
                assert_eq!(kernel, put, "orientation {exif}, round {round}");
            }
        }
    }

    /// The SIMD128 H2V1 and H2V2 upsampling against their definitions (upsampler.rs's
    /// scalar loops), for widths 1..=70 around the 8-lane steps, on random rows.
    #[test]
    fn upsampling_matches_scalar() {
        let mut next = xorshift(0x5851_f42d_4c95_7f2du64);
        for width in 2..=70usize {
            for _ in 0..50 {
                let near: Vec<u8> = (0..width + 3).map(|_| next() as u8).collect();
                let far: Vec<u8> = (0..width + 3).map(|_| next() as u8).collect();
                let mut simd = vec![0u8; 2 * width];
                let from = super::upsample_h2v1(&near, width, &mut simd);
                for i in 1..width - 1 {
                    let t = 3 * near[i] as u32 + 2;
                    if i < from {
                        assert_eq!(simd[2 * i], ((t + near[i - 1] as u32) >> 2) as u8, "h2v1 width {width} i {i}");
                        assert_eq!(simd[2 * i + 1], ((t + near[i + 1] as u32) >> 2) as u8, "h2v1 width {width} i {i}");
                    }
                }
                assert!(from >= 1 && from + 9 > width && from <= width.max(1), "h2v1 width {width}: stopped at {from}");
                let mut simd = vec![0u8; 2 * width];
                let from = super::upsample_h2v2(&near, &far, width, &mut simd);
                let t = |i: usize| 3 * near[i] as u32 + far[i] as u32;
                for i in 1..from {
                    assert_eq!(simd[2 * i - 1], ((3 * t(i - 1) + t(i) + 8) >> 4) as u8, "h2v2 width {width} i {i}");
                    assert_eq!(simd[2 * i], ((3 * t(i) + t(i - 1) + 8) >> 4) as u8, "h2v2 width {width} i {i}");
                }
                assert!(from >= 1 && from + 8 > width, "h2v2 width {width}: stopped at {from}");
            }
        }
    }
}
