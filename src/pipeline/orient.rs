//! EXIF orientation: read the tag (JPEG APP1, PNG eXIf, WebP EXIF, TIFF) with
//! kamadak-exif and bake the transform into the pixels. The encoder writes no EXIF, so
//! nothing downstream can rotate the picture a second time.

use std::io::Cursor;

use image::metadata::Orientation;

use super::raster::Raster;

/// The EXIF Orientation value 1..=8; 1 when absent or unreadable (a broken EXIF block
/// must not cost the photo).
pub fn read_orientation(bytes: &[u8]) -> u8 {
    let exif = match exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(exif) => exif,
        Err(_) => return 1,
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .filter(|v| (1..=8).contains(v))
        .map_or(1, |v| v as u8)
}

/// Apply EXIF orientation `value` (1..=8) so the pixels display upright.
pub fn apply(mut raster: Raster, value: u8) -> Raster {
    if let Some(orientation) = Orientation::from_exif(value) {
        raster.apply_orientation(orientation);
    }
    raster
}
