//! The upload queue as a plain state machine: the driver (JS) asks `poll` what to send,
//! sends it, and reports back with `settle`. The core never reads a clock or does I/O;
//! times come in as milliseconds, so every rule is testable natively and replayable.
//!
//! Rules: one create (or reconcile) in flight per encounter, in add order; at most
//! `max_parallel` in flight overall; nothing new while offline. An answer that may have
//! come after the server stored the Media (network error, 500/502/504) never leads
//! straight to another create: the item is reconciled against a search first.

use serde_json::Value;

use super::backoff::Backoff;
use super::item::{Item, ItemError, NewItem, State};
use super::reconcile::{self, Context, Key, Verdict};
use super::rng::Rng;
use crate::error::MediaError;

pub const DEFAULT_MAX_PARALLEL: u32 = 3;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
pub const DEFAULT_BASE_DELAY_MS: f64 = 1_000.0;
pub const DEFAULT_MAX_DELAY_MS: f64 = 300_000.0;
/// The least time between an unclear answer and the search that settles it: a server
/// may still be finishing a create whose connection is gone, and a search run before it
/// lands would send the photo again.
pub const DEFAULT_RECONCILE_DELAY_MS: f64 = 5_000.0;

/// The options exactly as a caller wrote them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueOptions {
    pub max_parallel: Option<u32>,
    pub max_attempts: Option<u32>,
    pub base_delay_ms: Option<f64>,
    pub max_delay_ms: Option<f64>,
    pub seed: Option<f64>,
    pub echoes_identifiers: Option<bool>,
    pub reconcile_delay_ms: Option<f64>,
}

impl QueueOptions {
    /// Apply defaults and check ranges. `default_seed` is used when no seed is given
    /// (the web edge passes a random one so tabs do not retry in step).
    pub fn validate(self, default_seed: u64) -> Result<Config, MediaError> {
        let max_parallel = self.max_parallel.unwrap_or(DEFAULT_MAX_PARALLEL);
        if max_parallel == 0 {
            return Err(invalid("maxParallel", "must be at least 1"));
        }
        let max_attempts = self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if max_attempts == 0 {
            return Err(invalid("maxAttempts", "must be at least 1"));
        }
        let base = self.base_delay_ms.unwrap_or(DEFAULT_BASE_DELAY_MS);
        if !(base.is_finite() && base >= 0.0) {
            return Err(invalid("baseDelayMs", "must be a finite number ≥ 0"));
        }
        let max = self.max_delay_ms.unwrap_or(DEFAULT_MAX_DELAY_MS.max(base));
        if !(max.is_finite() && max >= base) {
            return Err(invalid(
                "maxDelayMs",
                "must be a finite number ≥ baseDelayMs",
            ));
        }
        let reconcile_delay_ms = self
            .reconcile_delay_ms
            .unwrap_or(DEFAULT_RECONCILE_DELAY_MS);
        if !(reconcile_delay_ms.is_finite() && reconcile_delay_ms >= 0.0) {
            return Err(invalid("reconcileDelayMs", "must be a finite number ≥ 0"));
        }
        let seed = match self.seed {
            None => default_seed,
            Some(s) if s.is_finite() => s as i64 as u64,
            Some(_) => return Err(invalid("seed", "must be a finite number")),
        };
        Ok(Config {
            max_parallel: max_parallel as usize,
            max_attempts,
            backoff: Backoff {
                base_delay_ms: base,
                max_delay_ms: max,
            },
            seed,
            echoes_identifiers: self.echoes_identifiers,
            reconcile_delay_ms,
        })
    }
}

/// Checked options.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub max_parallel: usize,
    pub max_attempts: u32,
    pub backoff: Backoff,
    pub seed: u64,
    pub echoes_identifiers: Option<bool>,
    pub reconcile_delay_ms: f64,
}

impl Default for Config {
    fn default() -> Self {
        // Unwrap-free: the defaults are in range by construction.
        Config {
            max_parallel: DEFAULT_MAX_PARALLEL as usize,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            backoff: Backoff {
                base_delay_ms: DEFAULT_BASE_DELAY_MS,
                max_delay_ms: DEFAULT_MAX_DELAY_MS,
            },
            seed: 0,
            echoes_identifiers: None,
            reconcile_delay_ms: DEFAULT_RECONCILE_DELAY_MS,
        }
    }
}

/// What the driver should do next for an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// POST the item's Media. With `capture_baseline`, search the patient first and
    /// hand the result to `set_baseline` before posting.
    Create { id: String, capture_baseline: bool },
    /// Search the patient's Media (all pages) and settle with `Reconciled`.
    Reconcile { id: String },
}

/// How a command ended, as the driver reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// Create it (again): the person checked the patient's images.
    Send,
    /// Forget it.
    Discard,
}

#[derive(Debug, Clone)]
pub struct Queue {
    config: Config,
    items: Vec<Item>,
    rng: Rng,
    online: bool,
    echoes: Option<bool>,
}

impl Queue {
    pub fn new(config: Config) -> Self {
        Queue {
            rng: Rng::new(config.seed),
            echoes: config.echoes_identifiers,
            items: Vec::new(),
            online: true,
            config,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Queue a new item at the end.
    pub fn add(&mut self, item: NewItem, now_ms: f64) -> Result<(), MediaError> {
        // Strictly after every queued item, even within one millisecond: `restore` puts
        // items back in `added_at_ms` order, whatever order the driver reads them in.
        let latest = self.items.iter().map(|i| i.added_at_ms).reduce(f64::max);
        let at = latest.map_or(now_ms, |t| now_ms.max(t + 0.001));
        let item = item.into_item(at)?;
        self.check_unique(&item.id)?;
        self.items.push(item);
        Ok(())
    }

    /// Bring back an item persisted by an earlier page. One that was in flight when the
    /// page went away may have been stored: it is reconciled before anything else.
    pub fn restore(&mut self, mut item: Item, now_ms: f64) -> Result<(), MediaError> {
        self.check_unique(&item.id)?;
        match item.state {
            State::Uploading | State::Reconciling => {
                // A create cut off by the page going away may still be being stored.
                item.uncertain |= item.state == State::Uploading;
                item.state = State::Retrying;
                item.retry_at_ms = Some(now_ms + self.config.reconcile_delay_ms);
                item.needs_reconcile = true;
            }
            State::Retrying if item.retry_at_ms.is_none() => item.retry_at_ms = Some(now_ms),
            State::Waiting => item.retry_at_ms = None,
            _ => {}
        }
        // Keep add order even if the driver restores in another order.
        let at = self
            .items
            .iter()
            .rposition(|i| i.added_at_ms <= item.added_at_ms)
            .map_or(0, |p| p + 1);
        self.items.insert(at, item);
        Ok(())
    }

    /// The commands to start now. Each item gets at most one, and stays in flight
    /// until it is settled.
    pub fn poll(&mut self, now_ms: f64) -> Vec<Command> {
        let mut commands = Vec::new();
        if !self.online {
            return commands;
        }
        let mut in_flight = self.items.iter().filter(|i| i.state.in_flight()).count();
        let mut due = Vec::new();
        {
            // An encounter with a request out is held whatever its position: a failed
            // item retried by hand sits before the one now uploading.
            let mut held: Vec<&str> = Vec::new();
            for item in &self.items {
                if let (true, Some(enc)) = (item.state.in_flight(), &item.encounter) {
                    held.push(enc);
                }
            }
            for (idx, item) in self.items.iter().enumerate() {
                if !item.state.holds_encounter() {
                    continue;
                }
                // The first unfinished item of an encounter is its head; later ones wait.
                if let Some(enc) = &item.encounter {
                    if held.contains(&enc.as_str()) {
                        continue;
                    }
                    held.push(enc);
                }
                let ready = match item.state {
                    State::Waiting => true,
                    State::Retrying => item.retry_at_ms.is_none_or(|t| t <= now_ms),
                    _ => false,
                };
                if ready && in_flight < self.config.max_parallel {
                    in_flight += 1;
                    due.push(idx);
                }
            }
        }
        let capture = self.echoes == Some(false);
        for idx in due {
            let item = &mut self.items[idx];
            item.retry_at_ms = None;
            let id = item.id.clone();
            if item.needs_reconcile {
                item.state = State::Reconciling;
                commands.push(Command::Reconcile { id });
            } else {
                item.state = State::Uploading;
                // A baseline belongs to one post; an older one would hide nothing new.
                item.baseline_ids = None;
                commands.push(Command::Create {
                    id,
                    capture_baseline: capture,
                });
            }
        }
        commands
    }

    /// Report how a command ended.
    pub fn settle(&mut self, id: &str, outcome: Outcome, now_ms: f64) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let state = self.items[idx].state;
        match (state, outcome) {
            (State::Uploading, Outcome::Created { media_id }) => {
                let Some(media_id) = crate::fhir::text::non_blank(media_id) else {
                    return Err(invalid("mediaId", "is required"));
                };
                let item = &mut self.items[idx];
                item.state = State::Done;
                item.media_id = Some(media_id);
                item.needs_reconcile = false;
                item.uncertain = false;
                item.error = None;
            }
            (
                State::Uploading,
                Outcome::Http {
                    status,
                    text,
                    retry_after_ms,
                },
            ) => {
                let mut class = classify(status);
                let item = &self.items[idx];
                if class == Class::Fatal && item.uncertain && item.encounter.is_some() && status == 422 {
                    // Canvas refuses a create while another on the encounter is in
                    // progress (422): that other one may be this item's own earlier
                    // create, still being stored. Search again later instead of failing.
                    class = Class::Unknown;
                }
                self.fail(idx, class, status, text, retry_after_ms, now_ms)
            }
            (State::Reconciling, Outcome::Reconciled { found }) => self.reconciled(idx, &found),
            (
                State::Reconciling,
                Outcome::ReconcileFailed {
                    status,
                    text,
                    retry_after_ms,
                },
            ) => {
                // A failed search leaves the question open (needs_reconcile stays); one
                // refused for good (403…) is not retried by itself.
                let class = match classify(status) {
                    Class::Fatal => Class::Fatal,
                    _ => Class::Unknown,
                };
                self.fail(idx, class, status, text, retry_after_ms, now_ms);
            }
            (State::Uploading | State::Reconciling, _) => {
                return Err(invalid(
                    "outcome",
                    "is not for this command (create: created/http; reconcile: reconciled/reconcileFailed)",
                ))
            }
            (state, _) => {
                return Err(state_error(
                    id,
                    state,
                    "only a polled command can be settled",
                ))
            }
        }
        Ok(())
    }

    /// The content-key matches found just before the item's create is posted.
    pub fn set_baseline(&mut self, id: &str, found: &[Value]) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let item = &self.items[idx];
        if !matches!(item.state, State::Uploading | State::Waiting) {
            return Err(state_error(
                id,
                item.state,
                "a baseline belongs before the post",
            ));
        }
        let ids = reconcile::content_match_ids(&Key::of(item), found);
        self.learn(found);
        self.items[idx].baseline_ids = Some(ids);
        Ok(())
    }

    pub fn set_online(&mut self, online: bool) {
        self.online = online;
    }

    pub fn online(&self) -> bool {
        self.online
    }

    /// A failed item goes back in line with fresh attempts (it still reconciles first
    /// if its last create may have been stored); a retrying one becomes due now.
    pub fn retry(&mut self, id: &str, now_ms: f64) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let item = &mut self.items[idx];
        match item.state {
            State::Failed => {
                item.state = State::Waiting;
                item.attempts = 0;
                item.retry_at_ms = None;
                item.error = None;
            }
            State::Retrying => item.retry_at_ms = Some(now_ms),
            State::NeedsReview => {
                return Err(state_error(
                    id,
                    State::NeedsReview,
                    "use resolveReview(id, 'send' | 'discard')",
                ))
            }
            state => return Err(state_error(id, state, "only a failed item is retried")),
        }
        Ok(())
    }

    /// A person decided about an item the search could not settle.
    pub fn resolve_review(
        &mut self,
        id: &str,
        action: Review,
        _now_ms: f64,
    ) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let item = &mut self.items[idx];
        if item.state != State::NeedsReview {
            return Err(state_error(
                id,
                item.state,
                "only a needs-review item is resolved",
            ));
        }
        match action {
            Review::Send => {
                item.state = State::Waiting;
                item.needs_reconcile = false;
                item.uncertain = false;
                item.attempts = 0;
                item.retry_at_ms = None;
                item.error = None;
            }
            Review::Discard => {
                self.items.remove(idx);
            }
        }
        Ok(())
    }

    /// Drop an item; refused (false) while a request for it is out, or if unknown.
    pub fn remove(&mut self, id: &str) -> bool {
        match self.items.iter().position(|i| i.id == id) {
            Some(idx) if !self.items[idx].state.in_flight() => {
                self.items.remove(idx);
                true
            }
            _ => false,
        }
    }

    /// When the earliest retrying item becomes due.
    pub fn next_wake_ms(&self) -> Option<f64> {
        self.items
            .iter()
            .filter(|i| i.state == State::Retrying)
            .filter_map(|i| i.retry_at_ms)
            .reduce(f64::min)
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// What searches showed so far: does the server keep client identifiers?
    pub fn echoes_identifiers(&self) -> Option<bool> {
        self.echoes
    }

    fn check_unique(&self, id: &str) -> Result<(), MediaError> {
        if self.items.iter().any(|i| i.id == id) {
            return Err(invalid("id", "is already queued: ids must be unique"));
        }
        Ok(())
    }

    fn index(&self, id: &str) -> Result<usize, MediaError> {
        self.items
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| invalid("id", "names no queued item"))
    }

    fn learn(&mut self, found: &[Value]) {
        if let Some(echoes) = reconcile::echoes_identifiers(found) {
            self.echoes = Some(echoes);
        }
    }

    /// A failed try: back off, or give up after `max_attempts` (at once when `Fatal`).
    /// `Unknown` marks that the server may hold the Media: the next try reconciles.
    fn fail(
        &mut self,
        idx: usize,
        class: Class,
        status: u16,
        text: String,
        retry_after_ms: Option<f64>,
        now_ms: f64,
    ) {
        let max_attempts = self.config.max_attempts;
        let backoff = self.config.backoff;
        let item = &mut self.items[idx];
        item.attempts = item.attempts.saturating_add(1);
        item.error = Some(ItemError { status, text });
        item.uncertain |= class == Class::Unknown;
        // Whatever this answer says, an earlier create of the item may still land: a
        // retry by hand searches first.
        item.needs_reconcile |= class == Class::Unknown || item.uncertain;
        if class == Class::Fatal || item.attempts >= max_attempts {
            item.state = State::Failed;
            item.retry_at_ms = None;
        } else {
            let mut delay = backoff.delay(item.attempts, retry_after_ms, &mut self.rng);
            if class == Class::Unknown {
                delay = delay.max(self.config.reconcile_delay_ms);
            }
            item.state = State::Retrying;
            item.retry_at_ms = Some(now_ms + delay);
        }
    }

    fn reconciled(&mut self, idx: usize, found: &[Value]) {
        self.learn(found);
        let verdict = {
            let item = &self.items[idx];
            let key = Key::of(item);
            let mut known_ids: Vec<&str> = Vec::new();
            // Another item with the same content whose create may have landed unseen
            // could own a lone new match. Encounters are not compared: a server that
            // leaves them out of search results makes every encounter look alike.
            let mut twin_unresolved = false;
            for (j, other) in self.items.iter().enumerate() {
                if j == idx {
                    continue;
                }
                if let Some(id) = &other.media_id {
                    known_ids.push(id);
                }
                twin_unresolved |= other.patient == item.patient
                    && Key::of(other).same_content(&key)
                    && (other.state == State::Uploading
                        || other.needs_reconcile
                        || other.state == State::NeedsReview);
            }
            let cx = Context {
                baseline: item.baseline_ids.as_deref(),
                known_ids: &known_ids,
                twin_unresolved,
            };
            reconcile::reconcile(&key, found, &cx)
        };
        let item = &mut self.items[idx];
        match verdict {
            Verdict::Created(media_id) => {
                item.state = State::Done;
                item.media_id = Some(media_id);
                item.needs_reconcile = false;
                item.uncertain = false;
                item.error = None;
            }
            Verdict::NotCreated => {
                item.state = State::Waiting;
                item.needs_reconcile = false;
                item.retry_at_ms = None;
            }
            Verdict::Unsure => item.state = State::NeedsReview,
        }
    }
}

/// One non-generic constructor: the crate builds at opt-level 3, which would otherwise
/// inline a String allocation into every error site (wasm size).
#[inline(never)]
pub(crate) fn invalid(field: &str, reason: &str) -> MediaError {
    MediaError::invalid(field, reason)
}

#[inline(never)]
fn state_error(id: &str, state: State, rule: &str) -> MediaError {
    MediaError::invalid("id", format!("item {id:?} is {}: {rule}", state.as_str()))
}
