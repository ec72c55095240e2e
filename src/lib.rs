//! fhir_media_capture: a photo from a camera or file → an upright, downsized, metadata-free
//! image inside a FHIR R4 Media, ready to POST to Canvas.
//!
//! - [`options`]: what a caller may ask for, checked into [`options::Settings`].
//! - [`pipeline`]: bytes → sniff → limits → decode → orient → resize → encode → Media.
//! - [`fhir`]: the FHIR types and how a prepared image becomes a Media.
//! - [`client`]: the FHIR Media client's requests, answers and errors, in plain Rust.
//! - [`queue`]: the upload queue's scheduler as a plain state machine (order, limits,
//!   backoff, reconciling lost answers).
//! - `web` (wasm32 only): the wasm-bindgen edge that the JS package calls.

pub mod client;
pub mod error;
pub mod fhir;
pub mod options;
pub mod pipeline;
pub mod queue;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::MediaError;
pub use options::{PrepareOptions, Settings};
#[cfg(feature = "codecs")]
pub use pipeline::prepare;
pub use pipeline::{prepare_with, Prepared};
