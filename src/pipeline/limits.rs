//! Refuse oversized input before anything large is allocated: the byte count before
//! decoding starts, the pixel count as soon as a decoder has read the header.

use crate::error::MediaError;

/// Input bytes over `limit` → `too-large`. A `u64`, since a Blob's size may not fit the
/// 32-bit `usize` of wasm32 (a 4 GiB + 10 B file must not read as 10 bytes).
pub fn check_input_size(size: u64, limit: u64) -> Result<(), MediaError> {
    if size > limit {
        return Err(MediaError::TooLarge { size, limit });
    }
    Ok(())
}

/// Header dimensions over `max_pixels` → `too-many-pixels`; zero → `corrupt-image`.
pub fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), MediaError> {
    Ok(fhir_media_codecs::check_pixels(width, height, max_pixels)?)
}
