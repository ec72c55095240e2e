//! Request counters for `GET /_admin/stats`, and the per-encounter gate that enforces
//! Canvas's rule that one encounter never has two creates in flight.
//!
//! The gate counts every create *attempt* on an encounter while it is being handled,
//! rejected ones included, so `maxConcurrency` shows what the client did, not just
//! what the server let through: a well-behaved client keeps it at 1.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::StatusCode;
use serde::Serialize;

#[derive(Default)]
pub struct Stats {
    inner: Mutex<Counters>,
}

#[derive(Default)]
struct Counters {
    requests: u64,
    create_attempts: u64,
    creates: u64,
    concurrent_rejections: u64,
    rejections_by_status: BTreeMap<u16, u64>,
    dropped_before_commit: u64,
    dropped_after_commit: u64,
    // Live: creates past validation and not yet finished; survives a reset.
    creates_in_flight: u32,
    max_creates_in_flight: u32,
    encounters: BTreeMap<String, EncounterCounters>,
}

#[derive(Default)]
struct EncounterCounters {
    // Live state: survives a reset so in-flight requests stay consistent.
    in_flight: u32,
    slot_taken: bool,
    // Counters: zeroed by a reset.
    creates: u64,
    concurrent_rejections: u64,
    max_concurrency: u32,
}

/// The JSON answered by `GET /_admin/stats`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// Requests to the FHIR routes (`/Media…`, `/_storage/…`), CORS preflights excluded.
    pub requests: u64,
    /// `POST /Media` requests, whatever their outcome.
    pub create_attempts: u64,
    /// Media stored (including a create whose connection was then dropped).
    pub creates: u64,
    /// Refused creates: `concurrent` plus one key per HTTP status (e.g. "422", "503").
    pub rejections: BTreeMap<String, u64>,
    /// Connections closed without a response by the drop fault.
    pub dropped: Dropped,
    /// Most creates handled at once over all encounters (after validation, until the
    /// answer or the commit of a create whose client left): shows a client's parallelism.
    pub max_creates_in_flight: u32,
    pub encounters: BTreeMap<String, EncounterSnapshot>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dropped {
    pub before_commit: u64,
    pub after_commit: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncounterSnapshot {
    pub creates: u64,
    pub concurrent_rejections: u64,
    pub max_concurrency: u32,
}

/// A create attempt on an encounter, in flight until dropped. Only the holder of the
/// encounter's slot may go on; the others must be rejected.
pub struct EncounterAttempt {
    stats: Arc<Stats>,
    encounter: String,
    holds_slot: bool,
}

impl EncounterAttempt {
    pub fn holds_slot(&self) -> bool {
        self.holds_slot
    }
}

impl Drop for EncounterAttempt {
    fn drop(&mut self) {
        let mut counters = self.stats.lock();
        if let Some(enc) = counters.encounters.get_mut(&self.encounter) {
            enc.in_flight = enc.in_flight.saturating_sub(1);
            if self.holds_slot {
                enc.slot_taken = false;
            }
        }
    }
}

/// A validated create being handled; counted in `maxCreatesInFlight` until dropped.
pub struct CreateInFlight {
    stats: Arc<Stats>,
}

impl Drop for CreateInFlight {
    fn drop(&mut self) {
        let mut counters = self.stats.lock();
        counters.creates_in_flight = counters.creates_in_flight.saturating_sub(1);
    }
}

impl Stats {
    /// Registers a validated create; see [`CreateInFlight`].
    pub fn create_in_flight(self: &Arc<Self>) -> CreateInFlight {
        let mut counters = self.lock();
        counters.creates_in_flight = counters.creates_in_flight.saturating_add(1);
        counters.max_creates_in_flight = counters
            .max_creates_in_flight
            .max(counters.creates_in_flight);
        CreateInFlight {
            stats: Arc::clone(self),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Counters> {
        // Counters stay meaningful after a panic elsewhere; keep serving them.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a create attempt on `encounter`; see [`EncounterAttempt`].
    pub fn enter_encounter(self: &Arc<Self>, encounter: &str) -> EncounterAttempt {
        let mut counters = self.lock();
        let enc = counters.encounters.entry(encounter.to_owned()).or_default();
        enc.in_flight = enc.in_flight.saturating_add(1);
        enc.max_concurrency = enc.max_concurrency.max(enc.in_flight);
        let holds_slot = !enc.slot_taken;
        if holds_slot {
            enc.slot_taken = true;
        } else {
            enc.concurrent_rejections += 1;
            counters.concurrent_rejections += 1;
        }
        EncounterAttempt {
            stats: Arc::clone(self),
            encounter: encounter.to_owned(),
            holds_slot,
        }
    }

    pub fn request(&self) {
        self.lock().requests += 1;
    }

    pub fn create_attempt(&self) {
        self.lock().create_attempts += 1;
    }

    pub fn created(&self, encounter: Option<&str>) {
        let mut counters = self.lock();
        counters.creates += 1;
        if let Some(encounter) = encounter {
            counters
                .encounters
                .entry(encounter.to_owned())
                .or_default()
                .creates += 1;
        }
    }

    /// Records a create answered with a non-success status.
    pub fn rejected(&self, status: StatusCode) {
        *self
            .lock()
            .rejections_by_status
            .entry(status.as_u16())
            .or_default() += 1;
    }

    pub fn dropped(&self, after_commit: bool) {
        let mut counters = self.lock();
        if after_commit {
            counters.dropped_after_commit += 1;
        } else {
            counters.dropped_before_commit += 1;
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let counters = self.lock();
        let mut rejections: BTreeMap<String, u64> = counters
            .rejections_by_status
            .iter()
            .map(|(status, n)| (status.to_string(), *n))
            .collect();
        rejections.insert("concurrent".into(), counters.concurrent_rejections);
        Snapshot {
            requests: counters.requests,
            create_attempts: counters.create_attempts,
            creates: counters.creates,
            rejections,
            dropped: Dropped {
                before_commit: counters.dropped_before_commit,
                after_commit: counters.dropped_after_commit,
            },
            max_creates_in_flight: counters.max_creates_in_flight,
            encounters: counters
                .encounters
                .iter()
                .filter(|(_, e)| {
                    e.creates > 0 || e.concurrent_rejections > 0 || e.max_concurrency > 0
                })
                .map(|(name, e)| {
                    (
                        name.clone(),
                        EncounterSnapshot {
                            creates: e.creates,
                            concurrent_rejections: e.concurrent_rejections,
                            max_concurrency: e.max_concurrency,
                        },
                    )
                })
                .collect(),
        }
    }

    /// Zeroes every counter. Requests still in flight keep their encounter slots, so
    /// the concurrency rule holds across a reset.
    pub fn reset(&self) {
        let mut counters = self.lock();
        let mut encounters = std::mem::take(&mut counters.encounters);
        encounters.retain(|_, e| e.in_flight > 0);
        for enc in encounters.values_mut() {
            enc.creates = 0;
            enc.concurrent_rejections = 0;
            enc.max_concurrency = 0;
        }
        *counters = Counters {
            encounters,
            creates_in_flight: counters.creates_in_flight,
            ..Counters::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_attempt_on_one_encounter_is_refused_and_counted() {
        let stats = Arc::new(Stats::default());
        let first = stats.enter_encounter("Encounter/a");
        assert!(first.holds_slot());
        {
            let second = stats.enter_encounter("Encounter/a");
            assert!(!second.holds_slot());
            let other = stats.enter_encounter("Encounter/b");
            assert!(other.holds_slot());
        }
        drop(first);
        assert!(stats.enter_encounter("Encounter/a").holds_slot());
        let snap = stats.snapshot();
        assert_eq!(snap.encounters["Encounter/a"].max_concurrency, 2);
        assert_eq!(snap.encounters["Encounter/a"].concurrent_rejections, 1);
        assert_eq!(snap.encounters["Encounter/b"].max_concurrency, 1);
        assert_eq!(snap.rejections["concurrent"], 1);
    }

    #[test]
    fn reset_keeps_live_slots() {
        let stats = Arc::new(Stats::default());
        let held = stats.enter_encounter("Encounter/a");
        stats.reset();
        assert!(!stats.enter_encounter("Encounter/a").holds_slot());
        drop(held);
        assert!(stats.enter_encounter("Encounter/a").holds_slot());
    }
}
