//! The codecs wasm (`codecs-wasm/`, `pkg/fhir_media_codecs.js`) as the pipeline's
//! [`Codecs`], in builds without the `codecs` feature (the browser build). The JS shell
//! loads it on demand; its exports are called synchronously, pixels and errors cross as
//! plain JS values.

use fhir_media_codecs::{CodecError, Codecs, Format, Image};
use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::js::{error_message, get};

#[wasm_bindgen]
extern "C" {
    /// The initialised exports of `pkg/fhir_media_codecs.js`.
    type CodecsModule;

    #[wasm_bindgen(method, catch)]
    fn decode(
        this: &CodecsModule,
        bytes: &[u8],
        format: &str,
        max_pixels: f64,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, js_name = encodePng)]
    fn encode_png(
        this: &CodecsModule,
        pixels: &[u8],
        width: u32,
        height: u32,
        channels: u8,
    ) -> Result<Uint8Array, JsValue>;
}

/// The module, and the first error it threw that was not one of its typed codec errors:
/// a trap (a panic, out of memory) leaves that instance unfit for use, which the caller
/// must hear about as such, not as a damaged file (`take_trap`).
pub struct JsCodecs(CodecsModule, std::cell::RefCell<Option<JsValue>>);

impl JsCodecs {
    /// Call `load` (`(format, bytes?, maxPixels?) => Promise<module exports>`, the JS
    /// shell's cached loader) and wait for the module. For HEIF it gets the photo: the
    /// browser's own decoder may answer before any module loads (www/lib/heic.js). A
    /// failed load (offline, a trap in the HEIC module) rejects with its own error.
    pub async fn load(
        load: &JsValue,
        format: Format,
        bytes: &[u8],
        max_pixels: u64,
    ) -> Result<JsCodecs, JsValue> {
        let load: &Function = load.dyn_ref().ok_or_else(|| {
            JsValue::from(js_sys::Error::new(
                "prepareMedia: this image needs the codecs module, and no loader was given",
            ))
        })?;
        // A copy: the tiers await before the module reads it, and this memory may grow.
        let photo = match format {
            Format::Heif => Uint8Array::from(bytes).into(),
            _ => JsValue::UNDEFINED,
        };
        let call = load.call3(
            &JsValue::UNDEFINED,
            &format.name().into(),
            &photo,
            &(max_pixels as f64).into(),
        )?;
        let module = JsFuture::from(Promise::resolve(&call)).await?;
        Ok(JsCodecs(module.unchecked_into(), Default::default()))
    }

    /// What the module threw that was no codec error (a trap), if it did.
    pub fn take_trap(&self) -> Option<JsValue> {
        self.1.borrow_mut().take()
    }

    fn failed(&self, e: JsValue, role: &str, format: Format) -> CodecError {
        let error = codec_error(&e, role, format);
        if get(&e, "code").is_undefined() {
            self.1.borrow_mut().get_or_insert(e);
        }
        error
    }
}

impl Codecs for JsCodecs {
    fn decode(&self, bytes: &[u8], format: Format, max_pixels: u64) -> Result<Image, CodecError> {
        let out = self
            .0
            .decode(bytes, format.name(), max_pixels as f64)
            .map_err(|e| self.failed(e, "decoder", format))?;
        js_image(&out)
    }

    fn encode_png(
        &self,
        width: u32,
        height: u32,
        channels: u8,
        pixels: &[u8],
    ) -> Result<Vec<u8>, CodecError> {
        self.0
            .encode_png(pixels, width, height, channels)
            .map(|png| png.to_vec())
            .map_err(|e| self.failed(e, "encoder", Format::Png))
    }
}

fn number(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or(0.0)
}

/// `{ width, height, channels, pixels }` from a decoder module (codecs or HEIC).
fn js_image(out: &JsValue) -> Result<Image, CodecError> {
    let pixels: Uint8Array = get(out, "pixels")
        .dyn_into()
        .map_err(|_| CodecError::Corrupt("the decoder returned no pixels".into()))?;
    Ok(Image {
        width: number(out, "width") as u32,
        height: number(out, "height") as u32,
        channels: number(out, "channels") as u8,
        pixels: pixels.to_vec(),
        icc_profile: get(out, "icc")
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|icc| icc.to_vec()),
    })
}

/// A decoder module's typed error (its `code`) back into ours; `None` for any other code.
fn typed_error(e: &JsValue) -> Option<CodecError> {
    let message = error_message(e);
    Some(match get(e, "code").as_string()?.as_str() {
        "unsupported-format" | "heic-not-decodable" => CodecError::Unsupported(message),
        "corrupt-image" => CodecError::Corrupt(message),
        "too-many-pixels" => CodecError::TooManyPixels {
            width: number(e, "width") as u32,
            height: number(e, "height") as u32,
            limit: number(e, "limit") as u64,
        },
        _ => return None,
    })
}

/// The codecs module's typed error back into ours; anything else (a trap: a panic in a
/// decoder) reads as a damaged file here, and `JsCodecs::take_trap` tells the caller.
fn codec_error(e: &JsValue, role: &str, format: Format) -> CodecError {
    typed_error(e).unwrap_or_else(|| {
        CodecError::Corrupt(format!(
            "the {} {role} failed: {}",
            // ASCII: the names are; to_uppercase would link Unicode case tables.
            format.name().to_ascii_uppercase(),
            error_message(e)
        ))
    })
}
