//! `finishMedia` and `uploadIdentifier`: the last edits to a prepared Media before it is
//! queued (the title and note typed on its card, the client identifier the queue keys it
//! by), by the rules `prepareMedia` builds it with (`crate::fhir::text`,
//! `crate::fhir::identifier`). The resource is edited as a JS object, never copied into
//! wasm memory: its base64 image may be megabytes, and wasm memory never shrinks.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::errors::media_error;
use super::js::{field, get, object, object_of, set, string, strings};
use crate::error::MediaError;
use crate::fhir::identifier::{find_upload_id, urn_uuid, IDENTIFIER_SYSTEM};
use crate::fhir::text;

const DETAIL_NAMES: [&str; 3] = ["title", "notes", "uploadId"];

/// A copy of `resource` with the details given: `title` (`content.title`; blank removes
/// it), `notes` (`note`; blanks dropped, none removes it), `uploadId` (a uuid: the
/// identifier `urn:uuid:<uploadId>` is added unless the Media has a `urn:uuid:` one).
/// Parts not named are shared with `resource`.
#[wasm_bindgen(js_name = finishMedia, unchecked_return_type = "Media")]
pub fn finish_media(
    #[wasm_bindgen(unchecked_param_type = "Media")] resource: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ title?: string | null; notes?: string[]; uploadId?: string }"
    )]
    details: JsValue,
) -> Result<JsValue, JsValue> {
    finish(&resource, &details).map_err(|e| media_error(&e))
}

/// The upload id (the lower-case uuid) and the value of the Media's `urn:uuid:`
/// identifier, or `undefined` when it has none.
#[wasm_bindgen(js_name = uploadIdentifier, unchecked_return_type = "{ id: string, value: string } | undefined")]
pub fn upload_identifier(
    #[wasm_bindgen(unchecked_param_type = "Media")] resource: JsValue,
) -> JsValue {
    let values = identifier_values(&resource);
    match find_upload_id(values.iter().map(String::as_str)) {
        Some((id, value)) => object_of(&["id", "value"], &[id.into(), value.into()]),
        None => JsValue::UNDEFINED,
    }
}

fn finish(resource: &JsValue, details: &JsValue) -> Result<JsValue, MediaError> {
    if get(resource, "resourceType").as_string().as_deref() != Some("Media") {
        return Err(MediaError::invalid(
            "resource",
            "must be a FHIR Media object",
        ));
    }
    let details =
        object(details, "details", "finishMedia", Some(&DETAIL_NAMES))?.unwrap_or_default();
    let out = Object::assign(&Object::new(), resource.unchecked_ref());
    if has(&details, "title") {
        let content = Object::assign(&Object::new(), &Object::from(get(resource, "content")));
        match string(&details, "title")?.and_then(text::non_blank) {
            Some(title) => set(&content, "title", &title.into()),
            None => remove(&content, "title"),
        }
        set(&out, "content", &content);
    }
    if has(&details, "notes") {
        let notes = text::notes(strings(&details, "notes")?.unwrap_or_default());
        if notes.is_empty() {
            remove(&out, "note");
        } else {
            let list: Array = notes
                .into_iter()
                .map(|note| object_of(&["text"], &[note.into()]))
                .collect();
            set(&out, "note", &list);
        }
    }
    if let Some(uuid) = string(&details, "uploadId")? {
        let value =
            urn_uuid(&uuid).ok_or_else(|| MediaError::invalid("uploadId", "must be a uuid"))?;
        let values = identifier_values(resource);
        if find_upload_id(values.iter().map(String::as_str)).is_none() {
            let list = field(resource, "identifier")
                .filter(Array::is_array)
                .map_or_else(Array::new, |l| Array::from(&l).slice(0, u32::MAX));
            let system = JsValue::from_str(IDENTIFIER_SYSTEM);
            list.push(&object_of(&["system", "value"], &[system, value.into()]));
            set(&out, "identifier", &list);
        }
    }
    Ok(out.into())
}

/// Whether `obj` names `key` at all (`title: null` removes the title).
fn has(obj: &Object, key: &str) -> bool {
    !get(obj, key).is_undefined()
}

fn remove(obj: &Object, key: &str) {
    // Deleting an own property of a plain object we made cannot fail.
    let _ = Reflect::delete_property(obj, &JsValue::from_str(key));
}

/// The string values of `resource.identifier[]`.
fn identifier_values(resource: &JsValue) -> Vec<String> {
    let list = get(resource, "identifier");
    if !Array::is_array(&list) {
        return Vec::new();
    }
    Array::from(&list)
        .iter()
        .filter_map(|i| get(&i, "value").as_string())
        .collect()
}
