//! The names this server answers to. A request whose `Host` is not one of them is refused
//! with 421 Misdirected Request before anything else runs: that is what stops DNS
//! rebinding, where a page on `attacker.example` has its name re-pointed at 127.0.0.1 and
//! then calls this server "same-origin", out of reach of CORS.
//!
//! Accepted: the listening address as `host:port`, and, on a loopback or wildcard address,
//! `127.0.0.1`, `localhost` and `[::1]` with the listening port; plus each `--allow-host`
//! (`name` with any port, or exactly `name:port`).

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::outcome::{IssueCode, Outcome};

/// The Host values this server accepts.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    /// Names of the listening address, each with the listening port.
    own: Vec<String>,
    port: u16,
    /// `--allow-host`: a name, and the one port it is limited to, if any.
    extra: Vec<(String, Option<u16>)>,
}

impl AllowedHosts {
    /// From the bound configuration: `config.addr` must carry the real port, not `:0`.
    pub fn new(config: &Config) -> Self {
        let ip = config.addr.ip();
        let mut own: Vec<String> = Vec::new();
        if ip.is_loopback() || ip.is_unspecified() {
            own.extend(["127.0.0.1", "localhost", "[::1]"].map(String::from));
        }
        let listening = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("[{v6}]"),
        };
        if !ip.is_unspecified() && !own.contains(&listening) {
            own.push(listening);
        }
        let extra = config
            .allow_hosts
            .iter()
            .filter_map(|h| parse_host(h).ok())
            .collect();
        Self {
            own,
            port: config.addr.port(),
            extra,
        }
    }

    /// Whether a `Host` header value names this server.
    pub fn allows(&self, host: &str) -> bool {
        let Ok((name, port)) = parse_host(host) else {
            return false;
        };
        // A Host without a port means port 80 (this server speaks plain HTTP).
        let own = self.own.contains(&name) && port.unwrap_or(80) == self.port;
        own || self
            .extra
            .iter()
            .any(|(allowed, only)| *allowed == name && (only.is_none() || *only == port))
    }

    /// This server's own origins, one per name: pages it serves itself may call it.
    pub fn own_origins(&self) -> impl Iterator<Item = String> + '_ {
        self.own.iter().map(|name| match self.port {
            80 => format!("http://{name}"),
            port => format!("http://{name}:{port}"),
        })
    }
}

/// Middleware around everything (static files and preflights included): 421 unless the
/// request names this server in `Host` (and in the request target, if that is absolute).
pub async fn require_allowed_host(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let target_ok = request
        .uri()
        .authority()
        .is_none_or(|authority| hosts.allows(authority.as_str()));
    match host {
        Some(host) if target_ok && hosts.allows(host) => next.run(request).await,
        _ => misdirected(host, &hosts).into_response(),
    }
}

fn misdirected(host: Option<&str>, hosts: &AllowedHosts) -> Outcome {
    let shown = host
        .filter(|h| is_plausible_authority(h))
        .unwrap_or("(none or unreadable)");
    let names: Vec<String> = hosts.own_origins().collect();
    Outcome::new(
        StatusCode::MISDIRECTED_REQUEST,
        IssueCode::Forbidden,
        format!(
            "This server does not answer to the host name {shown}, so that a web page cannot reach it by re-pointing its own name here (DNS rebinding). \
             Call it as {}, or start it with --allow-host for another name.",
            names.join(" or ")
        ),
    )
}

/// `host[:port]` as in a Host header or `--allow-host`: a name or IPv4 address, or a
/// bracketed IPv6 address, and an optional port 1–65535. Returns the lower-cased host
/// (IPv6 in its canonical bracketed form) and the port.
pub fn parse_host(value: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = split_host_port(value)?;
    let port = port
        .map(|p| p.parse::<u16>().map_err(|_| format!("{p} is not a port")))
        .transpose()?;
    Ok((host, port))
}

/// Splits `host[:port]`, checking the host's characters and the port's range; the host
/// comes back lower-cased, the port as its digits without leading zeros.
pub(crate) fn split_host_port(value: &str) -> Result<(String, Option<String>), String> {
    let value = value.to_ascii_lowercase();
    let (host, port) = if let Some(rest) = value.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its closing ]")?;
        let ip: Ipv6Addr = ip
            .parse()
            .map_err(|_| format!("{ip} is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("junk after the IPv6 address")?,
            ),
        };
        (format!("[{ip}]"), port)
    } else {
        let (host, port) = match value.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value.as_str(), None),
        };
        let name_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !name_ok {
            return Err(format!("{host:?} is not a host name or address"));
        }
        (host.to_owned(), port)
    };
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n.to_string()),
            _ => return Err(format!("{p:?} is not a port (1-65535)")),
        },
    };
    Ok((host, port))
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
    use std::net::SocketAddr;

    fn hosts(addr: &str, extra: &[&str]) -> AllowedHosts {
        AllowedHosts::new(&Config {
            addr: addr.parse::<SocketAddr>().unwrap(),
            allow_hosts: extra.iter().map(|h| h.to_string()).collect(),
            ..Config::default()
        })
    }

    #[test]
    fn loopback_names_on_the_listening_port_only() {
        let h = hosts("127.0.0.1:8787", &[]);
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LOCALHOST:8787",
            "[::1]:8787",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for refused in [
            "attacker.example:8787",
            "localhost:8788",
            "localhost",
            "127.0.0.2:8787",
            "localhost.:8787",
            "127.0.0.1:8787@x",
            "",
            "[::1",
        ] {
            assert!(!h.allows(refused), "{refused}");
        }
        assert_eq!(
            h.own_origins().collect::<Vec<_>>(),
            [
                "http://127.0.0.1:8787",
                "http://localhost:8787",
                "http://[::1]:8787"
            ]
        );
    }

    #[test]
    fn a_specific_address_and_allowed_hosts() {
        let h = hosts("192.168.1.5:8787", &["devbox.lan", "proxy.example:443"]);
        assert!(h.allows("192.168.1.5:8787"));
        assert!(!h.allows("localhost:8787"), "not listening on loopback");
        assert!(h.allows("devbox.lan:8787") && h.allows("devbox.lan"));
        assert!(h.allows("proxy.example:443") && !h.allows("proxy.example:444"));
        let wildcard = hosts("0.0.0.0:8787", &[]);
        assert!(wildcard.allows("localhost:8787") && !wildcard.allows("0.0.0.0:8787"));
        let port80 = hosts("127.0.0.1:80", &[]);
        assert!(port80.allows("localhost") && port80.allows("localhost:80"));
        assert_eq!(port80.own_origins().next().unwrap(), "http://127.0.0.1");
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
