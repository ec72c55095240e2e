//! CORS: which pages on other origins may call the endpoint with a bearer token and read
//! the answers. Only the listed origins (`--allow-origin`) and this server's own origins
//! (every name it answers to, [`crate::host`]) get `Access-Control-Allow-Origin`; any
//! other page's request gets no CORS headers, so the browser shows it nothing and refuses
//! its preflight. Without this a page a developer happened to visit could read the
//! stored photos or drive the admin API of the endpoint on their laptop.
//!
//! Exposed headers follow `--expose-headers` (`Location` and `Retry-After` by default;
//! fewer, to test a client against servers that expose less). Preflight OPTIONS requests
//! are answered here, before authentication.

use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;
use crate::host::AllowedHosts;

/// `config.allow_origins` are checked by `Config::validate`; one that does not parse is
/// left out here.
pub fn layer(config: &Config, hosts: &AllowedHosts) -> CorsLayer {
    let expose: Vec<HeaderName> = config
        .expose_headers
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    let origins: Vec<HeaderValue> = config
        .allow_origins
        .iter()
        .filter_map(|o| parse_origin(o).ok())
        .chain(hosts.own_origins())
        .filter_map(|o| HeaderValue::from_str(&o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers(expose)
        // No Private Network Access grant: a page on a public origin must not reach this
        // server on a developer's loopback.
        .max_age(Duration::from_secs(600))
}

/// An origin as browsers send it in `Origin`: `http` or `https`, `://`, a host name, IPv4
/// or bracketed IPv6 address, and a port unless it is the scheme's default; nothing else.
/// Returns it lower-cased with a default port dropped (`HTTP://LocalHost:80` →
/// `http://localhost`), or why it is not one.
pub fn parse_origin(origin: &str) -> Result<String, String> {
    if origin == "*" || origin.eq_ignore_ascii_case("null") {
        return Err(
            "list each origin that may call this server; any origin (*) and null are not allowed"
                .into(),
        );
    }
    let lower = origin.to_ascii_lowercase();
    let (scheme, rest) = lower
        .split_once("://")
        .ok_or("an origin is scheme://host[:port], e.g. http://localhost:5173")?;
    let default_port = match scheme {
        "http" => "80",
        "https" => "443",
        _ => return Err(format!("the scheme must be http or https, not {scheme:?}")),
    };
    if rest.contains(['/', '?', '#', '@']) {
        return Err("an origin has no path, query, fragment or user name (drop everything after host:port, a trailing / too)".into());
    }
    let (host, port) = crate::host::split_host_port(rest)?;
    Ok(match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact_and_normalised() {
        for (given, want) in [
            ("http://localhost:5173", "http://localhost:5173"),
            ("HTTP://LocalHost:5173", "http://localhost:5173"),
            ("http://127.0.0.1:80", "http://127.0.0.1"),
            ("https://app.example.org:443", "https://app.example.org"),
            (
                "https://app.example.org:8443",
                "https://app.example.org:8443",
            ),
            ("http://[::1]:3000", "http://[::1]:3000"),
        ] {
            assert_eq!(parse_origin(given).as_deref(), Ok(want), "{given}");
        }
        for bad in [
            "*",
            "null",
            "localhost:5173",
            "ftp://localhost",
            "http://localhost:5173/",
            "http://localhost:5173/app",
            "http://user@localhost",
            "http://",
            "http://local host",
            "http://localhost:0",
            "http://localhost:99999",
            "http://localhost:",
            "http://[::1",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
