//! The EXIF orientation reader on any bytes: a value 1..=8, never a panic.
#![no_main]

use fhir_media_capture::pipeline::orient::read_orientation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let value = read_orientation(data);
    assert!((1..=8).contains(&value), "{value}");
});
