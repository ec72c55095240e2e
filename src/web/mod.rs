//! The wasm-bindgen edge: the only place that knows about JS values. It turns JS input
//! into bytes and options, calls the plain-Rust pipeline and client logic, and turns
//! results and errors back into JS. Nothing below this module depends on web-sys.

mod abort;
mod client;
#[cfg(not(feature = "codecs"))]
mod codecs;
mod errors;
mod input;
mod prepare;
mod queue;
mod xhr;

pub use client::{MediaClient, MediaPage};
pub use prepare::prepare_media;
pub use queue::QueueCore;
