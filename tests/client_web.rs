//! `MediaClient` in a real headless browser against the local endpoint (`endpoint/`):
//! create → read → paged search → content bytes, token refresh after 401, every error
//! status the client can reach as a `FhirError`, upload progress, abort, and creates
//! serialized per encounter (checked on the endpoint's `/_admin/stats`).
//!
//! The endpoint URL is baked in at compile time from `FHIR_ENDPOINT_URL`, and its admin
//! token from `FHIR_ENDPOINT_ADMIN_TOKEN` (default: the endpoint's, `dev-admin-token`);
//! scripts/test.sh starts the endpoint on a fixed port with a fixed admin token, so this
//! crate is not rebuilt on every run, and lets the test runner's origin call it
//! (`--allow-origin`). Without the URL every test prints SKIPPED and passes. 405 cannot
//! be reached through the client (it only sends GET and POST, and CORS allows no other
//! method); tests/client_fixtures.rs covers its body.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use fhir_media_capture::web::{MediaClient, MediaPage};
use gloo_net::http::Request;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[path = "support/js.rs"]
mod js;
use js::{get, num, show, small_jpeg, text};

wasm_bindgen_test_configure!(run_in_browser);

const ENDPOINT: Option<&str> = option_env!("FHIR_ENDPOINT_URL");
const ADMIN_TOKEN: &str = match option_env!("FHIR_ENDPOINT_ADMIN_TOKEN") {
    Some(token) => token,
    None => "dev-admin-token",
};
const TOKEN: &str = "dev-token";
const READ_ONLY_TOKEN: &str = "dev-read-only-token";

fn endpoint() -> Option<&'static str> {
    if ENDPOINT.is_none() {
        console_log!("SKIPPED: FHIR_ENDPOINT_URL was not set at build time (scripts/test.sh sets it); MediaClient browser cases not run");
    }
    ENDPOINT
}

/// Ids no other run or test shares, so tests need no reset.
fn unique(prefix: &str) -> String {
    let r = (js_sys::Math::random() * 1e9) as u64;
    format!("{prefix}-{}-{r}", js_sys::Date::now() as u64)
}

fn client_with(base: &str, token: &JsValue) -> MediaClient {
    let options = Object::new();
    Reflect::set(&options, &"baseUrl".into(), &base.into()).expect("set");
    Reflect::set(&options, &"token".into(), token).expect("set");
    MediaClient::new(options.into()).unwrap_or_else(|e| panic!("client: {}", show(&e)))
}

fn client(base: &str) -> MediaClient {
    client_with(base, &TOKEN.into())
}

fn media(patient: &str, encounter: Option<&str>, bytes: &[u8]) -> JsValue {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    let encounter = encounter
        .map(|e| format!(r#""encounter":{{"reference":"{e}"}},"#))
        .unwrap_or_default();
    JSON::parse(&format!(
        r#"{{"resourceType":"Media","status":"completed","subject":{{"reference":"Patient/{patient}"}},{encounter}
            "content":{{"contentType":"image/jpeg","data":"{data}","title":"client_web"}},"note":[{{"text":"n1"}}]}}"#
    ))
    .expect("media json")
}

async fn done(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

async fn created(client: &MediaClient, resource: &JsValue) -> String {
    let c = done(client.create(resource.clone(), JsValue::UNDEFINED))
        .await
        .unwrap_or_else(|e| panic!("create: {}", show(&e)));
    text(&c, "id")
}

fn page(v: JsValue) -> MediaPage {
    MediaPage::try_from_js_value(v).unwrap_or_else(|v| panic!("not a MediaPage: {}", show(&v)))
}

fn search_options(patient: &str, count: Option<u32>) -> JsValue {
    let o = Object::new();
    Reflect::set(&o, &"patient".into(), &format!("Patient/{patient}").into()).expect("set");
    if let Some(c) = count {
        Reflect::set(&o, &"count".into(), &c.into()).expect("set");
    }
    o.into()
}

fn page_ids(page: &MediaPage) -> Vec<String> {
    page.entries().iter().map(|m| text(&m, "id")).collect()
}

async fn admin(base: &str, method: &str, path: &str, body: Option<&str>) -> JsValue {
    let url = format!("{base}{path}");
    let request = match method {
        "GET" => Request::get(&url),
        _ => Request::post(&url),
    }
    .header("Authorization", &format!("Bearer {ADMIN_TOKEN}"));
    let request = match body {
        Some(b) => request
            .header("Content-Type", "application/json")
            .body(b)
            .expect("body"),
        None => request.build().expect("request"),
    };
    let resp = request.send().await.expect("admin request");
    assert!(resp.ok(), "{method} {path}: {}", resp.status());
    JSON::parse(&resp.text().await.expect("admin body")).unwrap_or(JsValue::NULL)
}

/// `POST {}` rather than `DELETE`: the endpoint's CORS allows only GET and POST.
async fn clear_faults(base: &str) {
    admin(base, "POST", "/_admin/faults", Some("{}")).await;
}

async fn sleep(ms: i32) {
    let set_timeout: Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
        .expect("setTimeout")
        .unchecked_into();
    let p = Promise::new(&mut |resolve, _| {
        let _ = set_timeout.call2(&JsValue::NULL, &resolve, &ms.into());
    });
    let _ = JsFuture::from(p).await;
}

async fn blob_bytes(blob: &JsValue) -> Vec<u8> {
    let blob: &web_sys::Blob = blob.dyn_ref().expect("a Blob");
    let buf = JsFuture::from(blob.array_buffer()).await.expect("bytes");
    Uint8Array::new(&buf).to_vec()
}

#[wasm_bindgen_test]
async fn create_read_search_in_pages_and_fetch_the_bytes() {
    let Some(base) = endpoint() else { return };
    let client = client(&format!("{base}/"));
    let patient = unique("pages");
    let first_bytes = small_jpeg(24, 16, 1);
    let first = media(&patient, None, &first_bytes);
    let c = done(client.create(first.clone(), JsValue::UNDEFINED))
        .await
        .unwrap_or_else(|e| panic!("create: {}", show(&e)));
    let id = text(&c, "id");
    assert_eq!(text(&c, "location"), format!("{base}/Media/{id}"));
    let mut ids = vec![id.clone()];
    for i in 1..25u8 {
        ids.push(created(&client, &media(&patient, None, &small_jpeg(24, 16, i + 1))).await);
    }

    let read = done(client.read(id.clone().into()))
        .await
        .unwrap_or_else(|e| panic!("read: {}", show(&e)));
    assert_eq!(text(&read, "id"), id);
    assert_eq!(
        text(&read, "subject.reference"),
        format!("Patient/{patient}")
    );
    assert_eq!(text(&read, "note.0.text"), "n1");
    assert!(
        get(&read, "content.data").is_undefined(),
        "reads carry no data"
    );
    assert_eq!(
        text(&read, "content.url"),
        format!("{base}/Media/{id}/files/content")
    );

    let p1 = page(
        done(client.search(search_options(&patient, Some(10))))
            .await
            .unwrap_or_else(|e| panic!("search: {}", show(&e))),
    );
    assert_eq!(p1.total(), Some(25.0));
    assert!(p1.has_next());
    let p2 = page(done(p1.next()).await.expect("page 2"));
    assert!(p2.has_next());
    let p3 = page(done(p2.next()).await.expect("page 3"));
    assert!(!p3.has_next());
    assert_eq!(p3.total(), Some(25.0));
    let pages = [page_ids(&p1), page_ids(&p2), page_ids(&p3)];
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    assert_eq!(
        pages.concat(),
        ids,
        "the next links walk every item once, in order"
    );
    assert!(done(p3.next()).await.expect("after the last").is_null());

    let all = done(client.search_all(search_options(&patient, Some(7))))
        .await
        .unwrap_or_else(|e| panic!("searchAll: {}", show(&e)));
    let all_ids: Vec<String> = Array::from(&all).iter().map(|m| text(&m, "id")).collect();
    assert_eq!(all_ids, ids);
    let default_count = done(client.search_all(search_options(&patient, None)))
        .await
        .expect("searchAll with the default count");
    assert_eq!(Array::from(&default_count).length(), 25);

    let blob = done(client.fetch_content(read))
        .await
        .unwrap_or_else(|e| panic!("fetchContent: {}", show(&e)));
    assert_eq!(blob.unchecked_ref::<web_sys::Blob>().type_(), "image/jpeg");
    assert_eq!(
        blob_bytes(&blob).await,
        first_bytes,
        "the bytes that were uploaded"
    );

    let empty = page(
        done(client.search(search_options(&unique("nobody"), None)))
            .await
            .expect("empty search"),
    );
    assert_eq!(
        (empty.total(), empty.entries().length(), empty.has_next()),
        (Some(0.0), 0, false)
    );
}

/// A token function that answers `tokens` in turn and records each `refresh` flag.
struct TokenFn {
    f: Function,
    calls: Rc<RefCell<Vec<bool>>>,
    _closure: Closure<dyn FnMut(JsValue) -> JsValue>,
}

fn token_fn(tokens: &'static [&'static str], asynchronous: bool) -> TokenFn {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let seen = calls.clone();
    let closure = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |ctx: JsValue| {
        let n = seen.borrow().len();
        seen.borrow_mut()
            .push(get(&ctx, "refresh").as_bool().unwrap_or(false));
        let token = JsValue::from_str(tokens[n.min(tokens.len() - 1)]);
        if asynchronous {
            Promise::resolve(&token).into()
        } else {
            token
        }
    });
    TokenFn {
        f: closure.as_ref().clone().unchecked_into(),
        calls,
        _closure: closure,
    }
}

#[wasm_bindgen_test]
async fn a_401_asks_the_token_function_again_and_retries_once() {
    let Some(base) = endpoint() else { return };
    let patient = unique("token");

    let t = token_fn(&["stale-token", TOKEN], false);
    let client = client_with(base, &t.f.clone().into());
    let c = done(client.create(
        media(&patient, None, &small_jpeg(24, 16, 3)),
        JsValue::UNDEFINED,
    ))
    .await
    .unwrap_or_else(|e| panic!("create after refresh: {}", show(&e)));
    assert_eq!(
        *t.calls.borrow(),
        [false, true],
        "called twice, the second time to refresh"
    );
    let id = text(&c, "id");

    let t = token_fn(&["stale-token", TOKEN], true);
    let client = client_with(base, &t.f.clone().into());
    let read = done(client.read(id.clone().into()))
        .await
        .unwrap_or_else(|e| panic!("read after async refresh: {}", show(&e)));
    assert_eq!(text(&read, "id"), id);
    assert_eq!(*t.calls.borrow(), [false, true]);

    // Still wrong after the refresh: one retry only, then the server's 401.
    let t = token_fn(&["stale-token"], true);
    let client = client_with(base, &t.f.clone().into());
    let err = done(client.read(id.clone().into())).await.expect_err("401");
    assert_eq!(
        (num(&err, "status"), text(&err, "code")),
        (401.0, "unknown".into())
    );
    assert_eq!(t.calls.borrow().len(), 2);

    // A fixed string cannot be refreshed: no retry.
    let client = client_with(base, &"stale-token".into());
    let err = done(client.read(id.into())).await.expect_err("401");
    assert_eq!(num(&err, "status"), 401.0);
    assert!(
        !show(&err).contains("stale-token"),
        "the token stays out of errors"
    );
}

async fn fhir_error(p: Promise, status: u16, code: &str) -> JsValue {
    let err = done(p).await.expect_err("should fail");
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "a real Error: {}",
        show(&err)
    );
    assert_eq!(text(&err, "name"), "FhirError", "{}", show(&err));
    assert_eq!(num(&err, "status"), f64::from(status), "{}", show(&err));
    assert_eq!(text(&err, "code"), code, "{}", show(&err));
    let t = text(&err, "text");
    assert!(
        text(&err, "message").starts_with(&format!("{status} {code}: ")),
        "{}",
        show(&err)
    );
    if status != 0 {
        // The server's own words, not a generic text.
        assert_eq!(t, text(&err, "outcome.issue.0.details.text"));
    }
    assert!(!show(&err).contains(TOKEN), "no token in errors");
    err
}

#[wasm_bindgen_test]
async fn every_reachable_error_status_is_a_fhir_error_with_the_servers_text() {
    let Some(base) = endpoint() else { return };
    let client = client(base);
    let patient = unique("errors");

    let bare = JSON::parse(r#"{"resourceType":"Media"}"#).expect("json");
    fhir_error(client.create(bare, JsValue::UNDEFINED), 400, "invalid").await;

    let wrong = client_with(base, &"not-a-valid-token".into());
    let e = fhir_error(wrong.read("abc".into()), 401, "unknown").await;
    assert_eq!(text(&e, "text"), "Authentication failed");

    let read_only = client_with(base, &READ_ONLY_TOKEN.into());
    fhir_error(
        read_only.create(
            media(&patient, None, &small_jpeg(24, 16, 4)),
            JsValue::UNDEFINED,
        ),
        403,
        "forbidden",
    )
    .await;

    let e = fhir_error(client.read("no-such-media".into()), 404, "not-found").await;
    assert_eq!(text(&e, "text"), "Unknown Media resource 'no-such-media'");

    // Over the endpoint's 30 MB default body limit.
    let huge = media(&patient, None, &small_jpeg(24, 16, 5));
    let content = get(&huge, "content");
    let data = js_sys::JsString::from("A").repeat(30_000_004);
    Reflect::set(&content, &"data".into(), &data).expect("set");
    fhir_error(client.create(huge, JsValue::UNDEFINED), 413, "too-long").await;

    let wrong_status = media(&patient, None, &small_jpeg(24, 16, 6));
    Reflect::set(&wrong_status, &"status".into(), &"preliminary".into()).expect("set");
    fhir_error(
        client.create(wrong_status, JsValue::UNDEFINED),
        422,
        "business-rule",
    )
    .await;

    // Nothing listens on port 9 (discard): no answer at all.
    let nowhere = client_with("http://127.0.0.1:9", &TOKEN.into());
    fhir_error(nowhere.read("abc".into()), 0, "network").await;
    fhir_error(
        nowhere.create(
            media(&patient, None, &small_jpeg(24, 16, 7)),
            JsValue::UNDEFINED,
        ),
        0,
        "network",
    )
    .await;

    // Option errors are MediaErrors naming the field, found before any request.
    let bad = Object::new();
    Reflect::set(&bad, &"baseUrl".into(), &"http://fhir.example.com".into()).expect("set");
    Reflect::set(&bad, &"token".into(), &TOKEN.into()).expect("set");
    let err = MediaClient::new(bad.into()).err().expect("http is refused");
    assert_eq!(
        (text(&err, "name"), text(&err, "code")),
        ("MediaError".into(), "invalid-options".into())
    );
    assert_eq!(text(&err, "field"), "baseUrl");
    let err = done(client.search(JSON::parse(r#"{"patient":"p","count":101}"#).expect("json")))
        .await
        .expect_err("count over 100");
    assert_eq!(text(&err, "field"), "count");
}

#[wasm_bindgen_test]
async fn upload_progress_climbs_to_the_total() {
    let Some(base) = endpoint() else { return };
    let client = client(base);
    // A real JPEG with 3 MB after its end: still a JPEG to the server, big enough to be
    // sent in several chunks.
    let mut bytes = small_jpeg(24, 16, 8);
    bytes.extend((0..3_000_000u32).map(|i| (i % 251) as u8));
    let resource = media(&unique("progress"), None, &bytes);
    let body_len = String::from(JSON::stringify(&resource).expect("json")).len() as f64;

    let events = Rc::new(RefCell::new(Vec::<(f64, f64)>::new()));
    let sink = events.clone();
    let on_progress = Closure::<dyn FnMut(f64, f64)>::new(move |loaded, total| {
        sink.borrow_mut().push((loaded, total));
    });
    let options = Object::new();
    Reflect::set(&options, &"onProgress".into(), on_progress.as_ref()).expect("set");
    done(client.create(resource, options.into()))
        .await
        .unwrap_or_else(|e| panic!("create: {}", show(&e)));

    let events = events.borrow();
    console_log!("progress: {} events for {body_len} bytes", events.len());
    assert!(!events.is_empty(), "progress was reported");
    assert!(
        events.windows(2).all(|w| w[0].0 < w[1].0),
        "loaded only grows: {events:?}"
    );
    assert!(
        events.iter().all(|&(_, total)| total == body_len),
        "total is the body size"
    );
    assert_eq!(
        events.last().map(|e| e.0),
        Some(body_len),
        "ends at the total"
    );
}

fn abort_controller() -> web_sys::AbortController {
    web_sys::AbortController::new().expect("AbortController")
}

fn with_signal(signal: &web_sys::AbortSignal) -> JsValue {
    let options = Object::new();
    Reflect::set(&options, &"signal".into(), signal).expect("set");
    options.into()
}

#[wasm_bindgen_test]
async fn abort_rejects_with_the_signals_reason() {
    let Some(base) = endpoint() else { return };
    let client = client(base);
    let patient = unique("abort");
    let encounter = format!("Encounter/{}", unique("e"));

    // Already aborted: rejects at once, nothing is sent.
    let early = abort_controller();
    early.abort();
    let err = done(client.create(
        media(&patient, None, &small_jpeg(24, 16, 9)),
        with_signal(&early.signal()),
    ))
    .await
    .expect_err("aborted");
    assert_eq!(text(&err, "name"), "AbortError");

    // In flight (the server holds creates for 1.5 s), and waiting behind it in the
    // encounter's queue: both reject as soon as their signal fires.
    admin(
        base,
        "POST",
        "/_admin/faults",
        Some(r#"{"delayMs":1500,"paths":["POST /Media"]}"#),
    )
    .await;
    let first = abort_controller();
    let queued = abort_controller();
    let in_flight = client.create(
        media(&patient, Some(&encounter), &small_jpeg(24, 16, 10)),
        with_signal(&first.signal()),
    );
    let waiting = client.create(
        media(&patient, Some(&encounter), &small_jpeg(24, 16, 11)),
        with_signal(&queued.signal()),
    );
    sleep(200).await;
    let started = js_sys::Date::now();
    queued.abort_with_reason(&"changed my mind".into());
    let err = done(waiting).await.expect_err("queued create aborted");
    assert_eq!(
        err.as_string().as_deref(),
        Some("changed my mind"),
        "the caller's own reason"
    );
    first.abort();
    let err = done(in_flight).await.expect_err("in-flight create aborted");
    let waited = js_sys::Date::now() - started;
    clear_faults(base).await;
    assert_eq!(text(&err, "name"), "AbortError");
    assert!(
        waited < 1000.0,
        "aborts do not wait for the server ({waited} ms)"
    );

    // The client's turn for the encounter is free again. Wait out the server's 1.5 s
    // first: it may not have noticed the disconnect yet and would still hold Canvas's
    // one-create-per-encounter slot (a 422 that says nothing about the client).
    sleep(1600).await;
    created(
        &client,
        &media(&patient, Some(&encounter), &small_jpeg(24, 16, 12)),
    )
    .await;
}

#[wasm_bindgen_test]
async fn creates_on_one_encounter_never_overlap() {
    let Some(base) = endpoint() else { return };
    let client = client(base);
    let patient = unique("serial");
    let encounter = format!("Encounter/{}", unique("e"));
    let other = format!("Encounter/{}", unique("e"));

    // A slow server makes overlap certain if the client allowed it.
    admin(
        base,
        "POST",
        "/_admin/faults",
        Some(r#"{"delayMs":300,"paths":["POST /Media"]}"#),
    )
    .await;
    let started = js_sys::Date::now();
    let a = client.create(
        media(&patient, Some(&encounter), &small_jpeg(24, 16, 13)),
        JsValue::UNDEFINED,
    );
    let b = client.create(
        media(&patient, Some(&encounter), &small_jpeg(24, 16, 14)),
        JsValue::UNDEFINED,
    );
    let c = client.create(
        media(&patient, Some(&other), &small_jpeg(24, 16, 15)),
        JsValue::UNDEFINED,
    );
    let results = [done(a).await, done(b).await, done(c).await];
    let elapsed = js_sys::Date::now() - started;
    clear_faults(base).await;
    for r in &results {
        if let Err(e) = r {
            panic!("create failed: {}", show(e));
        }
    }
    assert!(
        elapsed >= 600.0,
        "the two creates on one encounter ran one after the other ({elapsed} ms)"
    );

    let stats = admin(base, "GET", "/_admin/stats", None).await;
    let on = |enc: &str, key: &str| {
        let e = Reflect::get(&get(&stats, "encounters"), &enc.into()).expect("encounter stats");
        num(&e, key)
    };
    assert_eq!(on(&encounter, "maxConcurrency"), 1.0, "{}", show(&stats));
    assert_eq!(on(&encounter, "creates"), 2.0);
    assert_eq!(on(&encounter, "concurrentRejections"), 0.0);
    assert_eq!(on(&other, "creates"), 1.0);
}
