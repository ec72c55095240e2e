//! fhir_media_heif: HEIC/HEIF photos (iPhone) to 8-bit RGB for fhir_media_capture, apart
//! from its main module: natively compiled in, in the browser the lazily loaded wasm of
//! `heif-wasm`, which only a HEIF photo downloads.
//!
//! - [`Heifer`]: the [`HeifDecoder`] over the pure Rust `heifer` crate (container and HEVC
//!   intra decoding). The primary image's size is checked against the pixel limit from the
//!   container (`ispe`) before any pixel buffer exists.

mod heifer_decoder;
mod scaled;
pub use heifer_decoder::Heifer;

pub use fhir_media_codecs::{HeifDecoder, Image};
