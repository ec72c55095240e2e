//! `MediaClient`: the FHIR Media API from the browser. Requests go out through fetch
//! (gloo-net), creates through XMLHttpRequest for upload progress; every answer is
//! judged by the plain-Rust `client` module.
//!
//! - Token: a string, or a function `({refresh}) => string | Promise<string>` called
//!   before each request; after a 401 it is called once more with `refresh: true` and
//!   the request is retried once. The token goes only into `Authorization` headers to the
//!   base URL's origin, never into errors. If the function throws or rejects, the call
//!   rejects with that same error.
//! - Creates are serialized per encounter inside one client (Canvas refuses concurrent
//!   creates on one encounter); creates without an encounter, and reads, run freely.
//! - Abort: `create(resource, {signal})` rejects with `signal.reason` (an `AbortError`
//!   DOMException by default), as `fetch` does, whether it was waiting for its turn, for
//!   the token, or uploading. An aborted or dropped upload frees the encounter at once,
//!   though the server may still be finishing it; the next create on that encounter can
//!   then meet Canvas's concurrency refusal (422). Retrying belongs to the upload queue.

use std::collections::HashSet;
use std::rc::Rc;

use gloo_net::http::{Request, Response};
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortSignal, Blob, BlobPropertyBag};

use super::abort::{race, AbortWatch};
use super::errors::fhir_error;
use super::js::{self, get, set};
use super::json::media_to_js;
use super::xhr::{self, PostOutcome};
use crate::client::{
    content, response, Authorization, BaseUrl, ClientError, KeyedGate, Page, SearchQuery,
};
use crate::fhir::text::non_blank;

/// Why a call failed: our error, or a JS value passed through untouched (the abort
/// reason, or whatever the host's token function threw).
enum Failure {
    Client(ClientError),
    Js(JsValue),
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure::Client(e)
    }
}

impl Failure {
    fn into_js(self) -> JsValue {
        match self {
            Failure::Client(e) => fhir_error(&e),
            Failure::Js(v) => v,
        }
    }
}

enum Token {
    Fixed(Authorization),
    Provider(Function),
}

struct Inner {
    base: BaseUrl,
    token: Token,
    gate: KeyedGate,
}

/// A client for one FHIR server and one token (source).
#[wasm_bindgen]
pub struct MediaClient {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl MediaClient {
    /// `new MediaClient({ baseUrl, token })`; throws a `MediaError` (`invalid-options`,
    /// with `field`) for a bad base URL or token.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "MediaClientOptions")] options: JsValue,
    ) -> Result<MediaClient, JsValue> {
        Self::parse(&options)
            .map(|inner| MediaClient {
                inner: Rc::new(inner),
            })
            .map_err(|e| fhir_error(&e))
    }

    /// The normalised base URL.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.inner.base.to_string()
    }

    /// `POST /Media`. Resolves to `{ id, location }` on 201 Created.
    #[wasm_bindgen(unchecked_return_type = "Promise<CreatedMedia>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Media")] resource: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CreateOptions | undefined")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            inner
                .create(resource, options)
                .await
                .map_err(Failure::into_js)
        })
    }

    /// `GET /Media/{id}`.
    #[wasm_bindgen(unchecked_return_type = "Promise<Media>")]
    pub fn read(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.read(id).await.map_err(Failure::into_js) })
    }

    /// `GET /Media?patient=…&_count=…&_offset=…`: the first page.
    #[wasm_bindgen(unchecked_return_type = "Promise<MediaPage>")]
    pub fn search(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SearchOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let query = search_query(&options, "search")?;
            let url = query.url(&inner.base);
            let page = inner.page(&url).await.map_err(Failure::into_js)?;
            Ok(MediaPage::new(inner, page)?.into())
        })
    }

    /// Every Media of the patient, following `next` links to the last page
    /// (`count` per request, default 100).
    #[wasm_bindgen(js_name = searchAll, unchecked_return_type = "Promise<Media[]>")]
    pub fn search_all(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SearchOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move {
            let mut query = search_query(&options, "searchAll")?;
            query.count = query.count.or(Some(crate::client::search::MAX_COUNT));
            inner
                .search_all(&query.url(&inner.base))
                .await
                .map(JsValue::from)
                .map_err(Failure::into_js)
        })
    }

    /// The image bytes of a read or searched Media: `GET content.url` (with the token
    /// when it is on the base URL's origin), following the redirect to storage.
    #[wasm_bindgen(js_name = fetchContent, unchecked_return_type = "Promise<Blob>")]
    pub fn fetch_content(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Media")] media: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.fetch_content(media).await.map_err(Failure::into_js) })
    }
}

impl MediaClient {
    fn parse(options: &JsValue) -> Result<Inner, ClientError> {
        let Some(obj) = js::object(
            options,
            "options",
            "MediaClient",
            Some(&["baseUrl", "token"]),
        )?
        else {
            return Err(ClientError::invalid(
                "options",
                "are required: new MediaClient({ baseUrl, token })",
            ));
        };
        let base = match js::string(&obj, "baseUrl")? {
            Some(url) => BaseUrl::parse(&url)?,
            None => BaseUrl::parse("")?,
        };
        let token = get(&obj, "token");
        let token = if let Some(t) = token.as_string() {
            Token::Fixed(Authorization::bearer(&t)?)
        } else if let Some(f) = token.dyn_ref::<Function>() {
            Token::Provider(f.clone())
        } else if token.is_undefined() || token.is_null() {
            return Err(ClientError::invalid(
                "token",
                "is required: the access token, or a function that returns it (sync or async)",
            ));
        } else {
            return Err(ClientError::invalid(
                "token",
                "must be a string or a function that returns one (sync or async)",
            ));
        };
        Ok(Inner {
            base,
            token,
            gate: KeyedGate::new(),
        })
    }
}

impl Inner {
    async fn create(&self, resource: JsValue, options: JsValue) -> Result<JsValue, Failure> {
        let options = CreateOptions::parse(&options)?;
        let body = json_body(&resource)?;
        let watch = options.signal.map(AbortWatch::new);
        let watch = watch.as_ref();
        if let Some(w) = watch.filter(|w| w.aborted()) {
            return Err(Failure::Js(w.reason()));
        }
        // Held until the answer is in: the next create on this encounter waits for it.
        let _turn = match encounter_of(&resource) {
            Some(key) => Some(
                race(watch, self.gate.acquire(&key))
                    .await
                    .map_err(Failure::Js)?,
            ),
            None => None,
        };
        let url = self.base.media();
        let mut refresh = false;
        loop {
            let auth = race(watch, self.authorization(refresh))
                .await
                .map_err(Failure::Js)??;
            let answer = match xhr::post_json(
                &url,
                auth.header_value(),
                &body,
                options.on_progress.as_ref(),
                watch,
            )
            .await
            {
                PostOutcome::Answered(a) => a,
                PostOutcome::Failed(detail) => return Err(ClientError::network(&detail).into()),
                PostOutcome::Aborted(reason) => return Err(Failure::Js(reason)),
                PostOutcome::Redirected { status, to } => {
                    return Err(ClientError::Redirected { status, to }.into())
                }
            };
            if answer.status == 401 && self.retry_after_401(refresh) {
                refresh = true;
                continue;
            }
            let created = response::created(
                answer.status,
                answer.location.as_deref(),
                &answer.body,
                &self.base,
            )
            .map_err(|e| with_retry_after(e, answer.retry_after))?;
            let out = Object::new();
            set(&out, "id", &JsValue::from_str(&created.id));
            set(&out, "location", &JsValue::from_str(&created.location));
            return Ok(out.into());
        }
    }

    async fn read(&self, id: JsValue) -> Result<JsValue, Failure> {
        let Some(id) = id.as_string() else {
            return Err(ClientError::invalid("id", "must be a string: the Media id").into());
        };
        let url = self.base.read(id.trim())?;
        let (status, body, retry_after) = self.get_text(&url).await?;
        let media = response::media(status, &body).map_err(|e| with_retry_after(e, retry_after))?;
        Ok(media_to_js(&media))
    }

    async fn page(&self, url: &str) -> Result<Page, Failure> {
        let (status, body, retry_after) = self.get_text(url).await?;
        Ok(response::page(status, &body, &self.base)
            .map_err(|e| with_retry_after(e, retry_after))?)
    }

    async fn search_all(&self, first: &str) -> Result<Array, Failure> {
        let all = Array::new();
        let mut seen = HashSet::new();
        let mut url = Some(first.to_string());
        while let Some(current) = url.take() {
            if !seen.insert(current.clone()) {
                return Err(ClientError::invalid_response(
                    200,
                    "the server's next links go round in a circle; stopped following them",
                )
                .into());
            }
            let page = self.page(&current).await?;
            for media in &page.entries {
                all.push(&media_to_js(media));
            }
            url = page.next;
        }
        Ok(all)
    }

    async fn fetch_content(&self, media: JsValue) -> Result<JsValue, Failure> {
        let url = get(&get(&media, "content"), "url")
            .as_string()
            .and_then(non_blank)
            .ok_or_else(|| {
                ClientError::invalid(
                    "media",
                    "has no content.url: pass a Media returned by read(), search() or searchAll()",
                )
            })?;
        let url = self.base.resolve(&url);
        if crate::client::url::split_absolute(&url).is_none() {
            return Err(ClientError::invalid("media", "content.url must be an http(s) URL").into());
        }
        // A presigned storage URL on another origin needs no token and must not get it.
        let with_token = self.base.same_origin(&url);
        let resp = self.get(&url, "*/*", with_token).await?;
        let status = resp.status();
        if !(200..=299).contains(&status) {
            let retry_after = resp.headers().get("Retry-After");
            let body = resp.text().await.unwrap_or_default();
            return Err(with_retry_after(response::error(status, &body), retry_after).into());
        }
        let raw: web_sys::Response = resp.into();
        let blob = raw.blob().map_err(|e| network(&e))?;
        let blob: Blob = JsFuture::from(blob)
            .await
            .map_err(|e| network(&e))?
            .unchecked_into();
        // The type comes from the bytes: only a JPEG, PNG or HEIC reaches the page.
        let head = blob
            .slice_with_i32_and_i32(0, content::HEAD_BYTES as i32)
            .map_err(|e| network(&e))?;
        let head = JsFuture::from(head.array_buffer())
            .await
            .map_err(|e| network(&e))?;
        let kind = content::image_type(status, &js_sys::Uint8Array::new(&head).to_vec())?;
        let bag = BlobPropertyBag::new();
        bag.set_type(kind);
        let typed = Blob::new_with_blob_sequence_and_options(&Array::of1(&blob), &bag)
            .map_err(|e| network(&e))?;
        Ok(typed.into())
    }

    /// GET with the token; the status, the body text and `Retry-After`.
    async fn get_text(&self, url: &str) -> Result<(u16, String, Option<String>), Failure> {
        let resp = self.get(url, "application/json", true).await?;
        let retry_after = resp.headers().get("Retry-After");
        let body = resp.text().await.map_err(|e| gloo_failure(&e))?;
        Ok((resp.status(), body, retry_after))
    }

    async fn get(&self, url: &str, accept: &str, with_token: bool) -> Result<Response, Failure> {
        let mut refresh = false;
        loop {
            let mut request = Request::get(url).header("Accept", accept);
            if with_token {
                let auth = self.authorization(refresh).await?;
                request = request.header("Authorization", auth.header_value());
            }
            let resp = request.send().await.map_err(|e| gloo_failure(&e))?;
            if with_token && resp.status() == 401 && self.retry_after_401(refresh) {
                refresh = true;
                continue;
            }
            return Ok(resp);
        }
    }

    /// Only a token function can give a different token; a fixed string cannot.
    fn retry_after_401(&self, already_refreshed: bool) -> bool {
        !already_refreshed && matches!(self.token, Token::Provider(_))
    }

    async fn authorization(&self, refresh: bool) -> Result<Authorization, Failure> {
        let provider = match &self.token {
            Token::Fixed(auth) => return Ok(auth.clone()),
            Token::Provider(f) => f,
        };
        let context = Object::new();
        let _ = Reflect::set(&context, &"refresh".into(), &refresh.into());
        let value = provider
            .call1(&JsValue::UNDEFINED, &context)
            .map_err(Failure::Js)?;
        let value = if is_thenable(&value) {
            JsFuture::from(Promise::resolve(&value))
                .await
                .map_err(Failure::Js)?
        } else {
            value
        };
        let Some(token) = value.as_string() else {
            return Err(ClientError::invalid(
                "token",
                "the token function must return (or resolve to) a string",
            )
            .into());
        };
        Ok(Authorization::bearer(&token)?)
    }
}

/// One page of search results; `next()` fetches the following one.
#[wasm_bindgen]
pub struct MediaPage {
    client: Rc<Inner>,
    total: Option<f64>,
    entries: Array,
    next: Option<String>,
}

impl MediaPage {
    fn new(client: Rc<Inner>, page: Page) -> Result<Self, JsValue> {
        let entries = Array::new();
        for media in &page.entries {
            entries.push(&media_to_js(media));
        }
        Ok(MediaPage {
            client,
            total: page.total.map(|t| t as f64),
            entries,
            next: page.next,
        })
    }
}

#[wasm_bindgen]
impl MediaPage {
    /// How many Media match in all (Bundle.total), when the server says.
    #[wasm_bindgen(getter)]
    pub fn total(&self) -> Option<f64> {
        self.total
    }

    /// The Media on this page (without `content.data`; see `fetchContent`).
    #[wasm_bindgen(getter, unchecked_return_type = "Media[]")]
    pub fn entries(&self) -> Array {
        self.entries.clone()
    }

    /// Whether the server sent a `next` link.
    #[wasm_bindgen(getter, js_name = hasNext)]
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }

    /// The next page, or `null` after the last one.
    #[wasm_bindgen(unchecked_return_type = "Promise<MediaPage | null>")]
    pub fn next(&self) -> Promise {
        let client = self.client.clone();
        let next = self.next.clone();
        future_to_promise(async move {
            let Some(url) = next else {
                return Ok(JsValue::NULL);
            };
            let page = client.page(&url).await.map_err(Failure::into_js)?;
            Ok(MediaPage::new(client, page)?.into())
        })
    }
}

struct CreateOptions {
    on_progress: Option<Function>,
    signal: Option<AbortSignal>,
}

impl CreateOptions {
    fn parse(options: &JsValue) -> Result<Self, ClientError> {
        let Some(obj) = js::object(
            options,
            "options",
            "create",
            Some(&["onProgress", "signal"]),
        )?
        else {
            return Ok(CreateOptions {
                on_progress: None,
                signal: None,
            });
        };
        let on_progress = match get(&obj, "onProgress") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(v.dyn_into::<Function>().map_err(|_| {
                ClientError::invalid("onProgress", "must be a function (loaded, total) => void")
            })?),
        };
        let signal = match get(&obj, "signal") {
            v if v.is_undefined() || v.is_null() => None,
            v => Some(v.dyn_into::<AbortSignal>().map_err(|_| {
                ClientError::invalid("signal", "must be an AbortSignal (AbortController.signal)")
            })?),
        };
        Ok(CreateOptions {
            on_progress,
            signal,
        })
    }
}

fn search_query(options: &JsValue, what: &str) -> Result<SearchQuery, JsValue> {
    let parse = || -> Result<SearchQuery, ClientError> {
        let obj = js::object(
            options,
            "options",
            what,
            Some(&["patient", "count", "offset"]),
        )?;
        let obj = obj.unwrap_or_default();
        SearchQuery::new_showing(
            js::string(&obj, "patient")?.as_deref(),
            js::number(&obj, "count", false)?,
            js::number(&obj, "offset", false)?,
            js_number_text,
        )
    };
    parse().map_err(|e| fhir_error(&e))
}

/// The resource as a JSON Blob. JSON.stringify keeps the (large) base64 image out of
/// wasm memory, which never shrinks.
fn json_body(resource: &JsValue) -> Result<Blob, ClientError> {
    let not_media = || {
        ClientError::invalid(
            "resource",
            "must be a FHIR Media object (resourceType \"Media\"), e.g. prepareMedia's result.resource",
        )
    };
    if !resource.is_object()
        || get(resource, "resourceType").as_string().as_deref() != Some("Media")
    {
        return Err(not_media());
    }
    let json = js_sys::JSON::stringify(resource).map_err(|_| {
        ClientError::invalid(
            "resource",
            "cannot be turned into JSON (a cycle or a BigInt?)",
        )
    })?;
    let bag = BlobPropertyBag::new();
    bag.set_type("application/json");
    Blob::new_with_str_sequence_and_options(&Array::of1(&json), &bag)
        .map_err(|_| ClientError::invalid("resource", "cannot be turned into a request body"))
}

/// The key creates are serialized on: `encounter.reference`, when there is one.
fn encounter_of(resource: &JsValue) -> Option<String> {
    get(&get(resource, "encounter"), "reference")
        .as_string()
        .and_then(non_blank)
}

/// A number as JS writes it (`String(2.5)`), for errors that echo one.
fn js_number_text(value: f64) -> String {
    js_sys::Number::from(value)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

fn is_thenable(value: &JsValue) -> bool {
    get(value, "then").is_function()
}

/// The error with the answer's `Retry-After` (ms from now), for the upload queue.
/// `Date.parse` reads HTTP-dates in all three forms HTTP allows.
fn with_retry_after(e: ClientError, header: Option<String>) -> ClientError {
    e.with_retry_after(header.as_deref(), js_sys::Date::now(), |date| {
        Some(js_sys::Date::parse(date)).filter(|t| !t.is_nan())
    })
}

/// A failed fetch or body read. gloo-net's error `Display` would link serde_json's and
/// std::io's error texts (~2 KB) for a variant only `.json()` makes, which we never call.
fn gloo_failure(e: &gloo_net::Error) -> ClientError {
    match e {
        gloo_net::Error::JsError(js) => ClientError::network(&js.to_string()),
        gloo_net::Error::GlooError(text) => ClientError::network(text),
        gloo_net::Error::SerdeError(_) => ClientError::network(""),
    }
}

fn network(e: &JsValue) -> ClientError {
    ClientError::network(&js::error_message(e))
}

#[cfg(test)]
mod tests {
    use wasm_bindgen_test::wasm_bindgen_test;

    /// JS writes fractional numbers with the digits Rust's `{}` does.
    #[wasm_bindgen_test]
    fn fractions_in_errors_read_as_in_rust() {
        for v in [2.5, -2.5, 0.1, 1e-3, 123.456, 99.99999999999999, 1.0 / 3.0] {
            assert_eq!(super::js_number_text(v), format!("{v}"));
        }
    }
}
