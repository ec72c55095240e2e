//! `POST /Media`: Canvas's 201 contract, every 400 and 422 rule, and the 413 limit.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn create_answers_201_with_location_and_an_empty_body() {
    let server = TestServer::start().await;
    for (content_type, bytes) in [
        ("image/jpeg", jpeg(1)),
        ("image/png", png(1)),
        ("image/heic", heic()),
    ] {
        let response = server
            .post_media(&media("p1", Some("e1"), content_type, &bytes))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{content_type}");
        let id = created_id(&response);
        assert!(response.headers().get("content-type").is_none());
        assert_eq!(response.bytes().await.unwrap().len(), 0, "empty body");
        let read = server.get(&format!("/Media/{id}")).send().await.unwrap();
        assert_eq!(read.status(), 200);
    }
    // entered-in-error is the other status Canvas accepts on create.
    let mut body = media("p1", None, "image/jpeg", &jpeg(2));
    body["status"] = json!("entered-in-error");
    server.create(&body).await;
    // The documented example, with real bytes in data, is accepted as-is.
    let mut example = fixture("create-request.json");
    example["content"]["data"] = json!(b64(&jpeg(3)));
    server.create(&example).await;
}

fn without(mut body: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target.as_object_mut().unwrap().remove(key);
    body
}

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    *body.pointer_mut(pointer).unwrap() = value;
    body
}

#[tokio::test]
async fn malformed_json_or_missing_required_elements_are_400_invalid() {
    let server = TestServer::start().await;
    let valid = media("p1", Some("e1"), "image/jpeg", &jpeg(1));
    let raw_bodies: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{\"resourceType\": \"Media\",".to_vec()),
        ("empty body", Vec::new()),
        ("a JSON array", b"[]".to_vec()),
        ("binary garbage", vec![0xFF, 0x00, 0x12]),
    ];
    for (label, body) in raw_bodies {
        let response = server
            .client
            .post(server.url("/Media"))
            .bearer_auth(TOKEN)
            .body(body)
            .send()
            .await
            .unwrap();
        let text = assert_outcome(response, 400, "invalid").await;
        assert!(text.contains("JSON"), "{label}: {text}");
    }
    let cases = [
        (
            "no resourceType",
            without(valid.clone(), "/resourceType"),
            "resourceType",
        ),
        (
            "another resourceType",
            with(valid.clone(), "/resourceType", json!("Patient")),
            "Media",
        ),
        ("no status", without(valid.clone(), "/status"), "status"),
        (
            "status not a string",
            with(valid.clone(), "/status", json!(1)),
            "status",
        ),
        ("no subject", without(valid.clone(), "/subject"), "subject"),
        (
            "subject without reference",
            with(valid.clone(), "/subject", json!({})),
            "subject.reference",
        ),
        ("no content", without(valid.clone(), "/content"), "content"),
        (
            "content as array",
            with(
                valid.clone(),
                "/content",
                json!([{"contentType": "image/jpeg"}]),
            ),
            "content",
        ),
        (
            "data not a string",
            with(valid.clone(), "/content/data", json!(12)),
            "content.data",
        ),
        (
            "encounter not an object",
            with(valid.clone(), "/encounter", json!("Encounter/e1")),
            "encounter",
        ),
        (
            "note not an array",
            with(valid.clone(), "/note", json!("hi")),
            "note",
        ),
    ];
    for (label, body, mentions) in cases {
        let response = server.post_media(&body).send().await.unwrap();
        let text = assert_outcome(response, 400, "invalid").await;
        assert!(text.contains(mentions), "{label}: {text}");
    }
    assert_eq!(server.stats().await["creates"], 0);
}

#[tokio::test]
async fn canvas_business_rules_are_422() {
    let server = TestServer::start().await;
    let valid = media("p1", Some("e1"), "image/jpeg", &jpeg(1));
    let cases = [
        (
            "status outside the create set",
            with(valid.clone(), "/status", json!("preparation")),
            "completed",
        ),
        (
            "gif content type",
            with(valid.clone(), "/content/contentType", json!("image/gif")),
            "image/heic",
        ),
        (
            "image/jpg alias",
            with(valid.clone(), "/content/contentType", json!("image/jpg")),
            "image/jpeg",
        ),
        (
            "no contentType (att-1)",
            without(valid.clone(), "/content/contentType"),
            "att-1",
        ),
        (
            "no data",
            without(valid.clone(), "/content/data"),
            "content.data",
        ),
        (
            "empty data",
            with(valid.clone(), "/content/data", json!("")),
            "content.data",
        ),
        (
            "invalid base64",
            with(valid.clone(), "/content/data", json!("@@not base64@@")),
            "base64",
        ),
        (
            "url-safe base64",
            with(valid.clone(), "/content/data", json!("_-_-")),
            "base64",
        ),
        (
            "missing padding",
            with(
                valid.clone(),
                "/content/data",
                json!(b64(&jpeg(1)).trim_end_matches('=').to_owned() + "x"),
            ),
            "base64",
        ),
        (
            "data: URL prefix",
            with(
                valid.clone(),
                "/content/data",
                json!(format!("data:image/jpeg;base64,{}", b64(&jpeg(1)))),
            ),
            "data:",
        ),
        (
            "text, not an image",
            with(valid.clone(), "/content/data", json!(b64(b"hello, world"))),
            "JPEG",
        ),
        (
            "PNG bytes said to be JPEG",
            with(valid.clone(), "/content/data", json!(b64(&png(1)))),
            "PNG",
        ),
        (
            "JPEG bytes said to be PNG",
            with(valid.clone(), "/content/contentType", json!("image/png")),
            "JPEG",
        ),
        (
            "JPEG bytes said to be HEIC",
            with(valid.clone(), "/content/contentType", json!("image/heic")),
            "image/jpeg",
        ),
        (
            "GIF bytes said to be JPEG",
            with(
                valid.clone(),
                "/content/data",
                json!(b64(b"GIF89a\x01\x00\x01\x00")),
            ),
            "GIF",
        ),
        (
            "subject is not a patient",
            with(valid.clone(), "/subject/reference", json!("Practitioner/1")),
            "Patient/",
        ),
        (
            "subject without id",
            with(valid.clone(), "/subject/reference", json!("Patient/")),
            "Patient/",
        ),
        (
            "encounter of another type",
            with(valid.clone(), "/encounter/reference", json!("Patient/1")),
            "Encounter/",
        ),
        (
            "operator of another type",
            with(valid.clone(), "/operator/reference", json!("Device/1")),
            "Practitioner/",
        ),
    ];
    for (label, body, mentions) in cases {
        let response = server.post_media(&body).send().await.unwrap();
        let text = assert_outcome(response, 422, "business-rule").await;
        assert!(text.contains(mentions), "{label}: {text}");
    }
    let stats = server.stats().await;
    assert_eq!(stats["creates"], 0);
    assert_eq!(stats["rejections"]["422"], 19);
    assert_eq!(stats["rejections"]["concurrent"], 0);
}

#[tokio::test]
async fn identifiers_and_other_elements_are_stored_and_echoed() {
    let server = TestServer::start().await;
    let mut body = media("p-ident", Some("e1"), "image/png", &png(1));
    body["identifier"] =
        json!([{"system": "urn:fhir-media-capture:upload", "value": "0d6c2e0a-1"}]);
    body["id"] = json!("client-chosen-id");
    let id = server.create(&body).await;
    assert_ne!(id, "client-chosen-id", "the server assigns ids");

    let read: Value = server.get_json(&format!("/Media/{id}")).await;
    assert_eq!(read["identifier"], body["identifier"]);
    assert_eq!(read["note"], body["note"]);
    assert_eq!(read["operator"], body["operator"]);
    assert_eq!(read["encounter"], body["encounter"]);
    assert_eq!(read["content"]["title"], "Image title");

    let search: Value = server.get_json("/Media?patient=Patient/p-ident").await;
    assert_eq!(
        search["entry"][0]["resource"]["identifier"],
        body["identifier"]
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_one_at_the_limit_is_accepted() {
    let data = TempDir::new("data");
    let body = media("p1", None, "image/jpeg", &jpeg(1)).to_string();
    let limit = body.len();
    let config = fhir_media_endpoint::Config {
        max_body_bytes: limit,
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;

    let at_limit = server
        .client
        .post(server.url("/Media"))
        .bearer_auth(TOKEN)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(at_limit.status(), 201);

    let over = format!("{body} ");
    let response = server
        .client
        .post(server.url("/Media"))
        .bearer_auth(TOKEN)
        .body(over.clone())
        .send()
        .await
        .unwrap();
    let text = assert_outcome(response, 413, "too-long").await;
    assert!(text.contains(&limit.to_string()), "{text}");

    // Without Content-Length (chunked), the limit is enforced while streaming.
    let chunk = over.as_bytes();
    let mut raw = format!(
        "POST /Media HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n",
        server.addr,
        chunk.len()
    )
    .into_bytes();
    raw.extend_from_slice(chunk);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    let answer = String::from_utf8_lossy(&raw_exchange(server.addr, &raw).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too-long"), "{answer}");

    // A client that waits for 100-continue is refused before it sends the body.
    let raw = format!(
        "POST /Media HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        server.addr,
        limit + 1
    );
    let answer =
        String::from_utf8_lossy(&raw_exchange(server.addr, raw.as_bytes()).await).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(server.stats().await["rejections"]["413"], 3);
}

#[tokio::test]
async fn the_default_limit_is_30_mb() {
    let server = TestServer::start().await;
    assert_eq!(server.state.config().max_body_bytes, 30_000_000);
    let body = vec![b' '; 30_000_001];
    let response = server
        .client
        .post(server.url("/Media"))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .unwrap();
    let text = assert_outcome(response, 413, "too-long").await;
    assert!(text.contains("30000000"), "{text}");
}

#[tokio::test]
async fn hostile_inputs_get_answers_not_crashes() {
    let server = TestServer::start().await;
    let bodies = [
        json!(null),
        json!("Media"),
        json!({"resourceType": null}),
        json!({"resourceType": "Media", "status": "completed", "subject": null, "content": null}),
        json!({"resourceType": "Media", "status": "completed", "subject": {"reference": ["Patient/1"]}, "content": {}}),
        json!({"resourceType": "Media", "status": "completed", "subject": {"reference": "Patient/1"}, "content": {"data": "////", "contentType": "image/heic"}}),
        json!({"resourceType": "Media", "status": "completed", "subject": {"reference": "Patient/\u{0}"}, "content": {"data": "AA==", "contentType": "image/png"}}),
    ];
    for body in bodies {
        let response = server.post_media(&body).send().await.unwrap();
        assert!(
            matches!(response.status().as_u16(), 400 | 422),
            "{body}: {}",
            response.status()
        );
    }
    let deep = "[".repeat(10_000);
    let response = server
        .client
        .post(server.url("/Media"))
        .bearer_auth(TOKEN)
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    for path in [
        "/Media/%FF%FE",
        "/Media/..%2F..%2Fetc",
        "/Media/x/files/content?a=%ZZ",
        "/_storage/%00?expires=x&signature=y",
    ] {
        let response = server.get(path).send().await.unwrap();
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
    }
    // Still serving.
    server
        .create(&media("p1", None, "image/png", &png(1)))
        .await;
}
