//! A HEIF grid (every full-size iPhone photo: 512 px HEVC tiles) decoded straight to a
//! 1/2, 1/4 or 1/8 scale, tile by tile, when the picture is bound for a size that small
//! anyway: the HEIF counterpart of the JPEG path's DCT-domain scaling. The full-size
//! picture never exists (a 12 MP photo: 48 MB of RGBA in the HEIC module, then 36 MB of
//! RGB handed to the main module), and the main module receives a quarter of the pixels.
//!
//! Each tile is decoded by heifer as in its own grid assembly (same colour conversion),
//! box-averaged on its full-precision samples (so 10-bit photos round once, to 8 bits),
//! and written where `irot` and `imir` (in the container's order) send each pixel. Anything
//! else (no grid, a `clap`, tiles not divisible by the scale, wide-gamut colour, parameter
//! sets not in `hvcC`) returns `None` and takes the full decode.

use fhir_media_codecs::CodecError;
use heifer::heifer_hevc_dec::nal::NalUnit;
use heifer::heifer_hevc_dec::params::ParameterSets;
use heifer::heifer_isobmff::boxes::Property;
use heifer::heifer_isobmff::{HeifFile, ItemId};
use heifer::Image;

/// The scaled decode must keep at least this share of the target's longest side (as the
/// JPEG path: a 4032 px photo aimed at 2048 decodes at 1/2, 2016 px, with no resize pass).
const SCALE_SLACK: f64 = 0.975;

/// Largest tile side accepted before decoding it (the coded size read from its SPS): a
/// tile is a few hundred pixels; a hostile one must not allocate gigabytes.
const MAX_TILE_SIDE: u32 = 8192;

/// The scale denominator for a `long`-side picture bound for `target`: the largest of 8,
/// 4, 2 whose scaled side is still ≥ 97.5% of the target, and that divides the tiles.
pub fn scale_for(long: u32, target: u32, tile: (u32, u32)) -> u32 {
    [8u32, 4, 2]
        .into_iter()
        .find(|&d| {
            f64::from(long.div_ceil(d)) >= SCALE_SLACK * f64::from(target)
                && tile.0.is_multiple_of(d)
                && tile.1.is_multiple_of(d)
        })
        .unwrap_or(1)
}

/// The primary image at a scale, as 8-bit RGB (width, height, samples) with its `irot`
/// and `imir` applied, or `None` where only the full decode applies.
pub fn decode_grid_scaled(
    file: &HeifFile<'_>,
    primary: ItemId,
    target: u32,
) -> Result<Option<(u32, u32, Vec<u8>)>, CodecError> {
    let Ok(grid) = file.grid(primary) else {
        return Ok(None);
    };
    let tiles = file.referenced_items(primary, b"dimg");
    let columns = u32::from(grid.columns);
    if tiles.is_empty() || tiles.len() != usize::from(grid.rows) * usize::from(grid.columns) {
        return Ok(None);
    }
    let Some(tile) = coded_size(file, tiles[0]) else {
        return Ok(None);
    };
    let long = grid.output_width.max(grid.output_height);
    let d = scale_for(long, target, tile);
    if d == 1 {
        return Ok(None);
    }
    let (ow, oh) = (
        grid.output_width.div_ceil(d),
        grid.output_height.div_ceil(d),
    );
    let properties: Vec<Property> = file
        .item_properties(primary)
        .map_err(crate::heifer_decoder::container_error)?
        .cloned()
        .collect();
    // Without `clap`, each tile goes straight to its place in the rotated and mirrored
    // picture: one RGB buffer, no copy per transform (a 12 MP photo at 1/2: 9 MB in all).
    let Some(orient) = Orient::of(&properties, ow, oh) else {
        return Ok(None);
    };
    let (fw, fh) = orient.size;
    let mut rgb = vec![0u8; fw as usize * fh as usize * 3];
    for (i, &id) in tiles.iter().enumerate() {
        if coded_size(file, id) != Some(tile) {
            return Ok(None);
        }
        let decoded =
            heifer::decode_item(file, id, 1).map_err(crate::heifer_decoder::decode_error)?;
        if (decoded.width, decoded.height) != tile {
            return Err(CodecError::Corrupt(
                "HEIF: grid tiles of different sizes".into(),
            ));
        }
        let x0 = (i as u32 % columns) * (tile.0 / d);
        let y0 = (i as u32 / columns) * (tile.1 / d);
        place_averaged(&mut rgb, &orient, &decoded, d, (x0, y0));
    }
    Ok(Some((fw, fh, rgb)))
}

/// Where `irot` and `imir` (in association order) send a pixel of the unturned picture.
struct Orient {
    steps: Vec<Step>,
    /// The unturned size.
    from: (u32, u32),
    /// The final size.
    size: (u32, u32),
}

#[derive(Clone, Copy)]
enum Step {
    /// Quarter turns anticlockwise (1, 2, 3).
    Rotate(u8),
    /// true: top-bottom.
    Mirror(bool),
}

impl Orient {
    /// `None` where the picture has a `clap`, which takes the full decode.
    fn of(properties: &[Property], w: u32, h: u32) -> Option<Orient> {
        let mut steps = Vec::new();
        let mut size = (w, h);
        for property in properties {
            match *property {
                Property::CleanAperture { .. } => return None,
                Property::Rotation(q) if q % 4 != 0 => {
                    steps.push(Step::Rotate(q % 4));
                    if q % 2 == 1 {
                        size = (size.1, size.0);
                    }
                }
                Property::Mirror(top_bottom) => steps.push(Step::Mirror(top_bottom)),
                _ => {}
            }
        }
        Some(Orient {
            steps,
            from: (w, h),
            size,
        })
    }

    /// The final position of the unturned pixel (x, y), as heifer's `rotate_ccw` and
    /// `mirror` move it.
    fn map(&self, x: u32, y: u32) -> (u32, u32) {
        let (mut x, mut y) = (x, y);
        let (mut w, mut h) = self.from;
        for step in &self.steps {
            (x, y, w, h) = match *step {
                Step::Rotate(1) => (y, w - 1 - x, h, w),
                Step::Rotate(2) => (w - 1 - x, h - 1 - y, w, h),
                Step::Rotate(_) => (h - 1 - y, x, h, w),
                Step::Mirror(true) => (x, h - 1 - y, w, h),
                Step::Mirror(false) => (w - 1 - x, y, w, h),
            };
        }
        (x, y)
    }
}

/// The coded size of a tile from the SPS in its `hvcC`, if it is there and sane.
fn coded_size(file: &HeifFile<'_>, id: ItemId) -> Option<(u32, u32)> {
    let config = file.hevc_config(id).ok()??;
    let mut sets = ParameterSets::default();
    for nal in &config.nal_units {
        sets.add(&NalUnit::parse(nal).ok()?).ok()?;
    }
    let sps = sets.sps.iter().flatten().next()?;
    let coded = (
        sps.pic_width_in_luma_samples,
        sps.pic_height_in_luma_samples,
    );
    if coded.0 == 0 || coded.1 == 0 || coded.0 > MAX_TILE_SIDE || coded.1 > MAX_TILE_SIDE {
        return None;
    }
    // `ispe` is the tile's size (HEVC may code a little more, up to its block size).
    file.image_size(id)
        .ok()?
        .filter(|&(w, h)| w <= coded.0 && h <= coded.1)
}

/// Box-average `tile` by `d` into the oriented RGB picture, the tile's top-left corner at
/// `at` in the unturned picture, clipped to it.
fn place_averaged(rgb: &mut [u8], orient: &Orient, tile: &Image<u16>, d: u32, at: (u32, u32)) {
    let (tw, d_us) = (tile.width as usize, d as usize);
    let max = u64::from(tile.max_value());
    let n = (d_us * d_us) as u64;
    let (cw, ch) = orient.from;
    let out_w = orient.size.0 as usize;
    for sy in 0..tile.height / d {
        let y = at.1 + sy;
        if y >= ch {
            break;
        }
        for sx in 0..tile.width / d {
            let x = at.0 + sx;
            if x >= cw {
                break;
            }
            let mut sum = [0u64; 3];
            for row in 0..d_us {
                let start = ((sy as usize * d_us + row) * tw + sx as usize * d_us) * 4;
                for px in tile.data[start..start + d_us * 4].chunks_exact(4) {
                    sum[0] += u64::from(px[0]);
                    sum[1] += u64::from(px[1]);
                    sum[2] += u64::from(px[2]);
                }
            }
            let (ox, oy) = orient.map(x, y);
            let at = (oy as usize * out_w + ox as usize) * 3;
            for (o, s) in rgb[at..at + 3].iter_mut().zip(sum) {
                *o = ((s * 255 + max * n / 2) / (max * n)) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{scale_for, Orient};
    use heifer::heifer_isobmff::boxes::Property;
    use heifer::Image;

    #[test]
    fn orient_moves_pixels_as_heifer_rotates_and_mirrors() {
        let (w, h) = (5u32, 3u32);
        let mut src = Image::<u8>::filled_samples(w, h, 8, [0, 0, 0, 255]);
        for (i, px) in src.data.chunks_exact_mut(4).enumerate() {
            px[0] = i as u8;
        }
        let cases: [&[Property]; 6] = [
            &[Property::Rotation(1)],
            &[Property::Rotation(2)],
            &[Property::Rotation(3)],
            &[Property::Mirror(true)],
            &[Property::Rotation(1), Property::Mirror(false)],
            &[Property::Mirror(true), Property::Rotation(3)],
        ];
        for props in cases {
            let mut want = src.clone();
            for p in props {
                want = match *p {
                    Property::Rotation(q) => want.rotate_ccw(q),
                    Property::Mirror(tb) => want.mirror(tb),
                    _ => want,
                };
            }
            let orient = Orient::of(props, w, h).expect("no clap");
            assert_eq!(orient.size, (want.width, want.height));
            for y in 0..h {
                for x in 0..w {
                    let (ox, oy) = orient.map(x, y);
                    let got = want.data[((oy * want.width + ox) * 4) as usize];
                    assert_eq!(got, (y * w + x) as u8, "{props:?} ({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn scale_keeps_975_percent_of_target_and_divides_tiles() {
        assert_eq!(scale_for(4032, 2048, (512, 512)), 2); // 2016 ≥ 1996.8
        assert_eq!(scale_for(4032, 1024, (512, 512)), 4); // 1008 ≥ 998.4
        assert_eq!(scale_for(4032, 1000, (512, 512)), 4);
        assert_eq!(scale_for(3264, 2048, (512, 512)), 1); // 1632 < 1996.8
        assert_eq!(scale_for(8064, 2048, (512, 512)), 4);
        assert_eq!(scale_for(4032, 2048, (511, 512)), 1); // 511 not divisible by 2
        assert_eq!(scale_for(4032, 500, (512, 256)), 8);
    }
}
