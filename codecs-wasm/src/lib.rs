//! The codecs module of the browser package (`pkg/fhir_media_codecs.js` and its wasm):
//! fhir_media_codecs behind wasm-bindgen. The JS shell loads it only when a photo needs
//! it (PNG, WebP, GIF or BMP input, or PNG output) and hands its exports to the prepare
//! module's `prepareMedia`, which calls them synchronously (`src/web/codecs.rs`).
//!
//! Errors are thrown as JS `Error`s whose `code` is the `MediaError` code and whose
//! message is the detail; `too-many-pixels` also carries `width`, `height`, `limit`.

use fhir_media_codecs::{CodecError, Codecs, Format, Native};
use js_sys::{Error, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// Decode `bytes` of `format` (`"png"`, `"webp"`, `"gif"`, `"bmp"`), refusing more than
/// `maxPixels` from the header alone. Returns `{ width, height, channels, pixels }`:
/// 8-bit samples, `channels` 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
#[wasm_bindgen(
    unchecked_return_type = "{ width: number, height: number, channels: number, pixels: Uint8Array }"
)]
pub fn decode(
    bytes: &[u8],
    format: &str,
    #[wasm_bindgen(js_name = maxPixels)] max_pixels: f64,
) -> Result<JsValue, JsValue> {
    let codec = Format::from_name(format).ok_or_else(|| {
        thrown(&CodecError::Unsupported(format!(
            "no codec for format '{format}'"
        )))
    })?;
    let img = Native
        .decode(bytes, codec, max_pixels as u64)
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
    Ok(out.into())
}

/// Encode 8-bit RGB (`channels` 3) or RGBA (4) pixels as PNG.
#[wasm_bindgen(js_name = encodePng)]
pub fn encode_png(
    pixels: &[u8],
    width: u32,
    height: u32,
    channels: u8,
) -> Result<Vec<u8>, JsValue> {
    Native
        .encode_png(width, height, channels, pixels)
        .map_err(|e| thrown(&e))
}

fn thrown(e: &CodecError) -> JsValue {
    let err = Error::new(&e.to_string());
    set(&err, "code", &e.code().into());
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
