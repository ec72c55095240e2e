//! The client-chosen `Media.identifier` that makes an upload idempotent: `urn:uuid:<id>`
//! in the RFC 3986 system. The upload queue keys an item by that uuid and reconciles by
//! the identifier's value.

use super::media::Identifier;

/// `system` for client-chosen identifiers: RFC 3986 URIs such as `urn:uuid:…`.
pub const IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";

/// The prefix of a client identifier's value.
pub const URN_UUID: &str = "urn:uuid:";

/// A client identifier for `value` (an absolute URI).
pub fn client_identifier(value: String) -> Identifier {
    Identifier {
        system: Some(IDENTIFIER_SYSTEM.to_string()),
        value: Some(value),
    }
}

/// The upload id a value names: the uuid of a `urn:uuid:` value (36 hex digits and
/// dashes), lower-cased; any case of the prefix and digits is accepted, as RFC 4122 asks.
pub fn upload_id(value: &str) -> Option<String> {
    let (prefix, uuid) = (value.get(..URN_UUID.len())?, value.get(URN_UUID.len()..)?);
    let ok = prefix.eq_ignore_ascii_case(URN_UUID)
        && uuid.len() == 36
        && uuid.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit());
    ok.then(|| uuid.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_ids_are_urn_uuids_in_any_case() {
        let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(
            upload_id(&format!("urn:uuid:{uuid}")).as_deref(),
            Some(uuid)
        );
        assert_eq!(
            upload_id(&format!("URN:UUID:{}", uuid.to_uppercase())).as_deref(),
            Some(uuid)
        );
        for bad in [
            "urn:uuid:",
            "urn:uuid:1",
            "urn:oid:0f8fad5b-d9cb-469f-a165-70867728950e",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e0",
            "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950g",
            "urn:uu",
        ] {
            assert_eq!(upload_id(bad), None, "{bad}");
        }
    }
}
