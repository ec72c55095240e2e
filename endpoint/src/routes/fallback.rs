//! Answers for paths and methods nothing else serves.

use axum::extract::MatchedPath;
use axum::http::{Method, Uri};

use crate::outcome::Outcome;
use crate::request_log;

/// 405 for a known path with the wrong method, listing the allowed ones.
pub async fn method_not_allowed(method: Method, matched: Option<MatchedPath>, uri: Uri) -> Outcome {
    let allow = match matched.as_ref().map(MatchedPath::as_str) {
        Some("/Media") => "GET, POST",
        Some("/_admin/faults") => "GET, POST, DELETE",
        Some("/_admin/reset" | "/auth/token" | "/_admin/smart/expire") => "POST",
        _ => "GET",
    };
    Outcome::not_supported(&method, uri.path(), allow)
}

/// 404 for a path this server has nothing at (without `--static-dir`).
pub async fn no_such_path(method: Method, uri: Uri) -> Outcome {
    Outcome::not_found(format!(
        "Nothing is served at {method} {}; this endpoint serves the FHIR Media API under /Media.",
        request_log::printable(uri.path())
    ))
}
