//! FHIR R4 types we send and receive, and how a prepared photo becomes a Media.

pub mod build;
pub mod media;
pub mod reference;

pub use build::build_media;
pub use media::{Annotation, Attachment, Identifier, Media, Reference};
