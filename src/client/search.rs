//! `GET /Media?patient=…`: the checked query, its URL, and one page of results.

use serde_json::Value;

use super::errors::ClientError;
use super::url::{encode_component, BaseUrl};
use crate::fhir::reference::{self, is_fhir_id, ReferenceKind};
use crate::fhir::{Bundle, Media};

/// Canvas's page size limit.
pub const MAX_COUNT: u32 = 100;

/// A checked search: the patient as `Patient/<id>`, `_count` 1–100, `_offset` ≥ 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub patient: String,
    pub count: Option<u32>,
    pub offset: Option<u32>,
}

impl SearchQuery {
    /// `patient` may be `Patient/<id>` or a bare id. Numbers come from JS, hence `f64`.
    pub fn new(
        patient: Option<&str>,
        count: Option<f64>,
        offset: Option<f64>,
    ) -> Result<Self, ClientError> {
        Self::new_showing(patient, count, offset, |v| v.to_string())
    }

    /// [`SearchQuery::new`], with the host's text for a fractional number in errors: the
    /// wasm edge passes JS's own `String(n)` (the same digits as Rust's `{}`), since
    /// linking a shortest float printer costs the browser module ~2 KB gzip.
    pub fn new_showing(
        patient: Option<&str>,
        count: Option<f64>,
        offset: Option<f64>,
        show_fraction: fn(f64) -> String,
    ) -> Result<Self, ClientError> {
        let patient = match patient.map(str::trim) {
            None | Some("") => {
                return Err(ClientError::invalid(
                    "patient",
                    "is required: whose Media to list, as `Patient/<id>`",
                ))
            }
            Some(p) if p.contains('/') => {
                reference::check("patient", p, &[ReferenceKind::Patient])?
            }
            Some(id) if is_fhir_id(id) => format!("Patient/{id}"),
            Some(other) => {
                return Err(ClientError::invalid(
                    "patient",
                    format!("must be `Patient/<id>` or a FHIR id, got {other:?}"),
                ))
            }
        };
        let count = count
            .map(|c| whole("count", c, 1, MAX_COUNT, "between 1 and 100", show_fraction))
            .transpose()?;
        let offset = offset
            .map(|o| {
                let want = "a whole number of at least 0";
                whole("offset", o, 0, u32::MAX, want, show_fraction)
            })
            .transpose()?;
        Ok(SearchQuery {
            patient,
            count,
            offset,
        })
    }

    pub fn url(&self, base: &BaseUrl) -> String {
        let mut url = format!(
            "{}?patient={}",
            base.media(),
            encode_component(&self.patient)
        );
        if let Some(count) = self.count {
            url.push_str(&format!("&_count={count}"));
        }
        if let Some(offset) = self.offset {
            url.push_str(&format!("&_offset={offset}"));
        }
        url
    }
}

fn whole(
    field: &str,
    value: f64,
    min: u32,
    max: u32,
    want: &str,
    show_fraction: fn(f64) -> String,
) -> Result<u32, ClientError> {
    let ok = value.fract() == 0.0 && value >= f64::from(min) && value <= f64::from(max);
    if ok {
        Ok(value as u32)
    } else {
        Err(ClientError::invalid(
            field,
            format!("must be {want}, got {}", show_number(value, show_fraction)),
        ))
    }
}

/// A number as `{}` shows an f64, with only fractional (or huge) ones left to
/// `show_fraction`: NaN, infinities and whole numbers are written with integers.
fn show_number(value: f64, show_fraction: fn(f64) -> String) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if value.fract() == 0.0 && value.abs() < 1e18 {
        let sign = if value.is_sign_negative() { "-" } else { "" };
        format!("{sign}{}", value.abs() as u64)
    } else {
        show_fraction(value)
    }
}

/// One page of a search, ready for the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// How many Media match in all (Bundle.total), when the server says.
    pub total: Option<u64>,
    pub entries: Vec<Media>,
    /// The absolute URL of the next page; `None` on the last page.
    pub next: Option<String>,
}

impl Page {
    /// A searchset Bundle → a page: Media entries only (an `outcome` or `include`
    /// entry of another type is skipped), and the `next` link resolved and same-origin.
    pub fn from_bundle(bundle: Bundle<Value>, base: &BaseUrl) -> Result<Self, ClientError> {
        if bundle.resource_type != "Bundle" {
            return Err(ClientError::invalid_response(
                200,
                format!(
                    "the search answered a {} instead of a Bundle",
                    bundle.resource_type
                ),
            ));
        }
        let next = bundle
            .link("next")
            .map(|link| base.follow(link, "next"))
            .transpose()?;
        let entries = bundle
            .entry
            .into_iter()
            .enumerate()
            .filter_map(|(i, e)| Some((i, e.resource?)))
            .filter(|(_, r)| r.get("resourceType").and_then(Value::as_str) == Some("Media"))
            .map(|(i, r)| Media::read(r, &format!("entry[{i}].resource")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                ClientError::invalid_response(
                    200,
                    format!("a Media in the Bundle is malformed: {e}"),
                )
            })?;
        Ok(Page {
            total: bundle.total,
            entries,
            next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: ClientError) -> String {
        match err {
            ClientError::InvalidOptions(crate::MediaError::InvalidOptions { field, .. }) => field,
            other => panic!("expected invalid-options, got {other:?}"),
        }
    }

    #[test]
    fn query_urls_encode_the_patient() {
        let base = BaseUrl::parse("https://h.example/").expect("base");
        let q = SearchQuery::new(Some("Patient/b8df"), Some(10.0), Some(20.0)).expect("query");
        assert_eq!(
            q.url(&base),
            "https://h.example/Media?patient=Patient%2Fb8df&_count=10&_offset=20"
        );
        let bare = SearchQuery::new(Some(" b8df "), None, None).expect("bare id");
        assert_eq!(bare.patient, "Patient/b8df");
        assert_eq!(
            bare.url(&base),
            "https://h.example/Media?patient=Patient%2Fb8df"
        );
    }

    #[test]
    fn bad_queries_name_their_field() {
        type Case = (Option<&'static str>, Option<f64>, Option<f64>, &'static str);
        let bad: [Case; 10] = [
            (None, None, None, "patient"),
            (Some(""), None, None, "patient"),
            (Some("Encounter/1"), None, None, "patient"),
            (Some("a&b=c"), None, None, "patient"),
            (Some("p1"), Some(0.0), None, "count"),
            (Some("p1"), Some(101.0), None, "count"),
            (Some("p1"), Some(2.5), None, "count"),
            (Some("p1"), Some(f64::NAN), None, "count"),
            (Some("p1"), None, Some(-1.0), "offset"),
            (Some("p1"), None, Some(f64::INFINITY), "offset"),
        ];
        for (patient, count, offset, field) in bad {
            let err = SearchQuery::new(patient, count, offset).expect_err(field);
            assert_eq!(field_of(err), field, "{patient:?} {count:?} {offset:?}");
        }
        assert!(SearchQuery::new(Some("p1"), Some(100.0), Some(0.0)).is_ok());
    }

    #[test]
    fn numbers_in_errors_read_as_before() {
        let whole_or_special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            101.0,
            4e15,
            1e17,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for v in whole_or_special {
            assert_eq!(
                show_number(v, |_| "fraction".into()),
                format!("{v}"),
                "{v:?}"
            );
        }
        for v in [2.5, -2.5, 0.1, 1e-3, 123.456, 1e20] {
            assert_eq!(show_number(v, |_| "fraction".into()), "fraction", "{v:?}");
        }
        let err = SearchQuery::new(Some("p1"), Some(2.5), None).expect_err("2.5");
        assert_eq!(
            err.text(),
            "Invalid option `count`: must be between 1 and 100, got 2.5"
        );
    }
}
