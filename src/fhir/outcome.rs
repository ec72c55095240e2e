//! FHIR R4 OperationOutcome: the body of every Canvas error answer. Only what the
//! client reads is typed; callers get the whole JSON as `FhirError.outcome`. Read by hand
//! from a `serde_json::Value` (see [`super::json`]); other fields are ignored.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::json::{Fields, JsonError};

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
    /// Read an OperationOutcome.
    pub fn from_json(value: Value) -> Result<Self, JsonError> {
        let mut f = Fields::new(value, "", &["resourceType", "issue"])?;
        Ok(OperationOutcome {
            resource_type: f.string("resourceType")?,
            issue: f.list("issue", Issue::read)?,
        })
    }
}

/// Through [`OperationOutcome::from_json`].
impl<'de> Deserialize<'de> for OperationOutcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        OperationOutcome::from_json(Value::deserialize(deserializer)?)
            .map_err(serde::de::Error::custom)
    }
}

impl Issue {
    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let mut f = Fields::new(value, at, &["severity", "code", "details", "diagnostics"])?;
        let details = match f.opt_value("details") {
            None => None,
            Some(v) => {
                let at = f.path("details");
                let mut d = Fields::new(v, &at, &["text"])?;
                Some(CodeableConcept {
                    text: d.opt_string("text")?,
                })
            }
        };
        Ok(Issue {
            severity: f.opt_string("severity")?,
            code: f.opt_string("code")?,
            details,
            diagnostics: f.opt_string("diagnostics")?,
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
