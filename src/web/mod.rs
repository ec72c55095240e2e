//! The wasm-bindgen edge: the only place that knows about JS values. It turns JS input
//! into bytes and options, calls the plain-Rust pipeline and client logic, and turns
//! results and errors back into JS. Nothing below this module depends on web-sys.

//!
//! Features pick the exports, so that each browser module holds only what its JS context
//! runs: `prepare` (`prepareMedia`) and `client` (`MediaClient`, `QueueCore`).

#[cfg(feature = "client")]
mod abort;
#[cfg(feature = "client")]
mod client;
#[cfg(all(feature = "prepare", not(feature = "codecs")))]
mod codecs;
mod errors;
#[cfg(feature = "client")]
mod finish;

#[cfg(feature = "prepare")]
mod input;
mod js;
mod json;
#[cfg(feature = "prepare")]
mod prepare;

#[cfg(feature = "client")]
mod queue;
#[cfg(all(feature = "prepare", debug_assertions))]
mod trap_hook;
#[cfg(feature = "client")]
mod xhr;

#[cfg(feature = "client")]
pub use client::{MediaClient, MediaPage};
#[cfg(feature = "client")]
pub use finish::{finish_media, upload_identifier};
#[cfg(feature = "prepare")]
pub use prepare::prepare_media;

#[cfg(feature = "client")]
pub use queue::QueueCore;
