//! `GET /Media` search parameters and the paging links Canvas returns: relative
//! `self`/`first`/`next`/`last` built from `_count` and `_offset`, no `next` on the last
//! page, and no links at all for an empty result.

use serde::Serialize;

use crate::media::{is_fhir_id, typed_id};
use crate::outcome::Outcome;

pub const DEFAULT_COUNT: u32 = 10;
pub const MAX_COUNT: u32 = 100;

/// A validated search. `patient` is always in `Patient/<id>` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub patient: Option<String>,
    pub id: Option<String>,
    pub count: u32,
    pub offset: u64,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Link {
    pub relation: &'static str,
    pub url: String,
}

impl Search {
    /// Parses the raw query string. Unknown parameters are ignored, as FHIR's lenient
    /// handling does; a documented one given twice is refused as ambiguous.
    pub fn parse(query: Option<&str>) -> Result<Self, Outcome> {
        let mut patient = None;
        let mut id = None;
        let mut count = None;
        let mut offset = None;
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match key.as_ref() {
                "patient" => &mut patient,
                "_id" => &mut id,
                "_count" => &mut count,
                "_offset" => &mut offset,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Outcome::invalid(format!(
                    "The search parameter '{key}' was given more than once; give it once."
                )));
            }
            *slot = Some(value.into_owned());
        }

        let patient = patient.map(|p| parse_patient(&p)).transpose()?;
        let id = match id {
            Some(id) if is_fhir_id(&id) => Some(id),
            Some(id) => {
                return Err(Outcome::invalid(format!(
                    "_id \"{id}\" is not a valid resource id (1-64 letters, digits, '-' or '.')."
                )))
            }
            None => None,
        };
        if patient.is_none() && id.is_none() {
            return Err(Outcome::invalid(
                "Searching Media needs a patient: GET /Media?patient=Patient/<id> (or _id=<Media id>).",
            ));
        }
        let count = match count {
            None => DEFAULT_COUNT,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_COUNT).contains(&n) => n,
                _ => {
                    return Err(Outcome::invalid(format!(
                        "_count must be a whole number from 1 to {MAX_COUNT}, not \"{raw}\"."
                    )))
                }
            },
        };
        let offset = match offset {
            None => 0,
            // SQLite offsets are i64; anything past that cannot hold results anyway.
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if n <= i64::MAX as u64 => n,
                _ => {
                    return Err(Outcome::invalid(format!(
                        "_offset must be a whole number of 0 or more, not \"{raw}\"."
                    )))
                }
            },
        };
        Ok(Self {
            patient,
            id,
            count,
            offset,
        })
    }

    /// The Bundle links for a result of `total` matches; empty when there are none.
    pub fn links(&self, total: u64) -> Vec<Link> {
        if total == 0 {
            return Vec::new();
        }
        let count = u64::from(self.count);
        let last = (total - 1) / count * count;
        let mut links = vec![self.link("self", self.offset), self.link("first", 0)];
        let next = self.offset.saturating_add(count);
        if next < total {
            links.push(self.link("next", next));
        }
        links.push(self.link("last", last));
        links
    }

    fn link(&self, relation: &'static str, offset: u64) -> Link {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(patient) = &self.patient {
            query.append_pair("patient", patient);
        }
        if let Some(id) = &self.id {
            query.append_pair("_id", id);
        }
        query.append_pair("_count", &self.count.to_string());
        query.append_pair("_offset", &offset.to_string());
        Link {
            relation,
            url: format!("/Media?{}", query.finish()),
        }
    }
}

/// Accepts `Patient/<id>` or a bare id, as Canvas's clients send either.
fn parse_patient(raw: &str) -> Result<String, Outcome> {
    if let Some(id) = typed_id(raw, "Patient") {
        return Ok(format!("Patient/{id}"));
    }
    if is_fhir_id(raw) {
        return Ok(format!("Patient/{raw}"));
    }
    Err(Outcome::invalid(format!(
        "patient must be \"Patient/<id>\" or a bare patient id, not \"{raw}\"."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(search: &Search, total: u64) -> Vec<(String, String)> {
        search
            .links(total)
            .into_iter()
            .map(|l| (l.relation.to_owned(), l.url))
            .collect()
    }

    #[test]
    fn links_match_the_canvas_example() {
        let s = Search::parse(Some("patient=Patient%2Fb8dfa97bdcdf4754bcd8197ca78ef0f0")).unwrap();
        let u = "/Media?patient=Patient%2Fb8dfa97bdcdf4754bcd8197ca78ef0f0&_count=10&_offset=0";
        assert_eq!(
            urls(&s, 1),
            vec![
                ("self".into(), u.into()),
                ("first".into(), u.into()),
                ("last".into(), u.into())
            ]
        );
    }

    #[test]
    fn paging_has_next_until_the_last_page() {
        let s = Search::parse(Some("patient=p&_count=10&_offset=10")).unwrap();
        let rel: Vec<_> = urls(&s, 25)
            .into_iter()
            .map(|(r, u)| format!("{r} {u}"))
            .collect();
        assert_eq!(
            rel,
            [
                "self /Media?patient=Patient%2Fp&_count=10&_offset=10",
                "first /Media?patient=Patient%2Fp&_count=10&_offset=0",
                "next /Media?patient=Patient%2Fp&_count=10&_offset=20",
                "last /Media?patient=Patient%2Fp&_count=10&_offset=20",
            ]
        );
        let last = Search { offset: 20, ..s };
        assert!(last.links(25).iter().all(|l| l.relation != "next"));
        assert!(last.links(0).is_empty());
    }

    #[test]
    fn bad_parameters_are_400() {
        for q in [
            "",
            "_count=5",
            "patient=p&_count=0",
            "patient=p&_count=101",
            "patient=p&_count=x",
            "patient=p&_offset=-1",
            "patient=Practitioner/1",
            "patient=p&patient=q",
        ] {
            assert_eq!(
                Search::parse(Some(q)).unwrap_err().status.as_u16(),
                400,
                "{q}"
            );
        }
        assert!(Search::parse(Some("_id=abc")).is_ok());
    }
}
