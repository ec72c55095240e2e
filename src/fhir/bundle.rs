//! FHIR R4 Bundle as a search answers it (`type: searchset`): `total`, paging `link`s and
//! `entry[].resource`. Generic over the resource so callers can read entries as raw JSON
//! (and pick the resource types they expect) or straight as a typed resource. Read by
//! hand from a `serde_json::Value` (see [`super::json`]); other fields are ignored.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::json::{Fields, JsonError};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle<R = Value> {
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry<R>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry<R = Value> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
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

impl Bundle<Value> {
    /// Read a Bundle, its entries' resources left as JSON.
    pub fn from_json(value: Value) -> Result<Self, JsonError> {
        let mut f = Fields::new(
            value,
            "",
            &["resourceType", "type", "total", "link", "entry"],
        )?;
        Ok(Bundle {
            resource_type: f.string("resourceType")?,
            kind: f.string("type")?,
            total: f.opt_unsigned("total")?,
            link: f.list("link", |v, at| {
                let mut f = Fields::new(v, at, &["relation", "url"])?;
                Ok(BundleLink {
                    relation: f.string("relation")?,
                    url: f.string("url")?,
                })
            })?,
            entry: f.list("entry", |v, at| {
                let mut f = Fields::new(v, at, &["fullUrl", "resource"])?;
                Ok(BundleEntry {
                    full_url: f.opt_string("fullUrl")?,
                    resource: f.opt_value("resource"),
                })
            })?,
        })
    }
}

/// Through [`Bundle::from_json`], then each resource as `R`.
impl<'de, R: DeserializeOwned> Deserialize<'de> for Bundle<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = Bundle::from_json(Value::deserialize(deserializer)?).map_err(D::Error::custom)?;
        let entry = raw
            .entry
            .into_iter()
            .map(|e| {
                let resource = e
                    .resource
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(D::Error::custom)?;
                Ok(BundleEntry {
                    full_url: e.full_url,
                    resource,
                })
            })
            .collect::<Result<_, D::Error>>()?;
        Ok(Bundle {
            resource_type: raw.resource_type,
            kind: raw.kind,
            total: raw.total,
            link: raw.link,
            entry,
        })
    }
}
