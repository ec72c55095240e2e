//! The hand-written JSON reading of the FHIR types (`fhir::json`): serde's default rules
//! (required fields, types, `null`, unknown fields kept) and clear errors that say
//! where. Every Canvas example Media must round-trip to the same JSON.

use std::fs;

use fhir_media_capture::client::response;
use fhir_media_capture::client::BaseUrl;
use fhir_media_capture::fhir::{Bundle, JsonError, Media, OperationOutcome};
use serde_json::{json, Value};

mod support;

fn minimal() -> Value {
    json!({
        "resourceType": "Media",
        "status": "completed",
        "subject": {"reference": "Patient/p"},
        "content": {"contentType": "image/jpeg"}
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().expect("object").remove(key);
    v
}

fn err(v: Value) -> String {
    Media::from_json(v).expect_err("malformed").to_string()
}

#[test]
fn every_canvas_example_media_round_trips() {
    let Some(dir) = support::canvas_examples() else {
        return;
    };
    let read = fs::read_to_string(dir.join("read-200.json")).expect("read-200");
    let create = fs::read_to_string(dir.join("create-request.json")).expect("create-request");
    let search = fs::read_to_string(dir.join("search-200.json")).expect("search-200");
    let search: Value = serde_json::from_str(&search).expect("json");
    let mut media: Vec<Value> = vec![
        serde_json::from_str(&read).expect("json"),
        serde_json::from_str(&create).expect("json"),
    ];
    media.extend(
        search["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["resource"].clone()),
    );
    assert_eq!(media.len(), 3);
    for v in media {
        let m = Media::from_json(v.clone()).expect("a Media");
        assert_eq!(serde_json::to_value(&m).expect("write"), v);
        // The serde impls take the same path.
        let via_serde: Media = serde_json::from_value(v.clone()).expect("serde");
        assert_eq!(via_serde, m);
    }
    for name in ["error-400.json", "error-422.json"] {
        let body = fs::read_to_string(dir.join(name)).expect(name);
        let v: Value = serde_json::from_str(&body).expect("json");
        let oo = OperationOutcome::from_json(v.clone()).expect("an OperationOutcome");
        assert_eq!(serde_json::to_value(&oo).expect("write"), v, "{name}");
    }
}

#[test]
fn unknown_fields_are_kept_with_their_values_and_written_after_ours() {
    let extra = json!({"zeta": [1, 2.5, -3], "meta": {"versionId": "1", "nested": {"a": null}},
                       "language": "en", "alpha": null, "flag": true});
    let mut v = minimal();
    for (k, x) in extra.as_object().expect("obj") {
        v[k] = x.clone();
    }
    let m = Media::from_json(v.clone()).expect("media");
    assert_eq!(Value::Object(m.extra.clone()), extra);
    assert_eq!(serde_json::to_value(&m).expect("write"), v);
    // Our fields first, in their order, then the kept ones (in the map's order).
    let text = serde_json::to_string(&m).expect("text");
    let at = |k: &str| text.find(&format!("\"{k}\"")).expect(k);
    assert!(at("resourceType") < at("status"));
    assert!(at("status") < at("subject") && at("subject") < at("content"));
    assert!(at("content") < at("alpha") && at("alpha") < at("flag"));
    assert!(at("language") < at("meta") && at("meta") < at("zeta"));
}

#[test]
fn null_optional_fields_read_as_absent() {
    let mut v = minimal();
    for k in ["id", "encounter", "operator"] {
        v[k] = Value::Null;
    }
    v["content"]["url"] = Value::Null;
    v["subject"]["type"] = Value::Null;
    let m = Media::from_json(v).expect("media");
    assert_eq!((m.id, m.encounter, m.operator), (None, None, None));
    assert_eq!((m.content.url, m.subject.kind), (None, None));
    assert!(m.extra.is_empty(), "modelled fields never land in extra");
    assert_eq!(
        serde_json::to_value(Media::from_json(minimal()).expect("m")).expect("w"),
        minimal()
    );
}

#[test]
fn missing_required_fields_are_named() {
    for key in ["resourceType", "status", "subject", "content"] {
        assert_eq!(
            err(without(minimal(), key)),
            format!("missing field `{key}`")
        );
    }
    assert_eq!(
        err(with(minimal(), "note", json!([{"text": "a"}, {}]))),
        "missing field `note[1].text`"
    );
}

#[test]
fn wrong_types_say_where_and_what() {
    let cases = [
        (
            with(minimal(), "status", json!(5)),
            "`status` must be a string, got a number",
        ),
        (
            with(minimal(), "status", Value::Null),
            "`status` must be a string, got null",
        ),
        (
            with(minimal(), "subject", json!("Patient/p")),
            "`subject` must be an object, got a string",
        ),
        (
            with(minimal(), "id", json!(["x"])),
            "`id` must be a string, got an array",
        ),
        (
            with(minimal(), "identifier", json!({})),
            "`identifier` must be an array, got an object",
        ),
        (
            with(minimal(), "note", Value::Null),
            "`note` must be an array, got null",
        ),
        (
            with(minimal(), "note", json!(["text"])),
            "`note[0]` must be an object, got a string",
        ),
        (
            with(
                minimal(),
                "identifier",
                json!([{"system": "s", "value": false}]),
            ),
            "`identifier[0].value` must be a string, got a boolean",
        ),
        (
            with(minimal(), "content", json!({"url": 3})),
            "`content.url` must be a string, got a number",
        ),
        (
            with(minimal(), "encounter", json!({"reference": {}})),
            "`encounter.reference` must be a string, got an object",
        ),
        (json!("Media"), "the JSON must be an object, got a string"),
    ];
    for (v, want) in cases {
        assert_eq!(err(v), want);
    }
    let e = Media::from_json(with(minimal(), "status", json!(1))).expect_err("typed");
    assert!(matches!(
        e,
        JsonError::WrongType {
            expected: "a string",
            found: "a number",
            ..
        }
    ));
    // Through serde the message is the same.
    let e = serde_json::from_value::<Media>(without(minimal(), "status")).expect_err("serde");
    assert_eq!(e.to_string(), "missing field `status`");
}

#[test]
fn bundles_read_total_links_and_entries() {
    let b = Bundle::from_json(json!({
        "resourceType": "Bundle", "type": "searchset", "total": 2, "id": "ignored",
        "link": [{"relation": "next", "url": "/Media?_offset=10"}],
        "entry": [{"fullUrl": "u", "resource": {"a": 1}}, {"resource": null}, {}]
    }))
    .expect("bundle");
    assert_eq!(
        (b.total, b.link("next")),
        (Some(2), Some("/Media?_offset=10"))
    );
    assert_eq!(b.entry.len(), 3);
    assert_eq!(b.entry[0].full_url.as_deref(), Some("u"));
    assert_eq!(b.entry[0].resource, Some(json!({"a": 1})));
    assert_eq!((&b.entry[1].resource, &b.entry[2].resource), (&None, &None));

    let bad = |v: Value| Bundle::from_json(v).expect_err("malformed").to_string();
    let base = json!({"resourceType": "Bundle", "type": "searchset"});
    assert_eq!(bad(without(base.clone(), "type")), "missing field `type`");
    for total in [json!(-1), json!(1.5), json!("1")] {
        assert!(
            bad(with(base.clone(), "total", total)).starts_with("`total` must be a whole number")
        );
    }
    assert_eq!(
        bad(with(base.clone(), "link", json!([{"relation": "next"}]))),
        "missing field `link[0].url`"
    );
    assert_eq!(
        Bundle::from_json(with(base.clone(), "total", Value::Null))
            .expect("null")
            .total,
        None
    );

    // A broken Media entry fails the page and says which.
    let page = with(
        base,
        "entry",
        json!([{"resource": {"resourceType": "Patient"}}, {"resource": without(minimal(), "content")}]),
    );
    let e = response::page(
        200,
        &page.to_string(),
        &BaseUrl::parse("https://h.example").expect("base"),
    )
    .expect_err("malformed entry");
    assert_eq!(
        e.text(),
        "a Media in the Bundle is malformed: missing field `entry[1].resource.content`"
    );
    let e = response::media(200, &without(minimal(), "subject").to_string()).expect_err("read");
    assert_eq!(e.text(), "the Media is malformed: missing field `subject`");
}

#[test]
fn outcomes_of_the_wrong_shape_are_not_used() {
    let oo = |issue: Value| json!({"resourceType": "OperationOutcome", "issue": issue});
    let good = OperationOutcome::from_json(oo(
        json!([{"code": "invalid", "details": {"text": "t"}, "x": 1}]),
    ))
    .expect("outcome");
    assert_eq!(good.issue[0].message(), Some("t"));
    assert!(
        OperationOutcome::from_json(json!({"resourceType": "OperationOutcome"}))
            .expect("no issues")
            .issue
            .is_empty()
    );
    for bad in [
        json!(null),
        json!({"x": 1}),
        json!([{"code": 5}]),
        json!([{"details": "t"}]),
    ] {
        let body = oo(bad.clone());
        let body = if bad.is_object() { bad.clone() } else { body };
        assert!(OperationOutcome::from_json(body.clone()).is_err(), "{body}");
        // The error answer then reads as a body that is not an OperationOutcome.
        let e = response::error(400, &body.to_string());
        assert_eq!(e.code(), "invalid");
        assert!(
            e.text().contains("JSON but not a FHIR OperationOutcome"),
            "{}",
            e.text()
        );
        assert!(e.outcome().is_none());
    }
}
