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

    /// Enable the dev-only admin API: /_admin/stats, /_admin/faults, /_admin/reset.
    #[arg(long)]
    pub dev: bool,

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
            signed_url_ttl: DEFAULT_SIGNED_URL_TTL,
            request_log: true,
            expose_headers: cli
                .expose_headers
                .into_iter()
                .map(|h| h.trim().to_owned())
                .filter(|h| !h.is_empty())
                .collect(),
            smart_token_ttl: Duration::from_secs(cli.smart_token_ttl),
        }
    }
}

impl Config {
    /// Rejects settings that would make the server insecure or useless, with a sentence
    /// saying which option to fix.
    pub fn validate(&self) -> Result<(), String> {
        if !self.addr.ip().is_loopback() {
            // Reachable from other machines: no open admin API and no published tokens.
            if self.dev {
                return Err(format!(
                    "--dev (the unauthenticated admin API and the dev SMART server) is for a loopback address only, not {}; drop --dev or listen on 127.0.0.1",
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
            token: "s3cret".into(),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("s3cret"));
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
