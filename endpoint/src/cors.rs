//! CORS, so a page on another origin (the demo on a dev server, a test page) can call
//! the endpoint with a bearer token and read `Location` and `Retry-After`. Preflight
//! OPTIONS requests are answered here, before authentication.

use std::time::Duration;

use axum::http::{header, Method};
use tower_http::cors::{Any, CorsLayer};

pub fn layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([header::LOCATION, header::RETRY_AFTER])
        // Lets a page served from a public origin reach this loopback server in
        // Chrome (Private Network Access preflights).
        .allow_private_network(true)
        .max_age(Duration::from_secs(600))
}
