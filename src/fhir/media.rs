//! FHIR R4 Media and the datatypes it uses. Fields the server sends that we do not model
//! are kept in `extra`, so a read resource round-trips intact (the datatypes inside keep
//! only their modelled fields). Read by hand from a `serde_json::Value` (see
//! [`super::json`]); written through serde, in the field order below, then `extra`.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::json::{list, object, opt_string, optional, required, string, JsonError};

#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub resource_type: String,
    pub id: Option<String>,
    pub identifier: Vec<Identifier>,
    pub status: String,
    pub subject: Reference,
    pub encounter: Option<Reference>,
    pub operator: Option<Reference>,
    pub content: Attachment,
    pub note: Vec<Annotation>,
    pub extra: Map<String, Value>,
}

impl Media {
    /// Read a Media; every field not modelled here lands in `extra`.
    pub fn from_json(value: Value) -> Result<Media, JsonError> {
        Self::read(value, "")
    }

    /// As [`Media::from_json`], with error paths under `at` (`entry[2].resource`).
    pub fn read(value: Value, at: &str) -> Result<Media, JsonError> {
        let mut obj = object(value, at)?;
        let o = &mut obj;
        let media = Media {
            resource_type: required(o, at, "resourceType", string)?,
            id: opt_string(o, at, "id")?,
            identifier: list(o, at, "identifier", Identifier::read)?,
            status: required(o, at, "status", string)?,
            subject: required(o, at, "subject", Reference::read)?,
            encounter: optional(o, at, "encounter", Reference::read)?,
            operator: optional(o, at, "operator", Reference::read)?,
            content: required(o, at, "content", Attachment::read)?,
            note: list(o, at, "note", Annotation::read)?,
            extra: Map::new(),
        };
        Ok(Media {
            extra: obj,
            ..media
        })
    }
}

impl Serialize for Media {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("resourceType", &self.resource_type)?;
        if let Some(id) = &self.id {
            m.serialize_entry("id", id)?;
        }
        if !self.identifier.is_empty() {
            m.serialize_entry("identifier", &self.identifier)?;
        }
        m.serialize_entry("status", &self.status)?;
        m.serialize_entry("subject", &self.subject)?;
        if let Some(encounter) = &self.encounter {
            m.serialize_entry("encounter", encounter)?;
        }
        if let Some(operator) = &self.operator {
            m.serialize_entry("operator", operator)?;
        }
        m.serialize_entry("content", &self.content)?;
        if !self.note.is_empty() {
            m.serialize_entry("note", &self.note)?;
        }
        for (key, value) in &self.extra {
            m.serialize_entry(key, value)?;
        }
        m.end()
    }
}

/// Through [`Media::from_json`], so Rust callers (`Bundle<Media>`, tests) read exactly
/// what the client reads.
impl<'de> Deserialize<'de> for Media {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Media::from_json(Value::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Reference {
    pub fn to(reference: &str) -> Self {
        Reference {
            reference: Some(reference.to_string()),
            kind: None,
        }
    }

    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let o = &mut object(value, at)?;
        Ok(Reference {
            reference: opt_string(o, at, "reference")?,
            kind: opt_string(o, at, "type")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Standard base64, no `data:` prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Attachment {
    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let o = &mut object(value, at)?;
        Ok(Attachment {
            content_type: opt_string(o, at, "contentType")?,
            data: opt_string(o, at, "data")?,
            url: opt_string(o, at, "url")?,
            title: opt_string(o, at, "title")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub text: String,
}

impl Annotation {
    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let o = &mut object(value, at)?;
        Ok(Annotation {
            text: required(o, at, "text", string)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identifier {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Identifier {
    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let o = &mut object(value, at)?;
        Ok(Identifier {
            system: opt_string(o, at, "system")?,
            value: opt_string(o, at, "value")?,
        })
    }
}
