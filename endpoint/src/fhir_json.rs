//! Writes FHIR JSON with the conventional key order (`resourceType`, `id`, … as in
//! Canvas's examples) instead of serde_json's alphabetical map order. Done here rather
//! than with serde_json's `preserve_order`, which would leak through feature
//! unification into the other crates of the workspace.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

/// Keys in the order Canvas shows them; keys not listed follow, alphabetically.
const ORDER: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "identifier",
    "status",
    "subject",
    "encounter",
    "operator",
    "content",
    "note",
    "reference",
    "type",
    "contentType",
    "url",
    "title",
    "text",
];

/// A JSON value that serializes with FHIR key order, recursively.
pub struct Fhir<'a>(pub &'a Value);

fn rank(key: &str) -> usize {
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

impl Serialize for Fhir<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| (rank(k), k.as_str()));
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    if let Some(value) = map.get(key) {
                        out.serialize_entry(key, &Fhir(value))?;
                    }
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Fhir)),
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_like_the_canvas_example() {
        let v = serde_json::json!({
            "note": [{"text": "n"}], "content": {"title": "t", "url": "u", "contentType": "c"},
            "status": "completed", "id": "1", "resourceType": "Media", "zzz": 1,
            "subject": {"type": "Patient", "reference": "Patient/1"}
        });
        let text = serde_json::to_string(&Fhir(&v)).unwrap();
        assert_eq!(
            text,
            r#"{"resourceType":"Media","id":"1","status":"completed","subject":{"reference":"Patient/1","type":"Patient"},"content":{"contentType":"c","url":"u","title":"t"},"note":[{"text":"n"}],"zzz":1}"#
        );
    }
}
