//! FHIR R4 types we send and receive, and how a prepared photo becomes a Media.

pub mod build;
pub mod bundle;
pub mod identifier;
pub mod json;
pub mod media;
pub mod outcome;
pub mod reference;
pub mod text;

pub use build::build_media;
pub use bundle::{Bundle, BundleEntry, BundleLink};
pub use identifier::IDENTIFIER_SYSTEM;
pub use json::JsonError;
pub use media::{Annotation, Attachment, Identifier, Media, Reference};
pub use outcome::{Issue, OperationOutcome};
