//! Fit the encoded image into `maxBytes` with few encodes. JPEG size falls roughly as a
//! power of libjpeg's quantiser scale, so one measured encode predicts the quality for the
//! budget; a second point fits the exponent. Typical cost: 1 encode when the start
//! quality fits, 2-3 otherwise. Only when the quality would go below `MIN_QUALITY` is the
//! picture made smaller instead.

use fhir_media_codecs::Codecs;

use super::encode::{self, JpegStyle};
use super::raster::Raster;
use super::resize;
use crate::error::MediaError;
use crate::options::MIN_QUALITY;

/// Aim a little under the budget: sizes are predicted, not known.
const AIM: f64 = 0.96;
/// A fitting result this close to the budget is good enough; no further encode.
const GOOD_ENOUGH: f64 = 0.85;
/// Exponent of size ∝ scale^-k before a second point is measured (photos: 0.55-0.75).
const DEFAULT_EXPONENT: f64 = 0.65;
/// Smallest picture we will shrink to before giving up on the budget.
const MIN_LONG_SIDE: u32 = 16;
const MAX_SHRINKS: u32 = 8;

pub struct Encoded {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// JPEG quality in (0, 1]; `None` for PNG.
    pub quality: Option<f64>,
    /// How many times the encoder ran.
    pub encodes: u32,
}

/// The quantiser scale the size model uses: libjpeg's, but at least 1 (q = 100 scales by
/// 0, where a power law has no size to predict from).
fn q_scale(q: u8) -> f64 {
    encode::libjpeg_scale(q).max(1.0)
}

/// The inverse of libjpeg's scale, continuous: the quality a predicted scale needs.
fn scale_to_q(scale: f64) -> f64 {
    if scale <= 100.0 {
        (200.0 - scale) / 2.0
    } else {
        5000.0 / scale
    }
}

/// Quality whose predicted size is `target`, from a measured `(q, size)` and exponent `k`.
fn predict(q: u8, size: usize, target: f64, k: f64) -> u8 {
    let scale = q_scale(q) * pow(size as f64 / target, 1.0 / k);
    scale_to_q(scale).floor().clamp(1.0, 100.0) as u8
}

/// `base^exp` for a positive base, through `ln` and `exp`: both are linked anyway, and
/// libm's `pow` (exact for every corner case, which size ratios never are) costs ~1 KB
/// of gzipped wasm. A few ulps do not move a predicted quality.
fn pow(base: f64, exp: f64) -> f64 {
    (base.ln() * exp).exp()
}

/// Fit the exponent from two measured points; fall back to the default when degenerate.
fn exponent(a: (u8, usize), b: (u8, usize)) -> f64 {
    let ds = (q_scale(a.0) / q_scale(b.0)).ln();
    let dz = (b.1 as f64 / a.1 as f64).ln();
    let k = dz / ds;
    if k.is_finite() && (0.2..=2.0).contains(&k) {
        k
    } else {
        DEFAULT_EXPONENT
    }
}

/// `max_bytes` as a length: saturated, since on wasm32 a budget of 4 GiB or more would
/// otherwise wrap to a few bytes (or to 0) and refuse every photo.
fn budget_of(max_bytes: u64) -> usize {
    usize::try_from(max_bytes).unwrap_or(usize::MAX)
}

/// Encode `img` as JPEG within `max_bytes`, starting at `quality`.
pub fn jpeg_within(
    img: Raster,
    quality: f64,
    max_bytes: u64,
    style: JpegStyle,
) -> Result<Encoded, MediaError> {
    let budget = budget_of(max_bytes);
    let target = budget as f64 * AIM;
    let min_q = encode::quality_percent(MIN_QUALITY);
    let q0 = encode::quality_percent(quality);
    let mut encodes = 0;
    let mut run = |img: &Raster, q: u8| {
        encodes += 1;
        encode::jpeg(img, q, style).map(|b| (q, b))
    };

    let first = run(&img, q0)?;
    if first.1.len() <= budget {
        return Ok(done(&img, first, encodes));
    }
    let q1 = predict(q0, first.1.len(), target, DEFAULT_EXPONENT);
    if q1 < min_q {
        return shrink_jpeg(img, (q0, first.1.len()), budget, style, encodes);
    }
    let second = run(&img, q1)?;
    let k = exponent((q0, first.1.len()), (q1, second.1.len()));
    if second.1.len() <= budget {
        // Fits. If it undershoots a lot, one try at a better quality between q1 and q0.
        if second.1.len() as f64 >= budget as f64 * GOOD_ENOUGH {
            return Ok(done(&img, second, encodes));
        }
        let q2 = predict(q1, second.1.len(), target, k).clamp(q1, q0.saturating_sub(1));
        if q2 > q1 {
            let third = run(&img, q2)?;
            if third.1.len() <= budget {
                return Ok(done(&img, third, encodes));
            }
        }
        return Ok(done(&img, second, encodes));
    }
    // Still too big: refit and aim lower.
    let q2 = predict(q1, second.1.len(), target * 0.97, k).min(q1.saturating_sub(1));
    if q2 >= min_q {
        let third = run(&img, q2)?;
        if third.1.len() <= budget {
            return Ok(done(&img, third, encodes));
        }
        return shrink_jpeg(img, (q2, third.1.len()), budget, style, encodes);
    }
    shrink_jpeg(img, (q1, second.1.len()), budget, style, encodes)
}

fn done(img: &Raster, (q, bytes): (u8, Vec<u8>), encodes: u32) -> Encoded {
    Encoded {
        bytes,
        width: img.width,
        height: img.height,
        quality: Some(q as f64 / 100.0),
        encodes,
    }
}

/// At `MIN_QUALITY`, reduce the pixel count until the budget is met. `last` is the
/// most recent `(quality, size)` measured at the current dimensions.
fn shrink_jpeg(
    img: Raster,
    last: (u8, usize),
    budget: usize,
    style: JpegStyle,
    mut encodes: u32,
) -> Result<Encoded, MediaError> {
    let q = encode::quality_percent(MIN_QUALITY);
    let mut source = img;
    // Estimated size at the minimum quality and the current dimensions.
    let mut estimate = last.1 as f64 * pow(q_scale(q) / q_scale(last.0), -DEFAULT_EXPONENT);
    let (mut w, mut h) = (source.width, source.height);
    for _ in 0..MAX_SHRINKS {
        let factor = (budget as f64 * AIM * 0.95 / estimate).sqrt().min(0.95);
        (w, h) = shrunk(w, h, factor)?;
        let small = resize::resize_to(&mut source, w, h)?;
        encodes += 1;
        let resampled = JpegStyle {
            path: encode::ScalePath::Resampled,
            ..style
        };
        let bytes = encode::jpeg(&small, q, resampled)?;
        if bytes.len() <= budget {
            return Ok(done(&small, (q, bytes), encodes));
        }
        estimate = bytes.len() as f64;
    }
    Err(budget_error(budget))
}

/// PNG is lossless: the only lever is the pixel count.
pub fn png_within(
    mut img: Raster,
    max_bytes: u64,
    codecs: &dyn Codecs,
) -> Result<Encoded, MediaError> {
    let budget = budget_of(max_bytes);
    let (mut w, mut h) = (img.width, img.height);
    // Deflate packs at most 258 bytes into a match of 2+ bits (~1032:1), so no PNG is
    // smaller than its filtered rows / 1032. Under a budget below that even a flat picture
    // cannot fit: start smaller rather than spend a large encode finding out.
    let floor = h as f64 * (1.0 + w as f64 * img.channels as f64) / 1032.0;
    let mut bytes = if floor > budget as f64 {
        (w, h) = shrunk(w, h, (budget as f64 * AIM / floor).sqrt())?;
        encode::png(&resize::resize_to(&mut img, w, h)?, codecs)?
    } else {
        encode::png(&img, codecs)?
    };
    let mut encodes = 1;
    while bytes.len() > budget {
        if encodes > MAX_SHRINKS {
            return Err(budget_error(budget));
        }
        let factor = (budget as f64 * AIM / bytes.len() as f64).sqrt().min(0.95);
        (w, h) = shrunk(w, h, factor)?;
        bytes = encode::png(&resize::resize_to(&mut img, w, h)?, codecs)?;
        encodes += 1;
    }
    Ok(Encoded {
        bytes,
        width: w,
        height: h,
        quality: None,
        encodes,
    })
}

fn shrunk(w: u32, h: u32, factor: f64) -> Result<(u32, u32), MediaError> {
    let nw = ((w as f64 * factor).floor() as u32).max(1);
    let nh = ((h as f64 * factor).floor() as u32).max(1);
    if nw.max(nh) < MIN_LONG_SIDE {
        return Err(MediaError::invalid(
            "maxBytes",
            "is too small to hold this image even as a thumbnail",
        ));
    }
    Ok((nw, nh))
}

fn budget_error(budget: usize) -> MediaError {
    MediaError::invalid(
        "maxBytes",
        format!("{budget} bytes is too small to hold this image; allow more bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_round_trips() {
        for q in [10u8, 30, 50, 75, 85, 95] {
            assert_eq!(scale_to_q(q_scale(q)).round() as u8, q);
        }
    }

    #[test]
    fn prediction_moves_the_right_way() {
        assert!(predict(85, 1_000_000, 500_000.0, 0.65) < 85);
        assert!(predict(50, 100_000, 200_000.0, 0.65) > 50);
        assert_eq!(predict(85, 1_000, 1_000.0, 0.65), 85);
    }
}
