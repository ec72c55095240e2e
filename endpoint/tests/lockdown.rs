//! What a web page the developer happens to visit can do to the endpoint on their laptop:
//! nothing. CORS grants only the listed origins (and the server's own), the admin API
//! takes only the admin token, and a request that names another host (DNS rebinding)
//! is refused before anything runs.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

const EVIL: &str = "http://attacker.example";

fn allow_origin(response: &reqwest::Response) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn an_unlisted_origin_gets_no_cors_grant_and_its_preflights_fail() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    // Answers the browser would hide from the page: no Access-Control-Allow-Origin.
    let requests = [
        server.get(&format!("/Media/{id}")),
        server.get("/Media?patient=Patient/p1"),
        server.admin(Method::GET, "/_admin/stats"),
        server
            .client
            .get(server.url("/_storage/x?expires=1&signature=00")),
        server.post_media(&media("p1", None, "image/jpeg", &jpeg(2))),
    ];
    for request in requests {
        let response = request.header("origin", EVIL).send().await.unwrap();
        let what = format!("{} {}", response.status(), response.url().path());
        assert_eq!(allow_origin(&response), None, "{what}");
    }
    for path in [
        "/Media",
        "/Media/x/files/content",
        "/_storage/x",
        "/_admin/reset",
    ] {
        let response = server
            .client
            .request(Method::OPTIONS, server.url(path))
            .header("origin", EVIL)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(allow_origin(&response), None, "preflight of {path}");
    }
    // The server's own origin, under each of its names, is granted: its own pages.
    for own in [
        format!("http://127.0.0.1:{}", server.addr.port()),
        format!("http://localhost:{}", server.addr.port()),
    ] {
        let response = server
            .get("/Media?patient=Patient/p1")
            .header("origin", &own)
            .send()
            .await
            .unwrap();
        assert_eq!(allow_origin(&response), Some(own.as_str()));
    }
}

/// A page may send a "simple" cross-origin POST (text/plain, no custom headers) without
/// any preflight; the browser only hides the answer. It must not wipe anything.
#[tokio::test]
async fn a_simple_cross_origin_post_cannot_reset() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p-keep", None, "image/jpeg", &jpeg(1)))
        .await;
    for path in ["/_admin/reset", "/_admin/faults", "/_admin/smart/expire"] {
        let response = server
            .client
            .post(server.url(path))
            .header("origin", EVIL)
            .header("content-type", "text/plain")
            .body(r#"{"failNext": {"count": 5, "status": 500}}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(allow_origin(&response), None, "{path}");
        assert_outcome(response, 401, "unknown").await;
    }
    assert_eq!(
        server
            .get(&format!("/Media/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        server.stats().await["creates"],
        1,
        "the counters were not reset"
    );
    assert_eq!(
        server.admin_json("/_admin/faults").await,
        json!({"delayMs": 0}),
        "no fault was set"
    );
}

#[tokio::test]
async fn api_tokens_never_open_the_admin_api() {
    let server = TestServer::start().await;
    let id = server
        .create(&media("p-keep", None, "image/jpeg", &jpeg(1)))
        .await;
    let smart_token = smart_access_token(&server).await;
    let wrong = [
        Some(TOKEN),
        Some(READ_ONLY_TOKEN),
        Some(smart_token.as_str()),
        Some("test-admin-toke"),
        None,
    ];
    let routes = [
        (Method::POST, "/_admin/reset"),
        (Method::GET, "/_admin/stats"),
        (Method::GET, "/_admin/faults"),
        (Method::POST, "/_admin/faults"),
        (Method::DELETE, "/_admin/faults"),
        (Method::GET, "/_admin/smart"),
        (Method::POST, "/_admin/smart/expire"),
        (Method::PUT, "/_admin/reset"),
    ];
    for token in wrong {
        for (method, path) in &routes {
            let mut request = server.client.request(method.clone(), server.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.json(&json!({})).send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path} with {token:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let text = assert_outcome(response, 401, "unknown").await;
            assert!(text.contains("--admin-token"), "{text}");
        }
    }
    assert_eq!(
        server
            .get(&format!("/Media/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "nothing was wiped"
    );
    assert_eq!(
        search_status(&server, &smart_token).await,
        200,
        "the SMART token was not expired"
    );
    // The admin token does open it.
    let response = server
        .admin(Method::POST, "/_admin/reset")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        server
            .get(&format!("/Media/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// DNS rebinding: `attacker.example` re-pointed at 127.0.0.1 makes the attacker's page
/// "same-origin" with this server, out of reach of CORS. The Host header still names the
/// attacker's domain, and that is refused, whatever the route and whatever the token.
#[tokio::test]
async fn a_request_naming_another_host_is_refused() {
    let site = TempDir::new("site");
    std::fs::write(site.path().join("index.html"), "<title>demo</title>").unwrap();
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        static_dir: Some(site.path().to_owned()),
        allow_origins: vec!["http://attacker.example:8080".into()],
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    let id = server
        .create(&media("p1", None, "image/jpeg", &jpeg(1)))
        .await;
    let port = server.addr.port();
    let refused_hosts = [
        format!("attacker.example:{port}"),
        "attacker.example".to_owned(),
        format!("localhost:{}", port.wrapping_add(1)),
        format!("127.0.0.1.nip.io:{port}"),
    ];
    for host in &refused_hosts {
        let requests = [
            server.get(&format!("/Media/{id}")),
            server.admin(Method::GET, "/_admin/stats"),
            server.admin(Method::POST, "/_admin/reset"),
            server.client.get(server.url("/")),
            server
                .client
                .request(Method::OPTIONS, server.url("/Media"))
                .header("origin", "http://attacker.example:8080")
                .header("access-control-request-method", "GET"),
        ];
        for request in requests {
            let response = request.header("host", host).send().await.unwrap();
            let what = format!("{} with Host {host}", response.url().path());
            assert_eq!(response.status(), 421, "{what}");
            assert_eq!(allow_origin(&response), None, "{what}");
            let text = assert_outcome(response, 421, "forbidden").await;
            assert!(text.contains("--allow-host"), "{text}");
        }
    }
    assert_eq!(server.stats().await["creates"], 1, "the reset never ran");

    // Its own names work, in any case.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let response = server
            .get(&format!("/Media/{id}"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "Host {host}");
    }

    // No Host at all, and an absolute request target naming another host.
    for head in [
        "GET / HTTP/1.0\r\n\r\n".to_owned(),
        format!("GET http://attacker.example/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
    ] {
        let answer = String::from_utf8_lossy(&raw_exchange(server.addr, head.as_bytes()).await)
            .into_owned();
        assert!(answer.starts_with("HTTP/1.") && answer[9..].starts_with("421"), "{head:?}: {answer}");
    }
}

/// `--allow-host`: another name clients may use (a LAN name, a proxy's), with any port or one.
#[tokio::test]
async fn allowed_hosts_are_answered() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        allow_hosts: vec!["devbox.lan".into(), "proxy.example:443".into()],
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    for (host, status) in [
        ("devbox.lan:8787", 200),
        ("devbox.lan", 200),
        ("proxy.example:443", 200),
        ("proxy.example", 421),
        ("other.lan:8787", 421),
    ] {
        let response = server
            .get("/Media?patient=p1")
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "Host {host}");
    }
}

/// An access token from the dev SMART server (authorization code with PKCE).
async fn smart_access_token(server: &TestServer) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://app.example/callback";
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", "demo-app")
        .append_pair("redirect_uri", redirect)
        .append_pair("scope", "launch patient/Media.write")
        .append_pair("state", "s1")
        .append_pair("aud", &server.base)
        .append_pair("launch", "p1")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let response = server
        .client
        .get(server.url(&format!("/auth/authorize?{query}")))
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"));
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", &code)
        .append_pair("client_id", "demo-app")
        .append_pair("redirect_uri", redirect)
        .append_pair("code_verifier", verifier)
        .finish();
    let body: Value = server
        .client
        .post(server.url("/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

async fn search_status(server: &TestServer, token: &str) -> u16 {
    server
        .client
        .get(server.url("/Media?patient=p1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}
