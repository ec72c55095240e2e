//! Decoders that reduce while they decode: each hands its rows, as they come, to a
//! [`Reducer`](crate::reduce::Reducer), so the full-size picture is never allocated, only a
//! row or a band, the decoder's own state and the reduced picture. The pixels are those of
//! image's whole-picture decoders for the same file (tests: tests/bounded_codecs.rs,
//! codecs/tests/webp_rows.rs), only reduced. Each reads from any seekable source (a slice
//! natively; in the browser the caller's bytes in place, `codecs-wasm`).

mod bmp;
mod bmp_rle;
mod gif;
mod png;
mod webp;

pub use bmp::bmp;
pub use gif::gif;
pub use png::png;
pub use webp::webp;

use crate::Image;

/// The reduced picture with the stored size beside it.
fn image(reducer: crate::reduce::Reducer, channels: usize, stored: (u32, u32)) -> Image {
    let (width, height) = reducer.size();
    Image {
        width,
        height,
        channels: channels as u8,
        pixels: reducer.finish(),
        icc_profile: None,
        stored,
    }
}
