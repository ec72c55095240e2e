//! Options for `prepareMedia`: parsed once at the edge into [`PrepareOptions`], then
//! checked into [`Settings`], the plain values the pipeline runs on. Unknown names are
//! rejected so that a typo (`maxDimenson`) fails loudly instead of being ignored.

use serde::Deserialize;

use crate::error::MediaError;
use crate::fhir::reference::{self, ReferenceKind};

pub const DEFAULT_MAX_DIMENSION: u32 = 2048;
pub const DEFAULT_MAX_BYTES: u64 = 2_000_000;
pub const DEFAULT_QUALITY: f64 = 0.85;
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 50_000_000;
pub const DEFAULT_MAX_PIXELS: u64 = 100_000_000;
/// Below this JPEG quality the budget shrinks the picture instead of degrading it further.
pub const MIN_QUALITY: f64 = 0.5;

/// The options exactly as a caller wrote them (JS object or JSON).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PrepareOptions {
    pub max_dimension: Option<u32>,
    pub max_bytes: Option<u64>,
    pub quality: Option<f64>,
    pub format: Option<OutputFormat>,
    pub subject: Option<String>,
    pub encounter: Option<String>,
    pub operator: Option<String>,
    pub status: Option<Status>,
    pub title: Option<String>,
    pub notes: Option<Vec<String>>,
    pub identifier: Option<String>,
    pub max_input_bytes: Option<u64>,
    pub max_pixels: Option<u64>,
    pub progressive: Option<bool>,
}

/// Which encoding the output uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// JPEG, unless the image has real transparency (then PNG).
    #[default]
    Auto,
    /// JPEG always; transparency is flattened onto white.
    Jpeg,
    /// PNG always (lossless).
    Png,
}

/// Media.status values Canvas accepts on create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    #[default]
    Completed,
    EnteredInError,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::EnteredInError => "entered-in-error",
        }
    }
}

/// Checked, defaulted options: every value here is in range.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub max_dimension: u32,
    pub max_bytes: u64,
    pub quality: f64,
    pub format: OutputFormat,
    pub subject: String,
    pub encounter: Option<String>,
    pub operator: Option<String>,
    pub status: Status,
    pub title: Option<String>,
    pub notes: Vec<String>,
    pub identifier: Option<String>,
    pub max_input_bytes: u64,
    pub max_pixels: u64,
    /// Progressive JPEG (the default): smaller, and shown coarse-to-fine while loading;
    /// `false` writes baseline (sequential) JPEG for consumers that need it.
    pub progressive: bool,
}

impl PrepareOptions {
    /// Every option name, for callers whose deserializer cannot see unknown keys
    /// (serde-wasm-bindgen only looks up declared fields). Kept in sync by a test.
    pub const NAMES: [&'static str; 14] = [
        "maxDimension",
        "maxBytes",
        "quality",
        "format",
        "subject",
        "encounter",
        "operator",
        "status",
        "title",
        "notes",
        "identifier",
        "maxInputBytes",
        "maxPixels",
        "progressive",
    ];

    /// `invalid-options` for the first name that is not an option.
    pub fn reject_unknown<S: AsRef<str>>(
        names: impl IntoIterator<Item = S>,
    ) -> Result<(), MediaError> {
        match names
            .into_iter()
            .find(|n| !Self::NAMES.contains(&n.as_ref()))
        {
            Some(name) => Err(MediaError::invalid(
                name.as_ref(),
                format!(
                    "is not an option of prepareMedia (options are: {})",
                    Self::NAMES.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }

    /// Parse from JSON text (native callers and tests); errors name the offending field.
    pub fn from_json(text: &str) -> Result<Self, MediaError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(path_error)
    }

    /// Apply defaults and check every value.
    pub fn validate(self) -> Result<Settings, MediaError> {
        let max_dimension = self.max_dimension.unwrap_or(DEFAULT_MAX_DIMENSION);
        if !(16..=16_384).contains(&max_dimension) {
            return Err(MediaError::invalid(
                "maxDimension",
                format!("must be between 16 and 16384 pixels, got {max_dimension}"),
            ));
        }
        let max_bytes = self.max_bytes.unwrap_or(DEFAULT_MAX_BYTES);
        if max_bytes < 1_000 {
            return Err(MediaError::invalid(
                "maxBytes",
                format!("must be at least 1000 bytes, got {max_bytes}"),
            ));
        }
        let quality = self.quality.unwrap_or(DEFAULT_QUALITY);
        if !(quality > 0.0 && quality <= 1.0) {
            return Err(MediaError::invalid(
                "quality",
                format!("must be a number greater than 0 and at most 1, got {quality}"),
            ));
        }
        let subject = match self.subject {
            Some(s) => reference::check("subject", &s, &[ReferenceKind::Patient])?,
            None => {
                return Err(MediaError::invalid(
                    "subject",
                    "is required: the patient the photo belongs to, as `Patient/<id>`",
                ))
            }
        };
        let encounter = self
            .encounter
            .map(|e| reference::check("encounter", &e, &[ReferenceKind::Encounter]))
            .transpose()?;
        let operator = self
            .operator
            .map(|o| {
                reference::check(
                    "operator",
                    &o,
                    &[ReferenceKind::Practitioner, ReferenceKind::Patient],
                )
            })
            .transpose()?;
        let identifier = self.identifier.map(|i| check_identifier(&i)).transpose()?;
        let max_input_bytes = self.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES);
        let max_pixels = self.max_pixels.unwrap_or(DEFAULT_MAX_PIXELS);
        if max_input_bytes == 0 {
            return Err(MediaError::invalid("maxInputBytes", "must be positive"));
        }
        if max_pixels == 0 {
            return Err(MediaError::invalid("maxPixels", "must be positive"));
        }
        Ok(Settings {
            max_dimension,
            max_bytes,
            quality,
            format: self.format.unwrap_or_default(),
            subject,
            encounter,
            operator,
            status: self.status.unwrap_or_default(),
            // FHIR strings may not be empty: blank text is treated as absent.
            title: self.title.and_then(non_blank),
            notes: self
                .notes
                .unwrap_or_default()
                .into_iter()
                .filter_map(non_blank)
                .collect(),
            identifier,
            max_input_bytes,
            max_pixels,
            progressive: self.progressive.unwrap_or(true),
        })
    }
}

/// Turn a serde error with its path into an `invalid-options` error naming the field.
pub fn path_error<E: std::fmt::Display>(err: serde_path_to_error::Error<E>) -> MediaError {
    let path = err.path().to_string();
    let inner = err.inner().to_string();
    // Unknown fields are reported by serde at the parent; the message names them.
    if let Some(name) = inner
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        if let Err(e) = PrepareOptions::reject_unknown([name]) {
            return e;
        }
    }
    let field = if path == "." {
        "options".to_string()
    } else {
        path
    };
    MediaError::invalid(&field, inner)
}

fn non_blank(s: String) -> Option<String> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// A client-chosen identifier must be an absolute URI (we use `urn:uuid:…`).
fn check_identifier(value: &str) -> Result<String, MediaError> {
    let v = value.trim();
    let ok = v.len() <= 256
        && v.contains(':')
        && !v.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(v.to_string())
    } else {
        Err(MediaError::invalid(
            "identifier",
            format!("must be an absolute URI such as `urn:uuid:…`, got {value:?}"),
        ))
    }
}
