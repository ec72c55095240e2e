//! Reading FHIR resources out of a parsed `serde_json::Value` by hand. The derived
//! `Deserialize` impls (with `#[serde(flatten)]` for the unknown fields) cost the browser
//! wasm ~30 KB; reading fields from the `Value` the client parses anyway costs little.
//! The rules are serde's defaults: an optional field may be absent or `null`, a required
//! one must be present and of its type, a list may be absent but not `null`.

use serde_json::{Map, Value};

/// Why a JSON value is not the resource we expected, and where (`content.contentType`,
/// `note[1].text`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("missing field `{path}`")]
    Missing { path: String },
    #[error("{} must be {expected}, got {found}", shown(path))]
    WrongType {
        path: String,
        expected: &'static str,
        found: &'static str,
    },
}

/// `path` quoted; the empty path is the whole value.
fn shown(path: &str) -> String {
    if path.is_empty() {
        "the JSON".to_string()
    } else {
        format!("`{path}`")
    }
}

/// "a string", "null", …: what a value is, for errors.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `parent.key`, or `key` at the top.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn wrong(path: String, expected: &'static str, value: &Value) -> JsonError {
    JsonError::WrongType {
        path,
        expected,
        found: kind_of(value),
    }
}

/// The value as an object (`at` names it in the error).
pub fn object(value: Value, at: &str) -> Result<Map<String, Value>, JsonError> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(wrong(at.to_string(), "an object", &other)),
    }
}

/// Takes `key` out of `obj`: `None` when absent or `null`.
pub fn take(obj: &mut Map<String, Value>, key: &str) -> Option<Value> {
    obj.remove(key).filter(|v| !v.is_null())
}

/// A required field, taken out of `obj` and read with `read`.
pub fn required<T>(
    obj: &mut Map<String, Value>,
    parent: &str,
    key: &str,
    read: impl FnOnce(Value, &str) -> Result<T, JsonError>,
) -> Result<T, JsonError> {
    let path = join(parent, key);
    match obj.remove(key) {
        None => Err(JsonError::Missing { path }),
        Some(v) => read(v, &path),
    }
}

/// An optional field (absent or `null` → `None`), taken out of `obj`.
pub fn optional<T>(
    obj: &mut Map<String, Value>,
    parent: &str,
    key: &str,
    read: impl FnOnce(Value, &str) -> Result<T, JsonError>,
) -> Result<Option<T>, JsonError> {
    take(obj, key)
        .map(|v| read(v, &join(parent, key)))
        .transpose()
}

/// A list field: absent → empty; each element read with `read` at `key[i]`.
pub fn list<T>(
    obj: &mut Map<String, Value>,
    parent: &str,
    key: &str,
    mut read: impl FnMut(Value, &str) -> Result<T, JsonError>,
) -> Result<Vec<T>, JsonError> {
    let path = join(parent, key);
    match obj.remove(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| read(v, &format!("{path}[{i}]")))
            .collect(),
        Some(other) => Err(wrong(path, "an array", &other)),
    }
}

pub fn string(value: Value, at: &str) -> Result<String, JsonError> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(wrong(at.to_string(), "a string", &other)),
    }
}

/// A whole number ≥ 0 (as serde reads a `u64`: `1.0` is not one).
pub fn unsigned(value: Value, at: &str) -> Result<u64, JsonError> {
    value
        .as_u64()
        .ok_or_else(|| wrong(at.to_string(), "a whole number of at least 0", &value))
}

/// An optional string field.
pub fn opt_string(
    obj: &mut Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<Option<String>, JsonError> {
    optional(obj, parent, key, string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_follow_serdes_rules() {
        let mut obj = object(json!({"a": null, "b": "x", "c": 5, "l": null}), "").expect("obj");
        assert_eq!(opt_string(&mut obj, "p", "a"), Ok(None));
        assert_eq!(opt_string(&mut obj, "p", "b"), Ok(Some("x".into())));
        assert_eq!(
            opt_string(&mut obj, "p", "c"),
            Err(JsonError::WrongType {
                path: "p.c".into(),
                expected: "a string",
                found: "a number"
            })
        );
        assert_eq!(
            required(&mut obj, "", "gone", string),
            Err(JsonError::Missing {
                path: "gone".into()
            })
        );
        let e = list(&mut obj, "", "l", string).expect_err("null list");
        assert_eq!(e.to_string(), "`l` must be an array, got null");
        assert_eq!(list(&mut obj, "", "absent", string), Ok(vec![]));
        assert!(obj.is_empty(), "every read field is taken out");
        assert_eq!(
            unsigned(json!(1.0), "total")
                .expect_err("float")
                .to_string(),
            "`total` must be a whole number of at least 0, got a number"
        );
        assert_eq!(unsigned(json!(-1), "t").ok(), None);
        assert_eq!(unsigned(json!(7), "t"), Ok(7));
    }
}
