//! prepare on any bytes, with options chosen by the first bytes: every outcome is a
//! Prepared or a typed MediaError, never a panic, a hang or an allocation past the limits.
#![no_main]

use fhir_media_capture::{pipeline, PrepareOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&[a, b, c], bytes)) = data.split_first_chunk::<3>() else {
        return;
    };
    let max_dimension = [64, 512, 2048, 4096][usize::from(a & 3)];
    let max_bytes = [2_000, 50_000, 2_000_000, 4_294_967_296u64][usize::from((a >> 2) & 3)];
    let format = ["auto", "jpeg", "png"][usize::from(b % 3)];
    let quality = f64::from(c.max(1)) / 255.0;
    // At most 2 MP here: the -timeout=2 is for hangs, and under the sanitizer a legitimate
    // 4 MP picture's decode, resize and PNG encode took 2.7 s (0.3 s without it). Bigger
    // pictures are the hostile corpus's (scripts/hostile.mjs) and the tests'; the limit's
    // own checks are what is fuzzed.
    let max_pixels = [1_000, 1_000_000, 2_000_000][usize::from((b >> 2) % 3)];
    let json = format!(
        r#"{{"subject":"Patient/f","maxDimension":{max_dimension},"maxBytes":{max_bytes},
            "format":"{format}","quality":{quality},"maxPixels":{max_pixels},
            "progressive":{}}}"#,
        b & 0x80 != 0
    );
    let settings = PrepareOptions::from_json(&json)
        .and_then(PrepareOptions::validate)
        .expect("the fuzzer's own options are valid");
    let _ = pipeline::prepare(bytes, &settings);
});
