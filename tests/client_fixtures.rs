//! Canvas's documented bodies (`shared/canvas-examples/`, or `$FHIR_CANVAS_EXAMPLES`) read
//! through the client's response handling: every file is a fixture, so a new one that
//! nothing checks fails here. Plus the answers Canvas does not document but a client
//! meets: Location variants, links under a base path, HTML and empty error bodies.

use std::fs;
use std::path::PathBuf;

use fhir_media_capture::client::response::{self, Created};
use fhir_media_capture::client::{BaseUrl, ClientError};
use fhir_media_capture::fhir::{Bundle, Media};
use serde_json::Value;

mod support;

fn examples() -> Option<PathBuf> {
    support::canvas_examples()
}

fn canvas() -> BaseUrl {
    BaseUrl::parse("https://fumage-example.canvasmedical.com/").expect("base")
}

fn check_read(body: &str) {
    let media: Media = response::media(200, body).expect("read-200 is a Media");
    assert_eq!(
        media.id.as_deref(),
        Some("729e5242-bad6-4bd7-905d-9716ae262971")
    );
    assert_eq!(media.status, "completed");
    assert_eq!(media.subject.kind.as_deref(), Some("Patient"));
    assert!(media.content.data.is_none(), "reads never carry data");
    assert!(media
        .content
        .url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://")));
    assert_eq!(media.note.len(), 2);
    // Nothing is lost: our type writes back the JSON it read.
    let back = serde_json::to_value(&media).expect("serialize");
    assert_eq!(back, serde_json::from_str::<Value>(body).expect("json"));
}

fn check_search(body: &str) {
    let bundle: Bundle<Media> = serde_json::from_str(body).expect("search-200 is a Bundle");
    assert_eq!(
        (bundle.resource_type.as_str(), bundle.kind.as_str()),
        ("Bundle", "searchset")
    );
    assert_eq!(bundle.total, Some(1));
    let relations: Vec<&str> = bundle.link.iter().map(|l| l.relation.as_str()).collect();
    assert_eq!(relations, ["self", "first", "last"]);
    assert_eq!(
        bundle.link("self"),
        Some("/Media?patient=Patient%2Fb8dfa97bdcdf4754bcd8197ca78ef0f0&_count=10&_offset=0")
    );
    assert_eq!(bundle.entry.len(), 1);

    let page = response::page(200, body, &canvas()).expect("page");
    assert_eq!(page.total, Some(1));
    assert_eq!(page.next, None, "one page: no next link");
    assert_eq!(page.entries.len(), 1);
    assert_eq!(
        page.entries[0].id.as_deref(),
        Some("729e5242-bad6-4bd7-905d-9716ae262971")
    );
    assert_eq!(bundle.entry[0].resource.as_ref(), Some(&page.entries[0]));
}

fn check_error(status: u16, body: &str) {
    let fixture: Value = serde_json::from_str(body).expect("json");
    let want_code = fixture["issue"][0]["code"].as_str().expect("issue code");
    let want_text = fixture["issue"][0]["details"]["text"]
        .as_str()
        .expect("issue text");
    let err = response::error(status, body);
    assert_eq!(err.status(), status);
    assert_eq!(err.code(), want_code, "error-{status}");
    assert_eq!(err.text(), want_text, "error-{status}");
    assert_eq!(
        err.outcome(),
        Some(&fixture),
        "the outcome is handed on whole"
    );
    assert_eq!(
        err.to_string(),
        format!("{status} {want_code}: {want_text}")
    );
    // A create answered with this error fails the same way.
    let created = response::created(status, None, body, &canvas()).expect_err("not created");
    assert_eq!(created, err);
}

fn check_create_request(body: &str) {
    let media: Media = serde_json::from_str(body).expect("create-request is a Media");
    assert_eq!(media.resource_type, "Media");
    assert_eq!(
        media.encounter.and_then(|e| e.reference).as_deref(),
        Some("Encounter/eae3c8a5-a129-4960-9715-fc26da30eccc")
    );
}

#[test]
fn every_canvas_example_is_read_as_documented() {
    let Some(dir) = examples() else { return };
    let mut checked = Vec::new();
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("read examples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let body = fs::read_to_string(&path).expect("read fixture");
        match name.as_str() {
            "read-200.json" => check_read(&body),
            "search-200.json" => check_search(&body),
            "create-request.json" => check_create_request(&body),
            other => {
                let status = other
                    .strip_prefix("error-")
                    .and_then(|s| s.strip_suffix(".json"))
                    .and_then(|s| s.parse::<u16>().ok())
                    .unwrap_or_else(|| panic!("{other}: a fixture nothing checks"));
                check_error(status, &body);
            }
        }
        checked.push(name);
    }
    for expected in [
        "read-200.json",
        "search-200.json",
        "error-400.json",
        "error-401.json",
        "error-403.json",
        "error-404.json",
        "error-405.json",
        "error-422.json",
    ] {
        assert!(
            checked.iter().any(|c| c == expected),
            "{expected} missing from {}",
            dir.display()
        );
    }
}

#[test]
fn created_ids_come_from_every_location_form() {
    let id = "729e5242-bad6-4bd7-905d-9716ae262971";
    let base = canvas();
    let host = "https://fumage-example.canvasmedical.com";
    for (location, absolute) in [
        (format!("/Media/{id}"), format!("{host}/Media/{id}")),
        (format!("{host}/Media/{id}"), format!("{host}/Media/{id}")),
        (
            format!("{host}/Media/{id}/_history/1"),
            format!("{host}/Media/{id}/_history/1"),
        ),
        (format!("Media/{id}"), format!("{host}/Media/{id}")),
    ] {
        for body in ["", "null"] {
            let created = response::created(201, Some(&location), body, &base).expect(&location);
            assert_eq!(
                created,
                Created {
                    id: id.to_string(),
                    location: absolute.clone()
                }
            );
        }
    }
}

#[test]
fn search_links_resolve_under_a_base_path() {
    let Some(dir) = examples() else { return };
    let body = fs::read_to_string(dir.join("search-200.json")).expect("search-200");
    // The same Bundle with a next link, served from behind a path prefix.
    let with_next = body.replacen("\"relation\": \"last\"", "\"relation\": \"next\"", 1);
    let base = BaseUrl::parse("https://proxy.example/canvas/fhir/").expect("base");
    let page = response::page(200, &with_next, &base).expect("page");
    assert_eq!(
        page.next.as_deref(),
        Some("https://proxy.example/canvas/fhir/Media?patient=Patient%2Fb8dfa97bdcdf4754bcd8197ca78ef0f0&_count=10&_offset=0")
    );
}

#[test]
fn error_pages_and_empty_bodies_get_a_clear_text() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
    let e = response::error(502, html);
    assert_eq!((e.status(), e.code()), (502, "transient"));
    assert_eq!(
        e.text(),
        "HTTP 502 Bad Gateway: a proxy in front of the FHIR server got no valid answer from it; try again later (the response was an HTML page, not a FHIR OperationOutcome)"
    );
    assert!(e.outcome().is_none());

    let e = response::error(401, "");
    assert_eq!(e.code(), "login");
    assert_eq!(
        e.text(),
        "HTTP 401 Unauthorized: the token is missing, invalid or expired (the response body was empty)"
    );

    let e = response::error(413, "<h1>Request Entity Too Large</h1>");
    assert_eq!(e.code(), "too-long");
    assert!(e.text().contains("size limit"), "{}", e.text());

    let e = response::created(201, None, "null", &canvas()).expect_err("no Location");
    assert!(
        matches!(&e, ClientError::InvalidResponse { status: 201, text } if text.contains("Location")),
        "{e:?}"
    );
}
