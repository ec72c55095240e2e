//! The client's one error type. At the JS edge `InvalidOptions` becomes a `MediaError`
//! (`invalid-options`, naming the field) and every other variant a `FhirError` with
//! `status`, `code`, `text` and, when the server sent one, the OperationOutcome.

use serde_json::Value;

use crate::error::MediaError;

/// Why a FHIR request failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// A bad argument or option (`baseUrl`, `token`, `patient`, `count`…), found before
    /// anything was sent.
    #[error(transparent)]
    InvalidOptions(#[from] MediaError),

    /// The server answered with a status that is not a success.
    #[error("{status} {code}: {text}")]
    Status {
        status: u16,
        /// `issue[0].code` of the OperationOutcome, else derived from the status.
        code: String,
        /// `issue[0].details.text` (or `diagnostics`), else what the status means.
        text: String,
        /// The OperationOutcome JSON, when the body was one.
        outcome: Option<Value>,
        /// From the `Retry-After` header, in ms from when the answer came.
        retry_after_ms: Option<f64>,
    },

    /// No answer at all: offline, DNS, TLS, a dropped connection, or CORS blocking it.
    #[error("0 network: {text}")]
    Network { text: String },

    /// A success status whose answer we cannot use (no `Location`, a body that is not
    /// the expected resource…).
    #[error("{status} invalid-response: {text}")]
    InvalidResponse { status: u16, text: String },

    /// The server redirected the create elsewhere (`to`: the origin and path the answer
    /// came from; `status`: its status). Never a create, and never to be sent again.
    #[error("{status} redirected: {}", redirected_text(.to))]
    Redirected { status: u16, to: String },
}

fn redirected_text(to: &str) -> String {
    format!(
        "The server redirected the upload to {to}. A photo is sent only to the FHIR base URL \
         itself, so the upload stopped here; if the server moved (http to https, a new path), \
         set the base URL to its new address."
    )
}

impl ClientError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        ClientError::InvalidOptions(MediaError::invalid(field, reason))
    }

    /// No answer; `detail` is what the browser said, if anything.
    pub fn network(detail: &str) -> Self {
        let detail = detail.trim();
        let cause = if detail.is_empty() {
            String::new()
        } else {
            format!(" ({detail})")
        };
        ClientError::Network {
            text: format!(
                "The request did not reach the server or its answer was blocked{cause}. \
                 Check the connection, baseUrl, and that the server allows this page's origin (CORS)."
            ),
        }
    }

    pub(crate) fn invalid_response(status: u16, text: impl Into<String>) -> Self {
        ClientError::InvalidResponse {
            status,
            text: text.into(),
        }
    }

    /// HTTP status; 0 when there was no answer (and for option errors, which never left).
    pub fn status(&self) -> u16 {
        match self {
            ClientError::Status { status, .. }
            | ClientError::InvalidResponse { status, .. }
            | ClientError::Redirected { status, .. } => *status,
            ClientError::InvalidOptions(_) | ClientError::Network { .. } => 0,
        }
    }

    /// The `FhirError.code`.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Status { code, .. } => code,
            ClientError::Network { .. } => "network",
            ClientError::InvalidResponse { .. } => "invalid-response",
            ClientError::Redirected { .. } => "redirected",
            ClientError::InvalidOptions(e) => e.code(),
        }
    }

    /// The `FhirError.text`: what happened, for a person.
    pub fn text(&self) -> String {
        match self {
            ClientError::Status { text, .. }
            | ClientError::Network { text }
            | ClientError::InvalidResponse { text, .. } => text.clone(),
            ClientError::Redirected { to, .. } => redirected_text(to),
            ClientError::InvalidOptions(e) => e.to_string(),
        }
    }

    /// How long the server asked us to wait (`Retry-After`), if it did.
    pub fn retry_after_ms(&self) -> Option<f64> {
        match self {
            ClientError::Status { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        }
    }

    /// Attach the answer's `Retry-After` header (only status errors carry it);
    /// `parse_date` reads an HTTP-date (see [`super::retry_after`]).
    pub fn with_retry_after(
        mut self,
        header: Option<&str>,
        now_ms: f64,
        parse_date: impl FnOnce(&str) -> Option<f64>,
    ) -> Self {
        if let ClientError::Status { retry_after_ms, .. } = &mut self {
            *retry_after_ms =
                header.and_then(|h| super::retry_after::retry_after_ms(h, now_ms, parse_date));
        }
        self
    }

    pub fn outcome(&self) -> Option<&Value> {
        match self {
            ClientError::Status { outcome, .. } => outcome.as_ref(),
            _ => None,
        }
    }
}

/// The FHIR IssueType code for a status when the body carries no OperationOutcome, so
/// `code` means the same whether Canvas or a proxy in front of it answered.
pub fn status_code(status: u16) -> &'static str {
    match status {
        400 => "invalid",
        401 => "login",
        403 => "forbidden",
        404 => "not-found",
        405 | 415 => "not-supported",
        408 | 504 => "timeout",
        409 => "conflict",
        410 => "deleted",
        413 => "too-long",
        422 => "processing",
        429 => "throttled",
        502 | 503 => "transient",
        s if (400..500).contains(&s) => "invalid",
        _ => "exception",
    }
}

/// What a status means and what to do about it, for bodies that say nothing themselves.
pub fn status_meaning(status: u16) -> String {
    let meaning = match status {
        400 => "Bad Request: the server could not accept the request as sent",
        401 => "Unauthorized: the token is missing, invalid or expired",
        403 => "Forbidden: the token is not allowed to do this",
        404 => "Not Found: no such resource here (check baseUrl and the id)",
        405 => "Method Not Allowed: the server does not support this operation",
        408 => "Request Timeout: the server gave up waiting for the request; try again",
        409 => "Conflict: the request conflicts with the current state on the server",
        410 => "Gone: the resource was deleted",
        413 => "Payload Too Large: the request is over the server's size limit; send a smaller image (lower maxBytes)",
        415 => "Unsupported Media Type: the server does not accept this content type",
        422 => "Unprocessable Entity: the server refused the content",
        429 => "Too Many Requests: the server is rate limiting; try again later",
        500 => "Internal Server Error: the server failed; try again later",
        502 => "Bad Gateway: a proxy in front of the FHIR server got no valid answer from it; try again later",
        503 => "Service Unavailable: the server is overloaded or down for maintenance; try again later",
        504 => "Gateway Timeout: a proxy in front of the FHIR server timed out; try again later",
        s if (400..500).contains(&s) => {
            return format!("HTTP {status}: the server refused the request")
        }
        s if (500..600).contains(&s) => {
            return format!("HTTP {status}: the server failed; try again later")
        }
        _ => return format!("HTTP {status}: a status this client does not expect"),
    };
    format!("HTTP {status} {meaning}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirected_create_names_where_it_went_and_is_final_text() {
        let e = ClientError::Redirected {
            status: 201,
            to: "https://storage.example/bucket".into(),
        };
        assert_eq!((e.status(), e.code()), (201, "redirected"));
        assert!(e
            .text()
            .contains("redirected the upload to https://storage.example/bucket"));
        assert!(e
            .to_string()
            .starts_with("201 redirected: The server redirected"));
        assert_eq!(e.retry_after_ms(), None);
    }

    #[test]
    fn network_failures_are_status_0_code_network() {
        let e = ClientError::network("Failed to fetch");
        assert_eq!((e.status(), e.code()), (0, "network"));
        assert!(e.text().contains("(Failed to fetch)"), "{}", e.text());
        assert!(e
            .to_string()
            .starts_with("0 network: The request did not reach"));
        let quiet = ClientError::network("  ");
        assert!(!quiet.text().contains("()"), "{}", quiet.text());
        assert!(quiet.text().contains("CORS"));
    }

    #[test]
    fn retry_after_rides_on_status_errors_only() {
        let e = super::super::response::error(503, "").with_retry_after(Some("7"), 0.0, |_| None);
        assert_eq!(e.retry_after_ms(), Some(7_000.0));
        let e =
            super::super::response::error(429, "").with_retry_after(Some("later"), 0.0, |_| None);
        assert_eq!(e.retry_after_ms(), None);
        let e = ClientError::network("x").with_retry_after(Some("7"), 0.0, |_| None);
        assert_eq!(e.retry_after_ms(), None);
    }

    #[test]
    fn option_errors_keep_their_media_error() {
        let e = ClientError::invalid("baseUrl", "must use https://");
        assert_eq!((e.status(), e.code()), (0, "invalid-options"));
        assert_eq!(e.text(), "Invalid option `baseUrl`: must use https://");
    }

    #[test]
    fn every_status_has_a_code_and_a_meaning() {
        for status in [
            400, 401, 403, 404, 405, 408, 409, 410, 413, 415, 418, 422, 429, 500, 502, 503, 504,
            507, 302,
        ] {
            assert!(!status_code(status).is_empty());
            assert!(status_meaning(status).starts_with(&format!("HTTP {status}")));
        }
        assert_eq!(status_code(418), "invalid");
        assert_eq!(status_code(507), "exception");
    }
}
