//! What `prepareMedia` accepts as input: a Blob/File, an ArrayBuffer or any typed-array
//! view (Uint8Array, DataView…). Blob sizes are checked before the bytes are read.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::MediaError;
use crate::pipeline::limits;

pub async fn read_bytes(input: &JsValue, max_input_bytes: u64) -> Result<Vec<u8>, MediaError> {
    if let Some(blob) = input.dyn_ref::<web_sys::Blob>() {
        // f64 → u64 saturates; never through usize, which is 32 bits here.
        limits::check_input_size(blob.size() as u64, max_input_bytes)?;
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|_| MediaError::corrupt("the file could not be read"))?;
        return Ok(Uint8Array::new(&buffer).to_vec());
    }
    let view = if let Some(buffer) = input.dyn_ref::<ArrayBuffer>() {
        Uint8Array::new(buffer)
    } else if ArrayBuffer::is_view(input) {
        let view: &js_sys::Object = input.unchecked_ref();
        let get = |k: &str| js_sys::Reflect::get(view, &JsValue::from_str(k)).ok();
        let (Some(buffer), Some(offset), Some(len)) =
            (get("buffer"), get("byteOffset"), get("byteLength"))
        else {
            return Err(not_input());
        };
        Uint8Array::new_with_byte_offset_and_length(
            &buffer,
            offset.as_f64().unwrap_or(0.0) as u32,
            len.as_f64().unwrap_or(0.0) as u32,
        )
    } else {
        return Err(not_input());
    };
    limits::check_input_size(u64::from(view.length()), max_input_bytes)?;
    Ok(view.to_vec())
}

fn not_input() -> MediaError {
    MediaError::invalid(
        "input",
        "must be a Blob or File, an ArrayBuffer or a Uint8Array",
    )
}
