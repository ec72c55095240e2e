//! CORS, so a page on another origin (the demo on a dev server, a test page) can call
//! the endpoint with a bearer token and read the exposed headers (`--expose-headers`:
//! `Location` and `Retry-After` by default; fewer, to test a client against servers that
//! expose less). Preflight OPTIONS requests are answered here, before authentication.

use std::time::Duration;

use axum::http::{header, HeaderName, Method};
use tower_http::cors::{Any, CorsLayer};

/// `expose`: header names, checked by `Config::validate` (an invalid one is skipped here).
pub fn layer(expose: &[String]) -> CorsLayer {
    let expose: Vec<HeaderName> = expose
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers(expose)
        // No Private Network Access grant: a page on a public origin must not reach this
        // server on a developer's loopback.
        .max_age(Duration::from_secs(600))
}
