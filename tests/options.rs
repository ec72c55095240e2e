//! Every `invalid-options` message of prepareMedia's options, through the JSON reader
//! (the JS reader in src/web/prepare.rs feeds the same code; tests/options_web.rs covers
//! what only JS values can be).

use fhir_media_capture::{MediaError, PrepareOptions, Settings};

fn parse(json: &str) -> Result<Settings, MediaError> {
    PrepareOptions::from_json(json).and_then(|o| o.validate())
}

/// `{"subject":"Patient/1", <extra>}` must fail on `field` with exactly `reason`.
fn fails(extra: &str, field: &str, reason: &str) {
    let json = format!(r#"{{"subject":"Patient/1",{extra}}}"#);
    match parse(&json) {
        Err(MediaError::InvalidOptions {
            field: f,
            reason: r,
        }) => {
            assert_eq!((f.as_str(), r.as_str()), (field, reason), "{json}")
        }
        other => panic!("{json}: {other:?}"),
    }
}

fn ok(extra: &str) -> Settings {
    let json = format!(r#"{{"subject":"Patient/1",{extra}}}"#);
    parse(&json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

const U32: &str = "must be a whole number from 0 to 4294967295";
const U64: &str = "must be a whole number from 0 to 9007199254740991";

#[test]
fn whole_numbers() {
    for bad in [r#""big""#, "1.5", "-1", "4294967296", "true", "[16]", "{}"] {
        fails(&format!(r#""maxDimension":{bad}"#), "maxDimension", U32);
    }
    for (name, bad) in [
        ("maxBytes", r#""2MB""#),
        ("maxBytes", "1500.5"),
        ("maxInputBytes", "-1"),
        // Above 2^53 a JS number is not exact: refused as a number (JSON floats are
        // numbers); a JSON integer (or a JS BigInt) is exact and taken.
        ("maxPixels", "9007199254740992.0"),
        ("maxPixels", "false"),
    ] {
        fails(&format!(r#""{name}":{bad}"#), name, U64);
    }
    assert_eq!(
        ok(r#""maxPixels":18446744073709551615"#).max_pixels,
        u64::MAX
    );
    assert_eq!(ok(r#""maxDimension":512.0"#).max_dimension, 512);
    assert_eq!(ok(r#""maxBytes":1000"#).max_bytes, 1000);
    // In range for the type, out of range for the option: the check after reading.
    fails(
        r#""maxDimension":4294967295"#,
        "maxDimension",
        "must be between 16 and 16384 pixels, got 4294967295",
    );
    fails(
        r#""maxBytes":999"#,
        "maxBytes",
        "must be at least 1000 bytes, got 999",
    );
    fails(r#""maxInputBytes":0"#, "maxInputBytes", "must be positive");
    fails(r#""maxPixels":-0.0"#, "maxPixels", "must be positive");
}

#[test]
fn quality() {
    for bad in [r#""high""#, "true", "[0.5]"] {
        fails(
            &format!(r#""quality":{bad}"#),
            "quality",
            "must be a number",
        );
    }
    // No value echoed: formatting an f64 would cost the wasm ~14 KB.
    for bad in ["1.5", "0", "-0.5", "1.0000001"] {
        fails(
            &format!(r#""quality":{bad}"#),
            "quality",
            "must be a number greater than 0 and at most 1",
        );
    }
    assert_eq!(ok(r#""quality":1"#).quality, 1.0);
    assert_eq!(ok(r#""quality":0.5"#).quality, 0.5);
}

#[test]
fn choices_strings_lists_and_booleans() {
    fails(
        r#""format":"gif""#,
        "format",
        "must be one of auto, jpeg, png",
    );
    fails(
        r#""format":"JPEG""#,
        "format",
        "must be one of auto, jpeg, png",
    );
    fails(r#""format":1"#, "format", "must be a string");
    fails(
        r#""status":"final""#,
        "status",
        "must be one of completed, entered-in-error",
    );
    for name in ["encounter", "operator", "title", "identifier", "status"] {
        fails(&format!(r#""{name}":5"#), name, "must be a string");
    }
    match parse(r#"{"subject":["Patient/1"]}"#) {
        Err(MediaError::InvalidOptions { field, reason }) => {
            assert_eq!(
                (field.as_str(), reason.as_str()),
                ("subject", "must be a string")
            )
        }
        other => panic!("{other:?}"),
    }
    fails(r#""notes":"one""#, "notes", "must be a list of strings");
    fails(
        r#""notes":{"0":"one"}"#,
        "notes",
        "must be a list of strings",
    );
    fails(r#""notes":[1]"#, "notes[0]", "must be a string");
    fails(r#""notes":["a",null]"#, "notes[1]", "must be a string");
    fails(
        r#""progressive":"yes""#,
        "progressive",
        "must be true or false",
    );
    fails(r#""progressive":0"#, "progressive", "must be true or false");

    let s = ok(
        r#""format":"png","status":"entered-in-error","notes":["a"," ","b "],"progressive":false"#,
    );
    assert_eq!(s.format, fhir_media_capture::options::OutputFormat::Png);
    assert_eq!(s.status.as_str(), "entered-in-error");
    assert_eq!(s.notes, ["a", "b"]);
    assert!(!s.progressive);
}

#[test]
fn heic_mode() {
    use fhir_media_capture::options::HeicMode;
    assert_eq!(ok(r#""title":"t""#).heic, HeicMode::Convert, "default");
    assert_eq!(ok(r#""heic":"convert""#).heic, HeicMode::Convert);
    assert_eq!(ok(r#""heic":"keep""#).heic, HeicMode::Keep);
    assert_eq!(ok(r#""heic":null"#).heic, HeicMode::Convert);
    for bad in [r#""Keep""#, r#""original""#, r#""""#] {
        fails(
            &format!(r#""heic":{bad}"#),
            "heic",
            "must be one of convert, keep",
        );
    }
    fails(r#""heic":true"#, "heic", "must be a string");
}

#[test]
fn the_options_object() {
    for bad in ["[]", "5", r#""x""#, "true"] {
        match PrepareOptions::from_json(bad) {
            Err(MediaError::InvalidOptions { field, reason }) => {
                assert_eq!(
                    (field.as_str(), reason.as_str()),
                    ("options", "must be an object")
                )
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    match PrepareOptions::from_json("{") {
        Err(MediaError::InvalidOptions { field, reason }) => {
            assert_eq!(field, "options");
            assert!(reason.starts_with("is not JSON"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // null options are all defaults, as `undefined`/`null` are in JS; so the required
    // subject is what is missing.
    match parse("null") {
        Err(MediaError::InvalidOptions { field, .. }) => assert_eq!(field, "subject"),
        other => panic!("{other:?}"),
    }
    // Unknown names first, with the list of the real ones.
    fails(
        r#""quality":"high","maxDimenson":1"#,
        "maxDimenson",
        &format!(
            "is not an option of prepareMedia (options are: {})",
            PrepareOptions::NAMES.join(", ")
        ),
    );
    // Several bad values: the first in NAMES order is reported.
    fails(
        r#""progressive":1,"quality":"x""#,
        "quality",
        "must be a number",
    );
    let e = parse(r#"{"subject":"Patient/1","maxDimension":"x"}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("Invalid option `maxDimension`: {U32}")
    );
}

#[test]
fn null_is_absent_for_every_option() {
    let nulls: Vec<String> = PrepareOptions::NAMES
        .iter()
        .filter(|n| **n != "subject")
        .map(|n| format!(r#""{n}":null"#))
        .collect();
    let defaults = parse(r#"{"subject":"Patient/1"}"#).unwrap();
    assert_eq!(ok(&nulls.join(",")), defaults);
}
