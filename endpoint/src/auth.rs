//! Bearer-token authentication: the full token may read and create, the read-only
//! token may only read; with `--dev`, so may the access tokens the SMART server
//! ([`crate::smart`]) issued, by their scope, until they expire. Anything else is
//! Canvas's 401 "Authentication failed".
//!
//! The admin API (`--dev`) takes only the admin token, never an API token: a photo
//! uploader's token must not be able to wipe the data. A browser sends `Authorization`
//! cross-origin only after a CORS preflight, so a page on an origin that is not allowed
//! cannot reach the admin API at all, not even with a plain "simple" POST.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::outcome::{IssueCode, Outcome};
use crate::state::AppState;

/// What the caller's token allows; added to the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
}

/// Middleware for the FHIR routes: 401 unless a known bearer token is sent.
pub async fn require_token(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let smart = || {
        let token = bearer(request.headers())?;
        state.config().dev.then(|| state.smart().access(token))?
    };
    match authenticate(request.headers(), state.config()).or_else(smart) {
        Some(access) => {
            request.extensions_mut().insert(access);
            next.run(request).await
        }
        None => Outcome::unauthenticated().into_response(),
    }
}

/// Middleware for `/_admin/*`: 401 unless `Authorization: Bearer <admin token>`.
pub async fn require_admin_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let admin = state.config().admin_token.as_bytes();
    if bearer(request.headers()).is_some_and(|token| constant_time_eq(token.as_bytes(), admin)) {
        next.run(request).await
    } else {
        Outcome::new(
            StatusCode::UNAUTHORIZED,
            IssueCode::Unknown,
            "The admin API needs Authorization: Bearer <admin token>, the token set by --admin-token \
             (FHIR_ENDPOINT_ADMIN_TOKEN); the API tokens are not accepted here.",
        )
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
        .into_response()
    }
}

/// The caller's access from `Authorization: Bearer <token>`, if the token is known.
pub fn authenticate(headers: &HeaderMap, config: &Config) -> Option<Access> {
    let token = bearer(headers)?;
    // Check both tokens every time so timing does not reveal which one is close.
    let write = constant_time_eq(token.as_bytes(), config.token.as_bytes());
    let read = constant_time_eq(token.as_bytes(), config.read_only_token.as_bytes());
    if write {
        Some(Access::ReadWrite)
    } else if read {
        Some(Access::ReadOnly)
    } else {
        None
    }
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(value: &str) -> Option<Access> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        authenticate(&headers, &Config::default())
    }

    #[test]
    fn recognises_both_tokens_and_nothing_else() {
        assert_eq!(access("Bearer dev-token"), Some(Access::ReadWrite));
        assert_eq!(access("bearer dev-read-only-token"), Some(Access::ReadOnly));
        assert_eq!(access("Bearer dev-toke"), None);
        assert_eq!(access("Basic dev-token"), None);
        assert_eq!(access("dev-token"), None);
        assert_eq!(authenticate(&HeaderMap::new(), &Config::default()), None);
    }
}
