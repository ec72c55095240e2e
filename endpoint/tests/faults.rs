//! Dev-only fault injection (`/_admin/faults`), reset, and the admin API's absence
//! without `--dev`.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn total_for(server: &TestServer, patient: &str) -> u64 {
    let bundle: Value = server
        .get_json(&format!("/Media?patient=Patient/{patient}"))
        .await;
    bundle["total"].as_u64().unwrap()
}

#[tokio::test]
async fn fail_next_503_sends_retry_after_then_recovers() {
    let server = TestServer::start().await;
    server
        .set_faults(json!({"failNext": {"count": 2, "status": 503, "retryAfter": 2}}))
        .await;
    let body = media("p-503", None, "image/jpeg", &jpeg(1));
    for _ in 0..2 {
        let response = server.post_media(&body).send().await.unwrap();
        assert_eq!(response.headers()["retry-after"], "2");
        let text = assert_outcome(response, 503, "transient").await;
        assert!(text.contains("retry after 2 s"), "{text}");
    }
    server.create(&body).await;
    assert_eq!(
        total_for(&server, "p-503").await,
        1,
        "failed attempts stored nothing"
    );
    let stats = server.stats().await;
    assert_eq!(stats["rejections"]["503"], 2);
    assert_eq!(stats["creates"], 1);
    assert_eq!(stats["createAttempts"], 3);
}

#[tokio::test]
async fn fail_next_429_and_500() {
    let server = TestServer::start().await;
    let body = media("p1", None, "image/png", &png(1));

    server
        .set_faults(json!({"failNext": {"status": 429}}))
        .await;
    let response = server.post_media(&body).send().await.unwrap();
    assert_eq!(
        response.headers()["retry-after"],
        "1",
        "default Retry-After"
    );
    assert_outcome(response, 429, "throttled").await;

    server
        .set_faults(json!({"failNext": {"count": 1, "status": 500, "retryAfter": 5}}))
        .await;
    let response = server.post_media(&body).send().await.unwrap();
    assert!(
        response.headers().get("retry-after").is_none(),
        "500 has no Retry-After"
    );
    assert_outcome(response, 500, "exception").await;

    server.create(&body).await;
}

#[tokio::test]
async fn drop_before_commit_closes_the_connection_and_stores_nothing() {
    let server = TestServer::start().await;
    server
        .set_faults(json!({"dropNext": {"count": 1, "when": "before-commit"}}))
        .await;
    let result = server
        .post_media(&media("p-drop-before", None, "image/jpeg", &jpeg(1)))
        .send()
        .await;
    let err = result.expect_err("the client sees a connection error, not a response");
    assert!(
        err.is_request() || err.is_connect() || err.is_body(),
        "{err:?}"
    );
    assert_eq!(total_for(&server, "p-drop-before").await, 0);
    let stats = server.stats().await;
    assert_eq!(stats["dropped"]["beforeCommit"], 1);
    assert_eq!(stats["creates"], 0);
    // The fault is used up.
    server
        .create(&media("p-drop-before", None, "image/jpeg", &jpeg(1)))
        .await;
}

#[tokio::test]
async fn drop_after_commit_stores_the_media_but_sends_nothing() {
    let server = TestServer::start().await;
    server
        .set_faults(json!({"dropNext": {"count": 1, "when": "after-commit"}}))
        .await;
    let body = media("p-drop-after", Some("enc-drop"), "image/jpeg", &jpeg(1));
    let result = server.post_media(&body).send().await;
    assert!(result.is_err(), "no response reaches the client");
    assert_eq!(
        total_for(&server, "p-drop-after").await,
        1,
        "but the Media was stored"
    );
    let stats = server.stats().await;
    assert_eq!(stats["dropped"]["afterCommit"], 1);
    assert_eq!(stats["creates"], 1);
    assert_eq!(stats["encounters"]["Encounter/enc-drop"]["creates"], 1);
    // The encounter's slot was released with the dropped connection.
    server
        .create(&media(
            "p-drop-after",
            Some("enc-drop"),
            "image/jpeg",
            &jpeg(2),
        ))
        .await;
}

#[tokio::test]
async fn a_dropped_connection_carries_no_http_response_at_all() {
    let server = TestServer::start().await;
    server
        .set_faults(json!({"dropNext": {"count": 2, "when": "before-commit"}}))
        .await;
    let body = media("p1", None, "image/jpeg", &jpeg(1)).to_string();
    let request = format!(
        "POST /Media HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        server.addr,
        body.len()
    );
    let answer = raw_exchange(server.addr, request.as_bytes()).await;
    assert!(
        answer.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&answer)
    );
    // A keep-alive connection that already served a request is dropped as well.
    let keep_alive = format!(
        "GET /Media?patient=p1 HTTP/1.1\r\nHost: {0}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n{1}",
        server.addr, request
    );
    let answer = String::from_utf8_lossy(&raw_exchange(server.addr, keep_alive.as_bytes()).await)
        .into_owned();
    assert_eq!(
        answer.matches("HTTP/1.1 ").count(),
        1,
        "only the GET is answered: {answer}"
    );
}

#[tokio::test]
async fn delay_holds_each_matching_request() {
    let server = TestServer::start().await;
    server.set_faults(json!({"delayMs": 1000})).await;
    let started = Instant::now();
    server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    assert!(started.elapsed() >= Duration::from_millis(1000));
    // Reads are not delayed unless targeted.
    let started = Instant::now();
    server.get("/Media?patient=p1").send().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(1000));
}

#[tokio::test]
async fn paths_target_other_routes() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    server
        .set_faults(json!({"failNext": {"count": 1, "status": 503}, "paths": ["GET /Media/{id}", "GET /_storage/{id}"]}))
        .await;
    // Creates are not targeted now.
    server
        .create(&media("p1", None, "image/jpeg", &jpeg(2)))
        .await;
    let response = server.get(&format!("/Media/{id}")).send().await.unwrap();
    assert_outcome(response, 503, "transient").await;
    assert_eq!(
        server
            .get(&format!("/Media/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    server
        .set_faults(json!({"dropNext": {"count": 1}, "paths": ["GET /_storage/{id}"]}))
        .await;
    let redirect = server
        .get(&format!("/Media/{id}/files/content"))
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        server.client.get(&location).send().await.is_err(),
        "storage download dropped"
    );
    assert_eq!(
        server.client.get(&location).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn fault_api_reports_validates_and_clears() {
    let server = TestServer::start().await;
    let set: Value = server
        .admin(Method::POST, "/_admin/faults")
        .json(&json!({"delayMs": 10, "failNext": {"count": 3, "status": 503}, "dropNext": {"count": 2, "when": "after-commit"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        set,
        json!({"delayMs": 10, "failNext": {"count": 3, "status": 503, "retryAfter": 1}, "dropNext": {"count": 2, "when": "after-commit"}, "paths": ["POST /Media"]})
    );
    let _ = server
        .post_media(&media("p1", None, "image/jpeg", &jpeg(1)))
        .send()
        .await;
    let current: Value = server
        .admin(Method::GET, "/_admin/faults")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        current["failNext"]["count"], 2,
        "counts run down: {current}"
    );

    for bad in [
        json!({"failNext": {"status": 404}}),
        json!({"dropNext": {"when": "sometimes"}}),
        json!({"delayMs": 999_999}),
        json!({"delay": 5}),
        json!({"paths": ["PUT /Media"]}),
        json!([1, 2]),
    ] {
        let response = server
            .admin(Method::POST, "/_admin/faults")
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_outcome(response, 400, "invalid").await;
    }
    let cleared: Value = server
        .admin(Method::DELETE, "/_admin/faults")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared, json!({"delayMs": 0}));
    server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
}

#[tokio::test]
async fn reset_wipes_data_counters_and_faults() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p-reset", Some("e1"), "image/jpeg", &jpeg(1)))
        .await;
    server
        .set_faults(json!({"failNext": {"count": 5, "status": 500}}))
        .await;
    let response = server
        .admin(Method::POST, "/_admin/reset")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(total_for(&server, "p-reset").await, 0);
    assert_eq!(
        server
            .get(&format!("/Media/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let stats = server.stats().await;
    assert_eq!(stats["creates"], 0);
    assert_eq!(stats["encounters"], json!({}));
    assert_eq!(
        stats["requests"], 2,
        "only the two requests since the reset: {stats}"
    );
    server
        .create(&media("p-reset", None, "image/jpeg", &jpeg(1)))
        .await;
}

#[tokio::test]
async fn admin_api_exists_only_with_dev() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        dev: false,
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    for (method, path) in [
        ("GET", "/_admin/stats"),
        ("POST", "/_admin/faults"),
        ("POST", "/_admin/reset"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = server
            .admin(method, path)
            .json(&json!({"delayMs": 5}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    // Faults can never be switched on, so creates behave normally.
    server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
}

#[tokio::test]
async fn a_create_whose_client_left_mid_way_is_still_stored() {
    use tokio::io::AsyncWriteExt as _;
    let server = TestServer::start().await;
    server.set_faults(json!({"delayMs": 700})).await;
    let body = media("p-left", Some("e-left"), "image/jpeg", &jpeg(1)).to_string();
    let request = format!(
        "POST /Media HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        server.addr,
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    drop(stream); // the page reloads while the server is still working
    assert_eq!(total_for(&server, "p-left").await, 0, "not stored yet");
    // Meanwhile the encounter is still busy, as it would be on Canvas.
    server.set_faults(json!({})).await;
    let busy = server
        .post_media(&media("p-left", Some("e-left"), "image/jpeg", &jpeg(2)))
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 422);
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        total_for(&server, "p-left").await,
        1,
        "stored after the client left"
    );
}
