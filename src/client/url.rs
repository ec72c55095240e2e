//! The base URL (checked and normalised once), the request URLs built from it, and how
//! links the server sends are resolved. A hand-written parser for the small subset a
//! FHIR base needs keeps the `url` crate (and its IDNA tables) out of the wasm.

use std::fmt;

use super::errors::ClientError;
use crate::fhir::reference::is_fhir_id;

/// `scheme://host[:port]`, lowercase, without a default port, so equal origins compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    https: bool,
    host: String,
    port: Option<u16>,
}

impl Origin {
    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// The FHIR service base: an origin plus an optional path prefix without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    origin: Origin,
    path: String,
}

const FIELD: &str = "baseUrl";
const EXAMPLE: &str = "e.g. https://fumage-<instance>.canvasmedical.com";

impl BaseUrl {
    /// Check `input` and normalise it: https only (http for localhost, 127.0.0.1 and
    /// [::1]), no credentials, query or fragment, trailing slashes dropped.
    pub fn parse(input: &str) -> Result<Self, ClientError> {
        let url = input.trim();
        if url.is_empty() {
            return Err(ClientError::invalid(
                FIELD,
                format!("is required: the FHIR server's address, {EXAMPLE}"),
            ));
        }
        if url.contains('@') {
            // Not echoed: the part before '@' may be a password.
            return Err(ClientError::invalid(
                FIELD,
                "must not contain a user name or password; pass credentials as `token`",
            ));
        }
        let (origin, rest) = split_absolute(url).ok_or_else(|| {
            ClientError::invalid(
                FIELD,
                format!("must be an absolute https:// URL, {EXAMPLE}; got {url:?}"),
            )
        })?;
        if !origin.https && !origin.is_loopback() {
            return Err(ClientError::invalid(
                FIELD,
                format!(
                    "must use https:// (plain http is allowed only for localhost, 127.0.0.1 and [::1]); got {url:?}"
                ),
            ));
        }
        if rest.contains(['?', '#']) {
            return Err(ClientError::invalid(
                FIELD,
                format!("must not have a query or fragment; got {url:?}"),
            ));
        }
        if !rest.bytes().all(is_path_byte) {
            return Err(ClientError::invalid(
                FIELD,
                format!("has characters that are not allowed in a URL path; got {url:?}"),
            ));
        }
        Ok(BaseUrl {
            origin,
            path: rest.trim_end_matches('/').to_string(),
        })
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// `POST` target for creates and the search endpoint.
    pub fn media(&self) -> String {
        format!("{self}/Media")
    }

    /// `GET /Media/{id}`; the id must be a FHIR id, so it needs no encoding.
    pub fn read(&self, id: &str) -> Result<String, ClientError> {
        if !is_fhir_id(id) {
            return Err(ClientError::invalid(
                "id",
                format!("must be a FHIR id (1-64 letters, digits, '-' or '.'), got {id:?}"),
            ));
        }
        Ok(format!("{self}/Media/{id}"))
    }

    /// A URL the server sent (`Location`, a Bundle link, `content.url`), made absolute.
    /// Relative references are relative to the FHIR base, as FHIR defines them, not to
    /// the host root: `/Media?…` under `https://h/fhir` is `https://h/fhir/Media?…`,
    /// unless the link already starts with the base path.
    pub fn resolve(&self, link: &str) -> String {
        let link = link.trim();
        if split_absolute(link).is_some() {
            return link.to_string();
        }
        if link.starts_with("//") {
            let scheme = if self.origin.https { "https:" } else { "http:" };
            return format!("{scheme}{link}");
        }
        if let Some(tail) = link.strip_prefix('/') {
            let under_base = !self.path.is_empty()
                && link
                    .strip_prefix(&self.path)
                    .is_some_and(|r| r.is_empty() || r.starts_with(['/', '?']));
            return if under_base {
                format!("{}{link}", self.origin)
            } else {
                format!("{self}/{tail}")
            };
        }
        format!("{self}/{link}")
    }

    /// Whether an absolute URL is on the base's origin, i.e. may receive the token.
    pub fn same_origin(&self, url: &str) -> bool {
        split_absolute(url).is_some_and(|(origin, _)| origin == self.origin)
    }

    /// A link the client will follow with the token: resolved, and refused when it
    /// leads to another origin (a server must not be able to send the token elsewhere).
    pub fn follow(&self, link: &str, what: &str) -> Result<String, ClientError> {
        let url = self.resolve(link);
        if self.same_origin(&url) {
            Ok(url)
        } else {
            Err(ClientError::invalid_response(
                200,
                format!(
                    "the {what} link leads to another origin than {}; not following it with the token",
                    self.origin
                ),
            ))
        }
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.path)
    }
}

/// Split an absolute http(s) URL into its origin and the rest (path, query, fragment).
pub fn split_absolute(url: &str) -> Option<(Origin, &str)> {
    // A char and a prefix, not the pattern "://": a str pattern links the two-way
    // string searcher into the main module (~0.7 KB gzip) for this one use.
    let (scheme, after) = url.split_once(':')?;
    let after = after.strip_prefix("//")?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return None;
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (host, port) = split_host_port(authority)?;
    let default_port = if https { 443 } else { 80 };
    let origin = Origin {
        https,
        host: host.to_ascii_lowercase(),
        port: port.filter(|&p| p != default_port),
    };
    Some((origin, rest))
}

fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close + 1);
        let inner = &host[1..host.len() - 1];
        let ok = !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !ok {
            return None;
        }
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !ok {
            return None;
        }
        (host, port)
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok().filter(|&n| n != 0)?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

/// RFC 3986 `pchar` and `/`, plus `%` for escapes already made.
fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@%/".contains(&b)
}

/// Percent-encode a query value: everything but RFC 3986 unreserved characters, so
/// `Patient/1` becomes `Patient%2F1` exactly as Canvas writes it in its links.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> BaseUrl {
        BaseUrl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn refused(s: &str) -> String {
        match BaseUrl::parse(s) {
            Err(ClientError::InvalidOptions(crate::MediaError::InvalidOptions {
                field,
                reason,
            })) => {
                assert_eq!(field, "baseUrl", "{s}");
                reason
            }
            other => panic!("{s}: expected invalid-options, got {other:?}"),
        }
    }

    #[test]
    fn base_urls_are_normalised() {
        let cases = [
            (
                "https://fumage-x.canvasmedical.com",
                "https://fumage-x.canvasmedical.com",
            ),
            (
                "https://fumage-x.canvasmedical.com/",
                "https://fumage-x.canvasmedical.com",
            ),
            (
                " HTTPS://Fumage-X.canvasmedical.com:443// ",
                "https://fumage-x.canvasmedical.com",
            ),
            ("https://h.example/fhir/r4/", "https://h.example/fhir/r4"),
            ("https://h.example:8443/fhir", "https://h.example:8443/fhir"),
            ("http://localhost:8787", "http://localhost:8787"),
            ("http://127.0.0.1:8787/", "http://127.0.0.1:8787"),
            ("http://[::1]:8787", "http://[::1]:8787"),
            ("http://LOCALHOST:80", "http://localhost"),
        ];
        for (input, want) in cases {
            assert_eq!(base(input).to_string(), want, "{input}");
        }
    }

    #[test]
    fn unsafe_or_malformed_base_urls_are_refused() {
        assert!(refused("http://fumage-x.canvasmedical.com").contains("https"));
        assert!(refused("http://192.168.1.4:8787").contains("https"));
        assert!(refused("").contains("required"));
        assert!(refused("fumage-x.canvasmedical.com").contains("absolute"));
        assert!(refused("ftp://h.example").contains("absolute"));
        // The scheme ends at the first ':' and "//" must follow it.
        assert!(refused("https:/h.example").contains("absolute"));
        assert!(refused("https:x://h.example").contains("absolute"));
        assert!(refused("x:https://h.example").contains("absolute"));
        assert!(refused("https://").contains("absolute"));
        assert!(refused("https://h.example:0").contains("absolute"));
        assert!(refused("https://h.example:99999").contains("absolute"));
        assert!(refused("https://h ex.example").contains("absolute"));
        assert!(refused("https://h.example/fhir?x=1").contains("query"));
        assert!(refused("https://h.example/#top").contains("query"));
        assert!(refused("https://h.example/a b").contains("characters"));
        let creds = refused("https://user:s3cret@h.example");
        assert!(
            !creds.contains("s3cret"),
            "credentials are not echoed: {creds}"
        );
    }

    #[test]
    fn request_urls() {
        let b = base("https://h.example/fhir/");
        assert_eq!(b.media(), "https://h.example/fhir/Media");
        assert_eq!(
            b.read("729e5242-bad6-4bd7-905d-9716ae262971")
                .ok()
                .as_deref(),
            Some("https://h.example/fhir/Media/729e5242-bad6-4bd7-905d-9716ae262971")
        );
        for bad in ["", "a/b", "../x", "a b", &"x".repeat(65)] {
            assert!(
                matches!(b.read(bad), Err(ClientError::InvalidOptions(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn links_resolve_against_the_fhir_base() {
        let root = base("https://h.example");
        let q = "/Media?patient=Patient%2F1&_count=10&_offset=10";
        assert_eq!(root.resolve(q), format!("https://h.example{q}"));
        assert_eq!(root.resolve(&q[1..]), format!("https://h.example{q}"));
        let sub = base("https://h.example/fhir");
        assert_eq!(sub.resolve(q), format!("https://h.example/fhir{q}"));
        assert_eq!(sub.resolve(&q[1..]), format!("https://h.example/fhir{q}"));
        // Already under the base path: not prefixed twice.
        assert_eq!(
            sub.resolve("/fhir/Media?_count=1"),
            "https://h.example/fhir/Media?_count=1"
        );
        assert_eq!(
            sub.resolve("/fhirx/Media"),
            "https://h.example/fhir/fhirx/Media"
        );
        assert_eq!(
            sub.resolve("https://other.example/Media/1"),
            "https://other.example/Media/1"
        );
        assert_eq!(
            sub.resolve("//cdn.example/x.jpg"),
            "https://cdn.example/x.jpg"
        );
    }

    #[test]
    fn only_same_origin_links_are_followed_with_the_token() {
        let b = base("https://h.example");
        assert!(b.same_origin("https://H.example:443/Media/1"));
        assert!(!b.same_origin("http://h.example/Media/1"));
        assert!(!b.same_origin("https://h.example:8443/Media/1"));
        assert!(!b.same_origin("https://h.example.evil.example/Media/1"));
        assert!(
            !b.same_origin("/Media/1"),
            "relative URLs must be resolved first"
        );
        assert_eq!(
            b.follow("/Media?_offset=10", "next").ok().as_deref(),
            Some("https://h.example/Media?_offset=10")
        );
        let err = b.follow("https://evil.example/Media?_offset=10", "next");
        assert!(
            matches!(&err, Err(ClientError::InvalidResponse { text, .. }) if text.contains("another origin")),
            "{err:?}"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_component("Patient/b8df"), "Patient%2Fb8df");
        assert_eq!(encode_component("a b&c=d?é"), "a%20b%26c%3Dd%3F%C3%A9");
        assert_eq!(encode_component("A-z.0_9~"), "A-z.0_9~");
    }
}
