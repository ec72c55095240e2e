//! FHIR literal references (`Patient/<id>`) as Canvas expects them on create.

use crate::error::MediaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    Patient,
    Encounter,
    Practitioner,
}

impl ReferenceKind {
    pub fn resource_type(self) -> &'static str {
        match self {
            ReferenceKind::Patient => "Patient",
            ReferenceKind::Encounter => "Encounter",
            ReferenceKind::Practitioner => "Practitioner",
        }
    }
}

/// Check `value` is `<Type>/<id>` with one of the allowed types and a valid FHIR id
/// (`[A-Za-z0-9\-\.]{1,64}`); returns it trimmed. `field` names the option in errors.
pub fn check(field: &str, value: &str, allowed: &[ReferenceKind]) -> Result<String, MediaError> {
    let v = value.trim();
    let expected = allowed
        .iter()
        .map(|k| format!("`{}/<id>`", k.resource_type()))
        .collect::<Vec<_>>()
        .join(" or ");
    let Some((ty, id)) = v.split_once('/') else {
        return Err(MediaError::invalid(
            field,
            format!("must be a reference like {expected}, got {value:?}"),
        ));
    };
    if !allowed.iter().any(|k| k.resource_type() == ty) {
        return Err(MediaError::invalid(
            field,
            format!("must reference {expected}, got {value:?}"),
        ));
    }
    if !is_fhir_id(id) {
        return Err(MediaError::invalid(
            field,
            format!("{id:?} is not a valid FHIR id (1-64 letters, digits, '-' or '.')"),
        ));
    }
    Ok(v.to_string())
}

pub fn is_fhir_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}
