//! Adaptive (per-block) AC rounding, a measured lever (`trellis` feature): the dead zone
//! of a block follows its variance, as a perceptual (SSIM-like) masking model would want:
//! an error costs less where the block is busy. `flat` is the rounding (percent of the
//! divisor) of a block without AC energy, `busy` that of a very busy one; the variance at
//! which it is halfway is `half` (pixel units squared). `hf` lowers the rounding towards
//! the highest frequencies: percent × (1 − hf × (u + v) / 14).

use crate::quantization::QuantizationTable;
use alloc::vec::Vec;

/// Levels the continuous rounding is cut into (a table each).
pub(crate) const LEVELS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdaptiveRounding {
    pub flat: u8,
    pub busy: u8,
    pub half: f32,
    pub hf: f32,
}

impl AdaptiveRounding {
    /// The table of each level, from `table` (whose own AC rounding it replaces).
    pub(crate) fn levels(&self, table: &QuantizationTable) -> Vec<QuantizationTable> {
        (0..LEVELS)
            .map(|level| {
                let t = (level as f32 + 0.5) / LEVELS as f32;
                let p = self.flat as f32 + (self.busy as f32 - self.flat as f32) * t;
                table.clone().with_ac_rounding_each(|i| {
                    let freq = ((i / 8) + (i % 8)) as f32 / 14.0;
                    p * (1.0 - self.hf * freq)
                })
            })
            .collect()
    }

    /// The level of a block after the forward DCT (natural order, libjpeg's scale: 8× the
    /// orthonormal DCT, so the pixel variance is Σ AC² / 4096).
    pub(crate) fn level(&self, block: &[i16; 64]) -> usize {
        let energy: f32 = block[1..].iter().map(|&c| (c as f32) * (c as f32)).sum();
        let var = energy / 4096.0;
        let t = var / (var + self.half);
        ((t * LEVELS as f32) as usize).min(LEVELS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColorType, Encoder};
    use alloc::vec;

    /// A 64×64 RGB picture: a smooth ramp on the left half, noise on the right.
    fn picture() -> Vec<u8> {
        let mut seed = 0x2545_f491_u32;
        let mut out = vec![0u8; 64 * 64 * 3];
        for y in 0..64 {
            for x in 0..64 {
                for c in 0..3 {
                    let v = if x < 32 {
                        (x * 3 + y * 2 + c * 10) as u8
                    } else {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        (seed >> 24) as u8
                    };
                    out[(y * 64 + x) * 3 + c] = v;
                }
            }
        }
        out
    }

    fn encode(adaptive: Option<AdaptiveRounding>, rounding: u8) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, 80);
        e.set_optimized_huffman_tables(true);
        e.set_ac_rounding(rounding, rounding);
        e.set_adaptive_rounding(adaptive);
        e.encode(&picture(), 64, 64, ColorType::Rgb).unwrap();
        out
    }

    fn aq(flat: u8, busy: u8, hf: f32) -> Option<AdaptiveRounding> {
        Some(AdaptiveRounding {
            flat,
            busy,
            half: 200.0,
            hf,
        })
    }

    #[test]
    fn one_rounding_everywhere_is_the_fixed_dead_zone() {
        assert_eq!(encode(aq(40, 40, 0.0), 50), encode(None, 40));
        assert_ne!(encode(aq(40, 40, 0.3), 50), encode(None, 40));
    }

    #[test]
    fn a_coarser_busy_rounding_saves_bits_in_busy_blocks() {
        let (fine, coarse) = (encode(aq(45, 45, 0.0), 50), encode(aq(45, 10, 0.0), 50));
        assert!(
            coarse.len() < fine.len(),
            "{} vs {}",
            coarse.len(),
            fine.len()
        );
    }

    #[test]
    fn levels_follow_the_variance() {
        let a = aq(50, 20, 0.0).unwrap();
        let mut block = [0i16; 64];
        block[0] = 1000; // DC does not count
        assert_eq!(a.level(&block), 0);
        let mut last = 0;
        for amp in [20i16, 200, 800, 3000, i16::MAX] {
            block[1..].fill(amp);
            let level = a.level(&block);
            assert!(level >= last && level < LEVELS);
            last = level;
        }
        assert_eq!(last, LEVELS - 1);
    }
}
