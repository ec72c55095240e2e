//! The names this server goes by: the base URL of the links it hands out, from the
//! caller's `Host`.

use axum::http::{header, HeaderMap};

use crate::config::Config;

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
/// inject anything into the URLs we hand out or the messages we write.
fn is_plausible_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
