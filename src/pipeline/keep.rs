//! Keep mode for HEIC/HEIF (`heic: 'keep'`): the original file, its Exif and XMP items
//! blanked in place by the codecs module (`fhir_media_codecs::heif`), wrapped as an
//! `image/heic` Media. Nothing is decoded, resized or transcoded, so `maxBytes` cannot
//! apply; the size shown is the primary image's as the file states it (`ispe`, `irot`).

use fhir_media_codecs::Codecs;
use web_time::Instant;

use super::{decode, Format, Prepared, SourceInfo, Timings};
use crate::error::MediaError;
use crate::fhir::build_media;
use crate::options::Settings;

pub const CONTENT_TYPE: &str = "image/heic";

/// The scrubbed original as a [`Prepared`]; `start` is when the pipeline began.
pub fn keep(
    bytes: &[u8],
    settings: &Settings,
    codecs: Option<&dyn Codecs>,
    start: Instant,
) -> Result<Prepared, MediaError> {
    let codecs = codecs.ok_or_else(|| decode::missing_codecs(Format::Heif))?;
    let mut kept = bytes.to_vec();
    let scrubbed = codecs.scrub_heif(&mut kept)?;
    let (width, height) = (scrubbed.width, scrubbed.height);
    let media = build_media(settings, CONTENT_TYPE, &kept);
    let total = (Instant::now() - start).as_secs_f64() * 1000.0;
    Ok(Prepared {
        media,
        content_type: CONTENT_TYPE,
        width,
        height,
        bytes: kept.len(),
        quality: None,
        encodes: 0,
        source: SourceInfo {
            format: Format::Heif.name(),
            width,
            height,
            bytes: bytes.len(),
            // The display orientation is in the file (irot), applied by whoever shows it.
            orientation: 1,
        },
        timings: Timings {
            total,
            ..Timings::default()
        },
        // Never decoded, so never measured: the retake checks need the pixels.
        warnings: Vec::new(),
        metrics: None,
    })
}
