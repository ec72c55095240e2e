//! Refuse oversized input before anything large is allocated: the byte count before
//! decoding starts, the pixel count as soon as a decoder has read the header.

use crate::error::MediaError;

/// Input bytes over `limit` → `too-large`.
pub fn check_input_size(len: usize, limit: u64) -> Result<(), MediaError> {
    let size = len as u64;
    if size > limit {
        return Err(MediaError::TooLarge { size, limit });
    }
    Ok(())
}

/// Header dimensions over `max_pixels` → `too-many-pixels`; zero → `corrupt-image`.
pub fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(MediaError::corrupt(
            "the header gives a zero width or height",
        ));
    }
    if width as u64 * height as u64 > max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            limit: max_pixels,
        });
    }
    Ok(())
}
