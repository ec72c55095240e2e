//! The bearer token: checked before it goes into a header, and wrapped so that it cannot
//! reach a log or an error message by accident (`Debug` is redacted, there is no
//! `Display`).

use std::fmt;

use super::errors::ClientError;

/// An `Authorization` header value, `Bearer <token>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization(String);

impl Authorization {
    /// Check a token from the host page. A leading `Bearer ` is tolerated (a common slip);
    /// the rest must be printable ASCII without spaces, as header values and RFC 6750
    /// tokens are. The token itself never appears in the error.
    pub fn bearer(token: &str) -> Result<Self, ClientError> {
        let t = token.trim();
        let t = match (t.get(..6), t.get(6..)) {
            (Some(p), Some(rest))
                if p.eq_ignore_ascii_case("bearer")
                    && (rest.is_empty() || rest.starts_with(char::is_whitespace)) =>
            {
                rest.trim_start()
            }
            _ => t,
        };
        if t.is_empty() {
            return Err(ClientError::invalid(
                "token",
                "is empty: give the access token, or a function that returns it",
            ));
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ClientError::invalid(
                "token",
                "must be printable ASCII without spaces or line breaks (a raw access token)",
            ));
        }
        Ok(Authorization(format!("Bearer {t}")))
    }

    /// The header value; only for setting the header.
    pub fn header_value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Authorization(Bearer <redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_become_bearer_headers() {
        for (token, want) in [
            ("abc.DEF-123_~+/=", "Bearer abc.DEF-123_~+/="),
            ("  abc \n", "Bearer abc"),
            ("Bearer abc", "Bearer abc"),
            ("bearer   abc", "Bearer abc"),
        ] {
            let auth = Authorization::bearer(token).expect(token);
            assert_eq!(auth.header_value(), want);
        }
    }

    #[test]
    fn bad_tokens_are_refused_without_echoing_them() {
        for token in [
            "", "   ", "Bearer ", "bearer", "sec ret", "sec\nret", "sécret",
        ] {
            let err = Authorization::bearer(token).expect_err(token);
            let msg = err.to_string();
            assert!(msg.contains("`token`"), "{msg}");
            let shown = token.trim();
            assert!(
                shown.is_empty() || !msg.contains(shown),
                "token echoed: {msg}"
            );
        }
    }

    #[test]
    fn debug_output_is_redacted() {
        let auth = Authorization::bearer("s3cr3t-token").expect("valid");
        let shown = format!("{auth:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
