//! The upload queue as a plain state machine: the driver (JS) asks `poll` what to send,
//! sends it, and reports back with `settle`. The core never reads a clock or does I/O;
//! times come in as milliseconds, so every rule is testable natively and replayable.
//!
//! Rules: one create (or reconcile) in flight per encounter, in add order; at most
//! `max_parallel` in flight overall; nothing new while offline. An answer that may have
//! come after the server stored the Media (network error, 500/502/504) never leads
//! straight to another create: the item is reconciled against a search first.
//!
//! A call that names no queued item, or that the item's state does not allow (settling
//! an item that was not polled, retrying one that has not failed…), is refused with a
//! `queue-misuse` error and changes nothing.

use serde_json::Value;

use super::item::{Item, ItemError, NewItem, State};
use super::options::{invalid, Config};
use super::protocol::{classify, Class, Command, CommandOutcome, Review};
use super::reconcile::{self, Context, Key, Verdict};
use super::rng::Rng;
use crate::error::MediaError;

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
    pub fn settle(
        &mut self,
        id: &str,
        outcome: CommandOutcome,
        now_ms: f64,
    ) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let state = self.items[idx].state;
        match (state, outcome) {
            (State::Uploading, CommandOutcome::Created { media_id }) => {
                let Some(media_id) = crate::fhir::text::non_blank(media_id) else {
                    return Err(invalid("mediaId", "is required"));
                };
                self.items[idx].mark_done(media_id);
            }
            (
                State::Uploading,
                CommandOutcome::Http {
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
            (State::Reconciling, CommandOutcome::Reconciled { found }) => self.reconciled(idx, &found),
            (
                State::Reconciling,
                CommandOutcome::ReconcileFailed {
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
                return Err(misuse(
                    id,
                    state,
                    "this `outcome` is for the other command (create: created/http; reconcile: reconciled/reconcileFailed)",
                ))
            }
            (state, _) => {
                return Err(misuse(id, state, "only a polled command can be settled"));
            }
        }
        Ok(())
    }

    /// The content-key matches found just before the item's create is posted.
    pub fn set_baseline(&mut self, id: &str, found: &[Value]) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let item = &self.items[idx];
        if !matches!(item.state, State::Uploading | State::Waiting) {
            return Err(misuse(id, item.state, "a baseline belongs before the post"));
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
            State::Failed => item.restart(),
            State::Retrying => item.retry_at_ms = Some(now_ms),
            State::NeedsReview => {
                return Err(misuse(
                    id,
                    State::NeedsReview,
                    "use resolveReview(id, 'send' | 'discard')",
                ))
            }
            state => return Err(misuse(id, state, "only a failed item is retried")),
        }
        Ok(())
    }

    /// A person decided about an item the search could not settle.
    pub fn resolve_review(&mut self, id: &str, action: Review) -> Result<(), MediaError> {
        let idx = self.index(id)?;
        let item = &mut self.items[idx];
        if item.state != State::NeedsReview {
            return Err(misuse(
                id,
                item.state,
                "only a needs-review item is resolved",
            ));
        }
        match action {
            Review::Send => {
                // The person has looked: no search, and no earlier create counts against it.
                item.restart();
                item.needs_reconcile = false;
                item.uncertain = false;
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
            return Err(queue_misuse(id, "is already queued: ids must be unique"));
        }
        Ok(())
    }

    fn index(&self, id: &str) -> Result<usize, MediaError> {
        self.items
            .iter()
            .position(|i| i.id == id)
            .ok_or_else(|| queue_misuse(id, "is not queued"))
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
            Verdict::Created(media_id) => item.mark_done(media_id),
            Verdict::NotCreated => {
                item.state = State::Waiting;
                item.needs_reconcile = false;
                item.retry_at_ms = None;
            }
            Verdict::Unsure => item.state = State::NeedsReview,
        }
    }
}

/// A call the item's state does not allow: `queue-misuse`, naming the state and the rule.
#[inline(never)]
fn misuse(id: &str, state: State, rule: &str) -> MediaError {
    queue_misuse(id, &format!("is {}: {rule}", state.as_str()))
}

/// One non-generic, not inlined constructor: the crate builds at opt-level 3, which
/// would otherwise inline the String allocations into every error site (wasm size).
#[inline(never)]
fn queue_misuse(id: &str, rule: &str) -> MediaError {
    MediaError::QueueMisuse {
        id: id.to_string(),
        rule: rule.to_string(),
    }
}
