//! WebAssembly SIMD128 versions of the forward DCT, quantization, 2x2 chroma averaging
//! and the non-zero coefficient mask.
//!
//! Each gives exactly what the scalar code it replaces gives (unit tests below compare
//! them). Quantization works like the scalar code in i32 lanes (same reciprocals,
//! wrapping arithmetic and truncation to i16). The DCT keeps its sums in i16 lanes as
//! libjpeg-turbo's SIMD "islow" does, which is exact for the level-shifted 8-bit
//! samples the encoder feeds it. Only compiled with `target_feature = "simd128"`, which
//! wasm has no runtime detection for.

use core::arch::wasm32::*;

use crate::encoder::{AlignedBlock, Operations};
use crate::quantization::{QuantizationTable, QUANTIZATION_SHIFT};
use crate::writer::ZIGZAG;

pub(crate) struct WasmSimd128Operations;

impl Operations for WasmSimd128Operations {
    #[inline(always)]
    fn fdct(data: &mut AlignedBlock) {
        fdct_simd128(data);
    }

    #[inline(always)]
    fn quantize_block(block: &AlignedBlock, q_block: &mut AlignedBlock, table: &QuantizationTable) {
        quantize_block_simd128(block, q_block, table);
    }
}

const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_541196100: i32 = 4433;
const FIX_0_765366865: i32 = 6270;
const FIX_0_899976223: i32 = 7373;
const FIX_1_175875602: i32 = 9633;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;

#[inline(always)]
fn load(data: &[i16; 64], row: usize) -> v128 {
    let row = &data[row * 8..row * 8 + 8];
    // SAFETY: `row` is 8 i16 = 16 bytes; v128_load has no alignment requirement.
    unsafe { v128_load(row.as_ptr() as *const v128) }
}

#[inline(always)]
fn load_i32(data: &[i32; 64], at: usize) -> v128 {
    let lanes = &data[at..at + 4];
    // SAFETY: `lanes` is 4 i32 = 16 bytes; v128_load has no alignment requirement.
    unsafe { v128_load(lanes.as_ptr() as *const v128) }
}

#[inline(always)]
fn store(data: &mut [i16; 64], row: usize, v: v128) {
    let row = &mut data[row * 8..row * 8 + 8];
    // SAFETY: as in `load`.
    unsafe { v128_store(row.as_mut_ptr() as *mut v128, v) }
}

/// `fdct::descale`: right shift with rounding.
#[inline(always)]
fn descale(v: v128, n: u32) -> v128 {
    i32x4_shr(i32x4_add(v, i32x4_splat(1 << (n - 1))), n)
}

/// Low 16 bits of each i32 lane of `lo` then `hi`: the scalar `v as i16` (wrapping, not
/// saturating like `i16x8_narrow_i32x4`).
#[inline(always)]
fn truncate_to_i16(lo: v128, hi: v128) -> v128 {
    i8x16_shuffle::<0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29>(lo, hi)
}

/// Transpose of the 8x8 i16 matrix whose rows are `r`.
#[inline(always)]
fn transpose8_i16(r: [v128; 8]) -> [v128; 8] {
    let t0 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[0], r[1]);
    let t1 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[0], r[1]);
    let t2 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[2], r[3]);
    let t3 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[2], r[3]);
    let t4 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[4], r[5]);
    let t5 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[4], r[5]);
    let t6 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[6], r[7]);
    let t7 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[6], r[7]);

    let u0 = i32x4_shuffle::<0, 4, 1, 5>(t0, t2);
    let u1 = i32x4_shuffle::<2, 6, 3, 7>(t0, t2);
    let u2 = i32x4_shuffle::<0, 4, 1, 5>(t1, t3);
    let u3 = i32x4_shuffle::<2, 6, 3, 7>(t1, t3);
    let u4 = i32x4_shuffle::<0, 4, 1, 5>(t4, t6);
    let u5 = i32x4_shuffle::<2, 6, 3, 7>(t4, t6);
    let u6 = i32x4_shuffle::<0, 4, 1, 5>(t5, t7);
    let u7 = i32x4_shuffle::<2, 6, 3, 7>(t5, t7);

    [
        i64x2_shuffle::<0, 2>(u0, u4),
        i64x2_shuffle::<1, 3>(u0, u4),
        i64x2_shuffle::<0, 2>(u1, u5),
        i64x2_shuffle::<1, 3>(u1, u5),
        i64x2_shuffle::<0, 2>(u2, u6),
        i64x2_shuffle::<1, 3>(u2, u6),
        i64x2_shuffle::<0, 2>(u3, u7),
        i64x2_shuffle::<1, 3>(u3, u7),
    ]
}

/// `a * x + b * y` in i32 lanes for the four (x, y) i16 pairs of `pair`.
#[inline(always)]
fn dot(pair: v128, a: i32, b: i32) -> v128 {
    let (a, b) = (a as i16, b as i16);
    i32x4_dot_i16x8(pair, i16x8(a, b, a, b, a, b, a, b))
}

/// `descale(x * a + y * b, n)` for the 8 lanes of `x` and `y`, narrowed back to i16
/// (exact: every output fits), for two (a, b) at once.
#[inline(always)]
fn rotate2(x: v128, y: v128, (a0, b0): (i32, i32), (a1, b1): (i32, i32), n: u32) -> [v128; 2] {
    let lo = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(x, y);
    let hi = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(x, y);
    [
        i16x8_narrow_i32x4(descale(dot(lo, a0, b0), n), descale(dot(hi, a0, b0), n)),
        i16x8_narrow_i32x4(descale(dot(lo, a1, b1), n), descale(dot(hi, a1, b1), n)),
    ]
}

/// One pass of `fdct::fdct` on eight rows (or columns) at once in i16 lanes: `v[i]`
/// holds input sample `i` of each, the result's `[k]` output coefficient `k` of each.
///
/// As in libjpeg-turbo's SIMD "islow" DCT, sums stay in 16 bits (for level-shifted 8-bit
/// samples none leaves the i16 range, and neither does any output), and each product
/// pair is one i32 dot product; `z1 * c + tmp * d` is regrouped as `x * c' + y * d'`,
/// which is the same integer. So every output equals the scalar one.
#[inline(always)]
fn dct_1d_i16<const FIRST: bool>(v: [v128; 8]) -> [v128; 8] {
    let tmp0 = i16x8_add(v[0], v[7]);
    let tmp7 = i16x8_sub(v[0], v[7]);
    let tmp1 = i16x8_add(v[1], v[6]);
    let tmp6 = i16x8_sub(v[1], v[6]);
    let tmp2 = i16x8_add(v[2], v[5]);
    let tmp5 = i16x8_sub(v[2], v[5]);
    let tmp3 = i16x8_add(v[3], v[4]);
    let tmp4 = i16x8_sub(v[3], v[4]);

    let tmp10 = i16x8_add(tmp0, tmp3);
    let tmp13 = i16x8_sub(tmp0, tmp3);
    let tmp11 = i16x8_add(tmp1, tmp2);
    let tmp12 = i16x8_sub(tmp1, tmp2);

    let n = if FIRST {
        CONST_BITS - PASS1_BITS
    } else {
        CONST_BITS + PASS1_BITS
    };
    let (out0, out4) = if FIRST {
        (
            i16x8_shl(i16x8_add(tmp10, tmp11), PASS1_BITS),
            i16x8_shl(i16x8_sub(tmp10, tmp11), PASS1_BITS),
        )
    } else {
        let round = i16x8_splat(1 << (PASS1_BITS - 1));
        (
            i16x8_shr(i16x8_add(i16x8_add(tmp10, tmp11), round), PASS1_BITS),
            i16x8_shr(i16x8_add(i16x8_sub(tmp10, tmp11), round), PASS1_BITS),
        )
    };

    // out2 = (tmp12 + tmp13) * F0541 + tmp13 * F0765; out6 = ... + tmp12 * -F1847.
    let [out2, out6] = rotate2(
        tmp13,
        tmp12,
        (FIX_0_541196100 + FIX_0_765366865, FIX_0_541196100),
        (FIX_0_541196100, FIX_0_541196100 - FIX_1_847759065),
        n,
    );

    // z3 = (tmp4 + tmp6) * -F1961 + z5 and z4 = (tmp5 + tmp7) * -F0390 + z5, with
    // z5 = (z3 + z4) * F1175, as products of the sums z3, z4 themselves.
    let z3 = i16x8_add(tmp4, tmp6);
    let z4 = i16x8_add(tmp5, tmp7);
    let z34_lo = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(z3, z4);
    let z34_hi = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(z3, z4);
    let z3_lo = dot(z34_lo, FIX_1_175875602 - FIX_1_961570560, FIX_1_175875602);
    let z3_hi = dot(z34_hi, FIX_1_175875602 - FIX_1_961570560, FIX_1_175875602);
    let z4_lo = dot(z34_lo, FIX_1_175875602, FIX_1_175875602 - FIX_0_390180644);
    let z4_hi = dot(z34_hi, FIX_1_175875602, FIX_1_175875602 - FIX_0_390180644);

    // tmp4 * F0298 + (tmp4 + tmp7) * -F0899 and tmp7 * F1501 + (tmp4 + tmp7) * -F0899.
    let t47_lo = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(tmp4, tmp7);
    let t47_hi = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(tmp4, tmp7);
    // tmp5 * F2053 + (tmp5 + tmp6) * -F2562 and tmp6 * F3072 + (tmp5 + tmp6) * -F2562.
    let t56_lo = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(tmp5, tmp6);
    let t56_hi = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(tmp5, tmp6);

    let odd = |pair_lo: v128, pair_hi: v128, a: i32, b: i32, z_lo: v128, z_hi: v128| {
        i16x8_narrow_i32x4(
            descale(i32x4_add(dot(pair_lo, a, b), z_lo), n),
            descale(i32x4_add(dot(pair_hi, a, b), z_hi), n),
        )
    };
    let out7 = odd(
        t47_lo,
        t47_hi,
        FIX_0_298631336 - FIX_0_899976223,
        -FIX_0_899976223,
        z3_lo,
        z3_hi,
    );
    let out1 = odd(
        t47_lo,
        t47_hi,
        -FIX_0_899976223,
        FIX_1_501321110 - FIX_0_899976223,
        z4_lo,
        z4_hi,
    );
    let out5 = odd(
        t56_lo,
        t56_hi,
        FIX_2_053119869 - FIX_2_562915447,
        -FIX_2_562915447,
        z4_lo,
        z4_hi,
    );
    let out3 = odd(
        t56_lo,
        t56_hi,
        -FIX_2_562915447,
        FIX_3_072711026 - FIX_2_562915447,
        z3_lo,
        z3_hi,
    );

    [out0, out1, out2, out3, out4, out5, out6, out7]
}

/// `fdct::fdct`: pass 1 with the eight rows in the lanes, pass 2 with the eight columns.
pub fn fdct_simd128(block: &mut AlignedBlock) {
    let data = &mut block.data;
    let rows: [v128; 8] = core::array::from_fn(|r| load(data, r));
    // Pass 1 wants sample x of every row in one vector.
    let pass1 = dct_1d_i16::<true>(transpose8_i16(rows));
    // pass1[k] holds coefficient k of every row; pass 2 wants row r's coefficients.
    let pass2 = dct_1d_i16::<false>(transpose8_i16(pass1));
    for (k, v) in pass2.into_iter().enumerate() {
        store(data, k, v);
    }
}

/// `Operations::quantize_block`: `QuantizationTable::quantize` on every coefficient in
/// natural order, then the zigzag reordering.
pub fn quantize_block_simd128(
    block: &AlignedBlock,
    q_block: &mut AlignedBlock,
    table: &QuantizationTable,
) {
    let reciprocals = table.reciprocals();
    let corrections = table.corrections();
    let mut natural = [0i16; 64];

    for row in 0..8 {
        let v = load(&block.data, row);
        let mut q = [i32x4_splat(0); 2];
        for (half, value) in [i32x4_extend_low_i16x8(v), i32x4_extend_high_i16x8(v)]
            .into_iter()
            .enumerate()
        {
            let i = row * 8 + half * 4;
            let recip = load_i32(reciprocals, i);
            let corr = load_i32(corrections, i);
            let product = i32x4_shr(
                i32x4_mul(i32x4_add(i32x4_abs(value), corr), recip),
                QUANTIZATION_SHIFT,
            );
            // Negate where the input was negative: (p ^ s) - s with s = 0 or -1.
            let sign = i32x4_shr(value, 31);
            q[half] = i32x4_sub(v128_xor(product, sign), sign);
        }
        store(&mut natural, row, truncate_to_i16(q[0], q[1]));
    }

    for (out, &z) in q_block.data.iter_mut().zip(ZIGZAG.iter()) {
        *out = natural[z as usize & 0x3f];
    }
}

/// `encoder::get_block_averaged` for 2x2 subsampling (4:2:0): each output row is two
/// 16-byte input rows summed pairwise, plus the same alternating rounding bias (1 on
/// even, 2 on odd columns), divided by 4. Touches exactly the bytes the scalar one does.
pub fn get_block_averaged_2x2(
    data: &[u8],
    start_x: usize,
    start_y: usize,
    width: usize,
) -> AlignedBlock {
    let mut block = AlignedBlock::default();
    let bias = i16x8(1, 2, 1, 2, 1, 2, 1, 2);
    for y in 0..8 {
        let top = (start_y + 2 * y) * width + start_x;
        let bottom = top + width;
        let sum = i16x8_add(
            u16x8_extadd_pairwise_u8x16(load_u8(&data[top..top + 16])),
            u16x8_extadd_pairwise_u8x16(load_u8(&data[bottom..bottom + 16])),
        );
        let average = u16x8_shr(i16x8_add(sum, bias), 2);
        store(&mut block.data, y, i16x8_sub(average, i16x8_splat(128)));
    }
    block
}

/// `encoder::get_block` without subsampling: 8 bytes a row, widened and level-shifted.
/// Touches exactly the bytes the scalar one does.
pub fn get_block_1x1(data: &[u8], start_x: usize, start_y: usize, width: usize) -> AlignedBlock {
    let mut block = AlignedBlock::default();
    for y in 0..8 {
        let at = (start_y + y) * width + start_x;
        let bytes: &[u8; 8] = data[at..at + 8].try_into().expect("8 bytes");
        // SAFETY: 8 bytes; v128_load64_zero has no alignment requirement.
        let row = unsafe { v128_load64_zero(bytes.as_ptr() as *const u64) };
        let row = i16x8_sub(u16x8_extend_low_u8x16(row), i16x8_splat(128));
        store(&mut block.data, y, row);
    }
    block
}

#[inline(always)]
fn load_u8(bytes: &[u8]) -> v128 {
    let bytes: &[u8; 16] = bytes.try_into().expect("16 bytes");
    // SAFETY: 16 bytes; v128_load has no alignment requirement.
    unsafe { v128_load(bytes.as_ptr() as *const v128) }
}

/// Bit i set where coefficient i of `block` is non-zero.
#[inline(always)]
pub fn nonzero_mask(block: &AlignedBlock) -> u64 {
    let zero = i16x8_splat(0);
    let mut mask = 0u64;
    for rows in 0..4 {
        // Two rows' "is zero" lanes (-1 or 0) narrowed to bytes, one bit each.
        let a = i16x8_eq(load(&block.data, 2 * rows), zero);
        let b = i16x8_eq(load(&block.data, 2 * rows + 1), zero);
        let zeros = i8x16_bitmask(i8x16_narrow_i16x8(a, b));
        mask |= u64::from(!zeros) << (16 * rows);
    }
    mask
}

/// Bit k set where |block.data[k]| >> `al` is non-zero, i.e. |v| ≥ 2^al (unsigned, so
/// i16::MIN counts as large); `progression::magnitude_mask`'s scalar fold otherwise.
#[inline]
pub fn magnitude_mask(block: &AlignedBlock, al: u8) -> u64 {
    let below = u16x8_splat(((1u32 << al) - 1) as u16);
    let mut mask = 0u64;
    for rows in 0..4 {
        let a = u16x8_gt(i16x8_abs(load(&block.data, 2 * rows)), below);
        let b = u16x8_gt(i16x8_abs(load(&block.data, 2 * rows + 1)), below);
        let big = i8x16_bitmask(i8x16_narrow_i16x8(a, b));
        mask |= u64::from(big) << (16 * rows);
    }
    mask
}

/// Each SIMD128 function against the scalar code it replaces. Run on wasm32 with
/// simd128: `cargo test --target wasm32-unknown-unknown --features simd` in this folder
/// (README.vendor.md).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantization::QuantizationTableType;
    use alloc::vec::Vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Deterministic xorshift.
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0
        }
    }

    /// Level-shifted 8-bit blocks (what the encoder feeds the DCT): noise, noise of
    /// small amplitude, flat blocks at both extremes, stripes and checkerboards of the
    /// extremes (the largest coefficients), and gradients.
    fn sample_blocks() -> Vec<[i16; 64]> {
        let mut rng = Rng(0x9E37_79B9);
        let mut blocks = Vec::new();
        for _ in 0..20_000 {
            blocks.push(core::array::from_fn(|_| (rng.next() % 256) as i16 - 128));
        }
        for _ in 0..5_000 {
            let base = (rng.next() % 256) as i16 - 128;
            blocks.push(core::array::from_fn(|_| {
                (base + (rng.next() % 9) as i16 - 4).clamp(-128, 127)
            }));
        }
        for (lo, hi) in [(-128, 127), (127, -128), (-128, -128), (127, 127), (0, 127)] {
            blocks.push(core::array::from_fn(|i| {
                if (i / 8 + i % 8) % 2 == 0 {
                    lo
                } else {
                    hi
                }
            }));
            blocks.push(core::array::from_fn(|i| if i % 2 == 0 { lo } else { hi }));
            blocks.push(core::array::from_fn(
                |i| if (i / 8) % 2 == 0 { lo } else { hi },
            ));
            blocks.push(core::array::from_fn(|i| if i < 32 { lo } else { hi }));
            blocks.push(core::array::from_fn(|i| if i % 8 < 4 { lo } else { hi }));
        }
        blocks.push(core::array::from_fn(|i| (i as i16) * 4 - 128));
        blocks.push(core::array::from_fn(|i| 127 - (i as i16) * 4));
        blocks
    }

    #[wasm_bindgen_test]
    fn fdct_matches_scalar() {
        for data in sample_blocks() {
            let mut scalar = AlignedBlock::new(data);
            let mut simd = AlignedBlock::new(data);
            crate::fdct::fdct(&mut scalar);
            fdct_simd128(&mut simd);
            assert_eq!(simd.data, scalar.data, "input {data:?}");
        }
    }

    #[wasm_bindgen_test]
    fn quantize_matches_scalar() {
        let mut rng = Rng(12345);
        for quality in [1, 10, 50, 80, 90, 100] {
            for luma in [true, false] {
                let table = QuantizationTable::new_with_quality(
                    &QuantizationTableType::Default,
                    quality,
                    luma,
                );
                for data in sample_blocks().into_iter().take(3_000) {
                    // DCT outputs, plus raw values over the whole i16 range.
                    let mut dct = AlignedBlock::new(data);
                    crate::fdct::fdct(&mut dct);
                    let raw = AlignedBlock::new(core::array::from_fn(|_| rng.next() as i16));
                    for block in [dct, raw] {
                        let mut scalar = AlignedBlock::default();
                        let mut simd = AlignedBlock::default();
                        crate::encoder::DefaultOperations::quantize_block(
                            &block,
                            &mut scalar,
                            &table,
                        );
                        quantize_block_simd128(&block, &mut simd, &table);
                        assert_eq!(simd.data, scalar.data, "q{quality} {:?}", block.data);
                    }
                }
            }
        }
    }

    #[wasm_bindgen_test]
    fn averaged_2x2_matches_scalar() {
        let mut rng = Rng(777);
        let width = 48;
        let data: Vec<u8> = (0..width * 32).map(|_| rng.next() as u8).collect();
        for (x, y) in [(0, 0), (16, 0), (32, 16), (0, 16)] {
            let scalar = crate::encoder::get_block_averaged_scalar(&data, x, y, 2, 2, width);
            let simd = get_block_averaged_2x2(&data, x, y, width);
            assert_eq!(simd.data, scalar.data, "at {x},{y}");
        }
    }

    #[wasm_bindgen_test]
    fn block_1x1_matches_scalar() {
        let mut rng = Rng(99);
        let width = 40;
        let data: Vec<u8> = (0..width * 24).map(|_| rng.next() as u8).collect();
        for (x, y) in [(0, 0), (8, 0), (32, 16), (0, 16), (5, 3)] {
            let scalar = crate::encoder::get_block_scalar(&data, x, y, 1, 1, width);
            let simd = get_block_1x1(&data, x, y, width);
            assert_eq!(simd.data, scalar.data, "at {x},{y}");
        }
    }

    #[wasm_bindgen_test]
    fn magnitude_mask_matches_scalar() {
        let mut rng = Rng(777);
        for _ in 0..10_000 {
            let block = AlignedBlock::new(core::array::from_fn(|_| match rng.next() % 4 {
                0 => 0,
                1 => (rng.next() % 9) as i16 - 4,
                2 => (rng.next() % 64) as i16 - 32,
                _ => rng.next() as i16,
            }));
            for al in 0..14 {
                assert_eq!(
                    magnitude_mask(&block, al),
                    crate::progression::magnitude_mask_scalar(&block, al),
                    "al {al}"
                );
            }
        }
    }

    #[wasm_bindgen_test]
    fn nonzero_mask_matches_scalar() {
        let mut rng = Rng(4242);
        for _ in 0..10_000 {
            let block = AlignedBlock::new(core::array::from_fn(|_| {
                if rng.next().is_multiple_of(3) {
                    rng.next() as i16
                } else {
                    0
                }
            }));
            let want = block
                .data
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &v)| m | (u64::from(v != 0) << i));
            assert_eq!(nonzero_mask(&block), want);
        }
    }
}
