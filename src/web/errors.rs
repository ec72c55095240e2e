//! Rust errors → JS `Error`s named `MediaError` / `FhirError` with a `code`, which the
//! package's classes recognise through `Symbol.hasInstance`.

use js_sys::Error;
use wasm_bindgen::JsValue;

use super::js::set;
#[cfg(feature = "client")]
use crate::client::ClientError;
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

/// A JS `Error` with `name = "FhirError"`, `status`, `code`, `text`, `outcome` (the
/// OperationOutcome as a plain object, or `undefined`) and `retryAfterMs` (the
/// `Retry-After` header in ms, or `undefined`); its message is
/// `"<status> <code>: <text>"`, like the package's `FhirError`. Option errors found
/// before any request are `MediaError`s (`invalid-options`) instead.
#[cfg(feature = "client")]
pub fn fhir_error(e: &ClientError) -> JsValue {
    if let ClientError::InvalidOptions(e) = e {
        return media_error(e);
    }
    let err = Error::new(&e.to_string());
    err.set_name("FhirError");
    set(&err, "status", &JsValue::from(e.status()));
    set(&err, "code", &JsValue::from_str(e.code()));
    set(&err, "text", &JsValue::from_str(&e.text()));
    let outcome = e
        .outcome()
        .map_or(JsValue::UNDEFINED, super::json::value_to_js);
    set(&err, "outcome", &outcome);
    let retry_after = e.retry_after_ms().map_or(JsValue::UNDEFINED, JsValue::from);
    set(&err, "retryAfterMs", &retry_after);
    err.into()
}
