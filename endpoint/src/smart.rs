//! A minimal SMART App Launch authorization server for `--dev`, so a SMART app (the
//! SMART JS client, `fhirclient`) can be tested against this endpoint: an EHR launch whose
//! `launch` id is the patient, public clients with PKCE (S256 only), single-use codes,
//! access tokens that expire (`--smart-token-ttl`) and refresh tokens. There is no login
//! page: every well-formed request is approved, as a test identity provider would. Tokens
//! live in memory and die with the process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::Access;

/// An OAuth 2.0 error (RFC 6749 §4.1.2.1 and §5.2): its code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }
}

/// What `GET /auth/authorize` asked for.
#[derive(Debug, Default, Clone)]
pub struct AuthorizeRequest {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub aud: String,
    pub launch: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

/// The token endpoint's answer (SMART App Launch 2.x, "access token response").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub scope: String,
    pub patient: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

#[derive(Debug, Clone)]
struct Grant {
    client_id: String,
    redirect_uri: String,
    scope: String,
    patient: String,
    challenge: String,
}

struct Issued {
    access: Access,
    expires: Instant,
}

#[derive(Default)]
struct Tokens {
    codes: HashMap<String, Grant>,
    access: HashMap<String, Issued>,
    refresh: HashMap<String, Grant>,
    refreshes: u64,
    expired_refusals: u64,
}

pub struct Smart {
    ttl: Duration,
    tokens: Mutex<Tokens>,
}

impl Smart {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            tokens: Mutex::new(Tokens::default()),
        }
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks an authorization request made to the server at `base`; the code to send
    /// back to `redirect_uri`. The caller has already checked that `redirect_uri` is an
    /// absolute http(s) URL (errors about it must not be redirected there).
    pub fn authorize(&self, req: &AuthorizeRequest, base: &str) -> Result<String, OAuthError> {
        if req.response_type != "code" {
            return Err(OAuthError::new(
                "unsupported_response_type",
                "response_type must be code",
            ));
        }
        if req.client_id.trim().is_empty() {
            return Err(OAuthError::new("invalid_request", "client_id is required"));
        }
        // SMART App Launch requires state: it is the client's defence against CSRF.
        if req.state.is_empty() {
            return Err(OAuthError::new("invalid_request", "state is required"));
        }
        if req.aud.trim_end_matches('/') != base.trim_end_matches('/') {
            return Err(OAuthError::new(
                "invalid_request",
                format!("aud must be this FHIR server, {base}"),
            ));
        }
        if req.code_challenge_method != "S256" || req.code_challenge.len() < 43 {
            return Err(OAuthError::new(
                "invalid_request",
                "PKCE is required: code_challenge with code_challenge_method S256",
            ));
        }
        if !req.scope.split_whitespace().any(|s| s == "launch") || req.launch.trim().is_empty() {
            return Err(OAuthError::new(
                "invalid_scope",
                "this server supports the EHR launch only: scope launch and a launch id (the patient id)",
            ));
        }
        let code = random_token();
        let grant = Grant {
            client_id: req.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            scope: req.scope.clone(),
            patient: req.launch.trim().to_string(),
            challenge: req.code_challenge.clone(),
        };
        self.tokens().codes.insert(code.clone(), grant);
        Ok(code)
    }

    /// `grant_type=authorization_code`: the code (once), the same client and redirect
    /// URI, and the PKCE verifier whose SHA-256 is the challenge.
    pub fn exchange_code(
        &self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let mut tokens = self.tokens();
        let grant = tokens
            .codes
            .remove(code)
            .ok_or_else(|| OAuthError::new("invalid_grant", "unknown or used code"))?;
        if grant.client_id != client_id || grant.redirect_uri != redirect_uri {
            return Err(OAuthError::new(
                "invalid_grant",
                "client_id or redirect_uri differ from the authorization request",
            ));
        }
        if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.challenge {
            return Err(OAuthError::new(
                "invalid_grant",
                "code_verifier does not match the code_challenge",
            ));
        }
        Ok(self.issue(&mut tokens, grant))
    }

    /// `grant_type=refresh_token`: a new access token for the same grant.
    pub fn refresh(
        &self,
        refresh_token: &str,
        client_id: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let mut tokens = self.tokens();
        let grant = tokens
            .refresh
            .get(refresh_token)
            .filter(|g| client_id.is_empty() || g.client_id == client_id)
            .cloned()
            .ok_or_else(|| OAuthError::new("invalid_grant", "unknown refresh_token"))?;
        tokens.refresh.remove(refresh_token);
        tokens.refreshes += 1;
        Ok(self.issue(&mut tokens, grant))
    }

    fn issue(&self, tokens: &mut Tokens, grant: Grant) -> TokenResponse {
        let access_token = random_token();
        let access =
            if grant.scope.split_whitespace().any(|s| {
                s.ends_with("/Media.write") || s.ends_with("/Media.*") || s.ends_with("/*.*")
            }) {
                Access::ReadWrite
            } else {
                Access::ReadOnly
            };
        tokens.access.insert(
            access_token.clone(),
            Issued {
                access,
                expires: Instant::now() + self.ttl,
            },
        );
        let offline = grant
            .scope
            .split_whitespace()
            .any(|s| s == "offline_access" || s == "online_access");
        let refresh_token = offline.then(random_token);
        if let Some(r) = &refresh_token {
            tokens.refresh.insert(r.clone(), grant.clone());
        }
        TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: self.ttl.as_secs(),
            scope: grant.scope,
            patient: grant.patient,
            refresh_token,
        }
    }

    /// What an issued access token allows, while it has not expired. An expired one is
    /// counted, so a test can tell its 401 from a made-up token's.
    pub fn access(&self, token: &str) -> Option<Access> {
        let mut tokens = self.tokens();
        let issued = tokens.access.get(token)?;
        if Instant::now() < issued.expires {
            return Some(issued.access);
        }
        tokens.expired_refusals += 1;
        None
    }

    /// Expires every access token now (refresh tokens stay valid): lets a test see a
    /// 401, then the app's refresh.
    pub fn expire_all(&self) -> usize {
        let mut tokens = self.tokens();
        let now = Instant::now();
        let count = tokens.access.len();
        for issued in tokens.access.values_mut() {
            issued.expires = now;
        }
        count
    }

    /// How many refresh grants succeeded.
    pub fn refreshes(&self) -> u64 {
        self.tokens().refreshes
    }

    /// How many requests came with an access token of ours that had expired.
    pub fn expired_refusals(&self) -> u64 {
        self.tokens().expired_refusals
    }
}

/// 256 random bits, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator does not fail on the systems this dev server runs on; a zeroed
    // buffer would only make tokens guessable on a developer's loopback.
    let _ = getrandom::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://127.0.0.1:8787";
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn request() -> AuthorizeRequest {
        AuthorizeRequest {
            response_type: "code".into(),
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:8787/app/".into(),
            scope: "launch patient/Media.write patient/Media.read offline_access".into(),
            state: "s1".into(),
            aud: BASE.into(),
            launch: "p1".into(),
            code_challenge: URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes())),
            code_challenge_method: "S256".into(),
        }
    }

    #[test]
    fn code_then_token_then_refresh() {
        let smart = Smart::new(Duration::from_secs(60));
        let code = smart.authorize(&request(), BASE).unwrap();
        let token = smart
            .exchange_code(&code, "app", "http://127.0.0.1:8787/app/", VERIFIER)
            .unwrap();
        assert_eq!(token.patient, "p1");
        assert_eq!(smart.access(&token.access_token), Some(Access::ReadWrite));
        // Codes are single-use.
        assert_eq!(
            smart
                .exchange_code(&code, "app", "http://127.0.0.1:8787/app/", VERIFIER)
                .unwrap_err()
                .error,
            "invalid_grant"
        );
        assert_eq!(smart.expire_all(), 1);
        assert_eq!(smart.access(&token.access_token), None);
        assert_eq!(smart.expired_refusals(), 1);
        assert_eq!(smart.access("made-up"), None);
        assert_eq!(
            smart.expired_refusals(),
            1,
            "only our own expired tokens count"
        );
        let refresh = token.refresh_token.unwrap();
        let again = smart.refresh(&refresh, "app").unwrap();
        assert_eq!(smart.access(&again.access_token), Some(Access::ReadWrite));
        assert_eq!(smart.refreshes(), 1);
        // A refresh token is replaced by the new one.
        assert!(smart.refresh(&refresh, "app").is_err());
        assert!(smart
            .refresh(&again.refresh_token.unwrap(), "other")
            .is_err());
    }

    #[test]
    fn pkce_client_and_redirect_are_checked() {
        let smart = Smart::new(Duration::from_secs(60));
        let code = smart.authorize(&request(), BASE).unwrap();
        let err = smart
            .exchange_code(&code, "app", "http://127.0.0.1:8787/app/", "wrong-verifier")
            .unwrap_err();
        assert!(err.description.contains("code_verifier"), "{err:?}");
        let code = smart.authorize(&request(), BASE).unwrap();
        assert!(smart
            .exchange_code(&code, "app", "http://evil.example/", VERIFIER)
            .is_err());
    }

    #[test]
    fn authorize_refuses_what_it_does_not_support() {
        let smart = Smart::new(Duration::from_secs(60));
        type Change = fn(&mut AuthorizeRequest);
        let cases: [(Change, &str); 6] = [
            (
                |r| r.response_type = "token".into(),
                "unsupported_response_type",
            ),
            (|r| r.aud = "http://other.example".into(), "invalid_request"),
            (
                |r| r.code_challenge_method = "plain".into(),
                "invalid_request",
            ),
            (|r| r.launch = String::new(), "invalid_scope"),
            (|r| r.client_id = " ".into(), "invalid_request"),
            (|r| r.state = String::new(), "invalid_request"),
        ];
        for (change, error) in cases {
            let mut req = request();
            change(&mut req);
            assert_eq!(smart.authorize(&req, BASE).unwrap_err().error, error);
        }
    }

    #[test]
    fn read_scopes_give_read_only_tokens_and_no_refresh_without_offline_access() {
        let smart = Smart::new(Duration::from_secs(60));
        let mut req = request();
        req.scope = "launch patient/Media.read".into();
        let code = smart.authorize(&req, BASE).unwrap();
        let token = smart
            .exchange_code(&code, "app", "http://127.0.0.1:8787/app/", VERIFIER)
            .unwrap();
        assert_eq!(smart.access(&token.access_token), Some(Access::ReadOnly));
        assert_eq!(token.refresh_token, None);
    }
}
