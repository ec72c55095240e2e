//! Command-line options and the plain configuration they turn into.
//!
//! `Cli` is what a person types; `Config` is what the server runs with. Tests build a
//! `Config` directly, so everything the server needs lives there, with defaults that
//! match the CLI's.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Default request-body limit: Canvas documents none, 30 MB is generous for one photo.
pub const DEFAULT_MAX_BODY_BYTES: usize = 30_000_000;
/// How long a signed storage URL stays valid (presigned S3 URLs behave the same way).
pub const DEFAULT_SIGNED_URL_TTL: Duration = Duration::from_secs(5 * 60);
/// The tokens anyone can read in this repository: refused off loopback.
const PUBLIC_TOKENS: [&str; 2] = ["dev-token", "dev-read-only-token"];

/// How long a dev SMART access token lasts (SMART servers commonly give an hour).
pub const DEFAULT_SMART_TOKEN_TTL: Duration = Duration::from_secs(60 * 60);
/// Connections served at once; more wait in the kernel's accept queue until one closes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// A client gets this long to send a request head, which is also how long an idle
/// keep-alive connection stays open (hyper's header timer runs while it waits).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// A request body must have arrived this long after its head.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A local Canvas-compatible FHIR R4 Media endpoint for demos and end-to-end tests.
#[derive(Debug, Parser)]
#[command(name = "fhir-media-endpoint", version, about)]
pub struct Cli {
    /// Address to listen on; `127.0.0.1:0` picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub addr: SocketAddr,

    /// Directory holding the SQLite database; created if missing.
    #[arg(long, env = "FHIR_ENDPOINT_DATA_DIR", default_value = "./.data")]
    pub data_dir: PathBuf,

    /// Bearer token that may read and create Media.
    #[arg(
        long,
        env = "FHIR_ENDPOINT_TOKEN",
        default_value = "dev-token",
        hide_env_values = true
    )]
    pub token: String,

    /// Bearer token that may only read (creates answer 403).
    #[arg(
        long,
        env = "FHIR_ENDPOINT_READ_ONLY_TOKEN",
        default_value = "dev-read-only-token",
        hide_env_values = true
    )]
    pub read_only_token: String,

    /// Largest accepted request body in bytes; larger bodies answer 413.
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Serve this directory (e.g. the built demo, index.html at `/`) without auth.
    #[arg(long)]
    pub static_dir: Option<PathBuf>,

    /// Enable the dev-only admin API (/_admin/stats, /_admin/faults, /_admin/reset, /_admin/smart)
    /// and the dev SMART server; loopback addresses only.
    #[arg(long)]
    pub dev: bool,

    /// Bearer token the admin API (`--dev`) requires; must differ from the API tokens.
    #[arg(
        long,
        env = "FHIR_ENDPOINT_ADMIN_TOKEN",
        default_value = "dev-admin-token",
        hide_env_values = true
    )]
    pub admin_token: String,

    /// An origin whose pages may call this server (CORS), exactly as the browser sends it,
    /// e.g. `http://localhost:5173`; repeat the option or separate with commas. Pages this
    /// server serves itself need none.
    #[arg(long = "allow-origin", value_name = "ORIGIN", value_delimiter = ',')]
    pub allow_origins: Vec<String>,

    /// Another `host[:port]` clients may name in the Host header (a LAN name, a proxy's
    /// public name); repeatable or comma-separated. Others are refused (421), which stops
    /// DNS rebinding.
    #[arg(long = "allow-host", value_name = "HOST", value_delimiter = ',')]
    pub allow_hosts: Vec<String>,

    /// Connections served at once; further ones wait until one closes.
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Seconds a client gets to send its request head; also how long an idle keep-alive
    /// connection stays open.
    #[arg(long, default_value_t = DEFAULT_HEADER_TIMEOUT.as_secs())]
    pub header_timeout_secs: u64,

    /// Seconds a request body may take to arrive, counted from the end of its head.
    #[arg(long, default_value_t = DEFAULT_BODY_TIMEOUT.as_secs())]
    pub body_timeout_secs: u64,

    /// Response headers a page on another origin may read (Access-Control-Expose-Headers),
    /// comma-separated; `--expose-headers ''` exposes none, as many real servers do.
    #[arg(long, value_delimiter = ',', default_value = "Location,Retry-After")]
    pub expose_headers: Vec<String>,

    /// Lifetime in seconds of the access tokens the dev SMART server (`--dev`) issues.
    #[arg(long, default_value_t = DEFAULT_SMART_TOKEN_TTL.as_secs())]
    pub smart_token_ttl: u64,
}

/// Everything the server needs to run. `Debug` never prints the tokens.
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub token: String,
    pub read_only_token: String,
    pub max_body_bytes: usize,
    pub static_dir: Option<PathBuf>,
    pub dev: bool,
    /// The admin API's bearer token (`--dev`).
    pub admin_token: String,
    /// Origins, besides this server's own, whose pages may call it (CORS).
    pub allow_origins: Vec<String>,
    /// Host header values accepted besides this server's own address (`host[:port]`).
    pub allow_hosts: Vec<String>,
    /// Connections served at once.
    pub max_connections: usize,
    /// Time to send a request head; also the idle keep-alive limit.
    pub header_timeout: Duration,
    /// Time for a request body to arrive after its head.
    pub body_timeout: Duration,
    /// Lifetime of the signed URLs that `content.url` redirects to.
    pub signed_url_ttl: Duration,
    /// Write one stderr line per request (in-process tests turn it off).
    pub request_log: bool,
    /// Headers listed in Access-Control-Expose-Headers.
    pub expose_headers: Vec<String>,
    /// Lifetime of the dev SMART server's access tokens.
    pub smart_token_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: PathBuf::from("./.data"),
            token: "dev-token".to_owned(),
            read_only_token: "dev-read-only-token".to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            static_dir: None,
            dev: false,
            admin_token: "dev-admin-token".to_owned(),
            allow_origins: Vec::new(),
            allow_hosts: Vec::new(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            signed_url_ttl: DEFAULT_SIGNED_URL_TTL,
            request_log: true,
            expose_headers: vec!["Location".into(), "Retry-After".into()],
            smart_token_ttl: DEFAULT_SMART_TOKEN_TTL,
        }
    }
}

impl From<Cli> for Config {
    fn from(cli: Cli) -> Self {
        Self {
            addr: cli.addr,
            data_dir: cli.data_dir,
            token: cli.token,
            read_only_token: cli.read_only_token,
            max_body_bytes: cli.max_body_bytes,
            static_dir: cli.static_dir,
            dev: cli.dev,
            admin_token: cli.admin_token,
            allow_origins: trimmed(cli.allow_origins),
            allow_hosts: trimmed(cli.allow_hosts),
            max_connections: cli.max_connections,
            header_timeout: Duration::from_secs(cli.header_timeout_secs),
            body_timeout: Duration::from_secs(cli.body_timeout_secs),
            signed_url_ttl: DEFAULT_SIGNED_URL_TTL,
            request_log: true,
            expose_headers: trimmed(cli.expose_headers),
            smart_token_ttl: Duration::from_secs(cli.smart_token_ttl),
        }
    }
}

/// The non-empty values of a comma-separated option, trimmed.
fn trimmed(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

impl Config {
    /// Rejects settings that would make the server insecure or useless, with a sentence
    /// saying which option to fix.
    pub fn validate(&self) -> Result<(), String> {
        if !self.addr.ip().is_loopback() {
            // Reachable from other machines: no open admin API and no published tokens.
            if self.dev {
                return Err(format!(
                    "--dev (the admin API and the dev SMART server) is for a loopback address only, not {}; drop --dev or listen on 127.0.0.1",
                    self.addr
                ));
            }
            if PUBLIC_TOKENS.contains(&self.token.as_str())
                || PUBLIC_TOKENS.contains(&self.read_only_token.as_str())
            {
                return Err(format!(
                    "{} is not a loopback address, and the default tokens (dev-token, dev-read-only-token) are public: set --token and --read-only-token (FHIR_ENDPOINT_TOKEN, FHIR_ENDPOINT_READ_ONLY_TOKEN) to secrets, or listen on 127.0.0.1",
                    self.addr
                ));
            }
        }
        if self.token.trim().is_empty() {
            return Err("--token (FHIR_ENDPOINT_TOKEN) must not be empty".into());
        }
        if self.read_only_token.trim().is_empty() {
            return Err(
                "--read-only-token (FHIR_ENDPOINT_READ_ONLY_TOKEN) must not be empty".into(),
            );
        }
        if self.token == self.read_only_token {
            return Err("--token and --read-only-token must differ, otherwise the read-only token could create Media".into());
        }
        if self.admin_token.trim().is_empty() {
            return Err("--admin-token (FHIR_ENDPOINT_ADMIN_TOKEN) must not be empty".into());
        }
        if self.admin_token == self.token || self.admin_token == self.read_only_token {
            return Err("--admin-token must differ from --token and --read-only-token, otherwise an API token could wipe the data".into());
        }
        for origin in &self.allow_origins {
            crate::cors::parse_origin(origin)
                .map_err(|why| format!("--allow-origin {origin:?}: {why}"))?;
        }
        for host in &self.allow_hosts {
            crate::host::parse_host(host).map_err(|why| format!("--allow-host {host:?}: {why}"))?;
        }
        if self.max_connections == 0 {
            return Err("--max-connections must be at least 1".into());
        }
        if self.header_timeout.is_zero() || self.body_timeout.is_zero() {
            return Err("--header-timeout-secs and --body-timeout-secs must be at least 1".into());
        }
        if self.max_body_bytes == 0 {
            return Err("--max-body-bytes must be at least 1".into());
        }
        if let Some(bad) = self
            .expose_headers
            .iter()
            .find(|h| axum::http::HeaderName::from_bytes(h.as_bytes()).is_err())
        {
            return Err(format!("--expose-headers: {bad:?} is not a header name"));
        }
        if let Some(dir) = &self.static_dir {
            if !dir.is_dir() {
                return Err(format!(
                    "--static-dir {} is not a directory; build the demo first or fix the path",
                    dir.display()
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("token", &"<redacted>")
            .field("read_only_token", &"<redacted>")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("static_dir", &self.static_dir)
            .field("dev", &self.dev)
            .field("admin_token", &"<redacted>")
            .field("allow_origins", &self.allow_origins)
            .field("allow_hosts", &self.allow_hosts)
            .field("max_connections", &self.max_connections)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("signed_url_ttl", &self.signed_url_ttl)
            .field("request_log", &self.request_log)
            .field("expose_headers", &self.expose_headers)
            .field("smart_token_ttl", &self.smart_token_ttl)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_contract() {
        let cli = Cli::try_parse_from(["fhir-media-endpoint"]).expect("defaults parse");
        assert_eq!(cli.addr.to_string(), "127.0.0.1:8787");
        assert_eq!(cli.max_body_bytes, 30_000_000);
        assert!(!cli.dev);
        assert!(cli.static_dir.is_none());
        assert_eq!(
            Config::from(cli).expose_headers,
            ["Location", "Retry-After"]
        );
    }

    #[test]
    fn expose_headers_may_be_empty_and_must_be_header_names() {
        let cli = Cli::try_parse_from(["fhir-media-endpoint", "--expose-headers", ""]).unwrap();
        assert!(Config::from(cli).expose_headers.is_empty());
        let cli =
            Cli::try_parse_from(["fhir-media-endpoint", "--expose-headers", "Location"]).unwrap();
        assert_eq!(Config::from(cli).expose_headers, ["Location"]);
        let config = Config {
            expose_headers: vec!["bad header".into()],
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn debug_never_shows_tokens() {
        let config = Config {
            token: "s3cret-a".into(),
            read_only_token: "s3cret-b".into(),
            admin_token: "s3cret-c".into(),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn the_admin_token_is_its_own() {
        let with = |admin: &str| {
            Config {
                admin_token: admin.into(),
                ..Config::default()
            }
            .validate()
        };
        assert!(with("dev-admin-token").is_ok());
        for reused in ["dev-token", "dev-read-only-token", " "] {
            let err = with(reused).unwrap_err();
            assert!(err.contains("--admin-token"), "{err}");
        }
        let cli = Cli::try_parse_from(["fhir-media-endpoint"]).unwrap();
        assert_eq!(Config::from(cli).admin_token, "dev-admin-token");
    }

    #[test]
    fn allowed_origins_repeat_or_comma_and_are_checked() {
        let cli = Cli::try_parse_from(["fhir-media-endpoint"]).unwrap();
        assert!(
            Config::from(cli).allow_origins.is_empty(),
            "none by default"
        );
        let cli = Cli::try_parse_from([
            "fhir-media-endpoint",
            "--allow-origin",
            "http://localhost:5173, http://127.0.0.1:5173",
            "--allow-origin",
            "https://app.example",
        ])
        .unwrap();
        let config = Config::from(cli);
        assert_eq!(
            config.allow_origins,
            [
                "http://localhost:5173",
                "http://127.0.0.1:5173",
                "https://app.example"
            ]
        );
        assert!(config.validate().is_ok());
        let config = Config {
            allow_origins: vec!["localhost:5173".into()],
            ..Config::default()
        };
        let err = config.validate().unwrap_err();
        assert!(
            err.contains("--allow-origin") && err.contains("scheme://host"),
            "{err}"
        );
    }

    #[test]
    fn slow_client_limits_default_and_must_be_positive() {
        let config = Config::from(Cli::try_parse_from(["fhir-media-endpoint"]).unwrap());
        assert_eq!(config.max_connections, 256);
        assert_eq!(config.header_timeout, Duration::from_secs(30));
        assert_eq!(config.body_timeout, Duration::from_secs(30));
        for config in [
            Config {
                max_connections: 0,
                ..Config::default()
            },
            Config {
                body_timeout: Duration::ZERO,
                ..Config::default()
            },
            Config {
                header_timeout: Duration::ZERO,
                ..Config::default()
            },
        ] {
            assert!(config.validate().is_err());
        }
    }

    #[test]
    fn off_loopback_the_default_tokens_and_dev_are_refused() {
        let open = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["fhir-media-endpoint"], args].concat()).unwrap();
            Config::from(cli).validate()
        };
        let err = open(&["--addr", "0.0.0.0:8787"]).unwrap_err();
        assert!(
            err.contains("default tokens") && err.contains("--token"),
            "{err}"
        );
        let secrets = ["--token", "s3cret-a", "--read-only-token", "s3cret-b"];
        let err = open(&[&["--addr", "0.0.0.0:8787", "--dev"][..], &secrets].concat()).unwrap_err();
        assert!(err.contains("--dev"), "{err}");
        assert!(open(&[&["--addr", "0.0.0.0:8787"][..], &secrets].concat()).is_ok());
        assert!(open(&["--addr", "127.0.0.1:8787", "--dev"]).is_ok());
        assert!(open(&["--addr", "[::1]:8787", "--dev"]).is_ok());
    }

    #[test]
    fn same_token_for_both_roles_is_rejected() {
        let config = Config {
            read_only_token: "dev-token".into(),
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }
}
