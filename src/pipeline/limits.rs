//! Refuse oversized input before anything large is allocated: the byte count first,
//! then the pixel count read from the header alone.

use crate::error::MediaError;

/// Input bytes over `limit` → `too-large`.
pub fn check_input_size(len: usize, limit: u64) -> Result<(), MediaError> {
    let size = len as u64;
    if size > limit {
        return Err(MediaError::TooLarge { size, limit });
    }
    Ok(())
}

/// Read the dimensions from the header (no pixel data is touched) and refuse images
/// over `max_pixels`. Returns `(width, height)` as stored, before orientation.
pub fn check_pixels(bytes: &[u8], max_pixels: u64) -> Result<(u32, u32), MediaError> {
    let size = imagesize::blob_size(bytes)
        .map_err(|e| MediaError::corrupt(format!("unreadable image header: {e}")))?;
    let (width, height) = (to_u32(size.width)?, to_u32(size.height)?);
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
    Ok((width, height))
}

fn to_u32(v: usize) -> Result<u32, MediaError> {
    u32::try_from(v).map_err(|_| MediaError::corrupt("the header gives an impossible size"))
}
