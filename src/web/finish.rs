//! `finishMedia` and `uploadIdentifier`: the last edits to a prepared Media before it is
//! queued (the title and note typed on its card; the client identifier the queue keys it
//! by), by the rules `prepareMedia` builds it with (`crate::fhir::text`,
//! `crate::fhir::identifier`). The resource is edited as a JS object, never copied into
//! wasm memory: its base64 image may be megabytes, and wasm memory never shrinks. Each
//! edit makes a shallow copy of the object it changes, so the input stays as it was.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::errors::media_error;
use super::js::{get, object_of, set};
use crate::error::MediaError;
use crate::fhir::identifier::{upload_id, IDENTIFIER_SYSTEM, URN_UUID};
use crate::fhir::text;

/// A copy of `resource` with `content.title` and `note` set from the card's text
/// (trimmed; a blank title or note is left out, as `prepareMedia` leaves it out).
/// A card has one note: it replaces the Media's notes.
#[wasm_bindgen(js_name = finishMedia, unchecked_return_type = "Media")]
pub fn finish_media(
    #[wasm_bindgen(unchecked_param_type = "Media")] resource: JsValue,
    title: Option<String>,
    note: Option<String>,
) -> Result<JsValue, JsValue> {
    let out = copy_of_media(&resource).map_err(|e| media_error(&e))?;
    let content = Object::assign(&Object::new(), &Object::from(get(&resource, "content")));
    put(
        &content,
        "title",
        title.and_then(text::non_blank).map(JsValue::from),
    );
    set(&out, "content", &content);
    let note = note.and_then(text::non_blank);
    let notes = note.map(|note| Array::of1(&object_of(&["text"], &[note.into()])).into());
    put(&out, "note", notes);
    Ok(out.into())
}

/// The Media's upload id (the lower-case uuid of its `urn:uuid:` identifier) and that
/// identifier's value, with the resource: a copy with `urn:uuid:<fresh>` added when it
/// had none, else the resource itself.
#[wasm_bindgen(
    js_name = uploadIdentifier,
    unchecked_return_type = "{ resource: Media; id: string; value: string }"
)]
pub fn upload_identifier(
    #[wasm_bindgen(unchecked_param_type = "Media")] resource: JsValue,
    fresh: &str,
) -> Result<JsValue, JsValue> {
    let out = copy_of_media(&resource).map_err(|e| media_error(&e))?;
    let list = get(&resource, "identifier");
    let list = if Array::is_array(&list) {
        Array::from(&list)
    } else {
        Array::new()
    };
    for identifier in list.iter() {
        if let Some(value) = get(&identifier, "value").as_string() {
            if let Some(id) = upload_id(&value) {
                return Ok(object_of(
                    &["resource", "id", "value"],
                    &[resource, id.into(), value.into()],
                ));
            }
        }
    }
    let value = [URN_UUID, fresh].concat();
    let id = upload_id(&value)
        .ok_or_else(|| media_error(&MediaError::invalid("fresh", "must be a uuid")))?;
    let list = list.concat(&Array::of1(&object_of(
        &["system", "value"],
        &[IDENTIFIER_SYSTEM.into(), value.as_str().into()],
    )));
    set(&out, "identifier", &list);
    Ok(object_of(
        &["resource", "id", "value"],
        &[out.into(), id.into(), value.into()],
    ))
}

/// A shallow copy of a FHIR Media object.
fn copy_of_media(resource: &JsValue) -> Result<Object, MediaError> {
    if get(resource, "resourceType").as_string().as_deref() != Some("Media") {
        return Err(MediaError::invalid(
            "resource",
            "must be a FHIR Media object",
        ));
    }
    Ok(Object::assign(&Object::new(), resource.unchecked_ref()))
}

/// `obj[key] = value`, or no `key` at all for `None` (FHIR has no empty values).
fn put(obj: &Object, key: &str, value: Option<JsValue>) {
    match value {
        Some(value) => set(obj, key, &value),
        // Deleting an own property of a plain object we made cannot fail.
        None => drop(Reflect::delete_property(obj, &JsValue::from_str(key))),
    }
}
