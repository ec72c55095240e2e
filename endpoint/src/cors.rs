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
        // Lets a page served from a public origin reach this loopback server in
        // Chrome (Private Network Access preflights).
        .allow_private_network(true)
        .max_age(Duration::from_secs(600))
}
