//! `prepareMedia(input, options)`.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use js_sys::Object;

use super::errors::media_error;
use super::input::read_bytes;
use super::js::{object, object_of, set};
use super::json::media_to_js;
use crate::error::MediaError;
use crate::options::{OptionSource, OptionValue, PrepareOptions, Settings};
use crate::pipeline::quality::Metrics;
use crate::pipeline::{self, Prepared};

/// Decode, orient, downsize and encode a photo, and wrap it as a FHIR R4 Media.
///
/// `loadCodecs(format, bytes, maxPixels)` resolves to a decoder module's exports; it is
/// called only when the photo needs one: for `"heif"` (with the photo's bytes and limit)
/// the HEIC tiers of www/lib/heic.js, which decode there and then; for PNG, WebP, GIF or
/// BMP input, or PNG output, `pkg/fhir_media_codecs.js`.
/// Builds with the `codecs` feature (the wasm tests) have all compiled in and ignore it.
#[wasm_bindgen(js_name = prepareMedia, unchecked_return_type = "Promise<PreparedMedia>")]
pub async fn prepare_media(
    #[wasm_bindgen(unchecked_param_type = "Blob | ArrayBuffer | Uint8Array")] input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PrepareOptions")] options: JsValue,
    #[wasm_bindgen(
        js_name = loadCodecs,
        unchecked_param_type = "(format: string, bytes?: Uint8Array, maxPixels?: number) => Promise<object>"
    )]
    load_codecs: JsValue,
) -> Result<JsValue, JsValue> {
    let settings = parse_options(options).map_err(|e| media_error(&e))?;
    let bytes = read_bytes(&input, settings.max_input_bytes)
        .await
        .map_err(|e| media_error(&e))?;
    drop(input);
    #[cfg(debug_assertions)]
    super::trap_hook::trap_if_asked(&bytes);
    #[cfg(feature = "codecs")]
    let prepared = {
        drop(load_codecs);
        pipeline::prepare(&bytes, &settings)
    };
    #[cfg(not(feature = "codecs"))]
    let prepared = {
        let codecs = match pipeline::needs_codecs(&bytes, &settings) {
            Some(need) => Some(
                super::codecs::JsCodecs::load(&load_codecs, need, &bytes, settings.max_pixels)
                    .await?,
            ),
            None => None,
        };
        // Handed over: freed once decoded (the codecs module has its own copy by then).
        let prepared = pipeline::prepare_with(
            bytes,
            &settings,
            codecs.as_ref().map(|c| c as &dyn fhir_media_codecs::Codecs),
        );
        // A trap in the codecs module is the module's failure, not the photo's: thrown as
        // it came (not a MediaError), so that the JS shell drops this worker and its wasm.
        if let Some(trap) = codecs.as_ref().and_then(super::codecs::JsCodecs::take_trap) {
            return Err(trap);
        }
        prepared
    };
    let prepared = prepared.map_err(|e| media_error(&e))?;
    Ok(prepared_js(prepared))
}

/// The JS `PreparedMedia`, built property by property (the field order is the d.ts's).
fn prepared_js(prepared: Prepared) -> JsValue {
    let num = |n: f64| JsValue::from_f64(n);
    let out = Object::new();
    set(&out, "resource", &media_to_js(&prepared.media));
    set(
        &out,
        "contentType",
        &JsValue::from_str(prepared.content_type),
    );
    set(&out, "width", &num(prepared.width.into()));
    set(&out, "height", &num(prepared.height.into()));
    set(&out, "bytes", &num(prepared.bytes as f64));
    set(
        &out,
        "quality",
        &prepared.quality.map_or(JsValue::NULL, num),
    );
    set(&out, "encodes", &num(prepared.encodes.into()));
    // The plain records are built by hand too: serde-wasm-bindgen's serializer cost more
    // wasm than these few fields.
    let src = &prepared.source;
    let source = object_of(
        &["format", "width", "height", "bytes", "orientation"],
        &[
            JsValue::from_str(src.format),
            num(src.width.into()),
            num(src.height.into()),
            num(src.bytes as f64),
            num(src.orientation.into()),
        ],
    );
    set(&out, "source", &source);
    let warnings: js_sys::Array = prepared
        .warnings
        .iter()
        .map(|w| JsValue::from_str(w.code()))
        .collect();
    set(&out, "warnings", &warnings);
    set(
        &out,
        "metrics",
        &prepared.metrics.as_ref().map_or(JsValue::NULL, metrics_js),
    );
    let t = &prepared.timings;
    let timings = object_of(
        &["decode", "orient", "resize", "checks", "encode", "total"],
        &[t.decode, t.orient, t.resize, t.checks, t.encode, t.total].map(num),
    );
    set(&out, "timings", &timings);
    out.into()
}

/// `{ sharpness, brightness, clippedDark, clippedBright }`, by hand (a serde derive costs
/// more wasm than these four numbers).
fn metrics_js(m: &Metrics) -> JsValue {
    object_of(
        &["sharpness", "brightness", "clippedDark", "clippedBright"],
        &[m.sharpness, m.brightness, m.clipped_dark, m.clipped_bright].map(JsValue::from_f64),
    )
}

/// Parse once into the typed struct; a missing options object means "all defaults".
pub fn parse_options(options: JsValue) -> Result<Settings, MediaError> {
    let raw = match object(
        &options,
        "options",
        "prepareMedia",
        Some(&PrepareOptions::NAMES),
    )? {
        Some(obj) => PrepareOptions::read(&JsOptions(obj.into()))?,
        None => PrepareOptions::default(),
    };
    raw.validate()
}

/// The options object, read one name at a time through `Reflect.get` (no serde: see
/// src/options.rs).
struct JsOptions(JsValue);

impl OptionSource for JsOptions {
    fn get(&self, name: &str) -> Result<OptionValue, MediaError> {
        js_sys::Reflect::get(&self.0, &JsValue::from_str(name))
            .map(js_value)
            .map_err(|_| MediaError::invalid(name, "could not be read (its getter threw)"))
    }
}

fn js_value(v: JsValue) -> OptionValue {
    if v.is_undefined() {
        OptionValue::Absent
    } else if v.is_null() {
        OptionValue::Null
    } else if let Some(b) = v.as_bool() {
        OptionValue::Bool(b)
    } else if let Some(n) = v.as_f64() {
        OptionValue::Number(n)
    } else if let Some(s) = v.as_string() {
        OptionValue::String(s)
    } else if v.is_bigint() {
        u64::try_from(v).map_or(OptionValue::Other, OptionValue::Whole)
    } else if let Some(a) = v.dyn_ref::<js_sys::Array>() {
        OptionValue::List(a.iter().map(js_value).collect())
    } else if let Ok(Some(items)) = js_sys::try_iter(&v) {
        // Any iterable is a list, so a Set of notes serves as well as an array.
        match items.collect::<Result<Vec<_>, _>>() {
            Ok(items) => OptionValue::List(items.into_iter().map(js_value).collect()),
            Err(_) => OptionValue::Other,
        }
    } else if v.is_object() && !v.is_function() {
        // A plain object (`checks: { minSharpness: 0.2 }`): its own enumerable properties.
        let keys = Object::keys(v.unchecked_ref::<Object>());
        OptionValue::Record(
            keys.iter()
                .filter_map(|k| k.as_string())
                .map(|k| {
                    let value = js_sys::Reflect::get(&v, &JsValue::from_str(&k));
                    (k, value.map_or(OptionValue::Other, js_value))
                })
                .collect(),
        )
    } else {
        OptionValue::Other
    }
}
