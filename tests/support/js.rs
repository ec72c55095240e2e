//! JS-value helpers shared by the wasm-bindgen tests (included with `#[path]`).

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// The value at a dotted path (`"resource.content.data"`), `undefined` when absent.
pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, k| {
        Reflect::get(&acc, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    })
}
