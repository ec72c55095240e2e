//! Options for `prepareMedia`: parsed once at the edge into [`PrepareOptions`], then
//! checked into [`Settings`], the plain values the pipeline runs on. Unknown names are
//! rejected so that a typo (`maxDimenson`) fails loudly instead of being ignored.
//!
//! The reading is by hand, one name at a time through [`OptionSource`], rather than with
//! serde's derive: in the browser wasm the derive, serde_path_to_error and serde's
//! float-formatting messages cost ~20 KB. The same reader serves JS objects (src/web)
//! and JSON (native callers and tests), so both give the same errors.

use crate::error::MediaError;
use crate::fhir::reference::{self, ReferenceKind};
use crate::fhir::text;
use crate::pipeline::quality::Thresholds;

pub const DEFAULT_MAX_DIMENSION: u32 = 2048;
pub const DEFAULT_MAX_BYTES: u64 = 2_000_000;
pub const DEFAULT_QUALITY: f64 = 0.85;
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 50_000_000;
pub const DEFAULT_MAX_PIXELS: u64 = 100_000_000;
/// Below this JPEG quality the budget shrinks the picture instead of degrading it further.
pub const MIN_QUALITY: f64 = 0.5;

/// The options exactly as a caller wrote them (JS object or JSON).
#[derive(Debug, Clone, Default)]
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
    pub heic: Option<HeicMode>,
    /// `Some(None)`: `checks: false`; `Some(Some(t))`: `true` or an object of thresholds.
    pub checks: Option<Option<Thresholds>>,
}

/// What happens to a HEIC/HEIF photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeicMode {
    /// Converted like any photo (oriented, downsized, JPEG); `heic-not-decodable` when it
    /// cannot be decoded here.
    #[default]
    Convert,
    /// Sent as the original HEIC with its Exif and XMP items blanked in place (by the
    /// codecs module): no decoding, resizing or transcoding, and `maxBytes` does not apply.
    Keep,
}

/// Which encoding the output uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
    pub heic: HeicMode,
    /// The retake checks (blur, exposure) and when they warn; `None` skips them.
    pub checks: Option<Thresholds>,
}

impl PrepareOptions {
    /// Every option name, in the order they are read (the first bad one is reported).
    pub const NAMES: [&'static str; 16] = [
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
        "heic",
        "checks",
    ];

    /// The thresholds a `checks` object may set.
    pub const CHECK_NAMES: [&'static str; 5] = [
        "minSharpness",
        "minBrightness",
        "maxClippedDark",
        "maxBrightness",
        "maxClippedBright",
    ];

    /// Parse from JSON text (native callers and tests); errors name the offending field.
    pub fn from_json(text: &str) -> Result<Self, MediaError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| MediaError::invalid("options", format!("is not JSON: {e}")))?;
        match value {
            serde_json::Value::Null => Ok(Self::default()),
            serde_json::Value::Object(map) => {
                reject_unknown("prepareMedia", &Self::NAMES, map.keys())?;
                Self::read(&map)
            }
            _ => Err(MediaError::invalid("options", "must be an object")),
        }
    }

    /// Read every option from `source` (unknown names already rejected).
    pub fn read(source: &impl OptionSource) -> Result<Self, MediaError> {
        let [max_dimension, max_bytes, quality, format, subject, encounter, operator, status, title, notes, identifier, max_input_bytes, max_pixels, progressive, heic, checks] =
            Self::NAMES;
        Ok(PrepareOptions {
            max_dimension: whole(source, max_dimension, U32_MAX, U32_MAX, U32_MESSAGE)?
                .map(|v| v as u32),
            max_bytes: whole(source, max_bytes, MAX_SAFE, u64::MAX, U64_MESSAGE)?,
            quality: match source.get(quality)? {
                OptionValue::Absent | OptionValue::Null => None,
                OptionValue::Number(v) => Some(v),
                OptionValue::Whole(v) => Some(v as f64),
                _ => return Err(MediaError::invalid(quality, "must be a number")),
            },
            format: match string(source, format)?.as_deref() {
                None => None,
                Some("auto") => Some(OutputFormat::Auto),
                Some("jpeg") => Some(OutputFormat::Jpeg),
                Some("png") => Some(OutputFormat::Png),
                Some(_) => return Err(MediaError::invalid(format, FORMAT_MESSAGE)),
            },
            subject: string(source, subject)?,
            encounter: string(source, encounter)?,
            operator: string(source, operator)?,
            status: match string(source, status)?.as_deref() {
                None => None,
                Some("completed") => Some(Status::Completed),
                Some("entered-in-error") => Some(Status::EnteredInError),
                Some(_) => return Err(MediaError::invalid(status, STATUS_MESSAGE)),
            },
            title: string(source, title)?,
            notes: match source.get(notes)? {
                OptionValue::Absent | OptionValue::Null => None,
                OptionValue::List(items) => Some(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, item)| match item {
                            OptionValue::String(s) => Ok(s),
                            // The failing element's path: `notes[1]`.
                            _ => Err(MediaError::invalid(
                                &format!("{notes}[{i}]"),
                                "must be a string",
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                _ => return Err(MediaError::invalid(notes, "must be a list of strings")),
            },
            identifier: string(source, identifier)?,
            max_input_bytes: whole(source, max_input_bytes, MAX_SAFE, u64::MAX, U64_MESSAGE)?,
            max_pixels: whole(source, max_pixels, MAX_SAFE, u64::MAX, U64_MESSAGE)?,
            progressive: match source.get(progressive)? {
                OptionValue::Absent | OptionValue::Null => None,
                OptionValue::Bool(b) => Some(b),
                _ => return Err(MediaError::invalid(progressive, "must be true or false")),
            },
            heic: match string(source, heic)?.as_deref() {
                None => None,
                Some("convert") => Some(HeicMode::Convert),
                Some("keep") => Some(HeicMode::Keep),
                Some(_) => return Err(MediaError::invalid(heic, "must be one of convert, keep")),
            },
            checks: match source.get(checks)? {
                OptionValue::Absent | OptionValue::Null => None,
                OptionValue::Bool(on) => Some(on.then(Thresholds::default)),
                OptionValue::Record(fields) => Some(Some(read_thresholds(&fields)?)),
                _ => return Err(MediaError::invalid(checks, CHECKS_MESSAGE)),
            },
        })
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
                // No `got {quality}`: formatting an f64 links ~14 KB of float printing.
                "must be a number greater than 0 and at most 1",
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
            title: self.title.and_then(text::non_blank),
            notes: text::notes(self.notes.unwrap_or_default()),
            identifier,
            max_input_bytes,
            max_pixels,
            progressive: self.progressive.unwrap_or(true),
            heic: self.heic.unwrap_or_default(),
            checks: self.checks.unwrap_or(Some(Thresholds::default())),
        })
    }
}

/// `invalid-options` for the first of `keys` that is not one of `names`, the options of
/// `what`: the one check of every options object, JSON or JS.
pub fn reject_unknown<S: AsRef<str>>(
    what: &str,
    names: &[&str],
    keys: impl IntoIterator<Item = S>,
) -> Result<(), MediaError> {
    match keys.into_iter().find(|n| !names.contains(&n.as_ref())) {
        Some(name) => Err(MediaError::invalid(
            name.as_ref(),
            format!(
                "is not an option of {what} (options are: {})",
                names.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// One option's value as the caller wrote it, whatever the source.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// Missing, or `undefined`.
    Absent,
    /// `null`: treated as absent.
    Null,
    Bool(bool),
    /// A JS number, or a JSON number that is not a non-negative integer.
    Number(f64),
    /// A JSON non-negative integer, or a JS BigInt within u64.
    Whole(u64),
    String(String),
    /// An array (or, from JS, another iterable object).
    List(Vec<OptionValue>),
    /// A plain object: its own enumerable properties, in order.
    Record(Vec<(String, OptionValue)>),
    /// Anything else (an object, a function, a symbol, an out-of-range BigInt).
    Other,
}

/// Where options come from: a JS object in the browser, JSON natively.
pub trait OptionSource {
    /// The value under `name`; `Err` only when the source itself fails (a throwing getter).
    fn get(&self, name: &str) -> Result<OptionValue, MediaError>;
}

impl OptionSource for serde_json::Map<String, serde_json::Value> {
    fn get(&self, name: &str) -> Result<OptionValue, MediaError> {
        Ok(self.get(name).map_or(OptionValue::Absent, json_value))
    }
}

fn json_value(v: &serde_json::Value) -> OptionValue {
    use serde_json::Value;
    match v {
        Value::Null => OptionValue::Null,
        Value::Bool(b) => OptionValue::Bool(*b),
        Value::Number(n) => match n.as_u64() {
            Some(w) => OptionValue::Whole(w),
            None => OptionValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => OptionValue::String(s.clone()),
        Value::Array(items) => OptionValue::List(items.iter().map(json_value).collect()),
        Value::Object(map) => OptionValue::Record(
            map.iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect(),
        ),
    }
}

/// The largest integer a JS number holds exactly (Number.MAX_SAFE_INTEGER): a number
/// above it may not be the one the caller wrote, so it is refused.
const MAX_SAFE: u64 = (1 << 53) - 1;
const U32_MAX: u64 = u32::MAX as u64;
const U32_MESSAGE: &str = "must be a whole number from 0 to 4294967295";
const U64_MESSAGE: &str = "must be a whole number from 0 to 9007199254740991";
const FORMAT_MESSAGE: &str = "must be one of auto, jpeg, png";
const STATUS_MESSAGE: &str = "must be one of completed, entered-in-error";
const CHECKS_MESSAGE: &str = "must be true, false or an object of thresholds";
const CHECK_NAME_MESSAGE: &str = "is not a threshold of checks (thresholds are: minSharpness, \
    minBrightness, maxClippedDark, maxBrightness, maxClippedBright)";
const CHECK_VALUE_MESSAGE: &str = "thresholds must be numbers from 0 to 1";

/// `checks: { minSharpness, … }`: each a number from 0 to 1; the rest keep their defaults.
fn read_thresholds(fields: &[(String, OptionValue)]) -> Result<Thresholds, MediaError> {
    // Not through reject_unknown: one more instance of it costs more wasm than this.
    if let Some((key, _)) = fields
        .iter()
        .find(|(k, _)| !PrepareOptions::CHECK_NAMES.contains(&k.as_str()))
    {
        return Err(MediaError::invalid(key, CHECK_NAME_MESSAGE));
    }
    let mut t = Thresholds::default();
    for (key, value) in fields {
        let v = match value {
            OptionValue::Number(v) if (0.0..=1.0).contains(v) => *v,
            OptionValue::Whole(v @ 0..=1) => *v as f64,
            OptionValue::Absent | OptionValue::Null => continue,
            _ => return Err(MediaError::invalid("checks", CHECK_VALUE_MESSAGE)),
        };
        let slot = match key.as_str() {
            "minSharpness" => &mut t.min_sharpness,
            "minBrightness" => &mut t.min_brightness,
            "maxClippedDark" => &mut t.max_clipped_dark,
            "maxBrightness" => &mut t.max_brightness,
            _ => &mut t.max_clipped_bright,
        };
        *slot = v;
    }
    Ok(t)
}

/// A whole number: a number up to `max_number`, or an exact integer (JSON, BigInt) up to
/// `max_exact`.
fn whole(
    source: &impl OptionSource,
    name: &str,
    max_number: u64,
    max_exact: u64,
    message: &'static str,
) -> Result<Option<u64>, MediaError> {
    let v = match source.get(name)? {
        OptionValue::Absent | OptionValue::Null => return Ok(None),
        OptionValue::Whole(v) if v <= max_exact => Some(v),
        // -0 is a whole number too; both maxima are exact in f64, and so is the cast once
        // the range is checked (NaN and infinities fail it).
        OptionValue::Number(v) if v.fract() == 0.0 && (0.0..=max_number as f64).contains(&v) => {
            Some(v as u64)
        }
        _ => None,
    };
    v.map(Some)
        .ok_or_else(|| MediaError::invalid(name, message))
}

fn string(source: &impl OptionSource, name: &str) -> Result<Option<String>, MediaError> {
    match source.get(name)? {
        OptionValue::Absent | OptionValue::Null => Ok(None),
        OptionValue::String(s) => Ok(Some(s)),
        _ => Err(MediaError::invalid(name, "must be a string")),
    }
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
