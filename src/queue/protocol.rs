//! What the scheduler and its driver say to each other: `poll` hands out [`Command`]s,
//! the driver reports each one's [`CommandOutcome`] to `settle`, and a person's decision
//! on an item no search could settle is a [`Review`]. [`classify`] says what a failed
//! answer's status means for the server's state.

use serde_json::Value;

/// What the driver should do next for an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// POST the item's Media. With `capture_baseline`, search the patient first and
    /// hand the result to `set_baseline` before posting.
    Create { id: String, capture_baseline: bool },
    /// Search the patient's Media (all pages) and settle with `Reconciled`.
    Reconcile { id: String },
}

/// How a command ended, as the driver reports it: `Created` or `Http` for a create,
/// `Reconciled` or `ReconcileFailed` for a reconcile.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandOutcome {
    Created {
        media_id: String,
    },
    /// The create failed; status 0 means no answer (network, timeout).
    Http {
        status: u16,
        text: String,
        retry_after_ms: Option<f64>,
    },
    Reconciled {
        found: Vec<Value>,
    },
    ReconcileFailed {
        status: u16,
        text: String,
        retry_after_ms: Option<f64>,
    },
}

/// What a failed create's status says about the server's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Refused before storing anything (503, 429, 408): send again after a while.
    NotCreated,
    /// May have been stored (no answer, 500/502/504, other 5xx, a 2xx we could not
    /// use): reconcile before sending again.
    Unknown,
    /// Refused for good (other 4xx, 401 included: the client already refreshed).
    Fatal,
}

pub fn classify(status: u16) -> Class {
    match status {
        408 | 429 | 503 => Class::NotCreated,
        0 | 200..=299 | 500..=599 => Class::Unknown,
        _ => Class::Fatal,
    }
}

/// A person's decision about an item in `needs-review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Create it (again): the person checked the patient's images.
    Send,
    /// Forget it.
    Discard,
}
