//! Assemble the Media resource Canvas expects on `POST /Media`.

use base64::Engine as _;

use super::identifier::client_identifier;
use super::media::{Annotation, Attachment, Media, Reference};
use crate::options::Settings;

/// Build the Media for an encoded image. `data` is base64-encoded here, once.
pub fn build_media(settings: &Settings, content_type: &str, image: &[u8]) -> Media {
    Media {
        resource_type: "Media".to_string(),
        id: None,
        identifier: settings
            .identifier
            .iter()
            .map(|value| client_identifier(value.clone()))
            .collect(),
        status: settings.status.as_str().to_string(),
        subject: Reference::to(&settings.subject),
        encounter: settings.encounter.as_deref().map(Reference::to),
        operator: settings.operator.as_deref().map(Reference::to),
        content: Attachment {
            content_type: Some(content_type.to_string()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(image)),
            url: None,
            title: settings.title.clone(),
        },
        note: settings
            .notes
            .iter()
            .map(|text| Annotation { text: text.clone() })
            .collect(),
        extra: Default::default(),
    }
}
