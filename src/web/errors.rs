//! Rust errors → JS `Error`s named `MediaError` / `FhirError` with a `code`, which the
//! package's classes recognise through `Symbol.hasInstance`.

use js_sys::{Error, Reflect};
use wasm_bindgen::JsValue;

use crate::error::MediaError;

/// A JS `Error` with `name = "MediaError"`, `code`, and `field` for option errors.
pub fn media_error(e: &MediaError) -> JsValue {
    let err = Error::new(&e.to_string());
    err.set_name("MediaError");
    set(&err, "code", &JsValue::from_str(e.code()));
    if let MediaError::InvalidOptions { field, .. } = e {
        set(&err, "field", &JsValue::from_str(field));
    }
    err.into()
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh object we own cannot fail; ignore the Result.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}
