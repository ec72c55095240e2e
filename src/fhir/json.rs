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

/// An object's fields split into the ones a type reads (`names`) and the rest. The
/// readers below are plain functions, not one generic copy per field, which keeps the
/// wasm small.
pub struct Fields<'a> {
    at: &'a str,
    names: &'static [&'static str],
    values: Vec<Option<Value>>,
    /// The fields not in `names`, in the map's order.
    pub rest: Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// `value` must be an object; `at` is its path in errors ("" at the top).
    #[inline(never)]
    pub fn new(
        value: Value,
        at: &'a str,
        names: &'static [&'static str],
    ) -> Result<Self, JsonError> {
        let map = match value {
            Value::Object(map) => map,
            other => return Err(wrong(at.to_string(), "an object", &other)),
        };
        let mut values = vec![None; names.len()];
        let mut rest = Map::new();
        for (key, value) in map {
            match names.iter().position(|n| *n == key) {
                Some(i) => values[i] = Some(value),
                None => {
                    rest.insert(key, value);
                }
            }
        }
        Ok(Fields {
            at,
            names,
            values,
            rest,
        })
    }

    /// The path of a field, for errors and for reading what is inside it.
    pub fn path(&self, key: &str) -> String {
        join(self.at, key)
    }

    /// The path of a list item: `key[i]`.
    pub fn item(&self, key: &str, i: usize) -> String {
        format!("{}[{i}]", self.path(key))
    }

    /// Takes the field out, `null` included (`None` when absent).
    fn slot(&mut self, key: &str) -> Option<Value> {
        let i = self.names.iter().position(|n| *n == key)?;
        self.values.get_mut(i)?.take()
    }

    /// A required field of any type (`null` is left to the type's reader to refuse).
    #[inline(never)]
    pub fn value(&mut self, key: &str) -> Result<Value, JsonError> {
        self.slot(key).ok_or_else(|| JsonError::Missing {
            path: self.path(key),
        })
    }

    /// An optional field: absent or `null` → `None`.
    #[inline(never)]
    pub fn opt_value(&mut self, key: &str) -> Option<Value> {
        self.slot(key).filter(|v| !v.is_null())
    }

    /// A required string.
    #[inline(never)]
    pub fn string(&mut self, key: &str) -> Result<String, JsonError> {
        let value = self.value(key)?;
        self.as_string(key, value)
    }

    /// An optional string.
    #[inline(never)]
    pub fn opt_string(&mut self, key: &str) -> Result<Option<String>, JsonError> {
        match self.opt_value(key) {
            None => Ok(None),
            Some(value) => self.as_string(key, value).map(Some),
        }
    }

    fn as_string(&self, key: &str, value: Value) -> Result<String, JsonError> {
        match value {
            Value::String(s) => Ok(s),
            other => Err(wrong(self.path(key), "a string", &other)),
        }
    }

    /// An optional whole number ≥ 0 (as serde reads a `u64`: `1.0` is not one).
    #[inline(never)]
    pub fn opt_unsigned(&mut self, key: &str) -> Result<Option<u64>, JsonError> {
        match self.opt_value(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| wrong(self.path(key), "a whole number of at least 0", &v)),
        }
    }

    /// A list: absent → empty, `null` or another type → error.
    #[inline(never)]
    pub fn array(&mut self, key: &str) -> Result<Vec<Value>, JsonError> {
        match self.slot(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(wrong(self.path(key), "an array", &other)),
        }
    }

    /// A list of objects, each read by `read` at its `key[i]` path.
    pub fn list<T>(
        &mut self,
        key: &str,
        read: fn(Value, &str) -> Result<T, JsonError>,
    ) -> Result<Vec<T>, JsonError> {
        let items = self.array(key)?;
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| read(v, &self.item(key, i)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_follow_serdes_rules() {
        const NAMES: &[&str] = &["a", "b", "c", "l", "n", "gone", "absent"];
        let v = json!({"a": null, "b": "x", "c": 5, "l": null, "n": 1.0, "other": [1]});
        let mut f = Fields::new(v, "p", NAMES).expect("obj");
        assert_eq!(f.opt_string("a"), Ok(None));
        assert_eq!(f.opt_string("b"), Ok(Some("x".into())));
        assert_eq!(
            f.opt_string("c"),
            Err(JsonError::WrongType {
                path: "p.c".into(),
                expected: "a string",
                found: "a number"
            })
        );
        assert_eq!(
            f.string("gone"),
            Err(JsonError::Missing {
                path: "p.gone".into()
            })
        );
        let e = f.array("l").expect_err("null list");
        assert_eq!(e.to_string(), "`p.l` must be an array, got null");
        assert_eq!(f.array("absent"), Ok(vec![]));
        assert_eq!(
            f.opt_unsigned("n").expect_err("float").to_string(),
            "`p.n` must be a whole number of at least 0, got a number"
        );
        assert_eq!(f.rest, *json!({"other": [1]}).as_object().expect("obj"));
        let e = Fields::new(json!(3), "", NAMES)
            .err()
            .expect("not an object");
        assert_eq!(e.to_string(), "the JSON must be an object, got a number");
    }
}
