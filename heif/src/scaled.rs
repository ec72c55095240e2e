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
use heifer::heifer_isobmff::boxes::{ColorInfo, Property};
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

/// A grid photo's tile-by-tile decode at a scale: which tiles, how small, and where each
/// lands in the oriented picture. Tiles are independent, so a caller may decode them in
/// any order or at once (the browser: a pool of workers, www/lib/heic-pool.js) and
/// [`TileBlock::place`] each into one buffer of [`GridPlan::size`].
#[derive(Debug)]
pub struct GridPlan {
    tiles: Vec<ItemId>,
    columns: u32,
    tile: (u32, u32),
    d: u32,
    orient: Orient,
    icc_profile: Option<Vec<u8>>,
}

/// One tile of a [`GridPlan`], scaled and oriented: the `width` × `height` RGB block whose
/// top-left corner is at (`x`, `y`) of the final picture (empty for a tile wholly outside
/// the grid's output size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileBlock {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl GridPlan {
    /// The plan for the primary image bound for a longest side of `target`, or `None`
    /// where only the full decode applies (no grid, a `clap`, tiles of other sizes or not
    /// divisible by the scale, parameter sets not in `hvcC`, full size).
    pub fn of(
        file: &HeifFile<'_>,
        primary: ItemId,
        target: u32,
    ) -> Result<Option<GridPlan>, CodecError> {
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
        // Checked here, not per tile: a tile of another size, or one that is not a plain
        // `hvc1` picture (tile_input gives its bitstream alone), must take the full decode
        // before any worker starts, not fail half-way.
        if tiles
            .iter()
            .any(|&id| coded_size(file, id) != Some(tile) || !plain_hvc1(file, id))
        {
            return Ok(None);
        }
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
        let plan = GridPlan {
            tiles: tiles.to_vec(),
            columns,
            tile,
            d,
            orient,
            icc_profile: None,
        };
        // A plan its tile workers would refuse ([`GridPlan::from_words`]: an output larger
        // than the tiles cover, sizes no grid has) takes the full decode instead: the page
        // and its workers must agree, or a photo's fate would depend on which thread
        // decoded which tile (found by the `heif` fuzz target).
        Ok(GridPlan::from_words(&plan.to_words()).map(|_| plan))
    }

    /// The plan with the ICC profile the samples are in.
    pub fn with_icc(self, icc_profile: Option<Vec<u8>>) -> GridPlan {
        GridPlan {
            icc_profile,
            ..self
        }
    }

    /// The ICC profile the samples are in (iPhone: Display P3), if the file has one.
    pub fn icc_profile(&self) -> Option<&[u8]> {
        self.icc_profile.as_deref()
    }

    /// The final (oriented, scaled) picture's width and height.
    pub fn size(&self) -> (u32, u32) {
        self.orient.size
    }

    /// How many tiles there are to decode (indices `0..tiles()`).
    pub fn tiles(&self) -> usize {
        self.tiles.len()
    }

    /// The scale denominator (2, 4 or 8).
    pub fn scale(&self) -> u32 {
        self.d
    }

    /// Decode tile `i` of `file` (the file this plan was made from), box-averaged by the
    /// scale and oriented.
    pub fn decode_tile(&self, file: &HeifFile<'_>, i: usize) -> Result<TileBlock, CodecError> {
        self.decode_input(i, self.tile_input(file, i)?.as_ref())
    }

    /// What decoding tile `i` takes from `file` (the file this plan was made from), `None`
    /// for a tile wholly outside the output: a tile worker given this and the plan
    /// ([`GridPlan::to_words`]) needs no copy of the file.
    pub fn tile_input(
        &self,
        file: &HeifFile<'_>,
        i: usize,
    ) -> Result<Option<TileInput>, CodecError> {
        let &id = self
            .tiles
            .get(i)
            .ok_or_else(|| CodecError::Corrupt(format!("HEIF: no grid tile {i}")))?;
        if self.origin(i).is_none() {
            return Ok(None);
        }
        let container = |e| crate::heifer_decoder::decode_error(heifer::Error::from(e));
        let nclx = file
            .item_properties(id)
            .map_err(container)?
            .find_map(|p| match *p {
                Property::Color(ColorInfo::Nclx {
                    matrix, full_range, ..
                }) => Some((matrix, full_range)),
                _ => None,
            });
        Ok(Some(TileInput {
            bitstream: file.hevc_bitstream(id).map_err(container)?,
            nclx,
            size: file.image_size(id).map_err(container)?,
        }))
    }

    /// Decode tile `i` from its [`GridPlan::tile_input`], box-averaged by the scale and
    /// oriented.
    pub fn decode_input(
        &self,
        i: usize,
        input: Option<&TileInput>,
    ) -> Result<TileBlock, CodecError> {
        if i >= self.tiles.len() {
            return Err(CodecError::Corrupt(format!("HEIF: no grid tile {i}")));
        }
        let Some((x0, y0)) = self.origin(i) else {
            // Not in the output: nothing to decode.
            return Ok(TileBlock {
                x: 0,
                y: 0,
                width: 0,
                height: 0,
                rgb: Vec::new(),
            });
        };
        let input =
            input.ok_or_else(|| CodecError::Corrupt(format!("HEIF: no data for grid tile {i}")))?;
        let decoded = decode_tile_rgba(input).map_err(crate::heifer_decoder::decode_error)?;
        if decoded.size() != self.tile {
            return Err(CodecError::Corrupt(
                "HEIF: grid tiles of different sizes".into(),
            ));
        }
        let (tw, th) = (self.tile.0 / self.d, self.tile.1 / self.d);
        let (cw, ch) = self.orient.from;
        let (w, h) = (tw.min(cw - x0), th.min(ch - y0));
        let a = self.orient.map(x0, y0);
        let b = self.orient.map(x0 + w - 1, y0 + h - 1);
        let (bx, by) = (a.0.min(b.0), a.1.min(b.1));
        let (bw, bh) = (a.0.abs_diff(b.0) + 1, a.1.abs_diff(b.1) + 1);
        let mut rgb = vec![0u8; bw as usize * bh as usize * 3];
        let to = |sx, sy| {
            let (ox, oy) = self.orient.map(x0 + sx, y0 + sy);
            (ox - bx, oy - by)
        };
        decoded.average_into(&mut rgb, bw, self.d, (w, h), to);
        Ok(TileBlock {
            x: bx,
            y: by,
            width: bw,
            height: bh,
            rgb,
        })
    }

    /// Where tile `i`'s scaled top-left corner is in the unturned picture, or `None` for a
    /// tile wholly outside the output.
    fn origin(&self, i: usize) -> Option<(u32, u32)> {
        let (tw, th) = (self.tile.0 / self.d, self.tile.1 / self.d);
        let x0 = (i as u32 % self.columns) * tw;
        let y0 = (i as u32 / self.columns) * th;
        let (cw, ch) = self.orient.from;
        (x0 < cw && y0 < ch).then_some((x0, y0))
    }

    /// The plan as numbers for a tile worker ([`GridPlan::from_words`]): tile count,
    /// columns, tile size, scale, the unturned output size, then the `irot`/`imir` steps
    /// (1..3 quarter turns, 4 + top-bottom for a mirror).
    pub fn to_words(&self) -> Vec<u32> {
        let mut words = vec![
            self.tiles.len() as u32,
            self.columns,
            self.tile.0,
            self.tile.1,
            self.d,
            self.orient.from.0,
            self.orient.from.1,
        ];
        words.extend(self.orient.steps.iter().map(|step| match *step {
            Step::Rotate(q) => u32::from(q),
            Step::Mirror(top_bottom) => 4 + u32::from(top_bottom),
        }));
        words
    }

    /// A plan from [`GridPlan::to_words`], `None` for words no plan gives. It decodes from
    /// [`GridPlan::decode_input`] only: it has no item ids, nor the ICC profile.
    pub fn from_words(words: &[u32]) -> Option<GridPlan> {
        let [n, columns, tw, th, d, fw, fh, ref steps @ ..] = *words else {
            return None;
        };
        // A HEIF grid has at most 256 × 256 tiles (rows and columns are 8-bit).
        let sane = (1..=65_536).contains(&n)
            && (1..=256).contains(&columns)
            && matches!(d, 2 | 4 | 8)
            && (1..=MAX_TILE_SIDE).contains(&tw)
            && (1..=MAX_TILE_SIDE).contains(&th)
            && tw % d == 0
            && th % d == 0
            && fw > 0
            && fh > 0
            && u64::from(fw) <= u64::from(tw / d) * u64::from(columns)
            && u64::from(fh) <= u64::from(th / d) * u64::from(n.div_ceil(columns))
            && steps.len() <= 8;
        if !sane {
            return None;
        }
        let mut size = (fw, fh);
        let steps = steps
            .iter()
            .map(|&word| match word {
                1..=3 => {
                    if word % 2 == 1 {
                        size = (size.1, size.0);
                    }
                    Some(Step::Rotate(word as u8))
                }
                4 | 5 => Some(Step::Mirror(word == 5)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(GridPlan {
            tiles: vec![0; n as usize],
            columns,
            tile: (tw, th),
            d,
            orient: Orient {
                steps,
                from: (fw, fh),
                size,
            },
            icc_profile: None,
        })
    }
}

/// What decoding one tile takes from the file ([`GridPlan::tile_input`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileInput {
    /// The tile's HEVC picture as an Annex B stream, its `hvcC` parameter sets first.
    pub bitstream: Vec<u8>,
    /// The tile's own `nclx` colour (matrix coefficients, full range), else the stream's.
    pub nclx: Option<(u16, bool)>,
    /// The tile's `ispe` size, else the coded picture's.
    pub size: Option<(u32, u32)>,
}

impl TileBlock {
    /// Copy this block into `picture`, an RGB buffer `width` pixels wide (a block that
    /// does not fit is the plan's bug, not the photo's: it is clipped, never a panic).
    pub fn place(&self, picture: &mut [u8], width: u32) {
        let (row, stride) = (self.width as usize * 3, width as usize * 3);
        if self.x + self.width > width {
            return;
        }
        for (r, line) in self.rgb.chunks_exact(row.max(1)).enumerate() {
            let at = (self.y as usize + r) * stride + self.x as usize * 3;
            if let Some(dst) = picture.get_mut(at..at + row) {
                dst.copy_from_slice(line);
            }
        }
    }
}

/// The primary image at a scale, as 8-bit RGB (width, height, samples) with its `irot`
/// and `imir` applied, or `None` where only the full decode applies: the plan's tiles
/// decoded one after the other.
pub fn decode_grid_scaled(
    file: &HeifFile<'_>,
    primary: ItemId,
    target: u32,
) -> Result<Option<(u32, u32, Vec<u8>)>, CodecError> {
    let Some(plan) = GridPlan::of(file, primary, target)? else {
        return Ok(None);
    };
    let (fw, fh) = plan.size();
    let mut rgb = vec![0u8; fw as usize * fh as usize * 3];
    for i in 0..plan.tiles() {
        plan.decode_tile(file, i)?.place(&mut rgb, fw);
    }
    Ok(Some((fw, fh, rgb)))
}

/// Where `irot` and `imir` (in association order) send a pixel of the unturned picture.
#[derive(Debug)]
struct Orient {
    steps: Vec<Step>,
    /// The unturned size.
    from: (u32, u32),
    /// The final size.
    size: (u32, u32),
}

#[derive(Debug, Clone, Copy)]
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

/// A decoded tile: 8-bit samples for an 8-bit picture (every iPhone photo), else 16-bit.
enum TileImage {
    Eight(Image<u8>),
    Deep(Image<u16>),
}

impl TileImage {
    fn size(&self) -> (u32, u32) {
        match self {
            TileImage::Eight(image) => (image.width, image.height),
            TileImage::Deep(image) => (image.width, image.height),
        }
    }

    /// [`average_into`] for either sample type.
    fn average_into(
        &self,
        rgb: &mut [u8],
        width: u32,
        d: u32,
        size: (u32, u32),
        to: impl Fn(u32, u32) -> (u32, u32),
    ) {
        match self {
            TileImage::Eight(image) => average_into(rgb, width, image, d, size, to),
            TileImage::Deep(image) => average_into(rgb, width, image, d, size, to),
        }
    }
}

/// A tile as RGBA from its input, as `heifer::decode_item` gives a plain `hvc1` item (the
/// same decoder limit, size, colour parameters and conversion), but in 8-bit samples where
/// the picture is 8-bit: the same values in half the memory (a 512 px tile 1 MiB, not 2; a
/// tile worker's peak and the HEIC module's are set by it). Its alpha auxiliary, if any, is
/// not decoded: the output is RGB.
fn decode_tile_rgba(input: &TileInput) -> Result<TileImage, heifer::Error> {
    use heifer::color::ColorParams;
    // heifer's own limit for an item (its `Options::default()`).
    let frame = crate::hevc::decode_picture(&input.bitstream, 1 << 28)?;
    let (width, height) = input.size.unwrap_or((frame.widths[0], frame.heights[0]));
    let params = input.nclx.map_or_else(
        || ColorParams::from_frame(&frame),
        |(matrix, full_range)| ColorParams { matrix, full_range },
    );
    Ok(if frame.bit_depth[0].max(frame.bit_depth[1]) <= 8 {
        TileImage::Eight(rgba(&frame, params, width, height))
    } else {
        TileImage::Deep(rgba(&frame, params, width, height))
    })
}

/// `frame_to_rgba_sized` out of line, one function per sample type (as [`average_into`]):
/// V8 compiles a wasm function again with its optimizing compiler (TurboFan) once it is
/// hot, and the 16-bit copies, which an 8-bit photo never runs, would be compiled with it if
/// they were inlined here (bench/HEIC.md, "Only hot code optimized"). The HEIC module's
/// wasm-opt `-ocimfs` keeps Binaryen from inlining them back.
#[inline(never)]
fn rgba<S: heifer::Sample>(
    frame: &heifer::heifer_hevc_dec::recon::Frame,
    params: heifer::color::ColorParams,
    width: u32,
    height: u32,
) -> Image<S> {
    heifer::color::frame_to_rgba_sized(frame, params, width, height)
}

/// Whether item `id` is a coded `hvc1` picture with no transform of its own (`clap`,
/// `irot`, `imir`: `decode_item` would apply them; never seen on a grid's tiles).
fn plain_hvc1(file: &HeifFile<'_>, id: ItemId) -> bool {
    let transformed = |p: &Property| {
        matches!(
            p,
            Property::CleanAperture { .. } | Property::Rotation(1..) | Property::Mirror(_)
        )
    };
    file.item(id).is_ok_and(|item| item.item_type.0 == *b"hvc1")
        && file
            .item_properties(id)
            .is_ok_and(|mut properties| !properties.any(transformed))
}

/// Box-average the top-left `size` (in scaled pixels) of `tile` by `d` into `rgb`, a
/// block `width` pixels wide, scaled pixel (sx, sy) going where `to` sends it.
///
/// `to` is an orientation (quarter turns, mirrors), so it is affine: one step in sx or sy
/// is one fixed step in `rgb`, and only three points of it are asked for. The tile is read
/// a row at a time into one row of sums, and an 8-bit tile's mean is a shift: this loop
/// was a third of a tile's native time with a 64-bit division per channel and pixel.
/// Out of line for the reason [`rgba`] is.
#[inline(never)]
fn average_into<S: heifer::Sample>(
    rgb: &mut [u8],
    width: u32,
    tile: &Image<S>,
    d: u32,
    size: (u32, u32),
    to: impl Fn(u32, u32) -> (u32, u32),
) {
    let (w, h) = (size.0 as usize, size.1 as usize);
    if w == 0 || h == 0 || d == 0 {
        return;
    }
    let (tw, d) = (tile.width as usize, d as usize);
    let at = |(x, y): (u32, u32)| y as isize * width as isize + x as isize;
    let origin = at(to(0, 0));
    let step_x = if w > 1 { at(to(1, 0)) - origin } else { 0 };
    let step_y = if h > 1 { at(to(0, 1)) - origin } else { 0 };
    debug_assert_eq!(
        at(to(size.0 - 1, size.1 - 1)),
        origin + (w as isize - 1) * step_x + (h as isize - 1) * step_y,
        "an orientation is affine"
    );
    let mean = Mean::new(u32::from(tile.max_value()), (d * d) as u32);
    let mut sums = vec![0u32; w * 3];
    for sy in 0..h {
        sums.fill(0);
        for row in 0..d {
            let start = (sy * d + row) * tw * 4;
            let Some(line) = tile.data.get(start..start + w * d * 4) else {
                return; // a tile smaller than its plan: the caller has refused it already
            };
            for (sum, block) in sums.chunks_exact_mut(3).zip(line.chunks_exact(d * 4)) {
                for px in block.chunks_exact(4) {
                    sum[0] += u32::from(px[0].to_u16());
                    sum[1] += u32::from(px[1].to_u16());
                    sum[2] += u32::from(px[2].to_u16());
                }
            }
        }
        let mut pos = origin + sy as isize * step_y;
        for sum in sums.chunks_exact(3) {
            if let Some(out) = usize::try_from(pos)
                .ok()
                .and_then(|p| rgb.get_mut(p * 3..p * 3 + 3))
            {
                for (o, &s) in out.iter_mut().zip(sum) {
                    *o = mean.of(s);
                }
            }
            pos += step_x;
        }
    }
}

/// The 8-bit mean of `n` samples of `max` from their sum, rounded:
/// `(sum * 255 + max * n / 2) / (max * n)`, which for 8-bit samples and `n` a power of
/// two (`d` is 2, 4 or 8) is `(sum + n / 2) >> log2(n)` exactly (255 divides out).
/// Sums stay in `u32`: at most 65,535 × 64 × 255 < 2³².
struct Mean {
    max: u32,
    n: u32,
    shift: Option<u32>,
}

impl Mean {
    fn new(max: u32, n: u32) -> Self {
        let shift = (max == 255 && n.is_power_of_two()).then(|| n.trailing_zeros());
        Mean { max, n, shift }
    }

    #[inline]
    fn of(&self, sum: u32) -> u8 {
        match self.shift {
            Some(shift) => ((sum + self.n / 2) >> shift) as u8,
            None => ((sum * 255 + self.max * self.n / 2) / (self.max * self.n)) as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{scale_for, GridPlan, Mean, Orient, TileBlock, TileInput};
    use crate::Heifer;
    use heifer::heifer_isobmff::boxes::Property;
    use heifer::heifer_isobmff::HeifFile;
    use heifer::Image;

    #[test]
    fn mean_is_the_rounded_64_bit_division_for_every_sum() {
        for max in [255u32, 1023, 4095, 65_535] {
            for n in [4u32, 16, 64] {
                let mean = Mean::new(max, n);
                assert_eq!(mean.shift.is_some(), max == 255);
                let top = max * n;
                let step = if top > 70_000 { 97 } else { 1 };
                for sum in (0..=top).step_by(step).chain([top]) {
                    let (s, m, k) = (u64::from(sum), u64::from(max), u64::from(n));
                    let want = ((s * 255 + m * k / 2) / (m * k)) as u8;
                    assert_eq!(mean.of(sum), want, "max {max}, n {n}, sum {sum}");
                }
            }
        }
    }

    /// A testdata photo (`$FHIR_TESTDATA` or ../../shared/testdata), or `None` with a
    /// SKIPPED line.
    fn photo(name: &str) -> Option<Vec<u8>> {
        let dir = std::env::var_os("FHIR_TESTDATA").map_or_else(
            || {
                std::path::PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../shared/testdata"
                ))
            },
            std::path::PathBuf::from,
        );
        let path = dir.join("photos").join(name);
        let bytes = std::fs::read(&path);
        if bytes.is_err() {
            eprintln!("SKIPPED: {} is absent (set FHIR_TESTDATA)", path.display());
        }
        bytes.ok()
    }

    #[test]
    fn a_grid_whose_tiles_do_not_cover_its_output_takes_the_full_decode() {
        let Some(bytes) = photo("heic/iphone_13_pro_max.HEIC") else {
            return;
        };
        // The grid descriptor: version, flags, 6 rows, 8 columns, 4032 x 3024 (16-bit).
        let descriptor = [0, 0, 5, 7, 0x0F, 0xC0, 0x0B, 0xD0];
        let at = bytes
            .windows(8)
            .position(|w| w == descriptor)
            .expect("the grid descriptor");
        let with_height = |height: u16| {
            let mut b = bytes.clone();
            b[at + 6..at + 8].copy_from_slice(&height.to_be_bytes());
            b
        };
        // 6 rows of 512 px cover 3072 rows: 3000 is a grid (cropped), 3100 is not.
        for (height, grid) in [
            (3024, true),
            (3000, true),
            (3072, true),
            (3073, false),
            (3100, false),
        ] {
            let file = with_height(height);
            let plan = Heifer.grid(&file, 100_000_000, 2048).expect("open");
            assert_eq!(plan.is_some(), grid, "output height {height}");
            if let Some(plan) = plan {
                let words = plan.to_words();
                let worker = GridPlan::from_words(&words).expect("the workers take the plan");
                assert_eq!(worker.to_words(), words);
            }
        }
        // heifer's full decode takes it (the uncovered rows stay black), as for any grid
        // the plan leaves to it.
        let image = Heifer
            .decode_scaled(&with_height(3100), 100_000_000, 2048)
            .expect("the full decode");
        assert_eq!((image.width, image.height), (3100, 4032));
    }

    #[test]
    fn tiles_in_any_order_give_heifers_full_decode_box_averaged() {
        // What the browser's worker pool does (tiles decoded out of order, each placed as
        // it comes) against an independent reference: heifer's own grid assembly with its
        // irot/imir, full size, box-averaged by the plan's scale in display orientation.
        let Some(bytes) = photo("heic/iphone_13_pro_max.HEIC") else {
            return;
        };
        let plan = Heifer
            .grid(&bytes, 100_000_000, 2048)
            .expect("open")
            .expect("a 512 px grid at 1/2");
        assert_eq!((plan.tiles(), plan.scale()), (48, 2));
        assert!(plan.icc_profile().is_some(), "Display P3 profile kept");
        let (w, h) = plan.size();
        assert_eq!((w, h), (1512, 2016), "portrait, as libheif turns it");
        let file = HeifFile::parse(&bytes).expect("parse");
        let mut ours = vec![0u8; w as usize * h as usize * 3];
        // Two "workers" taking every other tile, the second one backwards.
        let order = (0..48).step_by(2).chain((1..48).step_by(2).rev());
        for i in order {
            plan.decode_tile(&file, i)
                .expect("tile")
                .place(&mut ours, w);
        }
        let full = heifer::decode_item(&file, file.primary_id, 0).expect("full decode");
        assert_eq!((full.width, full.height), (w * 2, h * 2));
        let max = u64::from(full.max_value());
        let mut want = vec![0u8; ours.len()];
        for y in 0..h as usize {
            for x in 0..w as usize {
                for c in 0..3 {
                    let mut sum = 0u64;
                    for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let at = ((y * 2 + dy) * full.width as usize + x * 2 + dx) * 4 + c;
                        sum += u64::from(full.data[at]);
                    }
                    want[(y * w as usize + x) * 3 + c] = ((sum * 255 + max * 2) / (max * 4)) as u8;
                }
            }
        }
        // Except on the picture's edge: heifer's full decode converts a cropped tile's
        // visible rows only, so the last visible row's chroma is not interpolated with the
        // coded row below it, as a whole tile's conversion does (a ≤ 1 px line, here the
        // left column once turned).
        let inner = |i: usize| {
            let (x, y) = ((i / 3) % w as usize, (i / 3) / w as usize);
            x > 0 && y > 0 && x + 1 < w as usize && y + 1 < h as usize
        };
        let differ = (0..ours.len())
            .filter(|&i| inner(i) && ours[i] != want[i])
            .count();
        assert_eq!(
            differ, 0,
            "tile-assembled picture differs from heifer's inside the edge"
        );
        // And the sequential path (native, and the browser's fallback) is the same picture.
        let sequential = Heifer
            .decode_scaled(&bytes, 100_000_000, 2048)
            .expect("decode");
        assert!(sequential.pixels == ours);
    }

    #[test]
    fn tile_rgba_is_decode_items_in_half_the_memory() {
        // Every tile of every grid photo: decoded from its tile_input, the samples are
        // heifer's decode_item's, in u8 where the picture is 8-bit (u16 otherwise).
        let mut eight = 0;
        for name in [
            "heic/iphone_13_pro_max.HEIC",
            "heic/iphone_IMG_5195.HEIC",
            "heic/HMD_Nokia_8.3_5G_hdr.heif",
        ] {
            let Some(bytes) = photo(name) else {
                continue;
            };
            let file = HeifFile::parse(&bytes).expect("parse");
            let Some(plan) = GridPlan::of(&file, file.primary_id, 2048).expect("plan") else {
                continue;
            };
            for (i, &id) in plan.tiles.iter().enumerate() {
                let want = heifer::decode_item(&file, id, 1).expect("decode_item");
                let input = plan
                    .tile_input(&file, i)
                    .expect("input")
                    .expect("in the output");
                let (got, depth) = match super::decode_tile_rgba(&input).expect("tile") {
                    super::TileImage::Eight(image) => {
                        eight += 1;
                        let data = image.data.iter().map(|&v| u16::from(v)).collect();
                        (
                            Image {
                                data,
                                ..want.clone()
                            },
                            image.bit_depth,
                        )
                    }
                    super::TileImage::Deep(image) => {
                        let depth = image.bit_depth;
                        (image, depth)
                    }
                };
                assert_eq!(
                    (got.width, got.height, depth),
                    (want.width, want.height, want.bit_depth),
                    "{name} {id:?}"
                );
                assert!(got.data == want.data, "{name} tile {id:?} differs");
            }
        }
        assert!(eight >= 48, "the 8-bit path was taken ({eight} tiles)");
    }

    #[test]
    fn a_workers_plan_from_words_decodes_the_same_blocks() {
        // What a tile worker holds: the plan's words and one tile's input, no file.
        let Some(bytes) = photo("heic/iphone_13_pro_max.HEIC") else {
            return;
        };
        let file = HeifFile::parse(&bytes).expect("parse");
        for target in [2048, 1024, 512] {
            let plan = GridPlan::of(&file, file.primary_id, target)
                .expect("plan")
                .expect("grid");
            let words = plan.to_words();
            let worker = GridPlan::from_words(&words).expect("words");
            assert_eq!(worker.to_words(), words);
            assert_eq!(worker.size(), plan.size());
            for i in 0..plan.tiles() {
                let input = plan.tile_input(&file, i).expect("input");
                assert!(
                    input.as_ref().is_none_or(|t| t.bitstream.len() < 200_000),
                    "one tile's bitstream, not the file"
                );
                assert_eq!(
                    worker.decode_input(i, input.as_ref()).expect("worker"),
                    plan.decode_tile(&file, i).expect("file"),
                    "tile {i} at {target}"
                );
            }
            assert!(worker.decode_input(plan.tiles(), None).is_err());
        }
    }

    #[test]
    fn words_no_plan_gives_are_refused_and_bad_input_is_an_error() {
        let good = [48, 8, 512, 512, 2, 2016, 1512, 1];
        assert!(GridPlan::from_words(&good).is_some());
        for bad in [
            &[][..],
            &good[..6],
            &[0, 8, 512, 512, 2, 2016, 1512],
            &[48, 0, 512, 512, 2, 2016, 1512],
            &[48, 8, 512, 512, 3, 2016, 1512],
            &[48, 8, 513, 512, 2, 2016, 1512],
            &[48, 8, 512, 512, 2, 0, 1512],
            &[48, 8, 512, 512, 2, 2049, 1512],
            &[48, 8, 512, 512, 2, 2016, 1537],
            &[48, 8, 512, 512, 2, 2016, 1512, 6],
            &[u32::MAX, 8, 512, 512, 2, 2016, 1512],
        ] {
            assert!(GridPlan::from_words(bad).is_none(), "{bad:?}");
        }
        // Any words: a plan or none, never a panic; any input: a block or an error.
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1d);
        let plan = GridPlan::from_words(&good).expect("good");
        for round in 0..2_000 {
            let mut words = good.to_vec();
            let at = (next() % 8) as usize;
            words[at] = [0, 1, 2, 8, 511, 4096, u32::MAX, next() as u32][round % 8];
            if let Some(p) = GridPlan::from_words(&words) {
                let _ = p.decode_input((next() % 64) as usize, None);
            }
            let junk = TileInput {
                bitstream: (0..next() % 64).map(|_| next() as u8).collect(),
                nclx: None,
                size: Some((512, 512)),
            };
            assert!(plan
                .decode_input((next() % 48) as usize, Some(&junk))
                .is_err());
        }
    }

    #[test]
    fn grid_inputs_are_the_plans_tile_inputs_from_one_parse() {
        let Some(mut bytes) = photo("heic/iphone_13_pro_max.HEIC") else {
            return;
        };
        let (plan, inputs) = Heifer
            .grid_inputs(&bytes, 100_000_000, 2048)
            .expect("open")
            .expect("grid");
        assert_eq!(
            plan.to_words(),
            Heifer
                .grid(&bytes, 100_000_000, 2048)
                .expect("open")
                .expect("grid")
                .to_words()
        );
        let file = HeifFile::parse(&bytes).expect("parse");
        assert_eq!(inputs.len(), plan.tiles());
        for (i, input) in inputs.iter().enumerate() {
            assert_eq!(input, &plan.tile_input(&file, i), "tile {i}");
        }
        // Tile data damaged (the container before it intact): the grid still opens, and the
        // tiles that cannot be read keep their errors.
        drop(file);
        let (mid, cut) = (bytes.len() / 2, bytes.len() / 5);
        bytes[mid..mid + cut].fill(0xff);
        let (_, inputs) = Heifer
            .grid_inputs(&bytes, 100_000_000, 2048)
            .expect("open")
            .expect("grid");
        let unreadable = inputs.iter().filter(|input| input.is_err()).count();
        assert!(
            unreadable > 0 && unreadable < inputs.len(),
            "{unreadable} tiles unreadable"
        );
    }

    #[test]
    fn no_plan_where_the_full_decode_applies() {
        let Some(bytes) = photo("heic/iphone_13_pro_max.HEIC") else {
            return;
        };
        // Full size (0), and a target the 1/2 scale would fall short of.
        assert!(Heifer.grid(&bytes, 100_000_000, 0).expect("open").is_none());
        assert!(Heifer
            .grid(&bytes, 100_000_000, 4032)
            .expect("open")
            .is_none());
        let err = Heifer.grid(&bytes, 1_000_000, 2048).expect_err("limit");
        assert_eq!(err.code(), "too-many-pixels");
        let file = HeifFile::parse(&bytes).expect("parse");
        let plan = GridPlan::of(&file, file.primary_id, 1024)
            .expect("plan")
            .expect("grid");
        assert_eq!(plan.scale(), 4);
        assert!(
            plan.decode_tile(&file, 48).is_err(),
            "no tile 48: an error, not a panic"
        );
    }

    #[test]
    fn block_placed_by_rows_and_clipped_never_panics() {
        let block = TileBlock {
            x: 1,
            y: 1,
            width: 2,
            height: 2,
            rgb: (1..=12).collect(),
        };
        let mut picture = vec![0u8; 3 * 3 * 3];
        block.place(&mut picture, 3);
        let row = |r: usize| picture[r * 9..r * 9 + 9].to_vec();
        assert_eq!(row(0), vec![0; 9]);
        assert_eq!(row(1), vec![0, 0, 0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(row(2), vec![0, 0, 0, 7, 8, 9, 10, 11, 12]);
        // Too wide or too low for the picture: nothing written out of bounds.
        block.place(&mut picture, 2);
        let mut short = vec![0u8; 3 * 3 * 2];
        block.place(&mut short, 3);
    }

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
