//! Encoders. JPEG: jpeg-encoder with 4:2:0 (box-averaged chroma), optimised Huffman
//! tables, Annex K quantisation tables with the luma scale set by how the pixels were
//! made smaller ([`ScalePath`]) and a dead zone on the AC coefficients (see `jpeg`). PNG: the [`Codecs`]' encoder
//! (`image`'s, in fhir_media_codecs). Neither writes EXIF, XMP, IPTC, GPS or comments; a
//! source ICC profile (its colour tags only, `super::icc`) is carried into the JPEG so colours
//! stay right.

use fhir_media_codecs::Codecs;
use jpeg_encoder::{
    rgb_to_ycbcr, ChromaSubsamplingMethod, Encoder, ImageBuffer, JpegColorType,
    QuantizationTableType, SamplingFactor,
};

use super::raster::Raster;
use crate::error::MediaError;

/// How a JPEG is written, apart from its quality.
#[derive(Debug, Clone, Copy)]
pub struct JpegStyle<'a> {
    /// The source's ICC profile with its colour tags only (`super::icc::sanitize`).
    pub icc_profile: Option<&'a [u8]>,
    /// Progressive with successive approximation (vendor/jpeg-encoder/src/progression.rs):
    /// the same coefficients as sequential, 1.6-3% fewer bytes on the bench photos at
    /// 0.8 (bench/BYTES.md), and viewers can show the photo coarse-to-fine while it loads.
    pub progressive: bool,
    /// How the pixels were made smaller, which sets the luma quantiser scale.
    pub path: ScalePath,
}

/// How the pixels reached the encoder. The same quality should look the same whichever
/// way they came, and it does not at one luma scale: the bench's SSIM (against a float
/// Lanczos-3 reference of the original, bench/BYTES.md) of our output at a quality,
/// minus the canvas path's at that quality, is +0.0020 for a DCT-scaled photo, +0.0004
/// for a resampled one and −0.0005 for one only re-encoded, at luma scale 0.97. Each
/// path's scale below brings that to between +0.0002 and +0.0004 (`npm run bench --
/// --sweep` with the lever tool's `wired-sa-L*` levers), one bench photo per path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalePath {
    /// Decoded at 1/8, 2/8 or 4/8 in the DCT domain and not resampled after: closer to
    /// the original than a resampling filter, so it can take a coarser luma scale.
    DctScaled,
    /// Decoded at 3/8, 5/8, 6/8 or 7/8 (the reduced N×N IDCTs, issue 15) and not
    /// resampled: measured on the 8 MP photo at 5/8, it needs about the resampled
    /// path's scale (1.06 gave ΔSSIM −0.0010 against the canvas path, 0.97 +0.0005).
    DctScaledFraction,
    /// Resampled (fast_image_resize), whether or not DCT-scaled first.
    Resampled,
    /// Neither: the source already fits and is only re-encoded, so the dead zone's
    /// loss shows most and luma needs a finer scale.
    Unscaled,
}

impl ScalePath {
    /// The luma quantiser scale relative to libjpeg's at the same quality. The dead zone
    /// costs a little SSIM; these buy it back so that a quality gives at least the SSIM
    /// of libjpeg-turbo (the browser's canvas encoder) at that quality: 12 MP photo
    /// (DCT-scaled) +0.0004 at 0.8 with 0.932× its bytes/px; 8 MP (resampled before
    /// issue 15) +0.0004, 0.945×, (at 5/8 now) see `DctScaledFraction`; 3 MP (unscaled)
    /// +0.0002, 0.906× (bench/BYTES.md).
    pub fn luma_scale(self) -> f64 {
        match self {
            ScalePath::DctScaled => 1.06,
            ScalePath::DctScaledFraction => 0.98,
            ScalePath::Resampled => 0.97,
            ScalePath::Unscaled => 0.93,
        }
    }
}

/// JPEG quality in (0, 1] to the encoder's 1..=100 scale.
pub fn quality_percent(quality: f64) -> u8 {
    (quality * 100.0).round().clamp(1.0, 100.0) as u8
}

/// Percent of the quantiser step added to an AC coefficient's magnitude before it is
/// truncated: 50 would round to nearest (libjpeg); 40 is a dead zone that zeroes the
/// coefficients just over half a step, which cost more bits than the detail they carry.
/// Measured at equal SSIM against the canvas path (bench/sweep.mjs, bench/RESULTS.md):
/// 4-7% fewer bytes on the 12 MP and 8 MP photos; flat between 33 and 45.
const AC_ROUNDING: u8 = 40;

/// ITU-T T.81 Annex K luma table, natural order (jpeg-encoder's and libjpeg's).
const ANNEX_K_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// libjpeg's quality → quantiser scale, in percent of the base tables: 5000/q below 50,
/// 200 - 2q from 50 (0 at q = 100). Exact; libjpeg divides in integers, so its tables use
/// the floor of this.
pub(crate) fn libjpeg_scale(quality: u8) -> f64 {
    let q = f64::from(quality.clamp(1, 100));
    if q < 50.0 {
        5000.0 / q
    } else {
        200.0 - 2.0 * q
    }
}

/// `base` at libjpeg's scale for `quality`, times `factor`, rounded as libjpeg, clamped
/// to baseline's 1..=255.
fn scaled_table(base: &[u16; 64], quality: u8, factor: f64) -> [u16; 64] {
    let scale = libjpeg_scale(quality).floor() * factor;
    base.map(|v| {
        ((f64::from(v) * scale + 50.0) / 100.0)
            .floor()
            .clamp(1.0, 255.0) as u16
    })
}

/// Encode as JPEG; an alpha channel, if any, is ignored (callers flatten it first).
/// Chroma is exactly libjpeg's at `quality` (Annex K table, 4:2:0); luma uses the Annex K
/// table at the path's `luma_scale` times libjpeg's scale; both with the `AC_ROUNDING`
/// dead zone.
pub fn jpeg(img: &Raster, quality: u8, style: JpegStyle) -> Result<Vec<u8>, MediaError> {
    let (w, h) = dims_u16(img.width, img.height)?;
    let mut out = Vec::with_capacity(img.data.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(SamplingFactor::R_4_2_0);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_optimized_huffman_tables(true);
    let luma = scaled_table(&ANNEX_K_LUMA, quality, style.path.luma_scale());
    encoder.set_quantization_tables(
        QuantizationTableType::Custom(Box::new(luma)),
        QuantizationTableType::Default,
    );
    encoder.set_ac_rounding(AC_ROUNDING, AC_ROUNDING);
    encoder.set_standard_progression(style.progressive);
    if let Some(icc) = style.icc_profile {
        encoder.add_icc_profile(icc).map_err(encode_error)?;
    }
    encoder
        .encode_image(Rows { img, w, h })
        .map_err(encode_error)?;
    Ok(out)
}

/// Encode as PNG (RGB or RGBA as the raster is) with `codecs`.
pub fn png(img: &Raster, codecs: &dyn Codecs) -> Result<Vec<u8>, MediaError> {
    // Raster keeps `channels` at 3 or 4.
    let channels = if img.channels == 4 { 4 } else { 3 };
    Ok(codecs.encode_png(img.width, img.height, channels, &img.data)?)
}

/// Our raster as jpeg-encoder input. Going through `encode_image` with this one type
/// (instead of `encode`, which dispatches over nine colour types) keeps one copy of the
/// encoder in the wasm; the YCbCr conversion per row is here for the same reason.
struct Rows<'a> {
    img: &'a Raster,
    w: u16,
    h: u16,
}

impl ImageBuffer for Rows<'_> {
    fn get_jpeg_color_type(&self) -> JpegColorType {
        JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.w
    }

    fn height(&self) -> u16 {
        self.h
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let c = self.img.channels;
        let row_len = self.w as usize * c;
        let start = y as usize * row_len;
        let Some(row) = self.img.data.get(start..start + row_len) else {
            return;
        };
        let [luma, cb, cr, _] = buffers;
        ycbcr_row(row, c, luma, cb, cr);
    }
}

/// Appends the YCbCr of each pixel of `row` (`channels` 3 or 4 bytes a pixel, alpha
/// ignored) to `luma`, `cb` and `cr`, exactly as `jpeg_encoder::rgb_to_ycbcr` would.
/// Public only so that tests/encode_exact.rs can check the wasm SIMD path against it.
pub fn ycbcr_row(
    row: &[u8],
    channels: usize,
    luma: &mut Vec<u8>,
    cb: &mut Vec<u8>,
    cr: &mut Vec<u8>,
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let row = simd128::ycbcr_row(row, channels, luma, cb, cr);
    for px in row.chunks_exact(channels) {
        let (y, b, r) = rgb_to_ycbcr(px[0], px[1], px[2]);
        luma.push(y);
        cb.push(b);
        cr.push(r);
    }
}

/// `rgb_to_ycbcr` on 16 pixels at a time. Its arithmetic is done in u32/i32 lanes with
/// the same coefficients, rounding and shifts, so results are identical: every
/// intermediate fits (|value| < 2^25) and each final value is already in 0..=255, so the
/// saturating narrows never clamp.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::*;

    /// Converts the whole 16-pixel groups of `row`; returns the pixels left over.
    pub(super) fn ycbcr_row<'a>(
        row: &'a [u8],
        channels: usize,
        luma: &mut Vec<u8>,
        cb: &mut Vec<u8>,
        cr: &mut Vec<u8>,
    ) -> &'a [u8] {
        let group = 16 * channels;
        let mut groups = row.chunks_exact(group);
        for px in &mut groups {
            let (r, g, b) = if channels == 3 {
                deinterleave_rgb(px)
            } else {
                deinterleave_rgba(px)
            };
            let (y, u, v) = convert(r, g, b);
            luma.extend_from_slice(&bytes(y));
            cb.extend_from_slice(&bytes(u));
            cr.extend_from_slice(&bytes(v));
        }
        groups.remainder()
    }

    #[inline(always)]
    fn load(bytes: &[u8], at: usize) -> v128 {
        let lanes = &bytes[at..at + 16];
        // SAFETY: `lanes` is 16 bytes; v128_load has no alignment requirement.
        unsafe { v128_load(lanes.as_ptr() as *const v128) }
    }

    #[inline(always)]
    fn bytes(v: v128) -> [u8; 16] {
        let mut out = [0u8; 16];
        // SAFETY: `out` is 16 bytes; v128_store has no alignment requirement.
        unsafe { v128_store(out.as_mut_ptr() as *mut v128, v) };
        out
    }

    /// 16 RGB pixels (48 bytes) to one vector per channel.
    #[inline(always)]
    fn deinterleave_rgb(px: &[u8]) -> (v128, v128, v128) {
        let (a, b, c) = (load(px, 0), load(px, 16), load(px, 32));
        // Channel k of pixel i is byte 3i + k: pixels 0-10 (or 0-9) come from a and b,
        // the rest from c (indices 16.. of the second shuffle).
        let r = i8x16_shuffle::<0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0>(a, b);
        let r = i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29>(r, c);
        let g = i8x16_shuffle::<1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0>(a, b);
        let g = i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30>(g, c);
        let bl = i8x16_shuffle::<2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0>(a, b);
        let bl = i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31>(bl, c);
        (r, g, bl)
    }

    /// 16 RGBA pixels (64 bytes) to one vector per colour channel.
    #[inline(always)]
    fn deinterleave_rgba(px: &[u8]) -> (v128, v128, v128) {
        let (a, b, c, d) = (load(px, 0), load(px, 16), load(px, 32), load(px, 48));
        // 8 R then 8 G of pixels 0-7 (a, b) and 8-15 (c, d); likewise B.
        let rg0 = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29>(a, b);
        let rg1 = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29>(c, d);
        let b0 = i8x16_shuffle::<2, 6, 10, 14, 18, 22, 26, 30, 2, 6, 10, 14, 18, 22, 26, 30>(a, b);
        let b1 = i8x16_shuffle::<2, 6, 10, 14, 18, 22, 26, 30, 2, 6, 10, 14, 18, 22, 26, 30>(c, d);
        (
            i64x2_shuffle::<0, 2>(rg0, rg1),
            i64x2_shuffle::<1, 3>(rg0, rg1),
            i64x2_shuffle::<0, 2>(b0, b1),
        )
    }

    /// Sum of `c * x` over the (coefficient, 8 × u16) pairs, for the low (`HIGH` false)
    /// or high four lanes, as i32 (wrapping, but nothing here comes near 2^31).
    #[inline(always)]
    fn dot<const HIGH: bool>(terms: [(i32, v128); 3], constant: i32) -> v128 {
        terms.iter().fold(i32x4_splat(constant), |acc, &(c, x)| {
            let x = if HIGH {
                u32x4_extend_high_u16x8(x)
            } else {
                u32x4_extend_low_u16x8(x)
            };
            i32x4_add(acc, i32x4_mul(x, i32x4_splat(c)))
        })
    }

    /// `rgb_to_ycbcr` on 8 pixels given as u16 lanes; returns Y, Cb, Cr as u16 lanes.
    #[inline(always)]
    fn convert8(r: v128, g: v128, b: v128) -> (v128, v128, v128) {
        const ROUND: i32 = 0x7FFF;
        const OFFSET: i32 = (128 << 16) + ROUND;
        let channel = |rc: i32, gc: i32, bc: i32, k: i32| {
            let terms = [(rc, r), (gc, g), (bc, b)];
            let lo = i32x4_shr(dot::<false>(terms, k), 16);
            let hi = i32x4_shr(dot::<true>(terms, k), 16);
            u16x8_narrow_i32x4(lo, hi)
        };
        (
            channel(19595, 38470, 7471, ROUND),
            channel(-11059, -21709, 32768, OFFSET),
            channel(32768, -27439, -5329, OFFSET),
        )
    }

    #[inline(always)]
    fn convert(r: v128, g: v128, b: v128) -> (v128, v128, v128) {
        let (y0, u0, v0) = convert8(
            u16x8_extend_low_u8x16(r),
            u16x8_extend_low_u8x16(g),
            u16x8_extend_low_u8x16(b),
        );
        let (y1, u1, v1) = convert8(
            u16x8_extend_high_u8x16(r),
            u16x8_extend_high_u8x16(g),
            u16x8_extend_high_u8x16(b),
        );
        (
            u8x16_narrow_i16x8(y0, y1),
            u8x16_narrow_i16x8(u0, u1),
            u8x16_narrow_i16x8(v0, v1),
        )
    }
}

fn dims_u16(w: u32, h: u32) -> Result<(u16, u16), MediaError> {
    match (u16::try_from(w), u16::try_from(h)) {
        (Ok(w), Ok(h)) => Ok((w, h)),
        _ => Err(MediaError::invalid(
            "maxDimension",
            "JPEG cannot exceed 65535 pixels a side",
        )),
    }
}

fn encode_error(e: jpeg_encoder::EncodingError) -> MediaError {
    use jpeg_encoder::EncodingError as E;
    // Encoding our own well-formed buffers only fails on impossible sizes. Each variant is
    // spelled out: the crate's Display would link std::io::Error's formatting (~0.8 KB wasm).
    MediaError::corrupt(match e {
        E::IccTooLarge(n) => format!("encoding failed: the ICC profile is too large ({n} bytes)"),
        E::AppSegmentTooLarge(n) => {
            format!("encoding failed: an app segment is too large ({n} bytes)")
        }
        E::InvalidAppSegment(n) => format!("encoding failed: invalid app segment {n}"),
        E::BadImageData { length, required } => {
            format!("encoding failed: {length} bytes of pixels, {required} needed")
        }
        E::ZeroImageDimensions { width, height } => {
            format!("encoding failed: zero image size {width}x{height}")
        }
        E::IoError(_) | E::Write(_) => "encoding failed: could not write the output".to_string(),
    })
}

#[cfg(test)]
mod tests {
    /// Floored, the scale is libjpeg's `jpeg_quality_scaling` (integer arithmetic) at
    /// every quality, out-of-range ones clamped.
    #[test]
    fn libjpeg_scale_floored_is_libjpegs_integer_rule() {
        for q in 0..=u8::MAX {
            let c = u32::from(q.clamp(1, 100));
            let libjpeg = if c < 50 { 5000 / c } else { 200 - 2 * c };
            assert_eq!(super::libjpeg_scale(q).floor(), f64::from(libjpeg), "{q}");
        }
    }
}
