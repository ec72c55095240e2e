//! The FHIR JSON readers (Media, Bundle, OperationOutcome) and the search page built from a
//! Bundle (its links resolved against the base): typed errors, never a panic.
#![no_main]

use fhir_media_capture::client::{BaseUrl, Page};
use fhir_media_capture::fhir::{bundle::Bundle, media::Media, outcome::OperationOutcome};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = Media::from_json(value.clone());
    let _ = OperationOutcome::from_json(value.clone());
    if let Ok(bundle) = Bundle::from_json(value) {
        let base = BaseUrl::parse("https://fumage-example.canvasmedical.com").expect("base");
        let _ = Page::from_bundle(bundle, &base);
    }
});
