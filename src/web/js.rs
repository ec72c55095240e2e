//! Reading and building plain JS objects, for every export: one reader, so that every
//! option object is checked the same way (unknown names rejected here, through
//! [`crate::options::reject_unknown`]) and every bad value reads as an `invalid-options`
//! [`MediaError`] naming its field.
//!
//! Objects are read field by field through `Reflect` rather than with serde: a
//! serde-wasm-bindgen deserializer per type cost ~20 KB gzip of the size budget. For the
//! same reason the helpers are `inline(never)`: the crate builds at opt-level 3 for the
//! pixel loops, which would otherwise copy them into every caller.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::MediaError;
use crate::options::reject_unknown;

/// `target[key]`, or `undefined` when `target` is not an object or the read throws.
#[inline(never)]
pub fn get(target: &JsValue, key: &str) -> JsValue {
    if !target.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[inline(never)]
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh object we own cannot fail; ignore the Result.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A property; `None` for undefined and null.
#[inline(never)]
pub fn field(obj: &JsValue, key: &str) -> Option<JsValue> {
    Some(get(obj, key)).filter(|v| !v.is_undefined() && !v.is_null())
}

/// A plain object from keys and values (one `set` site instead of one per field).
#[inline(never)]
pub fn object_of(keys: &[&str], values: &[JsValue]) -> JsValue {
    let obj = Object::new();
    for (key, value) in keys.iter().zip(values) {
        set(&obj, key, value);
    }
    obj.into()
}

/// An object argument; `None` for undefined and null. With `names`, a key that is not
/// one of them is refused as not an option of `what`.
#[inline(never)]
pub fn object(
    value: &JsValue,
    name: &str,
    what: &str,
    names: Option<&[&str]>,
) -> Result<Option<Object>, MediaError> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() || Array::is_array(value) {
        return Err(MediaError::invalid(name, "must be an object"));
    }
    let obj = Object::from(value.clone());
    if let Some(names) = names {
        let keys = Object::keys(&obj);
        reject_unknown(what, names, keys.iter().filter_map(|k| k.as_string()))?;
    }
    Ok(Some(obj))
}

/// An object argument that must be there.
#[inline(never)]
pub fn required_object(value: &JsValue, name: &str) -> Result<Object, MediaError> {
    object(value, name, "", None)?.ok_or_else(|| MediaError::invalid(name, "must be an object"))
}

#[inline(never)]
pub fn string(obj: &JsValue, key: &str) -> Result<Option<String>, MediaError> {
    field(obj, key)
        .map(|v| {
            v.as_string()
                .ok_or_else(|| MediaError::invalid(key, "must be a string"))
        })
        .transpose()
}

#[inline(never)]
pub fn strings(obj: &JsValue, key: &str) -> Result<Option<Vec<String>>, MediaError> {
    let Some(v) = field(obj, key) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    if Array::is_array(&v) {
        for item in Array::from(&v).iter() {
            let Some(s) = item.as_string() else { break };
            out.push(s);
        }
        if out.len() == Array::from(&v).length() as usize {
            return Ok(Some(out));
        }
    }
    Err(MediaError::invalid(key, "must be an array of strings"))
}

/// A number; with `finite`, NaN and the infinities are refused too.
#[inline(never)]
pub fn number(obj: &JsValue, key: &str, finite: bool) -> Result<Option<f64>, MediaError> {
    field(obj, key)
        .map(|v| match v.as_f64() {
            Some(n) if !finite || n.is_finite() => Ok(n),
            _ if finite => Err(MediaError::invalid(key, "must be a finite number")),
            _ => Err(MediaError::invalid(key, "must be a number")),
        })
        .transpose()
}

#[inline(never)]
pub fn boolean(obj: &JsValue, key: &str) -> Result<Option<bool>, MediaError> {
    field(obj, key)
        .map(|v| {
            v.as_bool()
                .ok_or_else(|| MediaError::invalid(key, "must be true or false"))
        })
        .transpose()
}

/// What a thrown JS value says: an `Error`'s message, else nothing.
pub fn error_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}
