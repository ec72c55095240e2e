//! An `AbortSignal` as something Rust can race against: any step of a call (waiting for
//! the encounter's slot, the token function, the upload) ends as soon as it fires, with
//! the signal's `reason`, the way `fetch` rejects.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// Listens for `abort` until dropped.
pub struct AbortWatch {
    signal: AbortSignal,
    fired: Promise,
    listener: Closure<dyn FnMut()>,
}

impl AbortWatch {
    pub fn new(signal: AbortSignal) -> Self {
        let mut resolve: Option<Function> = None;
        let fired = Promise::new(&mut |res, _| resolve = Some(res));
        let listener = Closure::<dyn FnMut()>::new(move || {
            if let Some(resolve) = &resolve {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        // Adding a listener to a live AbortSignal does not throw.
        let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
        AbortWatch {
            signal,
            fired,
            listener,
        }
    }

    /// What the caller aborted with (an `AbortError` DOMException unless they gave one).
    pub fn reason(&self) -> JsValue {
        self.signal.reason()
    }

    pub fn aborted(&self) -> bool {
        self.signal.aborted()
    }
}

impl Drop for AbortWatch {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}

/// Run `fut` unless the signal fires first; then `Err(reason)` and `fut` is dropped.
pub async fn race<F: Future>(watch: Option<&AbortWatch>, fut: F) -> Result<F::Output, JsValue> {
    let Some(watch) = watch else {
        return Ok(fut.await);
    };
    if watch.aborted() {
        return Err(watch.reason());
    }
    let mut fut = pin!(fut);
    let mut fired = pin!(JsFuture::from(watch.fired.clone()));
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        if fired.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(watch.reason()));
        }
        Poll::Pending
    })
    .await
}
