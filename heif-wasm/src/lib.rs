//! The HEIC module of the browser package (`pkg/fhir_media_heic.js` and its wasm):
//! fhir_media_heif behind wasm-bindgen. www/lib/heic.js loads it only for a HEIC/HEIF
//! photo the browser cannot decode itself, and hands the pixels to the prepare module.
//!
//! Errors are thrown as JS `Error`s whose `code` is the `MediaError` code
//! (`heic-not-decodable` for a valid file it cannot read, `corrupt-image`,
//! `too-many-pixels` with `width`, `height`, `limit`) and whose message is the detail.
//!
//! A grid photo (iPhone) is also offered tile by tile ([`HeicGrid`]): www/lib/heic-pool.js
//! opens it here for the plan, then has a pool of workers, each instantiating this same
//! compiled module ([`compiled_module`]), decode the tiles in parallel ([`HeicTiles`]: the
//! plan, and each tile's HEVC stream as they are handed out, not the file) and assembles
//! them.

use fhir_media_codecs::CodecError;
use fhir_media_heif::{GridPlan, Heifer, TileBlock, TileInput, TileInputs};
use js_sys::{Error, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// Decode the primary image of a HEIC/HEIF, refusing more than `maxPixels` from the
/// container alone; a grid photo bound for `maxDimension` px or less comes at 1/2, 1/4 or
/// 1/8 scale, decoded tile by tile (0: full size). Returns `{ width, height, channels: 3,
/// pixels, icc }`: 8-bit RGB in display orientation, `icc` the profile the samples are in
/// or `undefined`.
#[wasm_bindgen(
    unchecked_return_type = "{ width: number, height: number, channels: number, pixels: Uint8Array, icc?: Uint8Array }"
)]
pub fn decode(
    bytes: &[u8],
    #[wasm_bindgen(js_name = maxPixels)] max_pixels: f64,
    #[wasm_bindgen(js_name = maxDimension)] max_dimension: u32,
) -> Result<JsValue, JsValue> {
    let img = Heifer
        .decode_scaled(bytes, max_pixels as u64, max_dimension)
        .map_err(|e| thrown(&e))?;
    let out = Object::new();
    set(&out, "width", &img.width.into());
    set(&out, "height", &img.height.into());
    set(&out, "channels", &img.channels.into());
    set(
        &out,
        "pixels",
        &Uint8Array::from(img.pixels.as_slice()).into(),
    );
    if let Some(icc) = img.icc_profile {
        set(&out, "icc", &Uint8Array::from(icc.as_slice()).into());
    }
    Ok(out.into())
}

/// This instance's compiled `WebAssembly.Module`, for the tile workers to instantiate
/// without fetching or compiling it again.
#[wasm_bindgen(js_name = compiledModule, unchecked_return_type = "WebAssembly.Module")]
pub fn compiled_module() -> JsValue {
    wasm_bindgen::module()
}

/// A grid photo opened for decoding tile by tile: its plan and each tile's input, read
/// from the file once when it is opened, so each tile call passes only its index. A tile
/// whose data cannot be read keeps its error until that tile is asked for, so a damaged
/// tile fails the photo where it is met. Reading the inputs tile by tile parsed the
/// container ~50 times a photo: enough for V8 to compile that cold parser with its
/// optimizing compiler on the first HEIC of a page (bench/HEIC.md, "Only hot code
/// optimized"). Tile workers hold a [`HeicTiles`] instead.
#[wasm_bindgen]
pub struct HeicGrid {
    inputs: TileInputs,
    plan: GridPlan,
}

#[wasm_bindgen]
impl HeicGrid {
    /// The photo as tiles bound for `maxDimension` px, the pixel limit checked from the
    /// container; `undefined` where [`decode`] is the way (not a grid, full size, a
    /// `clap`, wide-gamut colour). Throws the typed errors of [`decode`].
    pub fn open(
        bytes: Vec<u8>,
        #[wasm_bindgen(js_name = maxPixels)] max_pixels: f64,
        #[wasm_bindgen(js_name = maxDimension)] max_dimension: u32,
    ) -> Result<Option<HeicGrid>, JsValue> {
        let grid = Heifer
            .grid_inputs(&bytes, max_pixels as u64, max_dimension)
            .map_err(|e| thrown(&e))?;
        Ok(grid.map(|(plan, inputs)| HeicGrid { inputs, plan }))
    }

    /// The assembled picture's width (display orientation, scaled).
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.plan.size().0
    }

    /// The assembled picture's height.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.plan.size().1
    }

    /// How many tiles to decode: indices `0..tiles`.
    #[wasm_bindgen(getter)]
    pub fn tiles(&self) -> u32 {
        self.plan.tiles() as u32
    }

    /// The ICC profile the samples are in, or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn icc(&self) -> Option<Vec<u8>> {
        self.plan.icc_profile().map(<[u8]>::to_vec)
    }

    /// Tile `i` decoded, scaled and oriented: `{ x, y, width, height, pixels }`, an RGB
    /// block to copy row by row to (x, y) of the picture.
    #[wasm_bindgen(
        js_name = decodeTile,
        unchecked_return_type = "{ x: number, y: number, width: number, height: number, pixels: Uint8Array }"
    )]
    pub fn decode_tile(&self, i: u32) -> Result<JsValue, JsValue> {
        let block = self
            .plan
            .decode_input(i as usize, self.input(i)?)
            .map_err(|e| thrown(&e))?;
        Ok(block_js(&block))
    }

    /// The plan as numbers, for [`HeicTiles::from_plan`] in a tile worker.
    #[wasm_bindgen(getter)]
    pub fn plan(&self) -> Vec<u32> {
        self.plan.to_words()
    }

    /// What a tile worker needs to decode tile `i` (for [`HeicTiles::decode_tile`]):
    /// `{ bitstream, matrix?, fullRange?, width?, height? }`, one tile's HEVC stream
    /// (tens of KB) rather than the file; `undefined` for a tile outside the output.
    #[wasm_bindgen(
        js_name = tileInput,
        unchecked_return_type = "{ bitstream: Uint8Array, matrix?: number, fullRange?: boolean, width?: number, height?: number } | undefined"
    )]
    pub fn tile_input(&self, i: u32) -> Result<JsValue, JsValue> {
        let Some(input) = self.input(i)? else {
            return Ok(JsValue::UNDEFINED);
        };
        let out = Object::new();
        set(
            &out,
            "bitstream",
            &Uint8Array::from(input.bitstream.as_slice()).into(),
        );
        if let Some((matrix, full_range)) = input.nclx {
            set(&out, "matrix", &matrix.into());
            set(&out, "fullRange", &full_range.into());
        }
        if let Some((width, height)) = input.size {
            set(&out, "width", &width.into());
            set(&out, "height", &height.into());
        }
        Ok(out.into())
    }
}

impl HeicGrid {
    /// Tile `i`'s input, `None` for a tile outside the output; throws for a tile past the
    /// last or whose data cannot be read.
    fn input(&self, i: u32) -> Result<Option<&TileInput>, JsValue> {
        match self.inputs.get(i as usize) {
            Some(Ok(input)) => Ok(input.as_ref()),
            Some(Err(e)) => Err(thrown(e)),
            None => Err(thrown(&CodecError::Corrupt(format!(
                "HEIF: no grid tile {i}"
            )))),
        }
    }
}

/// A tile worker's side of a grid photo: the plan alone (no copy of the file, which stays
/// with the [`HeicGrid`] that hands out each tile's input).
#[wasm_bindgen]
pub struct HeicTiles {
    plan: GridPlan,
}

#[wasm_bindgen]
impl HeicTiles {
    /// The tiles of the plan [`HeicGrid::plan`] gave; throws a `corrupt-image` error for
    /// numbers no plan gives.
    #[wasm_bindgen(js_name = fromPlan)]
    pub fn from_plan(words: &[u32]) -> Result<HeicTiles, JsValue> {
        GridPlan::from_words(words)
            .map(|plan| HeicTiles { plan })
            .ok_or_else(|| thrown(&CodecError::Corrupt("HEIF: not a tile plan".into())))
    }

    /// Tile `i` decoded from its [`HeicGrid::tile_input`], scaled and oriented: the block
    /// [`HeicGrid::decode_tile`] gives.
    #[wasm_bindgen(
        js_name = decodeTile,
        unchecked_return_type = "{ x: number, y: number, width: number, height: number, pixels: Uint8Array }"
    )]
    pub fn decode_tile(&self, i: u32, input: JsValue) -> Result<JsValue, JsValue> {
        let input = tile_input_of(&input);
        let block = self
            .plan
            .decode_input(i as usize, input.as_ref())
            .map_err(|e| thrown(&e))?;
        Ok(block_js(&block))
    }
}

/// A [`TileInput`] from its JS form (`HeicGrid.tileInput`); `None` without a bitstream.
fn tile_input_of(value: &JsValue) -> Option<TileInput> {
    let get = |key: &str| Reflect::get(value, &JsValue::from_str(key)).ok();
    let bitstream = get("bitstream")?.dyn_into::<Uint8Array>().ok()?.to_vec();
    let number = |key: &str| get(key).and_then(|v| v.as_f64());
    let nclx = number("matrix")
        .zip(get("fullRange").and_then(|v| v.as_bool()))
        .map(|(matrix, full_range)| (matrix as u16, full_range));
    let size = number("width")
        .zip(number("height"))
        .map(|(w, h)| (w as u32, h as u32));
    Some(TileInput {
        bitstream,
        nclx,
        size,
    })
}

fn block_js(block: &TileBlock) -> JsValue {
    let out = Object::new();
    set(&out, "x", &block.x.into());
    set(&out, "y", &block.y.into());
    set(&out, "width", &block.width.into());
    set(&out, "height", &block.height.into());
    set(
        &out,
        "pixels",
        &Uint8Array::from(block.rgb.as_slice()).into(),
    );
    out.into()
}

fn thrown(e: &CodecError) -> JsValue {
    let err = Error::new(&e.to_string());
    let code = match e {
        CodecError::Unsupported(_) => "heic-not-decodable",
        other => other.code(),
    };
    set(&err, "code", &code.into());
    if let CodecError::TooManyPixels {
        width,
        height,
        limit,
    } = *e
    {
        set(&err, "width", &width.into());
        set(&err, "height", &height.into());
        set(&err, "limit", &(limit as f64).into());
    }
    err.into()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh object we own cannot fail; ignore the Result.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}
