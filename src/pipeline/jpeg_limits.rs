//! What a JPEG must meet before jpeg-decoder allocates or loops for it, read from its marker
//! segments in one walk (no entropy decoding): it ends with EOI, its frame is within the
//! pixel limit, a progressive frame's coefficients fit their memory budget, and its scans
//! are few. libjpeg-turbo guards untrusted input the same way (TJPARAM_MAXMEMORY for the
//! whole-image coefficient buffer, TJPARAM_SCANLIMIT / djpeg -maxscans for scans).

use super::decode::jpeg_scale;
use super::limits;
use crate::error::MediaError;

/// Most scans a progressive JPEG may have. Encoders write about 10 (libjpeg's default
/// script) and rarely over 100; every scan walks all blocks of its components (missing
/// data reads as zeros), so thousands of tiny scans cost CPU without bytes.
pub const MAX_SCANS: usize = 500;

/// Bytes of DCT coefficients a progressive JPEG may need. jpeg-decoder keeps every one at
/// full size (2 bytes a sample) until the last scan, whatever the DCT scale, where a
/// baseline photo of the same size holds only the scaled picture: 48 MiB is 16 MP at
/// 4:2:0, 8 MP at 4:4:4 (a baseline 16 MP photo peaks at ~37 MB; tests/hostile_jpeg.rs).
pub const PROGRESSIVE_COEFFICIENT_BUDGET: u64 = 48 << 20;

/// And at most this many times the bytes of the picture as decoded (RGB at the DCT
/// scale), which a baseline decode holds too: so a 16000x1000 panorama decoded at 1/8
/// cannot hold 48 MB for a 0.75 MB picture. 6 lets a 4:2:0 frame decode at 1/2 (the
/// phone photo bound for 2048 px).
pub const COEFFICIENTS_PER_PICTURE_BYTE: u64 = 6;

/// Most blocks all scans together may walk, counting each scan as a pass over the whole
/// frame: 32 passes over the largest progressive frame the coefficient budget allows (~5 s
/// natively; libjpeg's 10-scan script is 10). 500 scans over that frame took 37 s.
pub const MAX_BLOCK_VISITS: u64 = 32 * (PROGRESSIVE_COEFFICIENT_BUDGET / 128);

/// The frame (SOFn) as far as the limits need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub progressive: bool,
    pub components: usize,
    /// 8x8 blocks of all components, rounded up to whole MCUs (as jpeg-decoder walks them).
    pub blocks: u64,
}

impl Frame {
    /// Bytes jpeg-decoder allocates for a progressive frame's coefficients: 64 a block,
    /// 2 bytes each.
    pub fn coefficient_bytes(&self) -> u64 {
        self.blocks * 128
    }
}

/// What one walk over the marker segments found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// The last scan's data is followed by EOI (the file is not cut off).
    pub reaches_eoi: bool,
    pub frame: Option<Frame>,
    pub scans: usize,
}

/// Refuse before decoding: a file cut off before EOI, a frame over `max_pixels`, a
/// progressive frame whose coefficients would exceed the budget when decoded for a
/// longest side of `target`, too many scans.
pub fn check(bytes: &[u8], max_pixels: u64, target: u32) -> Result<(), MediaError> {
    let layout = walk(bytes);
    // jpeg-decoder pads a cut-off scan with grey; a half-grey wound photo must not reach
    // the chart, so refuse files that end before their EOI marker.
    if !layout.reaches_eoi {
        return Err(MediaError::corrupt(
            "the JPEG ends before its last scan is complete",
        ));
    }
    let Some(frame) = layout.frame else {
        return Err(MediaError::corrupt("JPEG without a frame header"));
    };
    limits::check_pixels(frame.width, frame.height, max_pixels)?;
    if frame.progressive {
        let need = frame.coefficient_bytes();
        let allowed = coefficient_budget(frame.width, frame.height, target);
        if need > allowed {
            // Said as pixels, the limit a person can act on: this file's pixel count scaled
            // by how far over the budget its coefficients are.
            let pixels = frame.width as u64 * frame.height as u64;
            // f64: u128 division would link ~2 KB of compiler builtins into the wasm.
            let limit = (pixels as f64 * allowed as f64 / need as f64) as u64;
            return Err(MediaError::TooManyPixels {
                width: frame.width,
                height: frame.height,
                limit,
            });
        }
    }
    let too_many_scans = if frame.progressive {
        layout.scans > MAX_SCANS
            || (layout.scans as u64).saturating_mul(frame.blocks) > MAX_BLOCK_VISITS
    } else {
        // Sequential JPEG: each component is in exactly one scan (ITU T.81, B.2.3).
        layout.scans > frame.components
    };
    if too_many_scans {
        return Err(MediaError::corrupt(
            "the JPEG has more scans than it may have",
        ));
    }
    Ok(())
}

/// Coefficient bytes a progressive `width` x `height` frame may need when decoded for a
/// longest side of `target`.
pub fn coefficient_budget(width: u32, height: u32, target: u32) -> u64 {
    // The decode is at M/8 (jpeg_scale's M), the picture that big.
    let m = u64::from(jpeg_scale(width, height, target));
    let side = |v: u32| (u64::from(v) * m).div_ceil(8);
    let picture = side(width) * side(height) * 3;
    PROGRESSIVE_COEFFICIENT_BUDGET.min(picture * COEFFICIENTS_PER_PICTURE_BYTE)
}

/// Walk the marker segments (skipping APPn payloads, so an EXIF thumbnail's own EOI does
/// not count) and the entropy-coded data after each SOS, until EOI.
pub fn walk(bytes: &[u8]) -> Layout {
    let mut layout = Layout::default();
    let mut i = 2; // after SOI
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return layout;
        }
        let marker = bytes[i + 1];
        match marker {
            0xD9 => {
                layout.reaches_eoi = true;
                return layout;
            }
            0xFF => i += 1, // fill byte
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(len) = bytes.get(i + 2..i + 4) else {
                    return layout;
                };
                let len = u16::from_be_bytes([len[0], len[1]]) as usize;
                let segment = bytes.get(i + 4..(i + 2 + len).min(bytes.len()));
                if is_sof(marker) && layout.frame.is_none() {
                    layout.frame = segment.and_then(|s| frame(marker, s));
                }
                i += 2 + len;
                if marker == 0xDA {
                    layout.scans += 1;
                    // Entropy-coded data: ends at an FF not followed by 00 or RSTn.
                    while i + 1 < bytes.len()
                        && !(bytes[i] == 0xFF
                            && bytes[i + 1] != 0x00
                            && !(0xD0..=0xD7).contains(&bytes[i + 1]))
                    {
                        i += 1;
                    }
                }
            }
        }
    }
    layout
}

/// SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC).
fn is_sof(marker: u8) -> bool {
    (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// A SOFn payload: precision, height, width, component count, then 3 bytes a component
/// (identifier, sampling factors, quantisation table).
fn frame(marker: u8, s: &[u8]) -> Option<Frame> {
    let height = u16::from_be_bytes([*s.get(1)?, *s.get(2)?]) as u32;
    let width = u16::from_be_bytes([*s.get(3)?, *s.get(4)?]) as u32;
    let count = *s.get(5)? as usize;
    let factors = s.get(6..6 + 3 * count)?.chunks_exact(3).map(|c| c[1]);
    let h_max = factors.clone().map(|f| f >> 4).max().unwrap_or(1).max(1) as u64;
    let v_max = factors.clone().map(|f| f & 0x0F).max().unwrap_or(1).max(1) as u64;
    let mcus = (width as u64).div_ceil(8 * h_max) * (height as u64).div_ceil(8 * v_max);
    Some(Frame {
        width,
        height,
        // SOF2, SOF6, SOF10, SOF14: progressive (Huffman or arithmetic, any hierarchy).
        progressive: matches!(marker, 0xC2 | 0xC6 | 0xCA | 0xCE),
        components: count,
        blocks: factors
            .map(|f| mcus * (f >> 4) as u64 * (f & 0x0F) as u64)
            .sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eoi_walk_skips_app_segments_and_scan_stuffing() {
        // SOI, APP1 holding a fake thumbnail with its own EOI, SOS, data with FF00 and
        // RST0, EOI.
        let full = [
            0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00, 0xFF, 0xDA, 0x00, 0x02,
            0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9,
        ];
        assert!(walk(&full).reaches_eoi);
        assert_eq!(walk(&full).scans, 1);
        assert!(!walk(&full[..full.len() - 2]).reaches_eoi);
        assert!(
            !walk(&full[..9]).reaches_eoi,
            "the thumbnail's EOI is not ours"
        );
    }

    #[test]
    fn blocks_count_whole_mcus_per_component() {
        // SOF2 payload: precision 8, height, width, then (id, sampling, table) a component.
        let sof = |w: u16, h: u16, sampling: &[u8]| {
            let mut s = vec![8];
            s.extend_from_slice(&h.to_be_bytes());
            s.extend_from_slice(&w.to_be_bytes());
            s.push(sampling.len() as u8);
            for (id, &f) in sampling.iter().enumerate() {
                s.extend_from_slice(&[id as u8 + 1, f, 0]);
            }
            frame(0xC2, &s).expect("frame")
        };
        // 4:2:0: 16x16 MCUs of 4 luma blocks and 1 block each of Cb, Cr.
        assert_eq!(sof(16, 16, &[0x22, 0x11, 0x11]).blocks, 6);
        // 17 px wide: a second MCU column.
        assert_eq!(sof(17, 16, &[0x22, 0x11, 0x11]).blocks, 12);
        // 4:4:4 at 65535 x 65535: no overflow.
        let big = sof(65535, 65535, &[0x11; 3]);
        assert_eq!(big.coefficient_bytes(), 3 * 8192 * 8192 * 128);
        assert!(big.progressive);
        assert_eq!(frame(0xC2, &[8, 0, 16, 0, 16, 3, 1, 0x22]), None, "cut off");
    }
}
