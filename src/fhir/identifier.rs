//! The client-chosen `Media.identifier` that makes an upload idempotent: `urn:uuid:<id>`
//! in the RFC 3986 system. The upload queue keys an item by that uuid and reconciles by
//! the identifier's value.

use super::media::Identifier;

/// `system` for client-chosen identifiers: RFC 3986 URIs such as `urn:uuid:…`.
pub const IDENTIFIER_SYSTEM: &str = "urn:ietf:rfc:3986";

const URN_UUID: &str = "urn:uuid:";

/// A client identifier for `value` (an absolute URI).
pub fn client_identifier(value: String) -> Identifier {
    Identifier {
        system: Some(IDENTIFIER_SYSTEM.to_string()),
        value: Some(value),
    }
}

/// `urn:uuid:<uuid>`, or `None` when `uuid` is not 36 hex digits and dashes.
pub fn urn_uuid(uuid: &str) -> Option<String> {
    let ok = uuid.len() == 36 && uuid.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit());
    ok.then(|| format!("{URN_UUID}{uuid}"))
}

/// The upload id a value names: the uuid of a `urn:uuid:` value, lower-cased (any case
/// of the prefix and digits is accepted, as RFC 4122 asks).
pub fn upload_id(value: &str) -> Option<String> {
    let prefix = value.get(..URN_UUID.len())?;
    let uuid = &value[URN_UUID.len()..];
    (prefix.eq_ignore_ascii_case(URN_UUID) && urn_uuid(uuid).is_some())
        .then(|| uuid.to_ascii_lowercase())
}

/// The first of `values` that names an upload id, with that id.
pub fn find_upload_id<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<(String, &'a str)> {
    values
        .into_iter()
        .find_map(|value| upload_id(value).map(|id| (id, value)))
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
        assert_eq!(urn_uuid(uuid), Some(format!("urn:uuid:{uuid}")));
        assert_eq!(urn_uuid("x"), None);
        let values = [
            "urn:oid:1.2",
            "urn:uuid:0F8FAD5B-D9CB-469F-A165-70867728950E",
        ];
        assert_eq!(find_upload_id(values), Some((uuid.to_string(), values[1])));
    }
}
