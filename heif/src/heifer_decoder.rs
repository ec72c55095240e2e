//! [`HeifDecoder`] over `heifer`: the primary image with its `clap`, `irot` and `imir`
//! applied (the container's orientation is the truth; EXIF orientation is not applied on
//! top, as libheif does not), alpha and auxiliary images (depth, gain map) dropped, 10-bit
//! samples rounded to 8.
//!
//! Colour: with an ICC profile (iPhone: Display P3) the samples stay as coded and the
//! profile goes with them (the pipeline rebuilds it from its colour tags). With only `nclx`
//! they stay as coded too (as libheif gives them, which is what the JPEG without a profile
//! is then read as: near enough for BT.709/601 primaries, 0.9993 SSIM against libheif on
//! the Nokia photo where converting the transfer curve gave 0.977), except for wide-gamut
//! primaries (BT.2020, P3), whose colours would be visibly wrong unconverted: those are
//! converted to sRGB.

use fhir_media_codecs::{check_pixels, CodecError, HeifDecoder, Image};
use heifer::heifer_isobmff::boxes::{ColorInfo, Property};
use heifer::heifer_isobmff::{HeifFile, ItemId};
use heifer::{Error, Options};

use crate::scaled::{GridPlan, TileInput};

/// The `heifer` decoder, single-threaded (the browser's wasm is).
#[derive(Debug, Clone, Copy, Default)]
pub struct Heifer;

impl HeifDecoder for Heifer {
    fn decode_heif(&self, bytes: &[u8], max_pixels: u64) -> Result<Image, CodecError> {
        self.decode_scaled(bytes, max_pixels, 0)
    }
}

impl Heifer {
    /// [`HeifDecoder::decode_heif`], at 1/2, 1/4 or 1/8 scale where the picture is a grid
    /// bound for a longest side of `target` or less (`scaled.rs`); `target` 0: full size.
    pub fn decode_scaled(
        &self,
        bytes: &[u8],
        max_pixels: u64,
        target: u32,
    ) -> Result<Image, CodecError> {
        let file = HeifFile::parse(bytes).map_err(container_error)?;
        let primary = file.primary_id;
        let (icc_profile, wide_gamut) = checked(&file, max_pixels)?;
        if target > 0 && !wide_gamut {
            if let Some((width, height, pixels)) =
                crate::scaled::decode_grid_scaled(&file, primary, target)?
            {
                return Ok(Image {
                    width,
                    height,
                    channels: 3,
                    pixels,
                    icc_profile,
                    stored: (width, height),
                });
            }
        }
        drop(file);
        let options = Options {
            max_threads: 1,
            // Also bounds every tile and derived image heifer assembles on the way.
            max_pixels: max_pixels.max(1),
        };
        let decoded = if !wide_gamut {
            heifer::decode_rgba8(bytes, &options)
        } else {
            match heifer::decode_srgb_rgba8(bytes, &options) {
                // A transfer heifer does not convert (PQ/HLG HDR): the coded samples, as
                // libheif gives them.
                Err(Error::Unsupported(_)) => heifer::decode_rgba8(bytes, &options),
                other => other,
            }
        }
        .map_err(decode_error)?;
        let (width, height) = (decoded.width, decoded.height);
        check_pixels(width, height, max_pixels)?;
        Ok(Image {
            width,
            height,
            channels: 3,
            pixels: rgba_to_rgb_in_place(decoded.data),
            icc_profile,
            stored: (width, height),
        })
    }
}

impl Heifer {
    /// The tile plan of a grid photo bound for a longest side of `target` (> 0), with the
    /// ICC profile its samples are in ([`GridPlan::icc_profile`]), for a caller that decodes the tiles itself
    /// ([`GridPlan::decode_tile`], each on `HeifFile::parse` of the same bytes); `None`
    /// where [`Heifer::decode_scaled`] would take the full decode. The pixel limit is
    /// checked here, from the container, as there.
    pub fn grid(
        &self,
        bytes: &[u8],
        max_pixels: u64,
        target: u32,
    ) -> Result<Option<GridPlan>, CodecError> {
        let file = HeifFile::parse(bytes).map_err(container_error)?;
        grid_of(&file, max_pixels, target)
    }

    /// [`Heifer::grid`] with every tile's [`GridPlan::tile_input`] (or why it cannot be
    /// read), from one parse of the file: for a caller that hands the tiles out.
    pub fn grid_inputs(
        &self,
        bytes: &[u8],
        max_pixels: u64,
        target: u32,
    ) -> Result<Option<(GridPlan, TileInputs)>, CodecError> {
        let file = HeifFile::parse(bytes).map_err(container_error)?;
        Ok(grid_of(&file, max_pixels, target)?.map(|plan| {
            let inputs = (0..plan.tiles())
                .map(|i| plan.tile_input(&file, i))
                .collect();
            (plan, inputs)
        }))
    }
}

/// Each tile's input ([`GridPlan::tile_input`]) or why it cannot be read, by tile index.
pub type TileInputs = Vec<Result<Option<TileInput>, CodecError>>;

/// [`Heifer::grid`] of a parsed file.
fn grid_of(
    file: &HeifFile<'_>,
    max_pixels: u64,
    target: u32,
) -> Result<Option<GridPlan>, CodecError> {
    let (icc_profile, wide_gamut) = checked(file, max_pixels)?;
    if target == 0 || wide_gamut {
        return Ok(None);
    }
    Ok(GridPlan::of(file, file.primary_id, target)?.map(|plan| plan.with_icc(icc_profile)))
}

/// The primary image's size checked against the pixel limit (before decoding: a
/// 'too-many-pixels' the user can act on, not a generic refusal), its ICC profile, and
/// whether its colours are wide-gamut `nclx` (converted by the full decode only).
fn checked(file: &HeifFile<'_>, max_pixels: u64) -> Result<(Option<Vec<u8>>, bool), CodecError> {
    let primary = file.primary_id;
    let (width, height) = file
        .image_size(primary)
        .map_err(container_error)?
        .ok_or_else(|| CodecError::Corrupt("HEIF: the primary image has no size".into()))?;
    check_pixels(width, height, max_pixels)?;
    let icc_profile = file
        .icc_profile(primary)
        .map_err(container_error)?
        .map(<[u8]>::to_vec);
    let wide_gamut = icc_profile.is_none() && wide_gamut(file, primary);
    Ok((icc_profile, wide_gamut))
}

/// Whether the `nclx` of the image, or else of its first source (a grid's tile), gives
/// wide-gamut primaries: BT.2020 (9), SMPTE 431/432 (11, 12: DCI-P3, Display P3).
fn wide_gamut(file: &HeifFile<'_>, id: ItemId) -> bool {
    let primaries = |id: ItemId| {
        file.item_properties(id).ok()?.find_map(|p| match p {
            Property::Color(ColorInfo::Nclx { primaries, .. }) => Some(*primaries),
            _ => None,
        })
    };
    let first_source = || {
        let source = *file.referenced_items(id, b"dimg").first()?;
        primaries(source)
    };
    matches!(primaries(id).or_else(first_source), Some(9 | 11 | 12))
}

/// Drop the alpha channel within the same buffer: a 12 MP photo never holds both.
fn rgba_to_rgb_in_place(mut data: Vec<u8>) -> Vec<u8> {
    let pixels = data.len() / 4;
    for i in 0..pixels {
        data.copy_within(i * 4..i * 4 + 3, i * 3);
    }
    // No shrink_to_fit: it would copy into a second buffer, the peak this avoids.
    data.truncate(pixels * 3);
    data
}

pub(crate) fn container_error(e: heifer::heifer_isobmff::Error) -> CodecError {
    CodecError::Corrupt(format!("HEIF container: {e}"))
}

pub(crate) fn decode_error(e: Error) -> CodecError {
    match e {
        // A valid file with a feature heifer lacks (another codec, an image sequence, …):
        // the caller may still keep or convert it another way.
        Error::Unsupported(what) => CodecError::Unsupported(format!("HEIF: unsupported {what}")),
        Error::Encode(e) => CodecError::Corrupt(format!("HEIF: {e}")),
        other => CodecError::Corrupt(format!("HEIF: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::rgba_to_rgb_in_place;

    #[test]
    fn alpha_dropped_in_place() {
        let rgba = vec![1, 2, 3, 255, 4, 5, 6, 0, 7, 8, 9, 128];
        assert_eq!(rgba_to_rgb_in_place(rgba), vec![1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
}
