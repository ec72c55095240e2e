//! prepareMedia's option reader on JS values that JSON cannot express (tests/options.rs
//! has every message through JSON): BigInt, iterables, NaN, wrapper objects, null.
#![cfg(target_arch = "wasm32")]

use js_sys::{Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[path = "support/js.rs"]
mod js;
use js::get;

wasm_bindgen_test_configure!(run_in_browser);

/// Options with `subject` and `name` set to `value`.
fn with(name: &str, value: JsValue) -> JsValue {
    let o = JSON::parse(r#"{"subject":"Patient/1"}"#).unwrap();
    Reflect::set(&o, &JsValue::from_str(name), &value).unwrap();
    o
}

/// The `field` and `message` of the error prepareMedia gives for these options. The
/// input is not bytes, so options that are accepted fail on `input` instead.
async fn error_of(options: JsValue) -> (String, String) {
    let input = JsValue::from_str("not bytes");
    let err = fhir_media_capture::web::prepare_media(input, options, JsValue::UNDEFINED)
        .await
        .expect_err("should fail");
    assert_eq!(get(&err, "code").as_string().unwrap(), "invalid-options");
    (
        get(&err, "field").as_string().unwrap(),
        get(&err, "message").as_string().unwrap(),
    )
}

async fn refused(options: JsValue, field: &str, reason: &str) {
    let (f, message) = error_of(options).await;
    assert_eq!(f, field, "{message}");
    assert_eq!(message, format!("Invalid option `{field}`: {reason}"));
}

async fn accepted(options: JsValue) {
    let (field, message) = error_of(options).await;
    assert_eq!(field, "input", "{message}");
}

#[wasm_bindgen_test]
async fn js_values() {
    let u32_msg = "must be a whole number from 0 to 4294967295";
    let u64_msg = "must be a whole number from 0 to 9007199254740991";
    refused(with("maxDimension", 1.5.into()), "maxDimension", u32_msg).await;
    refused(
        with("maxDimension", f64::NAN.into()),
        "maxDimension",
        u32_msg,
    )
    .await;
    refused(with("maxBytes", 2f64.powi(53).into()), "maxBytes", u64_msg).await;
    refused(
        with("maxPixels", f64::INFINITY.into()),
        "maxPixels",
        u64_msg,
    )
    .await;
    // A BigInt is an exact whole number, so a u64 option takes it.
    accepted(with("maxBytes", js_sys::BigInt::from(5000u64).into())).await;
    refused(
        with("quality", f64::NAN.into()),
        "quality",
        "must be a number greater than 0 and at most 1",
    )
    .await;
    // A String object is not a string: only primitives are.
    let string_ctor: js_sys::Function = Reflect::get(&js_sys::global(), &"String".into())
        .unwrap()
        .into();
    let boxed = Reflect::construct(&string_ctor, &js_sys::Array::of1(&"png".into())).unwrap();
    assert!(boxed.is_object(), "new String('png') is an object");
    refused(with("format", boxed), "format", "must be a string").await;
    // Any iterable serves as the notes list.
    let set = js_sys::Set::new(&JsValue::UNDEFINED);
    set.add(&JsValue::from_str("a"));
    accepted(with("notes", set.into())).await;
    let bad = js_sys::Array::of2(&"a".into(), &1.into());
    refused(with("notes", bad.into()), "notes[1]", "must be a string").await;
    refused(
        with("notes", "one".into()),
        "notes",
        "must be a list of strings",
    )
    .await;
    // null is absent, as `undefined` is.
    accepted(with("title", JsValue::NULL)).await;
    accepted(with("progressive", JsValue::UNDEFINED)).await;
    refused(
        with("progressive", 1.into()),
        "progressive",
        "must be true or false",
    )
    .await;
    refused(5.into(), "options", "must be an object").await;
}
