//! The answer's headers as text: the base URL parser, Location → Media id, Retry-After and
//! the header-list search. Never a panic; a Retry-After is finite and not negative.
#![no_main]

use fhir_media_capture::client::{headers, location, retry_after, BaseUrl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = BaseUrl::parse(text);
    let _ = location::media_id(text);
    let _ = headers::find(text, "Location");
    let parse_date = |s: &str| (s.len() % 2 == 0).then_some(1.7e12 + s.len() as f64);
    if let Some(ms) = retry_after::retry_after_ms(text, 1.7e12, parse_date) {
        assert!(ms.is_finite() && ms >= 0.0, "{ms}");
    }
});
