//! The HEIF metadata scrubber (keep mode) on any bytes, never a panic: a refused file is a
//! typed error and left as it was; a scrubbed one keeps its length, changes no more bytes
//! than it says, and scrubbing it again changes nothing.
#![no_main]

use fhir_media_codecs::heif::scrub;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    match scrub(&mut bytes) {
        Ok(s) => {
            assert_eq!(bytes.len(), data.len());
            let changed = data.iter().zip(&bytes).filter(|(a, b)| a != b).count() as u64;
            assert!(changed <= s.bytes, "{changed} bytes changed, {s:?}");
            let mut again = bytes.clone();
            assert_eq!(scrub(&mut again).map(|t| t.bytes), Ok(s.bytes));
            assert_eq!(again, bytes, "a second scrub changed more");
        }
        Err(e) => {
            assert_eq!(bytes, data, "a refused file was changed");
            assert!(
                matches!(e.code(), "corrupt-image" | "unsupported-format"),
                "{e:?}"
            );
        }
    }
});
