//! FHIR R4 OperationOutcome: the body of every Canvas error answer. Only what the
//! client reads is typed; callers get the whole JSON as `FhirError.outcome`. Read by hand
//! from a `serde_json::Value` (see [`super::json`]); other fields are ignored.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::json::{kind_of, list, object, opt_string, optional, required, string, JsonError};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: String,
    pub issue: Vec<Issue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeableConcept {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl OperationOutcome {
    /// Read an OperationOutcome (the JSON is borrowed: the caller hands it on whole).
    pub fn from_json(value: &Value) -> Result<Self, JsonError> {
        let Value::Object(map) = value else {
            return Err(JsonError::WrongType {
                path: String::new(),
                expected: "an object",
                found: kind_of(value),
            });
        };
        // Only the small fields are copied, not the whole body.
        let mut o = serde_json::Map::new();
        for key in ["resourceType", "issue"] {
            if let Some(v) = map.get(key) {
                o.insert(key.to_string(), v.clone());
            }
        }
        let o = &mut o;
        Ok(OperationOutcome {
            resource_type: required(o, "", "resourceType", string)?,
            issue: list(o, "", "issue", Issue::read)?,
        })
    }
}

/// Through [`OperationOutcome::from_json`].
impl<'de> Deserialize<'de> for OperationOutcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OperationOutcome::from_json(&Value::deserialize(deserializer)?)
            .map_err(serde::de::Error::custom)
    }
}

impl Issue {
    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let o = &mut object(value, at)?;
        Ok(Issue {
            severity: opt_string(o, at, "severity")?,
            code: opt_string(o, at, "code")?,
            details: optional(o, at, "details", |v, at| {
                let o = &mut object(v, at)?;
                Ok(CodeableConcept {
                    text: opt_string(o, at, "text")?,
                })
            })?,
            diagnostics: opt_string(o, at, "diagnostics")?,
        })
    }

    /// What a person should read: `details.text`, else `diagnostics` (blank counts as absent).
    pub fn message(&self) -> Option<&str> {
        let details = self.details.as_ref().and_then(|d| d.text.as_deref());
        [details, self.diagnostics.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|t| !t.is_empty())
    }
}
