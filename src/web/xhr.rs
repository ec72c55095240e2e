//! `POST` through XMLHttpRequest, because fetch cannot report upload progress. Reports
//! `xhr.upload` progress, stops on the caller's AbortSignal, and hands back the status,
//! body text, `Location` and `Retry-After` for `client::response` to judge.
//!
//! XMLHttpRequest follows redirects and cannot be told not to. The browser drops the
//! `Authorization` header when a redirect leaves the origin (Fetch: "CORS non-wildcard
//! request-header"), so the token never goes along; a 307/308 re-sends the body, though,
//! if the new origin's CORS preflight allows it. What we can do, we do: an answer that
//! came from another URL than the one posted to is [`PostOutcome::Redirected`], never a
//! create, and the caller does not send it again.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, ProgressEvent, Url, XmlHttpRequest};

use super::abort::{race, AbortWatch};
use crate::client::headers;

pub struct Answer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub retry_after: Option<String>,
}

/// How a POST ended.
pub enum PostOutcome {
    Answered(Answer),
    /// No answer (the browser gives no detail for network and CORS failures).
    Failed(String),
    /// The signal fired; carries its reason.
    Aborted(JsValue),
    /// The answer came from another URL: the server redirected the POST. Carries the final
    /// status and the origin and path it came from (never the query: a presigned URL's
    /// signature stays out of error texts and logs).
    Redirected {
        status: u16,
        to: String,
    },
}

/// Send `body` as JSON. `on_progress(loaded, total)` gets the upload bytes, increasing,
/// and a last call with `loaded == total` once the body is sent.
pub async fn post_json(
    url: &str,
    authorization: &str,
    body: &Blob,
    on_progress: Option<&Function>,
    abort: Option<&AbortWatch>,
) -> PostOutcome {
    let xhr = match open(url, authorization) {
        Ok(xhr) => xhr,
        Err(e) => return PostOutcome::Failed(super::js::error_message(&e)),
    };
    let mut resolve: Option<Function> = None;
    let done = Promise::new(&mut |res, _| resolve = Some(res));
    // `loadend` follows load, error, abort and timeout alike: one place to wake up.
    let on_loadend = Closure::<dyn FnMut()>::new(move || {
        if let Some(resolve) = &resolve {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    xhr.set_onloadend(Some(on_loadend.as_ref().unchecked_ref()));
    let progress = on_progress.map(|cb| Progress::new(cb.clone(), body.size()));
    let upload = xhr.upload().ok();
    if let (Some(upload), Some(p)) = (&upload, &progress) {
        upload.set_onprogress(Some(p.on_progress.as_ref().unchecked_ref()));
        upload.set_onload(Some(p.on_done.as_ref().unchecked_ref()));
    }
    if let Err(e) = xhr.send_with_opt_blob(Some(body)) {
        detach(&xhr, upload.as_ref());
        return PostOutcome::Failed(super::js::error_message(&e));
    }
    let finished = race(abort, JsFuture::from(done)).await;
    if let Err(reason) = finished {
        // Fires loadend into the still-attached handler, which is harmless.
        let _ = xhr.abort();
        detach(&xhr, upload.as_ref());
        return PostOutcome::Aborted(reason);
    }
    detach(&xhr, upload.as_ref());
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return PostOutcome::Failed(String::new());
    }
    if let Some(to) = redirected(url, &xhr.response_url()) {
        return PostOutcome::Redirected { status, to };
    }
    // The whole list, not one header by name: see `client::headers`.
    let all_headers = xhr.get_all_response_headers().unwrap_or_default();
    PostOutcome::Answered(Answer {
        status,
        body: xhr.response_text().ok().flatten().unwrap_or_default(),
        location: headers::find(&all_headers, "Location"),
        retry_after: headers::find(&all_headers, "Retry-After"),
    })
}

/// Where the answer came from (origin and path) when that is not `url`, both as the
/// browser serializes them.
fn redirected(url: &str, response_url: &str) -> Option<String> {
    let sent = Url::new(url).ok()?;
    let answered = Url::new(response_url).ok()?;
    (sent.href() != answered.href()).then(|| answered.origin() + &answered.pathname())
}

fn open(url: &str, authorization: &str) -> Result<XmlHttpRequest, JsValue> {
    let xhr = XmlHttpRequest::new()?;
    xhr.open_with_async("POST", url, true)?;
    xhr.set_request_header("Authorization", authorization)?;
    xhr.set_request_header("Content-Type", "application/json")?;
    xhr.set_request_header("Accept", "application/json")?;
    Ok(xhr)
}

/// Drop our handlers before their closures are freed.
fn detach(xhr: &XmlHttpRequest, upload: Option<&web_sys::XmlHttpRequestUpload>) {
    xhr.set_onloadend(None);
    if let Some(upload) = upload {
        upload.set_onprogress(None);
        upload.set_onload(None);
    }
}

/// The caller's progress callback, fed monotonically. Exceptions it throws are ignored:
/// a broken progress bar must not fail the upload.
struct Progress {
    on_progress: Closure<dyn FnMut(ProgressEvent)>,
    on_done: Closure<dyn FnMut()>,
}

impl Progress {
    fn new(callback: Function, size: f64) -> Self {
        let last = Rc::new(Cell::new(-1.0_f64));
        let report = move |loaded: f64, total: f64| {
            if loaded > last.get() {
                last.set(loaded);
                let _ = callback.call2(
                    &JsValue::NULL,
                    &JsValue::from_f64(loaded),
                    &JsValue::from_f64(total),
                );
            }
        };
        let report = Rc::new(report);
        let on_event = report.clone();
        Progress {
            on_progress: Closure::new(move |e: ProgressEvent| {
                let total = if e.length_computable() && e.total() > 0.0 {
                    e.total()
                } else {
                    size
                };
                on_event(e.loaded().min(total), total);
            }),
            // The whole body is sent; make sure the caller's last value is the total.
            on_done: Closure::new(move || report(size, size)),
        }
    }
}
