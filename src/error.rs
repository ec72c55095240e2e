//! The pipeline's one error type. Each variant maps to a stable `code` string that the
//! JS `MediaError` carries; the `Display` text is written for the person holding the phone.

use std::fmt;

/// Why a photo could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("This file is not an image we can read ({detail}). Choose a JPEG, PNG, HEIC, WebP, GIF, BMP or TIFF photo.")]
    UnsupportedFormat { detail: String },

    #[error("The image data is damaged or incomplete ({detail}). Take the photo again or choose another file.")]
    CorruptImage { detail: String },

    #[error("The file is {size} bytes, over the limit of {limit} bytes. Choose a smaller file or a lower camera resolution.")]
    TooLarge { size: u64, limit: u64 },

    #[error("The image is {width}x{height} pixels ({}), over the limit of {}. Choose a smaller image.", Megapixels(*width as u64 * *height as u64), Megapixels(*limit))]
    TooManyPixels { width: u32, height: u32, limit: u64 },

    #[error("HEIC/HEIF photos cannot be converted in this browser yet. On an iPhone, share the photo as JPEG (or set Settings > Camera > Formats > Most Compatible) and choose it again.")]
    HeicNotDecodable,

    #[error("Invalid option `{field}`: {reason}")]
    InvalidOptions { field: String, reason: String },
}

impl MediaError {
    /// The stable machine-readable code, as documented in the public API.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::UnsupportedFormat { .. } => "unsupported-format",
            MediaError::CorruptImage { .. } => "corrupt-image",
            MediaError::TooLarge { .. } => "too-large",
            MediaError::TooManyPixels { .. } => "too-many-pixels",
            MediaError::HeicNotDecodable => "heic-not-decodable",
            MediaError::InvalidOptions { .. } => "invalid-options",
        }
    }

    pub(crate) fn corrupt(detail: impl fmt::Display) -> Self {
        MediaError::CorruptImage {
            detail: detail.to_string(),
        }
    }

    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        MediaError::InvalidOptions {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

/// The codecs' errors (PNG, WebP, GIF, BMP; native or from the codecs wasm) as ours.
impl From<fhir_media_codecs::CodecError> for MediaError {
    fn from(e: fhir_media_codecs::CodecError) -> Self {
        use fhir_media_codecs::CodecError;
        match e {
            CodecError::Unsupported(detail) => MediaError::UnsupportedFormat { detail },
            CodecError::Corrupt(detail) => MediaError::CorruptImage { detail },
            CodecError::TooManyPixels {
                width,
                height,
                limit,
            } => MediaError::TooManyPixels {
                width,
                height,
                limit,
            },
        }
    }
}

struct Megapixels(u64);

/// Shows what `{:.1} MP` of `pixels / 1e6` shows, digit for digit, but with integers:
/// core's float formatting is ~7 KB of wasm in every module that shows a MediaError.
impl fmt::Display for Megapixels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = round_tenths(self.0 as f64 / 1_000_000.0);
        write!(f, "{}.{} MP", tenths / 10, tenths % 10)
    }
}

/// `x * 10` rounded to an integer half to even, from the exact binary value of `x`
/// (finite, at least 0), as `{:.1}` rounds.
fn round_tenths(x: f64) -> u64 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    // x = mantissa * 2^exp exactly.
    let (mantissa, exp) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | 1 << 52, biased - 1075)
    };
    let scaled = u128::from(mantissa) * 10;
    let rounded = if exp >= 0 {
        // Not reached for pixel counts (below 2^64 / 1e6 < 2^45); bounded so it cannot overflow.
        scaled << exp.min(64)
    } else if exp <= -100 {
        0
    } else {
        let shift = exp.unsigned_abs();
        let floor = scaled >> shift;
        let rest = scaled & ((1 << shift) - 1);
        let half = 1 << (shift - 1);
        floor + u128::from(rest > half || (rest == half && floor % 2 == 1))
    };
    u64::try_from(rounded).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn megapixels_read_as_float_formatting_would() {
        let mut n = 0u64;
        let mut checked = 0;
        // Every tie (…50_000) and its neighbours up to 400 MP, then a spread of large counts.
        while n < 400_000_000 {
            for p in [n, n + 49_999, n + 50_000, n + 50_001, n + 99_999] {
                let want = format!("{:.1} MP", p as f64 / 1_000_000.0);
                assert_eq!(Megapixels(p).to_string(), want, "{p}");
                checked += 1;
            }
            n += 100_000;
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let p = x >> (x % 40);
            let want = format!("{:.1} MP", p as f64 / 1_000_000.0);
            assert_eq!(Megapixels(p).to_string(), want, "{p}");
        }
        assert!(checked > 10_000);
        let e = MediaError::TooManyPixels {
            width: 5000,
            height: 5000,
            limit: 24_000_000,
        };
        assert!(
            e.to_string()
                .contains("(25.0 MP), over the limit of 24.0 MP"),
            "{e}"
        );
    }
}
