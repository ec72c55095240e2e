//! FHIR R4 Bundle as a search answers it (`type: searchset`): `total`, paging `link`s and
//! `entry[].resource`. Generic over the resource so callers can read entries as raw JSON
//! (and pick the resource types they expect) or straight as a typed resource.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Explicit bounds: serde would otherwise ask `R: Default` for the defaulted fields.
#[serde(rename_all = "camelCase", bound(deserialize = "R: Deserialize<'de>"))]
pub struct Bundle<R = Value> {
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry<R>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "R: Deserialize<'de>"))]
pub struct BundleEntry<R = Value> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<R>,
}

impl<R> Bundle<R> {
    /// The URL of the link with this relation (`self`, `first`, `next`, `last`), if any.
    pub fn link(&self, relation: &str) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == relation)
            .map(|l| l.url.as_str())
    }
}
