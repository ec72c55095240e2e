//! The retake checks through the wasm `prepareMedia` in a real headless browser: each
//! warning on its defect, none on the untouched picture, `checks` off and tuned from a
//! JS object, a bad threshold as a `MediaError`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Uint8Array, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[path = "support/defects.rs"]
mod defects;
#[path = "support/js.rs"]
mod js;
use defects::*;
use fhir_media_capture::pipeline::raster::Raster;
use js::get;

wasm_bindgen_test_configure!(run_in_browser);

/// A lossless input, so only the defect differs (the codecs are compiled into this build).
fn png(r: &Raster) -> JsValue {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, r.width, r.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().expect("png header");
        w.write_image_data(&r.data).expect("png data");
    }
    Uint8Array::from(out.as_slice()).into()
}

async fn prepare(r: &Raster, extra: &str) -> Result<JsValue, JsValue> {
    let options = JSON::parse(&format!(
        r#"{{"subject":"Patient/b8dfa97bdcdf4754bcd8197ca78ef0f0"{extra}}}"#
    ))
    .expect("json");
    fhir_media_capture::web::prepare_media(png(r), options, JsValue::UNDEFINED).await
}

fn warnings(p: &JsValue) -> Vec<String> {
    Array::from(&get(p, "warnings"))
        .iter()
        .filter_map(|w| w.as_string())
        .collect()
}

#[wasm_bindgen_test]
async fn each_warning_on_its_defect_none_untouched() {
    let clean = skin(1024, 768, 0.2, 11);
    let p = prepare(&clean, "").await.expect("prepared");
    assert!(warnings(&p).is_empty(), "untouched");
    let sharp = get(&p, "metrics.sharpness").as_f64().expect("sharpness");
    assert!(sharp > 0.325, "{sharp}");
    for (defect, r, code) in [
        ("defocus", gaussian_blur(&clean, 1.5), "blurry"),
        ("under", exposure(&clean, -3.0), "too-dark"),
        ("over", exposure(&clean, 2.0), "too-bright"),
    ] {
        let p = prepare(&r, "").await.expect("prepared");
        assert_eq!(warnings(&p), [code], "{defect}");
    }
}

#[wasm_bindgen_test]
async fn checks_off_tuned_and_refused() {
    let dark = exposure(&skin(400, 300, 0.0, 4), -5.0);
    let off = prepare(&dark, r#","checks":false"#)
        .await
        .expect("prepared");
    assert!(warnings(&off).is_empty());
    assert!(get(&off, "metrics").is_null());
    let tuned = prepare(&dark, r#","checks":{"minBrightness":0,"maxClippedDark":1}"#)
        .await
        .expect("prepared");
    assert!(warnings(&tuned).is_empty(), "{:?}", warnings(&tuned));
    assert!(
        get(&tuned, "metrics.brightness")
            .as_f64()
            .expect("brightness")
            < 0.22
    );
    assert!(get(&tuned, "timings.checks").as_f64().is_some());
    let err = prepare(&dark, r#","checks":{"minSharpness":2}"#)
        .await
        .expect_err("refused");
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("MediaError"));
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("invalid-options")
    );
    assert_eq!(get(&err, "field").as_string().as_deref(), Some("checks"));
}
