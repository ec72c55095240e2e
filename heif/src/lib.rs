//! fhir_media_heif: HEIC/HEIF photos (iPhone) to 8-bit RGB for fhir_media_capture, apart
//! from its main module: natively compiled in, in the browser the lazily loaded wasm of
//! `heif-wasm`, which only a HEIF photo downloads.
//!
//! - [`Heifer`]: the [`HeifDecoder`] over the pure Rust `heifer` crate (container and HEVC
//!   intra decoding). The primary image's size is checked against the pixel limit from the
//!   container (`ispe`) before any pixel buffer exists.
//! - [`GridPlan`]: a grid photo (iPhone: 512 px tiles) as independent tiles, each decoded
//!   to its scaled, oriented [`TileBlock`], so that the browser can decode them in
//!   parallel (www/lib/heic-pool.js) and assemble them.
//! - `hevc`: one tile's HEVC picture, heifer's decode with its hot loops out of line.

mod heifer_decoder;
mod hevc;
mod scaled;
pub use heifer_decoder::{Heifer, TileInputs};
pub use scaled::{GridPlan, TileBlock, TileInput};

/// The container parser, for callers that decode a [`GridPlan`]'s tiles themselves.
pub use heifer::heifer_isobmff::HeifFile;

pub use fhir_media_codecs::{HeifDecoder, Image};

/// xorshift64: the tests' hostile inputs, the same sequence every run.
#[cfg(test)]
fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}
