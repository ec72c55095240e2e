//! `QueueCore` driven with real JS values in a browser: a poll/settle round trip, the
//! `ItemSnapshot` shape, and `MediaError`s for bad input and misuse. The rules themselves are
//! tested natively in tests/queue.rs.
#![cfg(target_arch = "wasm32")]

use fhir_media_capture::web::QueueCore;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

#[path = "support/js.rs"]
mod js;
use js::{get, stringify};

wasm_bindgen_test_configure!(run_in_browser);

fn js(json: &str) -> JsValue {
    JSON::parse(json).expect("json")
}

fn core(options: &str) -> QueueCore {
    QueueCore::new(Some(js(options))).expect("QueueCore")
}

fn item(id: &str, encounter: &str) -> JsValue {
    js(&format!(
        r#"{{"id":"{id}","encounter":{encounter},"patient":"Patient/p1",
            "identifier":"urn:uuid:{id}","title":"Left forearm","notes":["Note #1"],
            "contentType":"image/jpeg","extra":"kept by the driver, ignored here"}}"#
    ))
}

fn expect_media_error(result: Result<(), JsValue>, field: &str) {
    let err = result.expect_err("should throw");
    assert!(err.is_instance_of::<js_sys::Error>(), "a real Error");
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("MediaError"));
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("invalid-options")
    );
    assert_eq!(
        get(&err, "field").as_string().as_deref(),
        Some(field),
        "{}",
        stringify(&get(&err, "message"))
    );
}

/// A call the item's state does not allow: a `MediaError` 'queue-misuse' whose message
/// says why.
fn expect_misuse(result: Result<(), JsValue>, says: &str) {
    let err = result.expect_err("should throw");
    assert!(err.is_instance_of::<js_sys::Error>(), "a real Error");
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("MediaError"));
    let message = get(&err, "message").as_string().unwrap_or_default();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("queue-misuse"),
        "{message}"
    );
    assert!(message.contains(says), "{message}");
}

#[wasm_bindgen_test]
fn poll_settle_round_trip_and_snapshot_shape() {
    let mut q = core(r#"{"seed":7,"maxParallel":2}"#);
    assert_eq!(q.echoes_identifiers(), None);
    q.add(item("a", r#""Encounter/1""#), 1000.0).expect("a");
    q.add(item("b", r#""Encounter/1""#), 1001.0).expect("b");
    q.add(item("c", "null"), 1002.0).expect("c");

    let commands = q.poll(2000.0);
    assert_eq!(
        stringify(&commands),
        r#"[{"kind":"create","id":"a","captureBaseline":false},{"kind":"create","id":"c","captureBaseline":false}]"#
    );
    q.settle("a", js(r#"{"kind":"created","mediaId":"m1"}"#), 2100.0)
        .expect("created");
    q.settle(
        "c",
        js(r#"{"kind":"http","status":503,"text":"busy","retryAfterMs":5000}"#),
        2100.0,
    )
    .expect("503");
    assert_eq!(q.next_wake_ms(), Some(7100.0));

    let a = q.item("a");
    assert_eq!(
        stringify(&a),
        r#"{"id":"a","encounter":"Encounter/1","patient":"Patient/p1","identifier":"urn:uuid:a","title":"Left forearm","notes":["Note #1"],"contentType":"image/jpeg","state":"done","attempts":0,"retryAtMs":null,"needsReconcile":false,"uncertain":false,"mediaId":"m1","error":null,"baselineIds":null,"addedAtMs":1000,"inFlight":false,"pending":false,"retryable":false}"#
    );
    let c = q.item("c");
    assert_eq!(get(&c, "state").as_string().as_deref(), Some("retrying"));
    assert_eq!(
        stringify(&get(&c, "error")),
        r#"{"status":503,"text":"busy"}"#
    );
    assert!(q.item("nope").is_undefined());
    let ids: Vec<String> = Array::from(&q.items())
        .iter()
        .filter_map(|i| get(&i, "id").as_string())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);

    // b now heads Encounter/1. Offline: nothing new.
    q.set_online(false);
    assert_eq!(Array::from(&q.poll(3000.0)).length(), 0);
    q.set_online(true);
    assert_eq!(
        stringify(&q.poll(3000.0)),
        r#"[{"kind":"create","id":"b","captureBaseline":false}]"#
    );
    assert!(!q.remove("b"), "in flight");
    // A lost answer: reconcile, and a search that shows ours ends it.
    q.settle(
        "b",
        js(r#"{"kind":"http","status":0,"text":"network"}"#),
        3000.0,
    )
    .expect("lost");
    assert_eq!(
        stringify(&q.poll(1e9)),
        r#"[{"kind":"reconcile","id":"b"},{"kind":"create","id":"c","captureBaseline":false}]"#
    );
    let found = js(r#"[{"resourceType":"Media","id":"m2","status":"completed",
        "identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:b"}],
        "subject":{"reference":"Patient/p1"},"content":{"contentType":"image/jpeg"}}]"#);
    let outcome = Object::new();
    Reflect::set(&outcome, &"kind".into(), &"reconciled".into()).expect("set");
    Reflect::set(&outcome, &"found".into(), &found).expect("set");
    q.settle("b", outcome.into(), 1e9).expect("reconciled");
    assert_eq!(
        get(&q.item("b"), "mediaId").as_string().as_deref(),
        Some("m2")
    );
    assert_eq!(q.echoes_identifiers(), Some(true));

    // A snapshot goes back in as it came out; in flight becomes a reconcile, after the
    // reconcile delay (here 0).
    let mut r = core(r#"{"reconcileDelayMs":0}"#);
    let snapshot = q.item("c");
    r.restore(snapshot, 5.0).expect("restore");
    let restored = r.item("c");
    assert_eq!(
        get(&restored, "state").as_string().as_deref(),
        Some("retrying")
    );
    assert_eq!(get(&restored, "needsReconcile").as_bool(), Some(true));
    assert_eq!(get(&restored, "uncertain").as_bool(), Some(true));
    assert_eq!(
        stringify(&r.poll(5.0)),
        r#"[{"kind":"reconcile","id":"c"}]"#
    );
}

#[wasm_bindgen_test]
fn bad_input_and_misuse_throw_media_errors() {
    assert!(QueueCore::new(None).is_ok(), "options are optional");
    assert!(QueueCore::new(Some(JsValue::NULL)).is_ok());
    for (options, field) in [
        (r#"{"maxParallel":0}"#, "maxParallel"),
        (r#"{"maxAttempts":1.5}"#, "maxAttempts"),
        (r#"{"baseDelayMs":"1s"}"#, "baseDelayMs"),
        (r#"{"maxDelayMs":10,"baseDelayMs":100}"#, "maxDelayMs"),
        (r#"{"echoesIdentifiers":"yes"}"#, "echoesIdentifiers"),
        ("[]", "options"),
    ] {
        expect_media_error(QueueCore::new(Some(js(options))).map(drop), field);
    }
    let mut q = core(r#"{"seed":1}"#);
    q.add(item("a", "null"), 0.0).expect("a");
    expect_misuse(q.add(item("a", "null"), 0.0), "already queued");
    expect_media_error(
        q.add(
            js(r#"{"id":"x","identifier":"u:1","contentType":"image/png"}"#),
            0.0,
        ),
        "patient",
    );
    expect_media_error(
        q.add(js(r#"{"id":"x","patient":"Patient/p","identifier":"u:1","contentType":"image/png","notes":"n"}"#), 0.0),
        "notes",
    );
    expect_media_error(q.add(JsValue::from_str("a"), 0.0), "item");
    expect_misuse(
        q.settle("nope", js(r#"{"kind":"created","mediaId":"m"}"#), 0.0),
        "is not queued",
    );
    expect_misuse(
        q.settle("a", js(r#"{"kind":"created","mediaId":"m"}"#), 0.0),
        "is waiting",
    );
    q.poll(0.0);
    expect_media_error(q.settle("a", js(r#"{"kind":"teleported"}"#), 0.0), "kind");
    expect_media_error(
        q.settle("a", js(r#"{"kind":"http","status":"503"}"#), 0.0),
        "status",
    );
    expect_misuse(
        q.settle("a", js(r#"{"kind":"reconciled","found":[]}"#), 0.0),
        "`outcome`",
    );
    expect_media_error(q.set_baseline("a", js(r#"{"not":"a list"}"#)), "found");
    expect_media_error(q.resolve_review("a", "later", 0.0), "action");
    expect_misuse(q.retry("a", 0.0), "is uploading");
    expect_misuse(q.resolve_review("a", "send", 0.0), "is uploading");
    expect_media_error(q.restore(js(r#"{"id":"z","patient":"Patient/p","identifier":"u:z","contentType":"image/png","state":"lost"}"#), 0.0), "state");
    assert!(!q.remove("nope"));
    // Nothing above disturbed the item in flight.
    assert_eq!(
        get(&q.item("a"), "state").as_string().as_deref(),
        Some("uploading")
    );
}

/// `FhirError.retryAfterMs` reads HTTP-dates with the browser's `Date.parse`
/// (src/web/client.rs): every engine we support must read all three forms.
#[wasm_bindgen_test]
fn the_browser_reads_every_http_date_form() {
    for form in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ] {
        // asctime has no zone; HTTP says GMT, engines read it as local time.
        let local = form.ends_with("1994");
        let offset = if local {
            js_sys::Date::new(&JsValue::from_f64(784_111_777_000.0)).get_timezone_offset()
                * 60_000.0
        } else {
            0.0
        };
        assert_eq!(
            js_sys::Date::parse(form) - offset,
            784_111_777_000.0,
            "{form}"
        );
    }
}

/// Unknown options are refused by the same reader as prepareMedia's and MediaClient's.
#[wasm_bindgen_test]
fn unknown_queue_options_are_refused_in_rust() {
    expect_media_error(
        QueueCore::new(Some(js(r#"{"maxParalel":2}"#))).map(drop),
        "maxParalel",
    );
}

/// What a state means to a view comes with every snapshot, from the core's `State`.
#[wasm_bindgen_test]
fn snapshots_carry_the_state_flags() {
    let flags = |q: &QueueCore, id: &str| {
        let s = q.item(id);
        let flag = |k: &str| get(&s, k).as_bool().expect(k);
        (
            get(&s, "state").as_string().unwrap_or_default(),
            flag("inFlight"),
            flag("pending"),
            flag("retryable"),
        )
    };
    let mut q = core(r#"{"seed":1,"maxAttempts":1}"#);
    q.add(item("a", "null"), 0.0).expect("a");
    assert_eq!(flags(&q, "a"), ("waiting".into(), false, true, false));
    q.poll(1.0);
    assert_eq!(flags(&q, "a"), ("uploading".into(), true, true, false));
    q.settle("a", js(r#"{"kind":"http","status":400,"text":"bad"}"#), 2.0)
        .expect("400");
    assert_eq!(flags(&q, "a"), ("failed".into(), false, false, true));
    q.retry("a", 3.0).expect("retry");
    assert_eq!(flags(&q, "a"), ("waiting".into(), false, true, false));
}

/// `finishMedia` sets title and notes by prepareMedia's rules (trimmed, blanks dropped)
/// on a copy; `uploadIdentifier` adds the client identifier only where there is none.
#[wasm_bindgen_test]
fn finish_media_edits_a_copy_by_the_prepare_rules() {
    use fhir_media_capture::web::{finish_media, upload_identifier};
    let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let prepared = js(r#"{"resourceType":"Media","status":"completed",
        "subject":{"reference":"Patient/p"},
        "content":{"contentType":"image/jpeg","data":"AAEC","title":"old"},"note":[{"text":"old"}]}"#);
    let done = finish_media(
        prepared.clone(),
        Some("  Left arm ".into()),
        Some(" a\nb ".into()),
    )
    .expect("finished");
    let media = r#"{"resourceType":"Media","status":"completed","subject":{"reference":"Patient/p"},"content":{"contentType":"image/jpeg","data":"AAEC""#;
    assert_eq!(
        stringify(&done),
        format!(r#"{media},"title":"Left arm"}},"note":[{{"text":"a\nb"}}]}}"#)
    );
    assert!(
        stringify(&prepared).contains(r#""title":"old""#),
        "the input is not edited"
    );
    // Blank title and notes remove them.
    let blank = finish_media(done, Some(" ".into()), Some("\n".into())).expect("finished");
    assert_eq!(stringify(&blank), format!("{media}}}}}"));

    let added = upload_identifier(blank.clone(), uuid).expect("identified");
    let with_id = format!(
        r#"{media}}},"identifier":[{{"system":"urn:ietf:rfc:3986","value":"urn:uuid:{uuid}"}}]}}"#
    );
    assert_eq!(
        stringify(&added),
        format!(r#"{{"resource":{with_id},"id":"{uuid}","value":"urn:uuid:{uuid}"}}"#)
    );
    assert!(
        !stringify(&blank).contains("identifier"),
        "the input is not edited"
    );
    // An existing urn:uuid identifier (any case) is kept and names the item.
    let upper = js(&format!(
        r#"{{"resourceType":"Media","identifier":[{{"value":"urn:oid:1"}},{{"value":"URN:UUID:{}"}}]}}"#,
        uuid.to_uppercase()
    ));
    let kept = upload_identifier(upper, "11111111-2222-3333-4444-555555555555").expect("kept");
    assert!(stringify(&kept).ends_with(&format!(
        r#""id":"{uuid}","value":"URN:UUID:{}"}}"#,
        uuid.to_uppercase()
    )));
    expect_media_error(upload_identifier(prepared.clone(), "1").map(drop), "fresh");
    expect_media_error(finish_media(js("{}"), None, None).map(drop), "resource");
}
