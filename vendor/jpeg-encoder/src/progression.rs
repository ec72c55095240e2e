//! Progressive JPEG with successive approximation: libjpeg's standard script
//! (`jpeg_simple_progression`) of spectral selection *and* point transforms, with EOB runs
//! and an optimised Huffman table for every scan. Upstream's progressive mode is spectral
//! selection only, without EOB runs, and so comes out larger than sequential; this one is
//! smaller (the same coefficients, differently ordered and coded: decoding gives the
//! sequential file's pixels exactly). The scan coders follow ITU-T T.81 G.1.2 and
//! libjpeg's jcphuff.c; each runs twice, first counting symbols, then writing them.
//! Scans are non-interleaved (one component each), DC ones too (T.81 G.1.1.1.1 allows it).

use alloc::vec::Vec;

use crate::encoder::{AlignedBlock, Component};
use crate::huffman::{CodingClass, HuffmanTable};
use crate::writer::{get_code, JfifWrite, JfifWriter};
use crate::EncodingError;

/// One scan of the script: component index, spectral band, successive approximation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Scan {
    pub component: usize,
    pub ss: u8,
    pub se: u8,
    pub ah: u8,
    pub al: u8,
}

/// libjpeg's `jpeg_simple_progression` for YCbCr (component 0 luma, the others chroma),
/// with its DC scans split per component; for one component, its luma scans.
pub(crate) fn standard_script(components: usize) -> Vec<Scan> {
    let s = |component, ss, se, ah, al| Scan {
        component,
        ss,
        se,
        ah,
        al,
    };
    let chroma = 1..components;
    let mut script = Vec::new();
    for c in 0..components {
        script.push(s(c, 0, 0, 0, 1));
    }
    script.push(s(0, 1, 5, 0, 2));
    for c in chroma.clone().rev() {
        script.push(s(c, 1, 63, 0, 1));
    }
    script.push(s(0, 6, 63, 0, 2));
    script.push(s(0, 1, 63, 2, 1));
    for c in 0..components {
        script.push(s(c, 0, 0, 1, 0));
    }
    for c in chroma.rev() {
        script.push(s(c, 1, 63, 1, 0));
    }
    script.push(s(0, 1, 63, 1, 0));
    script
}

/// Write every scan of `script`: code it once into tokens while counting its symbols,
/// write its optimised Huffman table (none for DC refinement, which has no symbols), the
/// SOS header, then the tokens.
pub(crate) fn write_scans<W: JfifWrite>(
    writer: &mut JfifWriter<W>,
    components: &[Component],
    blocks: &[Vec<AlignedBlock>; 4],
    script: &[Scan],
) -> Result<(), EncodingError> {
    let mut tokens = Tokens::default();
    for scan in script {
        let component = &components[scan.component];
        let blocks = &blocks[scan.component];
        let dc = scan.ss == 0;
        if dc && scan.ah > 0 {
            writer.write_scan_header_sa(component, scan.ss, scan.se, scan.ah, scan.al)?;
            for block in blocks {
                writer.write_bits(((block.data[0] >> scan.al) & 1) as u32, 1)?;
            }
        } else {
            tokens.clear();
            if dc {
                dc_first(&mut tokens, blocks, scan.al);
            } else if scan.ah == 0 {
                AcCoder::new(&mut tokens).first(blocks, scan);
            } else {
                AcCoder::new(&mut tokens).refine(blocks, scan);
            }
            let table = HuffmanTable::new_optimized(tokens.freq);
            let (class, destination) = if dc {
                (CodingClass::Dc, component.dc_huffman_table)
            } else {
                (CodingClass::Ac, component.ac_huffman_table)
            };
            writer.write_huffman_segment(class, destination, &table)?;
            writer.write_scan_header_sa(component, scan.ss, scan.se, scan.ah, scan.al)?;
            tokens.emit(writer, &table)?;
        }
        writer.finalize_bit_buffer()?;
    }
    Ok(())
}

/// A scan coded once: each token is a Huffman symbol with up to 16 bits after it, or
/// bits alone; `freq` counts the symbols for the scan's table.
struct Tokens {
    tokens: Vec<u32>,
    freq: [u32; 257],
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            tokens: Vec::new(),
            freq: [0; 257],
        }
    }
}

const HAS_SYMBOL: u32 = 1 << 21;

impl Tokens {
    fn clear(&mut self) {
        self.tokens.clear();
        self.freq = [0; 257];
        self.freq[256] = 1; // reserved, as HuffmanTable::new_optimized expects
    }

    #[inline]
    fn symbol(&mut self, symbol: u8, bits: u16, size: u8) {
        self.freq[symbol as usize] += 1;
        self.tokens
            .push(u32::from(symbol) << 24 | HAS_SYMBOL | u32::from(size) << 16 | u32::from(bits));
    }

    #[inline]
    fn bits(&mut self, bits: u16, size: u8) {
        if size > 0 {
            self.tokens.push(u32::from(size) << 16 | u32::from(bits));
        }
    }

    /// The low `count` bits of `bits`, oldest first (highest), up to 16 to a token.
    #[inline]
    fn correction_bits(&mut self, bits: u64, count: u32) {
        let mut left = count;
        while left > 0 {
            let n = left.min(16);
            left -= n;
            self.bits(((bits >> left) & ((1 << n) - 1)) as u16, n as u8);
        }
    }

    fn emit<W: JfifWrite>(
        &self,
        writer: &mut JfifWriter<W>,
        table: &HuffmanTable,
    ) -> Result<(), EncodingError> {
        for &t in &self.tokens {
            let size = ((t >> 16) & 0x1F) as u8;
            let bits = t & 0xFFFF;
            if t & HAS_SYMBOL != 0 {
                writer.huffman_encode_value(size, (t >> 24) as u8, bits as u16, table)?;
            } else {
                writer.write_bits(bits, size)?;
            }
        }
        Ok(())
    }
}

fn dc_first(tokens: &mut Tokens, blocks: &[AlignedBlock], al: u8) {
    let mut last = 0i16;
    for block in blocks {
        // Arithmetic shift: the point transform of T.81 G.1.2.1.
        let value = block.data[0] >> al;
        let (size, bits) = get_code(value - last);
        last = value;
        tokens.symbol(size, bits, size);
    }
}

/// Bit k set where coefficient k of the band `ss..=se` is non-zero after the point
/// transform `al` (|v| >> al), i.e. where a scan with that `al` sees it.
#[inline]
fn band_mask(block: &AlignedBlock, ss: u8, se: u8, al: u8) -> u64 {
    magnitude_mask(block, al) & (u64::MAX >> (63 - se)) & (u64::MAX << ss)
}

#[inline]
fn magnitude_mask(block: &AlignedBlock, al: u8) -> u64 {
    #[cfg(all(feature = "simd", target_arch = "wasm32", target_feature = "simd128"))]
    {
        crate::wasm_simd128::magnitude_mask(block, al)
    }
    #[cfg(not(all(feature = "simd", target_arch = "wasm32", target_feature = "simd128")))]
    {
        magnitude_mask_scalar(block, al)
    }
}

/// Bit k set where |block.data[k]| >> `al` is non-zero.
#[cfg_attr(
    all(feature = "simd", target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
pub(crate) fn magnitude_mask_scalar(block: &AlignedBlock, al: u8) -> u64 {
    let mut mask = 0u64;
    for (k, &v) in block.data.iter().enumerate() {
        mask |= u64::from((v.unsigned_abs() >> al) != 0) << k;
    }
    mask
}

/// Bits of correction a refinement scan may hold back behind an EOB run before it must
/// flush the run (libjpeg's MAX_CORR_BITS), and the longest EOB run (EOB14 + 14 bits).
const MAX_CORRECTION_BITS: usize = 1000;
const MAX_EOB_RUN: u32 = 0x7FFF;

struct AcCoder<'a> {
    tokens: &'a mut Tokens,
    eob_run: u32,
    /// Correction bits of the blocks inside the pending EOB run (refinement only), a
    /// (bits, count) word per block, and their total.
    held: Vec<(u64, u32)>,
    held_bits: usize,
}

impl<'a> AcCoder<'a> {
    fn new(tokens: &'a mut Tokens) -> Self {
        AcCoder {
            tokens,
            eob_run: 0,
            held: Vec::new(),
            held_bits: 0,
        }
    }

    /// EOBn for the pending run, then the correction bits held behind it.
    #[inline]
    fn flush_eob_run(&mut self) {
        // Bits are held only behind a run, so no run means nothing to flush.
        if self.eob_run == 0 {
            debug_assert!(self.held.is_empty());
            return;
        }
        let n = 31 - self.eob_run.leading_zeros();
        let bits = (self.eob_run & ((1 << n) - 1)) as u16;
        self.tokens.symbol((n << 4) as u8, bits, n as u8);
        self.eob_run = 0;
        for &(bits, count) in &self.held {
            self.tokens.correction_bits(bits, count);
        }
        self.held.clear();
        self.held_bits = 0;
    }

    /// T.81 G.1.2.2, first scan of a band: magnitudes shifted right by `al` (towards
    /// zero), runs of empty blocks as EOB runs.
    fn first(mut self, blocks: &[AlignedBlock], scan: &Scan) {
        for block in blocks {
            let mut mask = band_mask(block, scan.ss, scan.se, scan.al);
            let mut prev = u32::from(scan.ss) - 1;
            while mask != 0 {
                let k = mask.trailing_zeros();
                mask &= mask - 1;
                let mut run = k - prev - 1;
                prev = k;
                self.flush_eob_run();
                while run > 15 {
                    self.tokens.symbol(0xF0, 0, 0);
                    run -= 16;
                }
                let v = block.data[k as usize];
                let magnitude = v.unsigned_abs() >> scan.al;
                let size = 16 - magnitude.leading_zeros() as u8;
                // Negative values as their ones' complement, T.81 F.1.2.2.1.
                let bits = if v < 0 { !magnitude } else { magnitude } & ((1 << size) - 1);
                self.tokens.symbol(((run as u8) << 4) | size, bits, size);
            }
            if prev < u32::from(scan.se) {
                self.eob_run += 1;
                if self.eob_run == MAX_EOB_RUN {
                    self.flush_eob_run();
                }
            }
        }
        self.flush_eob_run();
    }

    /// T.81 G.1.2.3, refinement of a band by one bit (`al`): coefficients that become
    /// non-zero are coded with their sign like a first scan (size 1); ones already
    /// non-zero send their next bit as a correction bit, after the next symbol. Zero runs
    /// count only the coefficients still zero.
    fn refine(mut self, blocks: &[AlignedBlock], scan: &Scan) {
        for block in blocks {
            let nonzero = band_mask(block, scan.ss, scan.se, scan.al);
            let old = band_mask(block, scan.ss, scan.se, scan.al + 1);
            let new = nonzero & !old;
            // ZRLs are needed only before the last newly non-zero coefficient; after it
            // they fold into the EOB.
            let last_new = if new == 0 {
                0
            } else {
                63 - new.leading_zeros()
            };
            let mut mask = nonzero;
            let mut prev = u32::from(scan.ss) - 1;
            let mut run = 0;
            // This block's correction bits not yet sent (at most 63: fits a u64).
            let (mut pending, mut pending_count) = (0u64, 0u32);
            while mask != 0 {
                let k = mask.trailing_zeros();
                mask &= mask - 1;
                run += k - prev - 1;
                prev = k;
                while run > 15 && k <= last_new {
                    self.flush_eob_run();
                    self.tokens.symbol(0xF0, 0, 0);
                    run -= 16;
                    self.tokens.correction_bits(pending, pending_count);
                    (pending, pending_count) = (0, 0);
                }
                let v = block.data[k as usize];
                if old & (1 << k) != 0 {
                    pending = pending << 1 | u64::from((v.unsigned_abs() >> scan.al) & 1);
                    pending_count += 1;
                    continue;
                }
                self.flush_eob_run();
                let symbol = ((run as u8) << 4) | 1;
                let sign = u64::from(v > 0);
                if pending_count < 16 {
                    // The sign bit and up to 15 correction bits in the symbol's token.
                    let bits = (sign << pending_count | pending) as u16;
                    self.tokens.symbol(symbol, bits, 1 + pending_count as u8);
                } else {
                    self.tokens.symbol(symbol, sign as u16, 1);
                    self.tokens.correction_bits(pending, pending_count);
                }
                (pending, pending_count) = (0, 0);
                run = 0;
            }
            run += u32::from(scan.se) - prev;
            if run > 0 || pending_count > 0 {
                self.eob_run += 1;
                if pending_count > 0 {
                    self.held.push((pending, pending_count));
                    self.held_bits += pending_count as usize;
                }
                if self.eob_run == MAX_EOB_RUN || self.held_bits > MAX_CORRECTION_BITS - 63 {
                    self.flush_eob_run();
                }
            }
        }
        self.flush_eob_run();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColorType, Encoder, SamplingFactor};
    use alloc::vec;

    /// Gradients plus noise: every band and magnitude shows up, and high qualities give
    /// coefficients large enough for every point transform.
    fn noisy(width: usize, height: usize, channels: usize, seed: u32) -> Vec<u8> {
        let mut s = seed.wrapping_mul(2_654_435_761) | 1;
        let mut out = Vec::with_capacity(width * height * channels);
        for y in 0..height {
            for x in 0..width {
                for c in 0..channels {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    let base = (x * 3 + y * 5 + c * 40) % 256;
                    let edge = if (x / 5 + y / 7) % 2 == 0 { 60 } else { 0 };
                    let noise = (s % 48) as usize;
                    out.push(((base + edge + noise) % 256) as u8);
                }
            }
        }
        out
    }

    fn encode(
        data: &[u8],
        w: u16,
        h: u16,
        color: ColorType,
        quality: u8,
        sampling: SamplingFactor,
        progressive: bool,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, quality);
        e.set_sampling_factor(sampling);
        e.set_optimized_huffman_tables(true);
        e.set_standard_progression(progressive);
        e.encode(data, w, h, color).unwrap();
        out
    }

    fn decode(jpeg: &[u8]) -> (Vec<u8>, jpeg_decoder::ImageInfo) {
        let mut d = jpeg_decoder::Decoder::new(jpeg);
        let pixels = d.decode().expect("decodes");
        (pixels, d.info().unwrap())
    }

    #[test]
    fn decodes_to_the_sequential_files_pixels() {
        let sizes = [
            (1, 1),
            (7, 9),
            (16, 16),
            (17, 33),
            (64, 8),
            (101, 75),
            (258, 130),
        ];
        for (n, &(w, h)) in sizes.iter().enumerate() {
            for (color, channels) in [(ColorType::Rgb, 3), (ColorType::Luma, 1)] {
                for sampling in [
                    SamplingFactor::R_4_2_0,
                    SamplingFactor::R_4_4_4,
                    SamplingFactor::R_4_2_2,
                ] {
                    if channels == 1 && sampling != SamplingFactor::R_4_4_4 {
                        continue;
                    }
                    for quality in [20, 60, 80, 95, 100] {
                        let data = noisy(w, h, channels, n as u32 * 7 + u32::from(quality));
                        let seq =
                            encode(&data, w as u16, h as u16, color, quality, sampling, false);
                        let prog =
                            encode(&data, w as u16, h as u16, color, quality, sampling, true);
                        let (a, _) = decode(&seq);
                        let (b, info) = decode(&prog);
                        assert!(info.coding_process == jpeg_decoder::CodingProcess::DctProgressive);
                        assert_eq!(a, b, "{w}x{h} {channels} ch {sampling:?} q{quality}");
                        // Small files pay for the extra scan headers and tables; from a
                        // few hundred blocks on, mid qualities come out smaller.
                        if w >= 258 && (60..=95).contains(&quality) {
                            assert!(
                                prog.len() < seq.len(),
                                "{w}x{h} q{quality}: {} vs {}",
                                prog.len(),
                                seq.len()
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn long_eob_runs_and_held_correction_bits_flush() {
        // A flat image: almost every block is empty after its DC, so EOB runs reach
        // their 0x7FFF cap; a sparse grid of dots gives refinement scans correction bits
        // held behind long runs.
        let (w, h) = (2048usize, 1040usize);
        let mut data = vec![128u8; w * h * 3];
        for y in (0..h).step_by(37) {
            for x in (0..w).step_by(29) {
                let i = (y * w + x) * 3;
                data[i..i + 3].copy_from_slice(&[250, 10, 90]);
            }
        }
        for quality in [50, 90, 100] {
            let seq = encode(
                &data,
                w as u16,
                h as u16,
                ColorType::Rgb,
                quality,
                SamplingFactor::R_4_2_0,
                false,
            );
            let prog = encode(
                &data,
                w as u16,
                h as u16,
                ColorType::Rgb,
                quality,
                SamplingFactor::R_4_2_0,
                true,
            );
            assert_eq!(decode(&seq).0, decode(&prog).0, "q{quality}");
        }
    }

    #[test]
    fn script_is_libjpegs_for_ycbcr() {
        let got: Vec<_> = standard_script(3)
            .iter()
            .map(|s| (s.component, s.ss, s.se, s.ah, s.al))
            .collect();
        assert_eq!(
            got,
            [
                (0, 0, 0, 0, 1),
                (1, 0, 0, 0, 1),
                (2, 0, 0, 0, 1),
                (0, 1, 5, 0, 2),
                (2, 1, 63, 0, 1),
                (1, 1, 63, 0, 1),
                (0, 6, 63, 0, 2),
                (0, 1, 63, 2, 1),
                (0, 0, 0, 1, 0),
                (1, 0, 0, 1, 0),
                (2, 0, 0, 1, 0),
                (2, 1, 63, 1, 0),
                (1, 1, 63, 1, 0),
                (0, 1, 63, 1, 0),
            ]
        );
    }

    #[test]
    fn every_coefficient_bit_is_sent_exactly_once() {
        // Per component and coefficient, the bands and point transforms of the script
        // must cover bits 0.. of every AC and DC value exactly once (T.81 G.1.1.1.1).
        for components in [1, 3] {
            let script = standard_script(components);
            for c in 0..components {
                for k in 0..64u8 {
                    let mut bits = [0u8; 16];
                    for s in script.iter().filter(|s| s.component == c) {
                        if (s.ss..=s.se).contains(&k) {
                            let top = if s.ah == 0 { 16 } else { s.ah };
                            for b in s.al..top {
                                bits[b as usize] += 1;
                            }
                        }
                    }
                    assert!(
                        bits.iter().all(|&n| n == 1),
                        "component {c} coefficient {k}: {bits:?}"
                    );
                }
            }
        }
    }
}
