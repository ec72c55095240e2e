//! Authentication (401/403), 404/405 shapes, and CORS for the allowed cross-origin pages.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn missing_or_wrong_token_is_canvas_401_on_every_fhir_route() {
    let server = TestServer::start().await;
    let body = media("p1", None, "image/jpeg", &jpeg(1));
    let c = &server.client;
    let requests = [
        c.post(server.url("/Media")).json(&body),
        c.post(server.url("/Media"))
            .bearer_auth("wrong-token")
            .json(&body),
        c.post(server.url("/Media"))
            .header("authorization", format!("Basic {TOKEN}"))
            .json(&body),
        c.post(server.url("/Media"))
            .header("authorization", TOKEN)
            .json(&body),
        c.get(server.url("/Media?patient=Patient/p1")),
        c.get(server.url("/Media?patient=Patient/p1"))
            .bearer_auth(format!("{TOKEN}x")),
        c.get(server.url("/Media/729e5242-bad6-4bd7-905d-9716ae262971")),
        c.get(server.url("/Media/729e5242-bad6-4bd7-905d-9716ae262971/files/content")),
    ];
    for request in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, fixture("error-401.json"), "exactly Canvas's 401 body");
    }
    assert_eq!(server.stats().await["creates"], 0);
}

#[tokio::test]
async fn read_only_token_reads_but_cannot_create() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p1", None, "image/png", &png(1)))
        .await;
    let response = server
        .client
        .post(server.url("/Media"))
        .bearer_auth(READ_ONLY_TOKEN)
        .json(&media("p1", None, "image/png", &png(2)))
        .send()
        .await
        .unwrap();
    let text = assert_outcome(response, 403, "forbidden").await;
    assert!(text.contains("read"), "{text}");

    for path in [
        format!("/Media/{id}"),
        "/Media?patient=Patient/p1".to_owned(),
        format!("/Media/{id}/files/content"),
    ] {
        let response = server
            .client
            .get(server.url(&path))
            .bearer_auth(READ_ONLY_TOKEN)
            .send()
            .await
            .unwrap();
        assert!(
            matches!(response.status().as_u16(), 200 | 307),
            "{path}: {}",
            response.status()
        );
    }
    let search: Value = server.get_json("/Media?patient=Patient/p1").await;
    assert_eq!(search["total"], 1, "the refused create stored nothing");
}

#[tokio::test]
async fn unknown_media_is_canvas_404() {
    let server = TestServer::start().await;
    let id = "a47c7b0e-bbb4-42cd-bc4a-df259d148ea1";
    let response = server.get(&format!("/Media/{id}")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        fixture("error-404.json"),
        "exactly Canvas's 404 for this id"
    );

    let response = server
        .get(&format!("/Media/{id}/files/content"))
        .send()
        .await
        .unwrap();
    let text = assert_outcome(response, 404, "not-found").await;
    assert_eq!(text, format!("Unknown Media resource '{id}'"));

    let response = server
        .client
        .get(server.url("/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_outcome(response, 404, "not-found").await;
}

#[tokio::test]
async fn other_methods_are_405_with_allow() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    let cases = [
        ("PUT", "/Media".to_owned(), "GET, POST"),
        ("DELETE", "/Media".to_owned(), "GET, POST"),
        ("PATCH", "/Media".to_owned(), "GET, POST"),
        ("PUT", format!("/Media/{id}"), "GET"),
        ("DELETE", format!("/Media/{id}"), "GET"),
        ("POST", format!("/Media/{id}"), "GET"),
        ("POST", format!("/Media/{id}/files/content"), "GET"),
        ("DELETE", "/_storage/x".to_owned(), "GET"),
        ("PUT", "/_admin/stats".to_owned(), "GET"),
        ("GET", "/_admin/reset".to_owned(), "POST"),
    ];
    for (method, path, allow) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let token = if path.starts_with("/_admin/") {
            ADMIN_TOKEN
        } else {
            TOKEN
        };
        let response = server
            .client
            .request(method.clone(), server.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers().get("allow").map(|v| v.to_str().unwrap()),
            Some(allow),
            "{method} {path}"
        );
        let text = assert_outcome(response, 405, "not-supported").await;
        assert!(text.starts_with("Operation is not supported"), "{text}");
    }
    // Authentication comes first: an anonymous PUT learns nothing about the route.
    let response = server
        .client
        .put(server.url("/Media"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

/// A server that lets pages on `origins` call it (`--allow-origin`).
async fn allowing(origins: &[&str]) -> TestServer {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        allow_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..config(data.path())
    };
    TestServer::start_with(config, Some(data)).await
}

#[tokio::test]
async fn cors_preflight_needs_no_token_and_responses_expose_location() {
    let origin = "http://page.example:3000";
    let server = allowing(&["http://other.example", origin]).await;
    for path in ["/Media", "/Media/x/files/content", "/_storage/x"] {
        let response = server
            .client
            .request(reqwest::Method::OPTIONS, server.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        let h = response.headers();
        assert_eq!(h["access-control-allow-origin"], origin);
        let methods = h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .to_ascii_uppercase();
        for m in ["GET", "POST", "OPTIONS"] {
            assert!(methods.contains(m), "{methods}");
        }
        let headers = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        for name in ["authorization", "content-type", "accept"] {
            assert!(headers.contains(name), "{headers}");
        }
    }

    let response = server
        .post_media(&media("p1", None, "image/jpeg", &jpeg(1)))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["access-control-allow-origin"], origin);
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("location"), "{exposed}");

    // Errors must be readable cross-origin too.
    let response = server
        .client
        .get(server.url("/Media?patient=p1"))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["access-control-allow-origin"], origin);
}

#[tokio::test]
async fn static_dir_is_served_without_auth_beside_the_api() {
    let site = TempDir::new("site");
    std::fs::write(
        site.path().join("index.html"),
        "<!doctype html><title>demo</title>",
    )
    .unwrap();
    std::fs::write(site.path().join("app.js"), "console.log(1)").unwrap();
    std::fs::write(site.path().join("app.0123abcd.js"), "console.log(2)").unwrap();
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        static_dir: Some(site.path().to_owned()),
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    let response = server.client.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "no-cache",
        "the page is revalidated, so a rebuilt demo shows at once"
    );
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("<title>demo</title>"));
    let response = server
        .client
        .get(server.url("/app.0123abcd.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable",
        "a content-hashed file is kept for good"
    );
    let response = server
        .client
        .get(server.url("/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let response = server
        .client
        .get(server.url("/nothing.0123abcd.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(
        response.headers().get("cache-control").is_none(),
        "a miss is not cached for good"
    );
    let response = server
        .client
        .get(server.url("/Media?patient=p1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "the API still needs the token");
}

#[tokio::test]
async fn a_missing_static_dir_is_a_startup_error() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        static_dir: Some(data.path().join("does-not-exist")),
        ..config(data.path())
    };
    let err = fhir_media_endpoint::Server::bind(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("--static-dir"), "{err}");
}

/// `--expose-headers ''` / `Location`: a server that lets a page on another origin read less,
/// as many real FHIR servers do (the widget's e2e runs against one).
#[tokio::test]
async fn exposed_headers_follow_the_option() {
    let origin = "http://page.example:3000";
    for (expose, want) in [
        (vec![], None),
        (vec!["Location".to_string()], Some("location")),
    ] {
        let data = TempDir::new("data");
        let config = fhir_media_endpoint::Config {
            expose_headers: expose,
            allow_origins: vec![origin.into()],
            ..config(data.path())
        };
        let server = TestServer::start_with(config, Some(data)).await;
        let response = server
            .post_media(&media("p1", None, "image/jpeg", &jpeg(1)))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let exposed = response
            .headers()
            .get("access-control-expose-headers")
            .map(|v| v.to_str().unwrap().to_ascii_lowercase());
        assert_eq!(exposed.as_deref(), want);
    }
}
