//! WebAssembly SIMD128 versions of the forward DCT and quantization.
//!
//! Both compute exactly what the scalar `fdct::fdct` and `QuantizationTable::quantize`
//! compute, four 32-bit lanes at a time with the same integer operations (wrapping i32
//! adds and multiplies, arithmetic shifts, truncation to i16), so the output is
//! bit-identical to the scalar path. Only compiled with `target_feature = "simd128"`,
//! which wasm has no runtime detection for.

use core::arch::wasm32::*;

use crate::encoder::{AlignedBlock, Operations};
use crate::quantization::{QUANTIZATION_SHIFT, QuantizationTable};
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

#[inline(always)]
fn mul(v: v128, c: i32) -> v128 {
    i32x4_mul(v, i32x4_splat(c))
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

/// One pass of `fdct::fdct` on four rows (or columns) at once: `v[i]` holds input sample
/// `i` of each, the result's `[k]` output coefficient `k` of each.
#[inline(always)]
fn dct_1d<const FIRST: bool>(v: [v128; 8]) -> [v128; 8] {
    let tmp0 = i32x4_add(v[0], v[7]);
    let tmp7 = i32x4_sub(v[0], v[7]);
    let tmp1 = i32x4_add(v[1], v[6]);
    let tmp6 = i32x4_sub(v[1], v[6]);
    let tmp2 = i32x4_add(v[2], v[5]);
    let tmp5 = i32x4_sub(v[2], v[5]);
    let tmp3 = i32x4_add(v[3], v[4]);
    let tmp4 = i32x4_sub(v[3], v[4]);

    let tmp10 = i32x4_add(tmp0, tmp3);
    let tmp13 = i32x4_sub(tmp0, tmp3);
    let tmp11 = i32x4_add(tmp1, tmp2);
    let tmp12 = i32x4_sub(tmp1, tmp2);

    let n = if FIRST {
        CONST_BITS - PASS1_BITS
    } else {
        CONST_BITS + PASS1_BITS
    };
    let (out0, out4) = if FIRST {
        (
            i32x4_shl(i32x4_add(tmp10, tmp11), PASS1_BITS),
            i32x4_shl(i32x4_sub(tmp10, tmp11), PASS1_BITS),
        )
    } else {
        (
            descale(i32x4_add(tmp10, tmp11), PASS1_BITS),
            descale(i32x4_sub(tmp10, tmp11), PASS1_BITS),
        )
    };

    let z1 = mul(i32x4_add(tmp12, tmp13), FIX_0_541196100);
    let out2 = descale(i32x4_add(z1, mul(tmp13, FIX_0_765366865)), n);
    let out6 = descale(i32x4_add(z1, mul(tmp12, -FIX_1_847759065)), n);

    let z1 = i32x4_add(tmp4, tmp7);
    let z2 = i32x4_add(tmp5, tmp6);
    let z3 = i32x4_add(tmp4, tmp6);
    let z4 = i32x4_add(tmp5, tmp7);
    let z5 = mul(i32x4_add(z3, z4), FIX_1_175875602);

    let tmp4 = mul(tmp4, FIX_0_298631336);
    let tmp5 = mul(tmp5, FIX_2_053119869);
    let tmp6 = mul(tmp6, FIX_3_072711026);
    let tmp7 = mul(tmp7, FIX_1_501321110);
    let z1 = mul(z1, -FIX_0_899976223);
    let z2 = mul(z2, -FIX_2_562915447);
    let z3 = i32x4_add(mul(z3, -FIX_1_961570560), z5);
    let z4 = i32x4_add(mul(z4, -FIX_0_390180644), z5);

    let out7 = descale(i32x4_add(i32x4_add(tmp4, z1), z3), n);
    let out5 = descale(i32x4_add(i32x4_add(tmp5, z2), z4), n);
    let out3 = descale(i32x4_add(i32x4_add(tmp6, z2), z3), n);
    let out1 = descale(i32x4_add(i32x4_add(tmp7, z1), z4), n);

    [out0, out1, out2, out3, out4, out5, out6, out7]
}

/// Transpose of the 4x4 i32 matrix whose rows are `m`.
#[inline(always)]
fn transpose4(m: [v128; 4]) -> [v128; 4] {
    let a0 = i32x4_shuffle::<0, 4, 1, 5>(m[0], m[1]);
    let a1 = i32x4_shuffle::<2, 6, 3, 7>(m[0], m[1]);
    let a2 = i32x4_shuffle::<0, 4, 1, 5>(m[2], m[3]);
    let a3 = i32x4_shuffle::<2, 6, 3, 7>(m[2], m[3]);
    [
        i64x2_shuffle::<0, 2>(a0, a2),
        i64x2_shuffle::<1, 3>(a0, a2),
        i64x2_shuffle::<0, 2>(a1, a3),
        i64x2_shuffle::<1, 3>(a1, a3),
    ]
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

/// `fdct::fdct` with rows 0-3 and 4-7 (pass 1), then columns 0-3 and 4-7 (pass 2), in
/// the lanes.
pub fn fdct_simd128(block: &mut AlignedBlock) {
    let data = &mut block.data;
    let rows: [v128; 8] = core::array::from_fn(|r| load(data, r));

    // Pass 1 wants sample x of every row in one vector: transpose, then widen to i32.
    let cols = transpose8_i16(rows);
    let p1_lo = dct_1d::<true>(cols.map(|v| i32x4_extend_low_i16x8(v)));
    let p1_hi = dct_1d::<true>(cols.map(|v| i32x4_extend_high_i16x8(v)));

    // p1_lo[k] holds coefficient k of rows 0-3; pass 2 wants row r's coefficients 0-3 and
    // 4-7 in one vector each: four 4x4 transposes.
    let [a0, a1, a2, a3] = transpose4([p1_lo[0], p1_lo[1], p1_lo[2], p1_lo[3]]);
    let [b0, b1, b2, b3] = transpose4([p1_lo[4], p1_lo[5], p1_lo[6], p1_lo[7]]);
    let [a4, a5, a6, a7] = transpose4([p1_hi[0], p1_hi[1], p1_hi[2], p1_hi[3]]);
    let [b4, b5, b6, b7] = transpose4([p1_hi[4], p1_hi[5], p1_hi[6], p1_hi[7]]);

    let lo = dct_1d::<false>([a0, a1, a2, a3, a4, a5, a6, a7]);
    let hi = dct_1d::<false>([b0, b1, b2, b3, b4, b5, b6, b7]);

    for k in 0..8 {
        store(data, k, truncate_to_i16(lo[k], hi[k]));
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
