//! FHIR R4 Media and the datatypes it uses. Fields the server sends that we do not model
//! are kept in `extra`, so a read resource round-trips intact (the datatypes inside keep
//! only their modelled fields). Read by hand from a `serde_json::Value` (see
//! [`super::json`]); written through serde, in the field order below, then `extra`.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::json::{Fields, JsonError};

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
        const NAMES: &[&str] = &[
            "resourceType",
            "id",
            "identifier",
            "status",
            "subject",
            "encounter",
            "operator",
            "content",
            "note",
        ];
        let mut f = Fields::new(value, at, NAMES)?;
        let media = Media {
            resource_type: f.string("resourceType")?,
            id: f.opt_string("id")?,
            identifier: f.list("identifier", Identifier::read)?,
            status: f.string("status")?,
            subject: Reference::read(f.value("subject")?, &f.path("subject"))?,
            encounter: Reference::read_opt(&mut f, "encounter")?,
            operator: Reference::read_opt(&mut f, "operator")?,
            content: Attachment::read(f.value("content")?, &f.path("content"))?,
            note: f.list("note", Annotation::read)?,
            extra: Map::new(),
        };
        Ok(Media {
            extra: f.rest,
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
        let mut f = Fields::new(value, at, &["reference", "type"])?;
        Ok(Reference {
            reference: f.opt_string("reference")?,
            kind: f.opt_string("type")?,
        })
    }

    fn read_opt(media: &mut Fields, key: &str) -> Result<Option<Self>, JsonError> {
        media
            .opt_value(key)
            .map(|v| Reference::read(v, &media.path(key)))
            .transpose()
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
        let mut f = Fields::new(value, at, &["contentType", "data", "url", "title"])?;
        Ok(Attachment {
            content_type: f.opt_string("contentType")?,
            data: f.opt_string("data")?,
            url: f.opt_string("url")?,
            title: f.opt_string("title")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub text: String,
}

impl Annotation {
    fn read(value: Value, at: &str) -> Result<Self, JsonError> {
        let mut f = Fields::new(value, at, &["text"])?;
        Ok(Annotation {
            text: f.string("text")?,
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
        let mut f = Fields::new(value, at, &["system", "value"])?;
        Ok(Identifier {
            system: f.opt_string("system")?,
            value: f.opt_string("value")?,
        })
    }
}
