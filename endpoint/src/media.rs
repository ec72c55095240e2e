//! Canvas's rules for a created Media, and how a stored Media is shown on read.
//!
//! A create body is checked in the order a person fixes it: JSON, then the required
//! elements (400 `invalid`), then Canvas's business rules (422 `business-rule`).
//! Wrong JSON types count as malformed (400), as a FHIR parser would reject them.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::outcome::Outcome;
use crate::sniff::{self, ImageKind, ACCEPTED_CONTENT_TYPES};

/// A create that passed every rule: what to store.
#[derive(Debug)]
pub struct NewMedia {
    /// The resource as sent, minus `id` and `content.data`, plus `subject.type`.
    pub resource: Map<String, Value>,
    /// `Patient/<id>`, the search key.
    pub patient: String,
    /// `Encounter/<id>` when given: the key of Canvas's one-create-at-a-time rule.
    pub encounter: Option<String>,
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

/// Statuses Canvas accepts on create.
const CREATE_STATUSES: [&str; 2] = ["completed", "entered-in-error"];

/// Checks a `POST /Media` body against Canvas's rules.
pub fn parse_create(body: &[u8]) -> Result<NewMedia, Outcome> {
    let value: Value = serde_json::from_slice(body).map_err(|err| {
        Outcome::invalid(format!(
            "The request body is not valid JSON ({err}); send the Media resource as a JSON object."
        ))
    })?;
    let Value::Object(mut resource) = value else {
        return Err(Outcome::invalid(
            "The request body must be a JSON object: a FHIR Media resource.",
        ));
    };

    match resource.get("resourceType") {
        None => return Err(missing("resourceType", "set it to \"Media\"")),
        Some(Value::String(t)) if t == "Media" => {}
        Some(other) => {
            return Err(Outcome::invalid(format!(
                "resourceType is {other} but this endpoint only creates Media; set resourceType to \"Media\"."
            )))
        }
    }

    let status = required_string(&resource, "status", "set it to \"completed\"")?;
    let content = match resource.get("content") {
        None => return Err(missing("content", "send {\"contentType\": …, \"data\": <base64>}")),
        Some(Value::Object(content)) => content,
        Some(_) => {
            return Err(Outcome::invalid(
                "content must be a JSON object with contentType and data (one Attachment, not an array).",
            ))
        }
    };
    let patient = subject_reference(&resource)?;
    // Structure of the optional elements is checked before any business rule, so every
    // 400 is reported before a 422 the way a FHIR parser would.
    let encounter = optional_reference(&resource, "encounter")?;
    let operator = optional_reference(&resource, "operator")?;
    check_array_of_objects(&resource, "note")?;
    check_array_of_objects(&resource, "identifier")?;
    let data = match content.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::String(data)) => Some(data.as_str()),
        Some(_) => {
            return Err(Outcome::invalid(
                "content.data must be a string of base64-encoded image bytes.",
            ))
        }
    };
    let content_type = match content.get("contentType") {
        None | Some(Value::Null) => None,
        Some(Value::String(ct)) => Some(ct.as_str()),
        Some(_) => {
            return Err(Outcome::invalid(
                "content.contentType must be a string such as \"image/jpeg\".",
            ))
        }
    };

    // Business rules (422) from here on.
    if !CREATE_STATUSES.contains(&status) {
        return Err(Outcome::business_rule(format!(
            "status \"{status}\" is not allowed when creating Media; use \"completed\" or \"entered-in-error\"."
        )));
    }
    let patient = patient_reference(patient)?;
    if let Some(reference) = encounter {
        if typed_id(reference, "Encounter").is_none() {
            return Err(Outcome::business_rule(format!(
                "encounter.reference \"{reference}\" must be \"Encounter/<id>\"."
            )));
        }
    }
    if let Some(reference) = operator {
        if typed_id(reference, "Practitioner").is_none() && typed_id(reference, "Patient").is_none()
        {
            return Err(Outcome::business_rule(format!(
                "operator.reference \"{reference}\" must be \"Practitioner/<id>\" or \"Patient/<id>\"."
            )));
        }
    }
    let Some(data) = data.filter(|d| !d.is_empty()) else {
        return Err(Outcome::business_rule(
            "content.data is missing or empty; put the image bytes, base64-encoded, in content.data.",
        ));
    };
    let Some(content_type) = content_type else {
        return Err(Outcome::business_rule(format!(
            "content.contentType is required when content.data is present (FHIR invariant att-1); use {ACCEPTED_CONTENT_TYPES}."
        )));
    };
    let Some(kind) = ImageKind::from_content_type(content_type) else {
        let hint = if content_type.eq_ignore_ascii_case("image/jpg") {
            " (the registered name is image/jpeg)"
        } else {
            ""
        };
        return Err(Outcome::business_rule(format!(
            "content.contentType \"{content_type}\" is not supported{hint}; use {ACCEPTED_CONTENT_TYPES}."
        )));
    };
    let bytes = decode_base64(data)?;
    check_image(&bytes, kind)?;

    let encounter = encounter.map(str::to_owned);
    resource.remove("id");
    if let Some(Value::Object(content)) = resource.get_mut("content") {
        content.remove("data");
        // A client-sent url would be stale; read answers with this server's own.
        content.remove("url");
        content.insert(
            "contentType".into(),
            Value::String(kind.content_type().into()),
        );
    }
    if let Some(Value::Object(subject)) = resource.get_mut("subject") {
        subject.insert("type".into(), Value::String("Patient".into()));
    }
    Ok(NewMedia {
        resource,
        patient,
        encounter,
        kind,
        bytes,
    })
}

fn missing(element: &str, fix: &str) -> Outcome {
    Outcome::invalid(format!(
        "The required element '{element}' is missing; {fix}."
    ))
}

fn required_string<'a>(
    resource: &'a Map<String, Value>,
    element: &str,
    fix: &str,
) -> Result<&'a str, Outcome> {
    match resource.get(element) {
        None | Some(Value::Null) => Err(missing(element, fix)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Outcome::invalid(format!(
            "'{element}' must be a string; {fix}."
        ))),
    }
}

/// `subject.reference`, which must exist (400) before its target is checked (422).
fn subject_reference(resource: &Map<String, Value>) -> Result<&str, Outcome> {
    let fix = "send {\"reference\": \"Patient/<id>\"}";
    match resource.get("subject") {
        None | Some(Value::Null) => Err(missing("subject", fix)),
        Some(Value::Object(subject)) => match subject.get("reference") {
            Some(Value::String(r)) => Ok(r),
            _ => Err(Outcome::invalid(format!(
                "subject.reference is missing or not a string; {fix}."
            ))),
        },
        Some(_) => Err(Outcome::invalid(format!(
            "subject must be a JSON object; {fix}."
        ))),
    }
}

fn patient_reference(reference: &str) -> Result<String, Outcome> {
    match typed_id(reference, "Patient") {
        Some(id) => Ok(format!("Patient/{id}")),
        None => Err(Outcome::business_rule(format!(
            "subject.reference \"{reference}\" must point to a patient as \"Patient/<id>\"."
        ))),
    }
}

fn optional_reference<'a>(
    resource: &'a Map<String, Value>,
    element: &str,
) -> Result<Option<&'a str>, Outcome> {
    match resource.get(element) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => match obj.get("reference") {
            Some(Value::String(r)) => Ok(Some(r)),
            _ => Err(Outcome::invalid(format!(
                "{element}.reference is missing or not a string."
            ))),
        },
        Some(_) => Err(Outcome::invalid(format!(
            "{element} must be a JSON object such as {{\"reference\": \"…\"}}."
        ))),
    }
}

fn check_array_of_objects(resource: &Map<String, Value>, element: &str) -> Result<(), Outcome> {
    match resource.get(element) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) => match items.iter().position(|item| !item.is_object()) {
            Some(i) => Err(Outcome::invalid(format!(
                "{element}[{i}] must be a JSON object."
            ))),
            None => Ok(()),
        },
        Some(_) => Err(Outcome::invalid(format!(
            "{element} must be a JSON array of objects."
        ))),
    }
}

/// The id in `"<Type>/<id>"` when it is a valid FHIR id (`[A-Za-z0-9\-.]{1,64}`).
pub fn typed_id<'a>(reference: &'a str, resource_type: &str) -> Option<&'a str> {
    let id = reference.strip_prefix(resource_type)?.strip_prefix('/')?;
    is_fhir_id(id).then_some(id)
}

pub fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn decode_base64(data: &str) -> Result<Vec<u8>, Outcome> {
    if data.starts_with("data:") {
        return Err(Outcome::business_rule(
            "content.data starts with a 'data:' URL prefix; send plain base64 without the prefix.",
        ));
    }
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|err| {
            Outcome::business_rule(format!(
                "content.data is not valid base64 ({err}); send standard base64 (A-Z, a-z, 0-9, +, / with = padding) without spaces or line breaks."
            ))
        })
}

fn check_image(bytes: &[u8], declared: ImageKind) -> Result<(), Outcome> {
    match sniff::sniff(bytes) {
        Some(kind) if kind == declared => Ok(()),
        Some(other) => Err(Outcome::business_rule(format!(
            "content.data holds a {} image but content.contentType says {}; send contentType {}.",
            other.name(),
            declared.content_type(),
            other.content_type()
        ))),
        None => {
            let found = sniff::describe_other(bytes)
                .map(|what| format!(" (it looks like {what})"))
                .unwrap_or_default();
            Err(Outcome::business_rule(format!(
                "content.data is not a {} image{found}: its bytes do not start with {}; send the image file's bytes in {ACCEPTED_CONTENT_TYPES} format.",
                declared.name(),
                declared.signature_description()
            )))
        }
    }
}

/// A stored Media as read and search show it: with `id` and `content.url`, never `data`.
pub fn render(stored: &str, id: &str, base_url: &str) -> Result<Value, serde_json::Error> {
    let mut resource: Map<String, Value> = serde_json::from_str(stored)?;
    resource.insert("id".into(), Value::String(id.to_owned()));
    if let Some(Value::Object(content)) = resource.get_mut("content") {
        content.remove("data");
        content.insert(
            "url".into(),
            Value::String(format!("{base_url}/Media/{id}/files/content")),
        );
    }
    Ok(Value::Object(resource))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::IssueCode;
    use serde_json::json;

    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];

    fn valid() -> Value {
        json!({
            "resourceType": "Media",
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "encounter": {"reference": "Encounter/e1"},
            "content": {"contentType": "image/jpeg", "data": base64::engine::general_purpose::STANDARD.encode(JPEG), "title": "t"},
            "identifier": [{"system": "urn:x", "value": "1"}]
        })
    }

    fn parse(v: &Value) -> Result<NewMedia, Outcome> {
        parse_create(v.to_string().as_bytes())
    }

    fn code_of(v: Value) -> (u16, IssueCode) {
        let err = parse(&v).expect_err("should be refused");
        (err.status.as_u16(), err.code)
    }

    #[test]
    fn accepts_a_canvas_shaped_create() {
        let media = parse(&valid()).expect("valid");
        assert_eq!(media.patient, "Patient/p1");
        assert_eq!(media.encounter.as_deref(), Some("Encounter/e1"));
        assert_eq!(media.bytes, JPEG);
        assert!(media.resource["content"].get("data").is_none());
        assert_eq!(media.resource["subject"]["type"], "Patient");
        assert_eq!(media.resource["identifier"][0]["value"], "1");
    }

    #[test]
    fn malformed_or_missing_required_is_400() {
        assert_eq!(parse_create(b"{").unwrap_err().status.as_u16(), 400);
        for field in ["resourceType", "status", "subject", "content"] {
            let mut v = valid();
            v.as_object_mut().unwrap().remove(field);
            assert_eq!(code_of(v), (400, IssueCode::Invalid), "{field}");
        }
        let mut v = valid();
        v["resourceType"] = json!("Patient");
        assert_eq!(code_of(v), (400, IssueCode::Invalid));
    }

    #[test]
    fn business_rules_are_422() {
        let cases: Vec<(&str, Value)> = vec![
            ("/status", json!("preliminary")),
            ("/content/contentType", json!("image/gif")),
            ("/content/data", json!("not base64!")),
            ("/content/data", json!("")),
            (
                "/content/data",
                json!(base64::engine::general_purpose::STANDARD.encode(b"hello")),
            ),
            ("/subject/reference", json!("Practitioner/x")),
        ];
        for (pointer, value) in cases {
            let mut v = valid();
            *v.pointer_mut(pointer).unwrap() = value.clone();
            assert_eq!(
                code_of(v),
                (422, IssueCode::BusinessRule),
                "{pointer}={value}"
            );
        }
    }

    #[test]
    fn render_adds_id_and_url_and_never_data() {
        let media = parse(&valid()).unwrap();
        let stored = serde_json::to_string(&media.resource).unwrap();
        let shown = render(&stored, "abc", "http://h:1").unwrap();
        assert_eq!(shown["id"], "abc");
        assert_eq!(
            shown["content"]["url"],
            "http://h:1/Media/abc/files/content"
        );
        assert!(shown["content"].get("data").is_none());
    }
}
