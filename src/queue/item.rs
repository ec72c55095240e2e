//! One queued photo: what identifies its Media on the server (for reconciling), where it
//! is in its lifecycle, and what went wrong last. The same struct is the persisted
//! snapshot the JS driver stores in IndexedDB and hands back to `restore`.

use crate::error::MediaError;
use crate::fhir::text::{self, non_blank};

/// Where an item is. `Done`, `Failed` and `NeedsReview` release the item's encounter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Waiting,
    Uploading,
    Reconciling,
    Retrying,
    Done,
    Failed,
    NeedsReview,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Uploading => "uploading",
            State::Reconciling => "reconciling",
            State::Retrying => "retrying",
            State::Done => "done",
            State::Failed => "failed",
            State::NeedsReview => "needs-review",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        Some(match s {
            "waiting" => State::Waiting,
            "uploading" => State::Uploading,
            "reconciling" => State::Reconciling,
            "retrying" => State::Retrying,
            "done" => State::Done,
            "failed" => State::Failed,
            "needs-review" => State::NeedsReview,
            _ => return None,
        })
    }

    /// A request for the item is out.
    pub fn in_flight(self) -> bool {
        matches!(self, State::Uploading | State::Reconciling)
    }

    /// The item still holds its encounter: later items of it wait. For a view, it is
    /// still on its way to the server.
    pub fn holds_encounter(self) -> bool {
        matches!(
            self,
            State::Waiting | State::Uploading | State::Reconciling | State::Retrying
        )
    }

    /// Stopped until a person retries it (`retry`).
    pub fn retryable(self) -> bool {
        self == State::Failed
    }
}

/// The last failure, as the server (or the network) put it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemError {
    pub status: u16,
    pub text: String,
}

/// What `add` takes: the item's id and the parts of its Media that reconciling compares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewItem {
    pub id: Option<String>,
    pub encounter: Option<String>,
    pub patient: Option<String>,
    pub identifier: Option<String>,
    pub title: Option<String>,
    pub notes: Option<Vec<String>>,
    pub content_type: Option<String>,
}

/// An item with its state; also the `ItemSnapshot` of the JS API.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub encounter: Option<String>,
    pub patient: String,
    pub identifier: String,
    pub title: Option<String>,
    pub notes: Vec<String>,
    pub content_type: String,
    pub state: State,
    pub attempts: u32,
    pub retry_at_ms: Option<f64>,
    /// The last create may have reached the server: reconcile before creating again.
    pub needs_reconcile: bool,
    /// Some create of this item got no clear answer and no search has found it since:
    /// it may still land (a server finishing a request whose client left). Cleared only
    /// once the item is known created or a person decides. While set, a refusal is not
    /// final without a search first.
    pub uncertain: bool,
    pub media_id: Option<String>,
    pub error: Option<ItemError>,
    /// Ids of content-key matches seen just before the latest create was posted.
    pub baseline_ids: Option<Vec<String>>,
    pub added_at_ms: f64,
}

impl Item {
    /// The server holds the item's Media as `media_id`: nothing more to send or search.
    pub(crate) fn mark_done(&mut self, media_id: String) {
        self.state = State::Done;
        self.media_id = Some(media_id);
        self.needs_reconcile = false;
        self.uncertain = false;
        self.error = None;
    }

    /// Back in line from the start: waiting, with fresh attempts and no error. Whether
    /// it reconciles first is the caller's to say (`needs_reconcile`).
    pub(crate) fn restart(&mut self) {
        self.state = State::Waiting;
        self.attempts = 0;
        self.retry_at_ms = None;
        self.error = None;
    }
}

impl NewItem {
    /// Check and normalise into a waiting item. Title and notes are trimmed and blanks
    /// dropped, as `prepareMedia` does, so they compare equal to the posted Media.
    pub fn into_item(self, now_ms: f64) -> Result<Item, MediaError> {
        Ok(Item {
            id: required("id", self.id)?,
            encounter: self.encounter.and_then(non_blank),
            patient: required("patient", self.patient)?,
            identifier: required("identifier", self.identifier)?,
            title: self.title.and_then(non_blank),
            notes: text::notes(self.notes.unwrap_or_default()),
            content_type: required("contentType", self.content_type)?,
            state: State::Waiting,
            attempts: 0,
            retry_at_ms: None,
            needs_reconcile: false,
            uncertain: false,
            media_id: None,
            error: None,
            baseline_ids: None,
            added_at_ms: finite(now_ms),
        })
    }
}

fn required(field: &str, value: Option<String>) -> Result<String, MediaError> {
    value
        .and_then(non_blank)
        .ok_or_else(|| MediaError::invalid(field, "is required (a non-blank string)"))
}

fn finite(t: f64) -> f64 {
    if t.is_finite() {
        t
    } else {
        0.0
    }
}
