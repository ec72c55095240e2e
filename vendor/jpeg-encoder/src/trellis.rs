//! Trellis quantisation: per block, the AC coefficients that minimise
//! `bits + λ·distortion` instead of each rounded on its own. The algorithm is mozjpeg's
//! (`quantize_trellis` in jcdctmgr.c, Derek Buitenhuis / Josh Aas), written anew here:
//! a Viterbi search over zig-zag positions whose states are "last non-zero coefficient
//! at i", where each coefficient may take its rounded value, the largest value of each
//! smaller magnitude category (1, 3, 7, …), or zero as part of a run; the rate is the
//! Huffman code length of the (run, size) symbol plus the size bits plus ZRLs, the
//! distortion the squared error in DCT units weighted by 1/q², and λ shrinks with the
//! block's AC energy (textured blocks hide more error). DC is rounded as usual.

use crate::encoder::AlignedBlock;
use crate::huffman::HuffmanTable;
use crate::quantization::QuantizationTable;
use crate::writer::ZIGZAG;

/// λ = 2^`lambda_log_scale1` / (2^`lambda_log_scale2` + mean AC energy of the block);
/// mozjpeg's defaults are 14.75 and 16.5.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trellis {
    pub lambda_log_scale1: f32,
    pub lambda_log_scale2: f32,
    /// 1: the rate model is the default (Annex K) Huffman tables; 2: a second pass uses
    /// the optimised tables of the first pass's coefficients.
    pub passes: u8,
}

impl Default for Trellis {
    fn default() -> Self {
        Trellis {
            lambda_log_scale1: 14.75,
            lambda_log_scale2: 16.5,
            passes: 1,
        }
    }
}

/// Bits of each AC symbol `(run << 4) | size`, from a Huffman table. A symbol the table
/// lacks (an optimised table omits unused ones) gets a long code: the final tables are
/// built from the final coefficients, so it stays codable, just unlikely.
pub(crate) fn ac_rates(table: &HuffmanTable) -> [f32; 256] {
    let mut rates = [0f32; 256];
    for (symbol, rate) in rates.iter_mut().enumerate() {
        let (len, _) = table.lookup(symbol as u8);
        *rate = if len == 0 { 17.0 } else { f32::from(len) };
    }
    rates
}

/// Quantise `block` (natural order, DCT output scaled by 8) into `out` (zig-zag order).
pub(crate) fn quantize_block(
    block: &AlignedBlock,
    out: &mut AlignedBlock,
    table: &QuantizationTable,
    rates: &[f32; 256],
    params: Trellis,
) {
    out.data = [0; 64];
    out.data[0] = table.quantize(block.data[0], 0);

    let mut norm = 0f32;
    for &c in &block.data[1..] {
        norm += f32::from(c) * f32::from(c);
    }
    norm /= 63.0;
    let lambda = params.lambda_log_scale1.exp2() / (params.lambda_log_scale2.exp2() + norm);

    // Per zig-zag position: accumulated distortion of zeroing positions 1..=i, and for
    // positions that may be non-zero, the best cost with the last non-zero at i, its
    // value and the previous non-zero position.
    let mut zero_dist = [0f32; 64];
    let mut cost = [0f32; 64];
    let mut value = [0i16; 64];
    let mut prev = [0u8; 64];
    // Positions with a state, in order; 0 stands for "the DC, no AC yet".
    let mut states = [0u8; 64];
    let mut num_states = 1;

    let zrl = rates[0xF0];
    for i in 1..64 {
        let z = ZIGZAG[i] as usize & 0x3f;
        let divisor = table.divisor(z) as i32;
        let x = i32::from(block.data[z]).abs();
        let q = (divisor >> 3) as f32;
        let weight = lambda / (q * q);
        zero_dist[i] = zero_dist[i - 1] + (x * x) as f32 * weight;

        let rounded = ((x + divisor / 2) / divisor).min(1023);
        if rounded == 0 {
            continue;
        }
        let categories = 32 - (rounded as u32).leading_zeros();
        let mut best = f32::INFINITY;
        let mut best_value = 0;
        let mut best_prev = 0;
        for k in 0..categories {
            let v = if k + 1 < categories {
                (2 << k) - 1
            } else {
                rounded
            };
            let delta = (v * divisor - x) as f32;
            let own = delta * delta * weight + (k + 1) as f32;
            for &j in &states[..num_states] {
                let j = j as usize;
                let run = i - 1 - j;
                let symbol = ((run & 15) << 4) | (k as usize + 1);
                let c = cost[j]
                    + (zero_dist[i - 1] - zero_dist[j])
                    + (run >> 4) as f32 * zrl
                    + rates[symbol]
                    + own;
                if c < best {
                    best = c;
                    best_value = v;
                    best_prev = j;
                }
            }
        }
        cost[i] = best;
        value[i] = best_value as i16;
        prev[i] = best_prev as u8;
        states[num_states] = i as u8;
        num_states += 1;
    }

    // Where the block ends: after the last non-zero, an EOB unless it is position 63.
    let eob = rates[0x00];
    let mut best = zero_dist[63] + eob;
    let mut last = 0;
    for &i in &states[1..num_states] {
        let i = i as usize;
        let c = cost[i] + (zero_dist[63] - zero_dist[i]) + if i < 63 { eob } else { 0.0 };
        if c < best {
            best = c;
            last = i;
        }
    }
    while last != 0 {
        let z = ZIGZAG[last] as usize & 0x3f;
        out.data[last] = if block.data[z] < 0 {
            -value[last]
        } else {
            value[last]
        };
        last = prev[last] as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantization::QuantizationTableType;

    fn table(quality: u8) -> QuantizationTable {
        QuantizationTable::new_with_quality(&QuantizationTableType::Default, quality, true)
    }

    fn plain(block: &AlignedBlock, table: &QuantizationTable) -> AlignedBlock {
        let mut out = AlignedBlock::default();
        for i in 0..64 {
            let z = ZIGZAG[i] as usize & 0x3f;
            out.data[i] = table.quantize(block.data[z], z);
        }
        out
    }

    fn bits(block: &AlignedBlock, rates: &[f32; 256]) -> f32 {
        let mut total = 0.0;
        let mut run = 0usize;
        let mut last = 0;
        for i in 1..64 {
            if block.data[i] != 0 {
                last = i;
            }
        }
        for i in 1..=last {
            let v = block.data[i];
            if v == 0 {
                run += 1;
                continue;
            }
            let size = 16 - v.unsigned_abs().leading_zeros() as usize;
            total +=
                (run >> 4) as f32 * rates[0xF0] + rates[((run & 15) << 4) | size] + size as f32;
            run = 0;
        }
        if last < 63 {
            total += rates[0];
        }
        total
    }

    fn pseudo_random_block(seed: u32, amplitude: i32) -> AlignedBlock {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        let mut b = AlignedBlock::default();
        for (i, c) in b.data.iter_mut().enumerate() {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            // Energy falls with frequency, as in photos.
            let row = i / 8;
            let col = i % 8;
            let scale = amplitude / (1 + (row + col) as i32);
            *c = ((s % 2001) as i32 - 1000)
                .wrapping_mul(scale)
                .clamp(-8000, 8000) as i16
                / 8;
        }
        b
    }

    #[test]
    fn zero_lambda_weightless_block_is_all_zero_ac() {
        // A huge λ₂ makes distortion nearly free: every AC goes, DC stays rounded.
        let t = table(80);
        let rates = ac_rates(&HuffmanTable::default_luma_ac());
        let b = pseudo_random_block(7, 400);
        let mut out = AlignedBlock::default();
        let params = Trellis {
            lambda_log_scale1: 0.0,
            lambda_log_scale2: 30.0,
            passes: 1,
        };
        quantize_block(&b, &mut out, &t, &rates, params);
        assert_eq!(out.data[0], t.quantize(b.data[0], 0));
        assert!(out.data[1..].iter().all(|&v| v == 0));
    }

    #[test]
    fn huge_lambda_keeps_the_rounded_values() {
        // Distortion dominating: the search picks round-to-nearest everywhere.
        let t = table(80);
        let rates = ac_rates(&HuffmanTable::default_luma_ac());
        let params = Trellis {
            lambda_log_scale1: 40.0,
            lambda_log_scale2: 0.1,
            passes: 1,
        };
        for seed in 0..200 {
            let b = pseudo_random_block(seed, 300);
            let mut out = AlignedBlock::default();
            quantize_block(&b, &mut out, &t, &rates, params);
            // jpeg-encoder's own rounding is round-half-up on the reciprocal; compare
            // with exact rounding, which is what the trellis uses.
            for i in 1..64 {
                let z = ZIGZAG[i] as usize & 0x3f;
                let d = t.divisor(z) as i32;
                let x = i32::from(b.data[z]);
                let r = ((x.abs() + d / 2) / d).min(1023) * x.signum();
                if x.abs() % d == d / 2 {
                    continue; // a tie: either neighbour is as close
                }
                assert_eq!(i32::from(out.data[i]), r, "seed {seed} position {i}");
            }
        }
    }

    #[test]
    fn default_lambda_saves_bits_and_stays_close() {
        let t = table(80);
        let rates = ac_rates(&HuffmanTable::default_luma_ac());
        let (mut plain_bits, mut trellis_bits) = (0.0, 0.0);
        for seed in 0..500 {
            let b = pseudo_random_block(seed, 200);
            let p = plain(&b, &t);
            let mut out = AlignedBlock::default();
            quantize_block(&b, &mut out, &t, &rates, Trellis::default());
            assert_eq!(out.data[0], p.data[0]);
            for i in 1..64 {
                // Never a larger magnitude than rounding, never a flipped sign.
                assert!(out.data[i].unsigned_abs() <= p.data[i].unsigned_abs() + 1);
                assert!(i32::from(out.data[i]) * i32::from(p.data[i]) >= 0);
            }
            plain_bits += bits(&p, &rates);
            trellis_bits += bits(&out, &rates);
        }
        assert!(
            trellis_bits < plain_bits * 0.97,
            "{trellis_bits} vs {plain_bits}"
        );
    }
}
