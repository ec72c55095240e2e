//! FHIR strings may not be empty: blank text (title, notes, references) is treated as
//! absent, and kept text is trimmed. Every reader of caller text goes through here, so
//! the Media `prepareMedia` builds and the item the queue compares agree.

/// `s` trimmed, or `None` when nothing is left.
pub fn non_blank(s: String) -> Option<String> {
    non_blank_str(&s).map(str::to_string)
}

/// [`non_blank`] for text read in place (a search result's JSON).
pub fn non_blank_str(s: &str) -> Option<&str> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then_some(trimmed)
}

/// Notes as they go into `Media.note`: trimmed, blanks dropped.
pub fn notes(notes: Vec<String>) -> Vec<String> {
    notes.into_iter().filter_map(non_blank).collect()
}
