//! The id of a created Media, from its `Location` header.

use crate::fhir::reference::is_fhir_id;

/// The Media id in a `Location` value: absolute or relative, with or without a
/// `/_history/<version>` suffix, a trailing slash, a query or a fragment.
/// `None` when the value does not end in `Media/<id>`.
pub fn media_id(location: &str) -> Option<&str> {
    let path = location.trim().split(['?', '#']).next()?;
    let mut segments: Vec<&str> = path.split('/').collect();
    while segments.last() == Some(&"") {
        segments.pop();
    }
    if segments.len() >= 2 && segments[segments.len() - 2] == "_history" {
        segments.truncate(segments.len() - 2);
    }
    let id = segments.pop()?;
    let kind = segments.pop()?;
    (kind == "Media" && is_fhir_id(id)).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::media_id;

    #[test]
    fn location_variants() {
        let id = "729e5242-bad6-4bd7-905d-9716ae262971";
        for loc in [
            format!("/Media/{id}"),
            format!("Media/{id}"),
            format!("https://fumage-x.canvasmedical.com/Media/{id}"),
            format!("https://h.example/fhir/r4/Media/{id}/"),
            format!("/Media/{id}/_history/1"),
            format!("https://h.example/Media/{id}/_history/2/"),
            format!("http://127.0.0.1:8787/Media/{id}?x=1#f"),
            format!("  /Media/{id}\t"),
        ] {
            assert_eq!(media_id(&loc), Some(id), "{loc}");
        }
    }

    #[test]
    fn locations_without_a_media_id() {
        for loc in [
            "",
            "/",
            "/Media",
            "/Media/",
            "/Patient/1",
            "/Media/a b",
            "/Media/_history/1",
            "https://h.example/",
            "/Media/1/files/content",
        ] {
            assert_eq!(media_id(loc), None, "{loc:?}");
        }
    }
}
