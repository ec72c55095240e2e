//! Did a create whose answer we never got reach the server? Decided from a search of the
//! patient's Media. Canvas documents neither conditional create nor search by
//! identifier, so the answer comes from what the search returns:
//!
//! - a Media carrying our identifier → created (that is its id);
//! - Media that carry identifiers, none ours → the server keeps identifiers, so ours
//!   would show: not created;
//! - no identifiers anywhere → compare title, notes and contentType (and encounter when
//!   the Media has one). Matches that were already there before the post (the
//!   baseline) or that belong to other queue items are not ours. None left → not
//!   created; exactly one left, measured against a baseline → created; anything else
//!   cannot be told apart → a person decides.

use serde_json::Value;

use super::item::Item;
use crate::fhir::text::non_blank_str;
use crate::fhir::IDENTIFIER_SYSTEM;

/// The parts of an item's Media that a search result is compared on.
#[derive(Debug, Clone, Copy)]
pub struct Key<'a> {
    pub identifier: &'a str,
    pub title: Option<&'a str>,
    pub notes: &'a [String],
    pub content_type: &'a str,
    pub encounter: Option<&'a str>,
}

impl<'a> Key<'a> {
    pub fn of(item: &'a Item) -> Self {
        Key {
            identifier: &item.identifier,
            title: item.title.as_deref(),
            notes: &item.notes,
            content_type: &item.content_type,
            encounter: item.encounter.as_deref(),
        }
    }

    /// Same title, notes and content type: the test for "could be taken for each
    /// other's Media" (encounters aside, which a server may not return).
    pub fn same_content(&self, other: &Key<'_>) -> bool {
        self.title == other.title
            && self.notes == other.notes
            && self.content_type == other.content_type
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Created(String),
    NotCreated,
    Unsure,
}

/// What else the verdict may lean on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// Content matches seen before the post, if they were captured.
    pub baseline: Option<&'a [String]>,
    /// Media ids that other queue items are known to have created.
    pub known_ids: &'a [&'a str],
    /// Another queue item with the same content key may have been stored without us
    /// learning its id, so a lone new match could be that one.
    pub twin_unresolved: bool,
}

pub fn reconcile(key: &Key<'_>, found: &[Value], cx: &Context<'_>) -> Verdict {
    if let Some(media) = found.iter().find(|m| carries(m, key.identifier)) {
        return match id_of(media) {
            Some(id) => Verdict::Created(id.to_string()),
            None => Verdict::Unsure,
        };
    }
    if echoes_identifiers(found) == Some(true) {
        return Verdict::NotCreated;
    }
    let baseline = cx.baseline.unwrap_or(&[]);
    // Plain loops rather than iterator chains: smaller wasm at the crate's opt-level 3.
    let mut candidate: Option<&str> = None;
    let mut count = 0;
    for media in found {
        if !matches_content(key, media) {
            continue;
        }
        let id = id_of(media).unwrap_or("");
        if baseline.iter().any(|b| b == id) || cx.known_ids.contains(&id) {
            continue;
        }
        candidate = Some(id);
        count += 1;
    }
    match (count, candidate) {
        (0, _) => Verdict::NotCreated,
        (1, Some(id)) if cx.baseline.is_some() && !id.is_empty() && !cx.twin_unresolved => {
            Verdict::Created(id.to_string())
        }
        _ => Verdict::Unsure,
    }
}

/// What a search says about the server: `Some(true)` when any Media has an
/// identifier, `Some(false)` when Media came back and none had one, `None` when
/// nothing came back.
pub fn echoes_identifiers(found: &[Value]) -> Option<bool> {
    if found.is_empty() {
        None
    } else {
        Some(found.iter().any(has_identifier))
    }
}

/// Ids of the found Media that share the item's content key: the baseline.
pub fn content_match_ids(key: &Key<'_>, found: &[Value]) -> Vec<String> {
    let mut ids = Vec::new();
    for media in found {
        if let Some(id) = id_of(media).filter(|_| matches_content(key, media)) {
            ids.push(id.to_string());
        }
    }
    ids
}

fn identifiers(media: &Value) -> impl Iterator<Item = &Value> {
    media
        .get("identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn has_identifier(media: &Value) -> bool {
    identifiers(media).any(|i| i.get("value").and_then(Value::as_str).is_some())
}

fn carries(media: &Value, value: &str) -> bool {
    identifiers(media).any(|i| {
        let system = i.get("system").and_then(Value::as_str);
        let v = i.get("value").and_then(Value::as_str).map(str::trim);
        v == Some(value) && system.is_none_or(|s| s.trim() == IDENTIFIER_SYSTEM)
    })
}

fn id_of(media: &Value) -> Option<&str> {
    media
        .get("id")
        .and_then(Value::as_str)
        .and_then(non_blank_str)
}

/// A string element, trimmed; blank is absent (our side is normalised the same way).
fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut v = v;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().and_then(non_blank_str)
}

fn matches_content(key: &Key<'_>, media: &Value) -> bool {
    if text(media, &["content", "title"]) != key.title
        || text(media, &["content", "contentType"]) != Some(key.content_type)
    {
        return false;
    }
    let notes = match media.get("note") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return false,
    };
    let mut ours = key.notes.iter();
    for note in notes {
        if let Some(t) = text(note, &["text"]) {
            if ours.next().map(String::as_str) != Some(t) {
                return false;
            }
        }
    }
    if ours.next().is_some() {
        return false;
    }
    // The server may leave encounter out of what it returns, so a missing one matches;
    // a different one, or one where ours has none, does not.
    match (key.encounter, text(media, &["encounter", "reference"])) {
        (Some(ours), Some(theirs)) => same_reference(ours, theirs),
        (None, Some(_)) => false,
        (_, None) => true,
    }
}

/// `Encounter/1` equals `https://host/Encounter/1`.
fn same_reference(a: &str, b: &str) -> bool {
    let suffix = |long: &str, short: &str| {
        long.strip_suffix(short)
            .is_some_and(|head| head.ends_with('/'))
    };
    a == b || suffix(a, b) || suffix(b, a)
}
