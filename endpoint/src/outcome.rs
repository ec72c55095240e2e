//! FHIR OperationOutcome errors, shaped like Canvas's documented error bodies:
//! `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":…,"details":{"text":…}}]}`.

use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The FHIR `IssueType` codes this endpoint answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueCode {
    Invalid,
    Unknown,
    Forbidden,
    NotFound,
    NotSupported,
    BusinessRule,
    TooLong,
    Transient,
    Throttled,
    Exception,
    Timeout,
}

impl IssueCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalid => "invalid",
            Self::Unknown => "unknown",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::NotSupported => "not-supported",
            Self::BusinessRule => "business-rule",
            Self::TooLong => "too-long",
            Self::Transient => "transient",
            Self::Throttled => "throttled",
            Self::Exception => "exception",
            Self::Timeout => "timeout",
        }
    }
}

/// An error answered as an OperationOutcome with one issue.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {}: {text}", code.as_str())]
pub struct Outcome {
    pub status: StatusCode,
    pub code: IssueCode,
    pub text: String,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Outcome {
    pub fn new(status: StatusCode, code: IssueCode, text: impl Into<String>) -> Self {
        Self {
            status,
            code,
            text: text.into(),
            headers: Vec::new(),
        }
    }

    /// 400 `invalid`: the request is malformed or misses a required element.
    pub fn invalid(text: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, IssueCode::Invalid, text)
    }

    /// 401 `unknown` with Canvas's exact text; the cause is never spelled out so a
    /// caller cannot probe which tokens exist.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            IssueCode::Unknown,
            "Authentication failed",
        )
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403 `forbidden`.
    pub fn forbidden(text: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, IssueCode::Forbidden, text)
    }

    /// 404 `not-found`.
    pub fn not_found(text: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, IssueCode::NotFound, text)
    }

    /// 404 for a Media id, worded exactly like Canvas's example.
    pub fn unknown_media(id: &str) -> Self {
        Self::not_found(format!("Unknown Media resource '{id}'"))
    }

    /// 405 `not-supported`, with the `Allow` header listing what the path does accept.
    pub fn not_supported(method: &Method, path: &str, allow: &'static str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            IssueCode::NotSupported,
            format!(
                "Operation is not supported: {method} {path} is not allowed here; use {}.",
                allow.replace(", ", " or ")
            ),
        )
        .with_header(header::ALLOW, HeaderValue::from_static(allow))
    }

    /// 413 `too-long`: the body exceeds the configured limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            IssueCode::TooLong,
            format!(
                "The request body is larger than this server's limit of {limit} bytes; \
                 downsize or recompress the image and send it again."
            ),
        )
    }

    /// 408 `timeout`: the request body did not arrive in time (`--body-timeout-secs`).
    pub fn body_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            IssueCode::Timeout,
            format!(
                "The request body did not arrive within {} s of its head, so nothing was stored; send the request again.",
                limit.as_secs()
            ),
        )
    }

    /// 422 `business-rule`: well-formed, but Canvas's rules refuse it.
    pub fn business_rule(text: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            IssueCode::BusinessRule,
            text,
        )
    }

    /// 500 `exception`: a fault on this side; the text says what broke.
    pub fn internal(text: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            IssueCode::Exception,
            text,
        )
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The JSON body, for callers that need it outside a response.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!(OperationOutcome::from(self))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OperationOutcome<'a> {
    resource_type: &'static str,
    issue: [Issue<'a>; 1],
}

#[derive(Serialize)]
struct Issue<'a> {
    severity: &'static str,
    code: &'static str,
    details: Details<'a>,
}

#[derive(Serialize)]
struct Details<'a> {
    text: &'a str,
}

impl<'a> From<&'a Outcome> for OperationOutcome<'a> {
    fn from(outcome: &'a Outcome) -> Self {
        Self {
            resource_type: "OperationOutcome",
            issue: [Issue {
                severity: "error",
                code: outcome.code.as_str(),
                details: Details {
                    text: &outcome.text,
                },
            }],
        }
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, json_response(&OperationOutcome::from(&self))).into_response();
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        response
    }
}

/// Serializes `value` as an `application/json` body. Serializing our own plain types
/// cannot fail; if it ever did, the client still gets a JSON error, not a panic.
pub fn json_response<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(err) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            format!(
                r#"{{"resourceType":"OperationOutcome","issue":[{{"severity":"error","code":"exception","details":{{"text":"Could not serialize the response: {}"}}}}]}}"#,
                err.to_string().replace(['"', '\\'], "'")
            ),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_canvas_shape() {
        let body = Outcome::unauthenticated().body();
        assert_eq!(
            body,
            serde_json::json!({
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "unknown", "details": {"text": "Authentication failed"}}]
            })
        );
    }
}
