//! Dev-only SMART App Launch routes (mounted with `--dev`; the rules are in
//! [`crate::smart`]): discovery, the authorization endpoint, the token endpoint, and two
//! admin routes (behind the admin token) to expire access tokens and to count refreshes
//! and the requests refused for an expired token.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::fallback::method_not_allowed;
use crate::host::base_url;
use crate::outcome::json_response;
use crate::smart::{AuthorizeRequest, OAuthError};
use crate::state::AppState;

/// The OAuth routes a SMART app calls.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/smart-configuration",
            get(configuration).fallback(method_not_allowed),
        )
        .route(
            "/auth/authorize",
            get(authorize).fallback(method_not_allowed),
        )
        .route("/auth/token", post(token).fallback(method_not_allowed))
}

/// The SMART server's admin routes; the caller puts them behind the admin token.
pub fn admin_router() -> Router<AppState> {
    Router::new()
        .route("/_admin/smart", get(counters).fallback(method_not_allowed))
        .route(
            "/_admin/smart/expire",
            post(expire).fallback(method_not_allowed),
        )
}

async fn configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let base = base_url(&headers, state.config());
    json_response(&json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/auth/authorize"),
        "token_endpoint": format!("{base}/auth/token"),
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": ["launch", "patient/Media.read", "patient/Media.write",
            "openid", "fhirUser", "offline_access", "online_access"],
        "capabilities": ["launch-ehr", "client-public", "context-ehr-patient",
            "permission-patient", "permission-offline"],
    }))
}

/// Approves at once (no login page) and redirects back with a code, or with the error
/// when the request is malformed. A bad `redirect_uri` is never redirected to.
async fn authorize(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let query: HashMap<String, String> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    let req = AuthorizeRequest {
        response_type: field("response_type"),
        client_id: field("client_id"),
        redirect_uri: field("redirect_uri"),
        scope: field("scope"),
        state: field("state"),
        aud: field("aud"),
        launch: field("launch"),
        code_challenge: field("code_challenge"),
        code_challenge_method: field("code_challenge_method"),
    };
    let redirect = req.redirect_uri.trim();
    if !(redirect.starts_with("http://") || redirect.starts_with("https://"))
        || redirect.contains('#')
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            &OAuthError {
                error: "invalid_request",
                description: "redirect_uri must be an absolute http(s) URL without a fragment"
                    .into(),
            },
        );
    }
    let base = base_url(&headers, state.config());
    let mut params = form_urlencoded::Serializer::new(String::new());
    match state.smart().authorize(&req, &base) {
        Ok(code) => params.append_pair("code", &code),
        Err(err) => params
            .append_pair("error", err.error)
            .append_pair("error_description", &err.description),
    };
    if !req.state.is_empty() {
        params.append_pair("state", &req.state);
    }
    let separator = if redirect.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{redirect}{separator}{}", params.finish())).into_response()
}

/// `application/x-www-form-urlencoded`: the authorization-code and refresh-token grants.
async fn token(State(state): State<AppState>, body: Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let answer = match field("grant_type") {
        "authorization_code" => state.smart().exchange_code(
            field("code"),
            field("client_id"),
            field("redirect_uri"),
            field("code_verifier"),
        ),
        "refresh_token" => state
            .smart()
            .refresh(field("refresh_token"), field("client_id")),
        _ => Err(OAuthError {
            error: "unsupported_grant_type",
            description: "grant_type must be authorization_code or refresh_token".into(),
        }),
    };
    match answer {
        Ok(token) => no_store(json_response(&token)),
        Err(err) => oauth_error(StatusCode::BAD_REQUEST, &err),
    }
}

async fn counters(State(state): State<AppState>) -> Response {
    let smart = state.smart();
    json_response(&json!({
        "refreshes": smart.refreshes(),
        "expiredRefusals": smart.expired_refusals(),
    }))
}

async fn expire(State(state): State<AppState>) -> Response {
    json_response(&json!({ "expired": state.smart().expire_all() }))
}

fn oauth_error(status: StatusCode, err: &OAuthError) -> Response {
    let body = json!({ "error": err.error, "error_description": err.description });
    let mut response = no_store(json_response(&body));
    *response.status_mut() = status;
    response
}

/// Token responses must not be cached (RFC 6749 §5.1).
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
