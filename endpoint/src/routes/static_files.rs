//! `--static-dir`: files served at `/` without a token (the built demo), with a
//! `Cache-Control` that suits a bundler's output.

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

/// The directory as a fallback service.
pub fn router(dir: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir))
        .layer(middleware::from_fn(cache_policy))
}

/// A bundler's content-hashed file never changes under its name, so the browser keeps it
/// for good: the widget's worker then takes the wasm the page already fetched from the
/// HTTP cache instead of asking again. Anything else (index.html) is revalidated on every
/// load, so a rebuilt demo shows at once.
async fn cache_policy(request: Request, next: Next) -> Response {
    let immutable = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        let policy = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// `name.0123abcd.ext`: webpack's `[name].[contenthash:8][ext]`, a hash of at least 8 hex digits
/// between the name and the extension.
fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let mut parts = file.rsplit('.');
    let (_ext, hash, name) = (parts.next(), parts.next(), parts.next());
    matches!((hash, name), (Some(hash), Some(name))
        if !name.is_empty() && hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hashed_names_are_the_bundlers_only() {
        for hashed in [
            "/demo.ce3a8399.js",
            "/fhir_media_capture_bg.f13a0745.wasm",
            "/a/717.326c4f65.js",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in [
            "/",
            "/index.html",
            "/app.js",
            "/.ce3a8399.js",
            "/ce3a8399.js",
            "/x.ce3a83.js",
            "/x.ce3a839z.js",
        ] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }
}
