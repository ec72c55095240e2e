//! The HEIC module of the browser package (`pkg/fhir_media_heic.js` and its wasm):
//! fhir_media_heif behind wasm-bindgen. www/lib/heic.js loads it only for a HEIC/HEIF
//! photo the browser cannot decode itself, and hands the pixels to the prepare module.
//!
//! Errors are thrown as JS `Error`s whose `code` is the `MediaError` code
//! (`heic-not-decodable` for a valid file it cannot read, `corrupt-image`,
//! `too-many-pixels` with `width`, `height`, `limit`) and whose message is the detail.

use fhir_media_codecs::CodecError;
use fhir_media_heif::Heifer;
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
