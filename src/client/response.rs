//! What an HTTP answer means for each call, from its status, body text and `Location`.
//! The web edge only moves bytes; every decision about an answer is made here.

use serde::Serialize;
use serde_json::Value;

use super::errors::{status_code, status_meaning, ClientError};
use super::location::media_id;
use super::search::Page;
use super::url::BaseUrl;
use crate::fhir::{Bundle, Media, OperationOutcome};

/// The result of a create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created {
    pub id: String,
    /// The `Location` header made absolute against the base URL.
    pub location: String,
}

/// `POST /Media`: only 201 is success, the id comes from `Location`, and the body
/// (empty, `null`, or anything else) is ignored.
pub fn created(
    status: u16,
    location: Option<&str>,
    body: &str,
    base: &BaseUrl,
) -> Result<Created, ClientError> {
    match status {
        201 => {}
        200..=299 => {
            return Err(ClientError::invalid_response(
                status,
                format!(
                    "the server answered {status} instead of 201 Created, so the new Media's id is unknown; it may or may not have been stored"
                ),
            ))
        }
        _ => return Err(error(status, body)),
    }
    let Some(location) = location.map(str::trim).filter(|l| !l.is_empty()) else {
        return Err(ClientError::invalid_response(
            201,
            "201 Created without a Location header, so the new Media's id is unknown \
             (a server on another origin must list Location in Access-Control-Expose-Headers)",
        ));
    };
    let Some(id) = media_id(location) else {
        return Err(ClientError::invalid_response(
            201,
            format!("the Location header {location:?} does not end in Media/<id>"),
        ));
    };
    Ok(Created {
        id: id.to_string(),
        location: base.resolve(location),
    })
}

/// `GET /Media/{id}`: 200 with a Media.
pub fn media(status: u16, body: &str) -> Result<Media, ClientError> {
    let value = success_json(status, body, "Media")?;
    Media::from_json(value)
        .map_err(|e| ClientError::invalid_response(status, format!("the Media is malformed: {e}")))
}

/// `GET /Media?…`: 200 with a searchset Bundle.
pub fn page(status: u16, body: &str, base: &BaseUrl) -> Result<Page, ClientError> {
    let value = success_json(status, body, "Bundle")?;
    let bundle = Bundle::from_json(value).map_err(|e| {
        ClientError::invalid_response(status, format!("the Bundle is malformed: {e}"))
    })?;
    Page::from_bundle(bundle, base)
}

/// Any 2xx on a GET is read; anything else is an error. The body must be JSON of the
/// expected resource type.
fn success_json(status: u16, body: &str, expected: &str) -> Result<Value, ClientError> {
    if !(200..=299).contains(&status) {
        return Err(error(status, body));
    }
    let value: Value = serde_json::from_str(body).map_err(|_| {
        ClientError::invalid_response(
            status,
            format!(
                "expected a FHIR {expected} as JSON, got {}",
                describe_body(body)
            ),
        )
    })?;
    match value.get("resourceType").and_then(Value::as_str) {
        Some(t) if t == expected => Ok(value),
        Some(other) => Err(ClientError::invalid_response(
            status,
            format!("expected a FHIR {expected}, got a {other}"),
        )),
        None => Err(ClientError::invalid_response(
            status,
            format!("expected a FHIR {expected}, got JSON without a resourceType"),
        )),
    }
}

/// A status that is not success → `FhirError` (add `Retry-After` with
/// [`ClientError::with_retry_after`]). With an OperationOutcome body the code
/// and text are the server's (`issue[0]`); otherwise they come from the status, and the
/// text says what the body was (an HTML error page from a proxy, nothing, …).
pub fn error(status: u16, body: &str) -> ClientError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let outcome = json.as_ref().and_then(|v| {
        let is_outcome = v.get("resourceType").and_then(Value::as_str) == Some("OperationOutcome");
        // Parsed again rather than cloned: a deep Value clone is code the wasm needs
        // nowhere else, and error bodies are small.
        is_outcome
            .then(|| serde_json::from_str(body).ok())
            .flatten()
            .and_then(|v| OperationOutcome::from_json(v).ok())
    });
    match outcome {
        Some(oo) => {
            let issue = oo.issue.first();
            let code = issue
                .and_then(|i| i.code.as_deref())
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .unwrap_or(status_code(status));
            let text = issue
                .and_then(|i| i.message())
                .map(str::to_string)
                .unwrap_or_else(|| status_meaning(status));
            ClientError::Status {
                status,
                code: code.to_string(),
                text,
                outcome: json,
                retry_after_ms: None,
            }
        }
        None => ClientError::Status {
            status,
            code: status_code(status).to_string(),
            text: format!("{} ({})", status_meaning(status), describe_body(body)),
            outcome: None,
            retry_after_ms: None,
        },
    }
}

/// A short description of a body that is not what we wanted. Plain text is quoted (it
/// is often the only clue, e.g. a proxy's "Request Entity Too Large"); markup is not.
fn describe_body(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "the response body was empty".to_string();
    }
    let lower = trimmed
        .get(..trimmed.len().min(512))
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    if lower.starts_with('<') || lower.as_bytes().windows(5).any(|w| w == b"<html") {
        return "the response was an HTML page, not a FHIR OperationOutcome".to_string();
    }
    if serde_json::from_str::<Value>(trimmed).is_ok() {
        return "the response was JSON but not a FHIR OperationOutcome".to_string();
    }
    let snippet: String = trimmed
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect();
    format!("the response said: {snippet:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BaseUrl {
        BaseUrl::parse("https://h.example").expect("base")
    }

    #[test]
    fn create_succeeds_only_on_201_with_a_location() {
        for body in ["", "null", " null\n", "{}"] {
            let c = created(201, Some("/Media/abc"), body, &base()).expect(body);
            assert_eq!(c.id, "abc");
            assert_eq!(c.location, "https://h.example/Media/abc");
        }
        let abs = created(
            201,
            Some("https://h.example/Media/x1/_history/1"),
            "",
            &base(),
        )
        .expect("absolute");
        assert_eq!(abs.id, "x1");
        assert_eq!(abs.location, "https://h.example/Media/x1/_history/1");

        for (status, location, needle) in [
            (200, Some("/Media/abc"), "instead of 201"),
            (204, None, "instead of 201"),
            (201, None, "Access-Control-Expose-Headers"),
            (201, Some("  "), "without a Location"),
            (201, Some("/Patient/1"), "does not end in Media/<id>"),
        ] {
            match created(status, location, "", &base()) {
                Err(ClientError::InvalidResponse { status: s, text }) => {
                    assert_eq!(s, status);
                    assert!(text.contains(needle), "{text}");
                }
                other => panic!("{status} {location:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn errors_without_an_outcome_say_what_the_status_means() {
        let html = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
        let cases = [
            (502, html, "transient", "Bad Gateway", "HTML page"),
            (
                401,
                "",
                "login",
                "token is missing, invalid or expired",
                "empty",
            ),
            (404, "  \n", "not-found", "Not Found", "empty"),
            (
                413,
                "Request Entity Too Large",
                "too-long",
                "size limit",
                "\"Request Entity Too Large\"",
            ),
            (
                500,
                r#"{"error":"boom"}"#,
                "exception",
                "Internal Server Error",
                "JSON but not",
            ),
            (418, "", "invalid", "HTTP 418", "empty"),
            (599, "", "exception", "HTTP 599", "empty"),
        ];
        for (status, body, code, meaning, about_body) in cases {
            match error(status, body) {
                ClientError::Status {
                    status: s,
                    code: c,
                    text,
                    outcome,
                    ..
                } => {
                    assert_eq!((s, c.as_str()), (status, code));
                    assert!(text.contains(meaning), "{status}: {text}");
                    assert!(text.contains(about_body), "{status}: {text}");
                    assert!(outcome.is_none());
                }
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn outcome_text_falls_back_to_diagnostics_then_the_status() {
        let diag = r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","details":{"text":" "},"diagnostics":"bad _count"}]}"#;
        let e = error(400, diag);
        assert_eq!((e.code(), e.text().as_str()), ("invalid", "bad _count"));
        assert!(e.outcome().is_some());
        let bare = r#"{"resourceType":"OperationOutcome","issue":[]}"#;
        let e = error(403, bare);
        assert_eq!(e.code(), "forbidden");
        assert!(e.text().contains("Forbidden"), "{}", e.text());
    }

    #[test]
    fn markup_after_text_is_still_an_html_page() {
        // A proxy's page that does not start with '<', in upper case.
        let text = describe_body("Proxy Error\n<HTML><BODY>upstream timed out</BODY></HTML>");
        assert!(text.contains("HTML page"), "{text}");
        assert!(!describe_body("{\"resourceType\":\"Patient\"}").contains("HTML page"));
    }

    #[test]
    fn success_bodies_must_be_the_expected_resource() {
        let e = media(200, "<html></html>").expect_err("html");
        assert!(e.text().contains("HTML page"), "{}", e.text());
        assert_eq!((e.status(), e.code()), (200, "invalid-response"));
        let e = media(200, r#"{"resourceType":"Patient"}"#).expect_err("patient");
        assert!(e.text().contains("got a Patient"), "{}", e.text());
        let e = page(200, r#"{"total":1}"#, &base()).expect_err("no resourceType");
        assert!(e.text().contains("without a resourceType"), "{}", e.text());
        let e =
            media(200, r#"{"resourceType":"Media","status":"completed"}"#).expect_err("partial");
        assert!(e.text().contains("malformed"), "{}", e.text());
        let e = media(404, "").expect_err("404");
        assert_eq!((e.status(), e.code()), (404, "not-found"));
    }

    #[test]
    fn pages_keep_media_entries_and_a_same_origin_next_link() {
        let media_json = r#"{"resourceType":"Media","id":"m1","status":"completed","subject":{"reference":"Patient/p"},"content":{"contentType":"image/png","url":"https://h.example/Media/m1/files/content"}}"#;
        let body = format!(
            r#"{{"resourceType":"Bundle","type":"searchset","total":12,
                "link":[{{"relation":"self","url":"/Media?patient=Patient%2Fp&_count=10&_offset=0"}},
                        {{"relation":"next","url":"/Media?patient=Patient%2Fp&_count=10&_offset=10"}}],
                "entry":[{{"resource":{media_json}}},
                         {{"resource":{{"resourceType":"OperationOutcome","issue":[]}},"search":{{"mode":"outcome"}}}}]}}"#
        );
        let p = page(200, &body, &base()).expect("page");
        assert_eq!(p.total, Some(12));
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].id.as_deref(), Some("m1"));
        assert_eq!(
            p.next.as_deref(),
            Some("https://h.example/Media?patient=Patient%2Fp&_count=10&_offset=10")
        );
        let empty = page(
            200,
            r#"{"resourceType":"Bundle","type":"searchset","total":0}"#,
            &base(),
        )
        .expect("empty");
        assert_eq!(
            (empty.total, empty.entries.len(), empty.next),
            (Some(0), 0, None)
        );
        let evil = body.replace(
            "\"/Media?patient=Patient%2Fp&_count=10&_offset=10\"",
            "\"https://evil.example/steal\"",
        );
        let e = page(200, &evil, &base()).expect_err("cross-origin next");
        assert!(e.text().contains("another origin"), "{}", e.text());
    }
}
