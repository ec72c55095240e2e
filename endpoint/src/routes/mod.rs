//! The HTTP surface: which paths exist, who may call them, and the layers around them.

mod admin;
mod media;
mod smart;
mod storage;

use axum::extract::MatchedPath;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

use crate::config::Config;
use crate::outcome::Outcome;
use crate::server::ConnectionAbort;
use crate::state::AppState;
use crate::{auth, cors, request_log};

/// The whole application. Served by [`crate::Server`], whose connections also support
/// the drop fault; any other server gets everything else.
pub fn app(state: AppState) -> Router {
    // route_layer covers only the routes added before it: the FHIR API needs a token,
    // the signed storage URLs, admin API and static files do not.
    let mut router = Router::new()
        .route(
            "/Media",
            get(media::search)
                .post(media::create)
                .fallback(method_not_allowed),
        )
        .route("/Media/{id}", get(media::read).fallback(method_not_allowed))
        .route(
            "/Media/{id}/files/content",
            get(media::content).fallback(method_not_allowed),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .route(
            "/_storage/{id}",
            get(storage::signed_content).fallback(method_not_allowed),
        );
    if state.config().dev {
        router = router.merge(admin::router()).merge(smart::router());
    }
    router = match &state.config().static_dir {
        Some(dir) => router.fallback_service(
            Router::new()
                .fallback_service(ServeDir::new(dir))
                .layer(middleware::from_fn(static_cache_policy)),
        ),
        None => router.fallback(no_such_path),
    };
    router
        .layer(cors::layer(&state.config().expose_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_log::log_requests,
        ))
        .with_state(state)
}

/// The static files' `Cache-Control`. A bundler's content-hashed file never changes under its
/// name, so the browser keeps it for good: the widget's worker then takes the wasm the page
/// already fetched from the HTTP cache instead of asking again. Anything else (index.html)
/// is revalidated on every load, so a rebuilt demo shows at once.
async fn static_cache_policy(request: Request, next: Next) -> Response {
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

/// 405 for a known path with the wrong method, listing the allowed ones.
async fn method_not_allowed(method: Method, matched: Option<MatchedPath>, uri: Uri) -> Outcome {
    let allow = match matched.as_ref().map(MatchedPath::as_str) {
        Some("/Media") => "GET, POST",
        Some("/_admin/faults") => "GET, POST, DELETE",
        Some("/_admin/reset" | "/auth/token" | "/_admin/smart/expire") => "POST",
        _ => "GET",
    };
    Outcome::not_supported(&method, uri.path(), allow)
}

async fn no_such_path(method: Method, uri: Uri) -> Outcome {
    Outcome::not_found(format!(
        "Nothing is served at {method} {}; this endpoint serves the FHIR Media API under /Media.",
        request_log::printable(uri.path())
    ))
}

/// This server's origin as the caller sees it, from `Host` (and `X-Forwarded-Proto`
/// behind a TLS proxy). A missing or odd Host falls back to the listening address.
pub(crate) fn base_url(headers: &HeaderMap, config: &Config) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_plausible_authority(h))
        .map(str::to_owned)
        .unwrap_or_else(|| config.addr.to_string());
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// Only characters that can appear in a host[:port], so a crafted Host header cannot
/// inject anything into the URLs we hand out.
fn is_plausible_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

/// Closes the caller's TCP connection without any response (the drop fault).
pub(crate) async fn drop_connection(
    state: &AppState,
    abort: Option<ConnectionAbort>,
    what: &str,
) -> Response {
    match abort {
        Some(abort) => {
            if state.config().request_log {
                request_log::log_line(&format!("{what}: connection dropped (injected fault)"));
            }
            abort.trigger();
            // The connection task drops this future along with the connection.
            std::future::pending().await
        }
        None => axum::response::IntoResponse::into_response(Outcome::internal(
            "The drop fault needs the connection handling of fhir_media_endpoint::Server; \
             this app is served some other way, so the connection was not dropped.",
        )),
    }
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

    #[test]
    fn base_url_uses_a_sane_host_only() {
        let config = Config::default();
        let mut headers = HeaderMap::new();
        assert_eq!(base_url(&headers, &config), "http://127.0.0.1:8787");
        headers.insert(header::HOST, HeaderValue::from_static("localhost:9000"));
        assert_eq!(base_url(&headers, &config), "http://localhost:9000");
        headers.insert(header::HOST, HeaderValue::from_static("evil\"/x"));
        assert_eq!(base_url(&headers, &config), "http://127.0.0.1:8787");
    }
}
