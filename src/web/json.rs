//! FHIR JSON handed to JS as plain objects, built property by property. Neither a
//! serde-wasm-bindgen serializer nor serde_json's writer is needed for it, in either
//! browser module (each is several KB of wasm).

use js_sys::{Array, Object};
use serde_json::Value;
use wasm_bindgen::JsValue;

use super::js::set;
use crate::fhir::{Annotation, Attachment, Identifier, Media, Reference};

/// A JSON value as JS: numbers become doubles, as `JSON.parse` makes them.
pub fn value_to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => n.as_f64().map_or(JsValue::NULL, JsValue::from_f64),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(items) => items.iter().map(value_to_js).collect::<Array>().into(),
        Value::Object(map) => {
            let obj = Object::new();
            for (key, v) in map {
                set(&obj, key, &value_to_js(v));
            }
            obj.into()
        }
    }
}

/// The Media as JS, with the keys in the order its `Serialize` writes them (our fields,
/// then `extra`), absent fields and empty lists left out.
pub fn media_to_js(media: &Media) -> JsValue {
    let obj = Object::new();
    put_str(&obj, "resourceType", Some(&media.resource_type));
    put_str(&obj, "id", media.id.as_ref());
    put_list(&obj, "identifier", &media.identifier, identifier);
    put_str(&obj, "status", Some(&media.status));
    set(&obj, "subject", &reference(&media.subject));
    if let Some(r) = &media.encounter {
        set(&obj, "encounter", &reference(r));
    }
    if let Some(r) = &media.operator {
        set(&obj, "operator", &reference(r));
    }
    set(&obj, "content", &attachment(&media.content));
    put_list(&obj, "note", &media.note, annotation);
    for (key, v) in &media.extra {
        set(&obj, key, &value_to_js(v));
    }
    obj.into()
}

fn put_str(obj: &Object, key: &str, value: Option<&String>) {
    if let Some(v) = value {
        set(obj, key, &JsValue::from_str(v));
    }
}

fn put_list<T>(obj: &Object, key: &str, items: &[T], one: fn(&T) -> JsValue) {
    if !items.is_empty() {
        set(obj, key, &items.iter().map(one).collect::<Array>());
    }
}

fn reference(r: &Reference) -> JsValue {
    let obj = Object::new();
    put_str(&obj, "reference", r.reference.as_ref());
    put_str(&obj, "type", r.kind.as_ref());
    obj.into()
}

fn attachment(a: &Attachment) -> JsValue {
    let obj = Object::new();
    put_str(&obj, "contentType", a.content_type.as_ref());
    put_str(&obj, "data", a.data.as_ref());
    put_str(&obj, "url", a.url.as_ref());
    put_str(&obj, "title", a.title.as_ref());
    obj.into()
}

fn annotation(a: &Annotation) -> JsValue {
    let obj = Object::new();
    put_str(&obj, "text", Some(&a.text));
    obj.into()
}

fn identifier(i: &Identifier) -> JsValue {
    let obj = Object::new();
    put_str(&obj, "system", i.system.as_ref());
    put_str(&obj, "value", i.value.as_ref());
    obj.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    fn stringify(v: &JsValue) -> String {
        js_sys::JSON::stringify(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }

    /// The JS object is the JSON serde writes: same keys, same order, same values.
    #[wasm_bindgen_test]
    fn media_objects_match_the_serialized_json() {
        let full = json!({
            "resourceType": "Media", "id": "m1",
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"}, {}],
            "status": "completed",
            "subject": {"reference": "Patient/p", "type": "Patient"},
            "encounter": {"reference": "Encounter/e"},
            "operator": {"reference": "Practitioner/o"},
            "content": {"contentType": "image/jpeg", "data": "AAEC", "url": "https://x/y", "title": "t"},
            "note": [{"text": "a"}, {"text": "b"}],
            "meta": {"versionId": "2", "tag": [1, 2.5, -3, true, null, "s"]},
            "zz": null
        });
        let minimal = json!({"resourceType": "Media", "status": "s",
                             "subject": {}, "content": {}});
        for v in [full, minimal] {
            let media = Media::from_json(v).expect("media");
            let want = serde_json::to_string(&media).expect("json");
            assert_eq!(stringify(&media_to_js(&media)), want);
        }
        let outcome = json!({"resourceType": "OperationOutcome", "issue": [{"code": "x"}]});
        assert_eq!(
            stringify(&value_to_js(&outcome)),
            serde_json::to_string(&outcome).expect("json")
        );
    }
}
