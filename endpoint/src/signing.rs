//! Signed, expiring storage URLs, standing in for Canvas's presigned S3 URLs:
//! `/_storage/<id>?expires=<unix seconds>&signature=<hex HMAC-SHA256(id, expires)>`.
//! The key is random per process, so a restart invalidates every URL handed out,
//! as an expired presigned URL would be.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the signed URL has expired")]
    Expired,
    #[error("the signature does not match")]
    Invalid,
    #[error("the signed URL lacks a valid expires or signature parameter")]
    Malformed,
}

#[derive(Debug, thiserror::Error)]
#[error("could not get random bytes for the URL-signing key: {0}")]
pub struct KeyError(String);

#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { key: <redacted> }")
    }
}

impl Signer {
    /// A signer with a fresh random key.
    pub fn random() -> Result<Self, KeyError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| KeyError(e.to_string()))?;
        Ok(Self { key })
    }

    /// The path and query of a storage URL for `id` valid until `expires` (unix s).
    pub fn sign_path(&self, id: &str, expires: u64) -> String {
        format!(
            "/_storage/{id}?expires={expires}&signature={}",
            hex(&self.tag(id, expires))
        )
    }

    /// A storage path for `id` valid for `ttl` from now.
    pub fn sign_path_for(&self, id: &str, ttl: Duration) -> String {
        self.sign_path(id, now_unix().saturating_add(ttl.as_secs()))
    }

    /// Checks a storage request's `expires` and `signature` query values.
    pub fn verify(
        &self,
        id: &str,
        expires: Option<&str>,
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        let expires: u64 = expires
            .and_then(|e| e.parse().ok())
            .ok_or(SignatureError::Malformed)?;
        let signature = signature.and_then(unhex).ok_or(SignatureError::Malformed)?;
        // Verify first so an attacker learns nothing from the expiry check's outcome.
        self.mac(id, expires)
            .verify_slice(&signature)
            .map_err(|_| SignatureError::Invalid)?;
        if now_unix() > expires {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }

    fn mac(&self, id: &str, expires: u64) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail with our 32-byte key;
        // the fallback keeps the code free of unwrap all the same.
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.key)
            .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
        // A separator that cannot occur in an id keeps (id, expires) pairs unambiguous.
        mac.update(id.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    fn tag(&self, id: &str, expires: u64) -> Vec<u8> {
        self.mac(id, expires).finalize().into_bytes().to_vec()
    }
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(path: &str) -> (String, String) {
        let q = path.split_once('?').unwrap().1;
        let mut pairs = form_urlencoded::parse(q.as_bytes());
        let e = pairs.next().unwrap().1.into_owned();
        let s = pairs.next().unwrap().1.into_owned();
        (e, s)
    }

    #[test]
    fn a_fresh_url_verifies_and_a_tampered_one_does_not() {
        let signer = Signer::random().unwrap();
        let (e, s) = query(&signer.sign_path_for("abc", Duration::from_secs(60)));
        assert_eq!(signer.verify("abc", Some(&e), Some(&s)), Ok(()));
        assert_eq!(
            signer.verify("abd", Some(&e), Some(&s)),
            Err(SignatureError::Invalid)
        );
        let later = (e.parse::<u64>().unwrap() + 1).to_string();
        assert_eq!(
            signer.verify("abc", Some(&later), Some(&s)),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            signer.verify("abc", Some(&e), Some("zz")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            signer.verify("abc", None, Some(&s)),
            Err(SignatureError::Malformed)
        );
        let other = Signer::random().unwrap();
        assert_eq!(
            other.verify("abc", Some(&e), Some(&s)),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn an_expired_url_is_refused() {
        let signer = Signer::random().unwrap();
        let (e, s) = query(&signer.sign_path("abc", now_unix() - 1));
        assert_eq!(
            signer.verify("abc", Some(&e), Some(&s)),
            Err(SignatureError::Expired)
        );
    }
}
