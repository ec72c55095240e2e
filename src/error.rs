//! The crate's error type for the pipeline, the options and the upload queue. Each
//! variant maps to a stable `code` string that the JS `MediaError` carries; the `Display`
//! text is written for the person holding the phone, except a queue misuse's, which
//! only a developer sees.

use std::fmt;

/// Why a photo could not be prepared, or a call was refused.
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

    /// An upload-queue call its item's state does not allow (a driver's bug, not bad
    /// input): settling an item that was not polled, retrying one that has not failed.
    #[error("Upload queue: item {id:?} {rule}")]
    QueueMisuse { id: String, rule: String },
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
            MediaError::QueueMisuse { .. } => "queue-misuse",
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

impl fmt::Display for Megapixels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Integer tenths, rounded half up: `{:.1}` of an f64 would link core's float
        // formatting (~9 KB gzip of wasm) for this one message.
        let tenths = self.0.saturating_add(50_000) / 100_000;
        write!(f, "{}.{} MP", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::Megapixels;

    #[test]
    fn megapixels_in_tenths_rounded_half_up() {
        let mp = |n: u64| Megapixels(n).to_string();
        assert_eq!(mp(12_000_000), "12.0 MP");
        assert_eq!(mp(48_771_072), "48.8 MP");
        assert_eq!(mp(100_000_000), "100.0 MP");
        assert_eq!(mp(149_999), "0.1 MP");
        assert_eq!(mp(150_000), "0.2 MP");
        assert_eq!(mp(0), "0.0 MP");
        assert_eq!(mp(u64::MAX), "18446744073709.5 MP");
    }
}
