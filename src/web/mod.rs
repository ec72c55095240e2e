//! wasm-bindgen edge (being written).
