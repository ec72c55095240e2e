//! The codecs wasm (`codecs-wasm/`, `pkg/fhir_media_codecs.js`) as the pipeline's
//! [`Codecs`], in builds without the `codecs` feature (the browser build). The JS shell
//! loads it on demand; its exports are called synchronously, pixels and errors cross as
//! plain JS values.

use fhir_media_codecs::heif::Scrubbed;
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
        max_dimension: u32,
    ) -> Result<JsValue, JsValue>;

    /// Blanks the metadata in place: wasm-bindgen copies the bytes back after the call.
    #[wasm_bindgen(method, catch, js_name = scrubHeif)]
    fn scrub_heif(this: &CodecsModule, bytes: &mut [u8]) -> Result<JsValue, JsValue>;

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
    /// Call `load` (`(need, bytes?, maxPixels?) => Promise<module exports>`, the JS shell's
    /// cached loader; `need` as `pipeline::needs_codecs` names it) and wait for the module.
    /// For HEIF to decode it gets the photo: the
    /// browser's own decoder may answer before any module loads (www/lib/heic.js). A
    /// failed load (offline, a trap in the HEIC module) rejects with its own error.
    pub async fn load(
        load: &JsValue,
        need: &str,
        bytes: &[u8],
        max_pixels: u64,
    ) -> Result<JsCodecs, JsValue> {
        let load: &Function = load.dyn_ref().ok_or_else(|| {
            JsValue::from(js_sys::Error::new(
                "prepareMedia: this image needs the codecs module, and no loader was given",
            ))
        })?;
        // A copy: the tiers await before the module reads it, and this memory may grow.
        let photo = if need == Format::Heif.name() {
            Uint8Array::from(bytes).into()
        } else {
            JsValue::UNDEFINED
        };
        let call = load.call3(
            &JsValue::UNDEFINED,
            &need.into(),
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

    fn failed(&self, e: JsValue, role: &str, format: &str) -> CodecError {
        let error = codec_error(&e, role, format);
        if get(&e, "code").is_undefined() {
            self.1.borrow_mut().get_or_insert(e);
        }
        error
    }
}

impl Codecs for JsCodecs {
    fn decode(
        &self,
        bytes: &[u8],
        format: Format,
        max_pixels: u64,
        target: u32,
    ) -> Result<Image, CodecError> {
        let out = self
            .0
            .decode(bytes, format.name(), max_pixels as f64, target)
            .map_err(|e| self.failed(e, "decoder", format.name()))?;
        js_image(&out)
    }

    fn scrub_heif(&self, bytes: &mut [u8]) -> Result<Scrubbed, CodecError> {
        let out = self
            .0
            .scrub_heif(bytes)
            .map_err(|e| self.failed(e, "reader", "heif"))?;
        // Only the size is used here; the counts stay in the codecs module's answer.
        Ok(Scrubbed {
            width: number(&out, "width") as u32,
            height: number(&out, "height") as u32,
            ..Scrubbed::default()
        })
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
            .map_err(|e| self.failed(e, "encoder", "png"))
    }
}

fn number(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or(0.0)
}

/// `{ width, height, channels, pixels, storedWidth?, storedHeight? }` from a decoder
/// module (codecs or HEIC); the stored size is the codecs' before their reduction.
fn js_image(out: &JsValue) -> Result<Image, CodecError> {
    let pixels: Uint8Array = get(out, "pixels")
        .dyn_into()
        .map_err(|_| CodecError::Corrupt("the decoder returned no pixels".into()))?;
    let (width, height) = (number(out, "width") as u32, number(out, "height") as u32);
    let stored = match number(out, "storedWidth") as u32 {
        0 => (width, height),
        w => (w, number(out, "storedHeight") as u32),
    };
    Ok(Image {
        width,
        height,
        stored,
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
fn codec_error(e: &JsValue, role: &str, format: &str) -> CodecError {
    typed_error(e).unwrap_or_else(|| {
        CodecError::Corrupt(format!(
            "the {} {role} failed: {}",
            // ASCII: the names are; to_uppercase would link Unicode case tables.
            format.to_ascii_uppercase(),
            error_message(e)
        ))
    })
}
