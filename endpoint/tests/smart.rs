//! The dev SMART App Launch server over HTTP, as the SMART JS client drives it: discovery,
//! authorize → redirect with a code, the token grant with PKCE, the issued token on the
//! FHIR API, its expiry (401) and the refresh grant; each rule it refuses by; and none
//! of it without `--dev`.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:9/app/index.html";
const SCOPE: &str = "launch patient/Media.write patient/Media.read openid fhirUser offline_access";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET /auth/authorize with `changes` applied to a valid request; the Location answered.
async fn authorize(server: &TestServer, changes: &[(&str, &str)]) -> (u16, String) {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", "demo-app"),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
        ("state", "st-1"),
        ("aud", server.base.as_str()),
        ("launch", "patient-7"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in changes {
        params.retain(|(name, _)| name != k);
        params.push((k, v));
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let response = no_redirects()
        .get(server.url(&format!("/auth/authorize?{query}")))
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

async fn token(server: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let response = server
        .client
        .post(server.url("/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A code from a well-formed launch with `changes` applied.
async fn code(server: &TestServer, changes: &[(&str, &str)]) -> String {
    let (status, location) = authorize(server, changes).await;
    assert_eq!(status, 303, "{location}");
    query_of(&location)
        .remove("code")
        .unwrap_or_else(|| panic!("no code in {location}"))
}

/// The authorization-code grant for `code`, as the app that launched sends it.
async fn exchange(server: &TestServer, code: &str) -> (u16, Value) {
    let grant = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", "demo-app"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    token(server, &grant).await
}

async fn refresh(server: &TestServer, refresh_token: &str) -> (u16, Value) {
    let grant = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token(server, &grant).await
}

fn field(body: &Value, name: &str) -> String {
    body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {body}"))
        .to_string()
}

async fn search_status(server: &TestServer, token: &str) -> u16 {
    server
        .client
        .get(server.url("/Media?patient=patient-7"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn ehr_launch_code_token_expiry_and_refresh() {
    let server = TestServer::start().await;
    let config = server.get_json("/.well-known/smart-configuration").await;
    assert_eq!(
        config["authorization_endpoint"],
        format!("{}/auth/authorize", server.base)
    );
    assert_eq!(
        config["token_endpoint"],
        format!("{}/auth/token", server.base)
    );
    assert_eq!(config["code_challenge_methods_supported"], json!(["S256"]));
    for capability in [
        "launch-ehr",
        "client-public",
        "context-ehr-patient",
        "permission-offline",
    ] {
        let listed = config["capabilities"].as_array().unwrap();
        assert!(
            listed.contains(&json!(capability)),
            "{capability}: {config}"
        );
    }

    let (status, location) = authorize(&server, &[]).await;
    assert_eq!(status, 303, "{location}");
    assert!(location.starts_with(REDIRECT), "{location}");
    let answer = query_of(&location);
    assert_eq!(answer["state"], "st-1");
    let code = answer["code"].clone();

    let grant = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", "demo-app"),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let (status, body) = token(&server, &grant).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["patient"], "patient-7");
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(search_status(&server, &access).await, 200);

    // The code was used up.
    let (status, body) = token(&server, &grant).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Expired: the API answers 401; the refresh grant gives a token that works.
    let expired: Value = server
        .admin(reqwest::Method::POST, "/_admin/smart/expire")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(expired["expired"], 1);
    assert_eq!(search_status(&server, &access).await, 401);
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", "demo-app"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let fresh = body["access_token"].as_str().unwrap();
    assert_eq!(search_status(&server, fresh).await, 200);
    let counters = server.admin_json("/_admin/smart").await;
    assert_eq!(
        (&counters["refreshes"], &counters["expiredRefusals"]),
        (&json!(1), &json!(1)),
        "{counters}"
    );
}

#[tokio::test]
async fn bad_requests_are_refused() {
    let server = TestServer::start().await;
    // A redirect_uri that is not an absolute http(s) URL is never redirected to.
    let (status, location) = authorize(&server, &[("redirect_uri", "javascript:alert(1)")]).await;
    assert_eq!((status, location.as_str()), (400, ""));
    // Other errors go back to the app with the state.
    for (change, error) in [
        (("code_challenge_method", "plain"), "invalid_request"),
        (("aud", "http://other.example"), "invalid_request"),
        (("response_type", "token"), "unsupported_response_type"),
        (("launch", ""), "invalid_scope"),
        (("scope", "patient/Media.read"), "invalid_scope"),
        (("client_id", ""), "invalid_request"),
    ] {
        let (status, location) = authorize(&server, &[change]).await;
        assert_eq!(status, 303);
        let answer = query_of(&location);
        assert_eq!(answer["error"], error, "{change:?}");
        assert_eq!(answer["state"], "st-1");
        assert!(!answer.contains_key("code"));
    }
    // Without state (SMART requires it) there is no code either, and no state to echo.
    let (status, location) = authorize(&server, &[("state", "")]).await;
    assert_eq!(status, 303);
    let answer = query_of(&location);
    assert_eq!(answer["error"], "invalid_request");
    assert!(!answer.contains_key("code") && !answer.contains_key("state"));
    // A wrong PKCE verifier gets no token.
    let (_, location) = authorize(&server, &[]).await;
    let code = query_of(&location)["code"].clone();
    let (status, body) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", "demo-app"),
            ("redirect_uri", REDIRECT),
            (
                "code_verifier",
                "not-the-verifier-not-the-verifier-not-the-ve",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Made-up tokens are 401 like any other.
    assert_eq!(search_status(&server, "made-up").await, 401);
}

#[tokio::test]
async fn without_dev_there_is_no_smart_server() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        dev: false,
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    for (method, path) in [
        ("GET", "/.well-known/smart-configuration"),
        ("GET", "/auth/authorize"),
        ("POST", "/auth/token"),
        ("GET", "/_admin/smart"),
        ("POST", "/_admin/smart/expire"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let status = server
            .client
            .request(method.clone(), server.url(path))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "{method} {path}");
    }
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_redirect_and_used_once() {
    let server = TestServer::start().await;
    for (name, other) in [
        ("client_id", "another-app"),
        ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
    ] {
        let code = code(&server, &[]).await;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", "demo-app"),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ];
        form.retain(|(n, _)| *n != name);
        form.push((name, other));
        let (status, body) = token(&server, &form).await;
        assert_eq!(
            (status, field(&body, "error")),
            (400, "invalid_grant".into())
        );
        // A refused attempt uses the code up too: it cannot be retried by whoever holds it.
        let (status, body) = exchange(&server, &code).await;
        assert_eq!(
            (status, field(&body, "error")),
            (400, "invalid_grant".into())
        );
    }
    let (status, body) = exchange(&server, "never-issued").await;
    assert_eq!(
        (status, field(&body, "error")),
        (400, "invalid_grant".into())
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_unknown_grants_are_refused() {
    let server = TestServer::start().await;
    let (_, body) = exchange(&server, &code(&server, &[]).await).await;
    let first = field(&body, "refresh_token");
    let (status, body) = refresh(&server, &first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (field(&body, "patient"), field(&body, "token_type")),
        ("patient-7".into(), "Bearer".into())
    );
    assert_eq!(body["scope"], SCOPE);
    let second = field(&body, "refresh_token");
    assert_ne!(first, second);
    // The used refresh token is gone; the new one works.
    let (status, body) = refresh(&server, &first).await;
    assert_eq!(
        (status, field(&body, "error")),
        (400, "invalid_grant".into())
    );
    assert_eq!(refresh(&server, &second).await.0, 200);
    assert_eq!(server.admin_json("/_admin/smart").await["refreshes"], 2);

    let (status, body) = token(&server, &[("grant_type", "password")]).await;
    assert_eq!(
        (status, field(&body, "error")),
        (400, "unsupported_grant_type".into())
    );
    let status = server
        .client
        .get(server.url("/auth/token"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 405);
}

#[tokio::test]
async fn read_scopes_read_only_and_no_refresh_token_without_offline_access() {
    let server = TestServer::start().await;
    let code = code(&server, &[("scope", "launch patient/Media.read")]).await;
    let (status, body) = exchange(&server, &code).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
    let access = field(&body, "access_token");
    assert_eq!(search_status(&server, &access).await, 200);
    let created = server
        .client
        .post(server.url("/Media"))
        .bearer_auth(&access)
        .header("content-type", "application/json")
        .body(media("Patient/patient-7", None, "image/jpeg", &jpeg(1)).to_string())
        .send()
        .await
        .unwrap();
    assert_outcome(created, 403, "forbidden").await;
}

#[tokio::test]
async fn access_tokens_expire_after_the_configured_lifetime() {
    let data = TempDir::new("data");
    let config = fhir_media_endpoint::Config {
        smart_token_ttl: std::time::Duration::from_secs(1),
        ..config(data.path())
    };
    let server = TestServer::start_with(config, Some(data)).await;
    let (_, body) = exchange(&server, &code(&server, &[]).await).await;
    assert_eq!(body["expires_in"], 1);
    let access = field(&body, "access_token");
    assert_eq!(search_status(&server, &access).await, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(search_status(&server, &access).await, 401);
    assert_eq!(
        server.admin_json("/_admin/smart").await["expiredRefusals"],
        1
    );
}
