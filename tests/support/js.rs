//! JS-value helpers and fixtures shared by the wasm-bindgen tests (included with
//! `#[path]`; each test uses some of them).
#![allow(dead_code)]

use js_sys::{Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

/// The value at a dotted path (`"resource.content.data"`), `undefined` when absent.
pub fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, k| {
        Reflect::get(&acc, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    })
}

/// The string at `path`; panics naming it, with `v` shown, when it is not a string.
pub fn text(v: &JsValue, path: &str) -> String {
    get(v, path)
        .as_string()
        .unwrap_or_else(|| panic!("{path} is not a string in {}", show(v)))
}

/// The number at `path`; panics naming it, with `v` shown, when it is not a number.
pub fn num(v: &JsValue, path: &str) -> f64 {
    get(v, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number in {}", show(v)))
}

/// `JSON.stringify(v)`; empty when `v` has no JSON text (undefined, a BigInt, a cycle).
pub fn stringify(v: &JsValue) -> String {
    JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `v` for a message: an `Error` as "name: message" (its JSON is `{}`), anything else as
/// JSON.
pub fn show(v: &JsValue) -> String {
    match v.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", String::from(e.name()), String::from(e.message())),
        None => stringify(v),
    }
}

/// A small real JPEG made in the test, so the case needs no files: a horizontal ramp
/// with a constant green, which tells one fixture from another.
pub fn small_jpeg(w: u16, h: u16, green: u8) -> Vec<u8> {
    let px: Vec<u8> = (0..w as usize * h as usize)
        .flat_map(|i| [(i % 251) as u8, green, 160])
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    out
}
