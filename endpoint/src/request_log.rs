//! One line per request on stderr: method, path (never the query, which can hold a
//! URL signature), status and milliseconds. Tokens and image data are never logged.
//! The same middleware feeds the request counters of `/_admin/stats`.

use std::io::Write as _;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

pub async fn log_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = printable(request.uri().path());
    let fhir_route = path.starts_with("/Media") || path.starts_with("/_storage/");
    if fhir_route && method != Method::OPTIONS {
        state.stats().request();
    }
    let response = next.run(request).await;
    let status = response.status();
    if method == Method::POST && path == "/Media" && !status.is_success() {
        state.stats().rejected(status);
    }
    if state.config().request_log {
        log_line(&format!(
            "{method} {path} {} {}ms",
            status.as_u16(),
            started.elapsed().as_millis()
        ));
    }
    response
}

/// Writes one line to stderr, ignoring failures: a closed stderr must not take the
/// server down (`eprintln!` would panic).
pub fn log_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The path with control characters replaced, so a request cannot forge log lines.
pub fn printable(path: &str) -> String {
    path.chars()
        .take(300)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}
