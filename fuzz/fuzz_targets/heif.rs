//! The HEIF container parser and HEVC decoder (fhir_media_heif over heifer) on any bytes:
//! pixels of the stated size within the limit, or a typed error; never a panic, a timeout
//! or an allocation over libFuzzer's limit. The limit is 4 MP so that the seeds' 12 MP
//! photos exercise the container and the small synthetic ones the decoder.
#![no_main]

use fhir_media_codecs::{CodecError, HeifDecoder};
use fhir_media_heif::Heifer;
use libfuzzer_sys::fuzz_target;

const MAX_PIXELS: u64 = 4_000_000;

fuzz_target!(|data: &[u8]| {
    match Heifer.decode_heif(data, MAX_PIXELS) {
        Ok(img) => {
            let pixels = u64::from(img.width) * u64::from(img.height);
            assert!(pixels <= MAX_PIXELS, "{}x{}", img.width, img.height);
            assert_eq!(img.pixels.len() as u64, pixels * u64::from(img.channels));
        }
        Err(CodecError::TooManyPixels { width, height, .. }) => {
            assert!(u64::from(width) * u64::from(height) > MAX_PIXELS)
        }
        Err(_) => {}
    }
});
