//! FHIR R4 OperationOutcome: the body of every Canvas error answer. Only what the
//! client reads is typed; callers get the whole JSON as `FhirError.outcome`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: String,
    #[serde(default)]
    pub issue: Vec<Issue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Issue {
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
