//! Dev-only fault injection for reliability tests (`POST /_admin/faults`).
//!
//! A fault set applies to the routes in `paths` (default: `POST /Media`). Each matching
//! request waits `delayMs`, then takes at most one counted fault: `failNext` first
//! (answer 500, 503 or 429), else `dropNext` (close the connection with no response,
//! before or after the Media is stored). Counts run down; the delay stays until cleared.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};

use crate::outcome::{IssueCode, Outcome};

/// Longest accepted `delayMs`: enough for any test, short enough not to wedge one.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The routes a fault can target, named as in `paths`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Route {
    #[serde(rename = "POST /Media")]
    CreateMedia,
    #[serde(rename = "GET /Media")]
    SearchMedia,
    #[serde(rename = "GET /Media/{id}")]
    ReadMedia,
    #[serde(rename = "GET /Media/{id}/files/content")]
    MediaContent,
    #[serde(rename = "GET /_storage/{id}")]
    Storage,
}

/// The body of `POST /_admin/faults`, and what the admin API reports back (with the
/// counts that remain).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_next: Option<FailNext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_next: Option<DropNext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<Route>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FailNext {
    #[serde(default = "one")]
    pub count: u32,
    pub status: u16,
    /// Seconds for `Retry-After` (503 and 429 only; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DropNext {
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub when: DropWhen,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropWhen {
    #[default]
    BeforeCommit,
    AfterCommit,
}

fn one() -> u32 {
    1
}

/// What one request must suffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub delay: Duration,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Fail(InjectedFailure),
    Drop(DropWhen),
}

/// A failure to answer, kept as plain data so `Plan` stays comparable in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFailure {
    pub status: u16,
    pub retry_after: Option<u32>,
}

impl InjectedFailure {
    /// The OperationOutcome a real gateway or rate limiter would roughly send.
    pub fn into_outcome(self) -> Outcome {
        let retry = self.retry_after.unwrap_or(1);
        let outcome = match self.status {
            503 => Outcome::new(
                StatusCode::SERVICE_UNAVAILABLE,
                IssueCode::Transient,
                format!("The service is temporarily unavailable (injected fault); retry after {retry} s."),
            ),
            429 => Outcome::new(
                StatusCode::TOO_MANY_REQUESTS,
                IssueCode::Throttled,
                format!("Too many requests (injected fault); retry after {retry} s."),
            ),
            _ => Outcome::internal("Internal server error (injected fault); the request was not processed."),
        };
        match self.retry_after {
            Some(seconds) => outcome.with_header(header::RETRY_AFTER, HeaderValue::from(seconds)),
            None => outcome,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaultError {
    #[error("failNext.status must be 500, 503 or 429, not {0}")]
    Status(u16),
    #[error("delayMs must be at most {MAX_DELAY_MS}, not {0}")]
    Delay(u64),
}

#[derive(Default)]
pub struct Faults {
    active: Mutex<FaultSpec>,
}

impl Faults {
    fn lock(&self) -> MutexGuard<'_, FaultSpec> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the active faults with `spec` (fields left out are off) and returns
    /// them as they now stand.
    pub fn set(&self, mut spec: FaultSpec) -> Result<FaultSpec, FaultError> {
        if spec.delay_ms > MAX_DELAY_MS {
            return Err(FaultError::Delay(spec.delay_ms));
        }
        if let Some(fail) = &mut spec.fail_next {
            fail.retry_after = match fail.status {
                503 | 429 => Some(fail.retry_after.unwrap_or(1)),
                500 => None,
                other => return Err(FaultError::Status(other)),
            };
        }
        spec.fail_next = spec.fail_next.filter(|f| f.count > 0);
        spec.drop_next = spec.drop_next.filter(|d| d.count > 0);
        if spec.paths.as_ref().is_none_or(Vec::is_empty) {
            spec.paths = Some(vec![Route::CreateMedia]);
        }
        *self.lock() = spec.clone();
        Ok(spec)
    }

    pub fn clear(&self) {
        *self.lock() = FaultSpec::default();
    }

    pub fn current(&self) -> FaultSpec {
        self.lock().clone()
    }

    /// Decides, and consumes, what the next request on `route` suffers.
    pub fn plan(&self, route: Route) -> Plan {
        let mut spec = self.lock();
        let applies = spec
            .paths
            .as_ref()
            .is_some_and(|paths| paths.contains(&route));
        if !applies {
            return Plan {
                delay: Duration::ZERO,
                action: Action::None,
            };
        }
        let delay = Duration::from_millis(spec.delay_ms);
        let action = if let Some(fail) = &mut spec.fail_next {
            fail.count = fail.count.saturating_sub(1);
            let action = Action::Fail(InjectedFailure {
                status: fail.status,
                retry_after: fail.retry_after,
            });
            if fail.count == 0 {
                spec.fail_next = None;
            }
            action
        } else if let Some(drop) = &mut spec.drop_next {
            drop.count = drop.count.saturating_sub(1);
            let action = Action::Drop(drop.when);
            if drop.count == 0 {
                spec.drop_next = None;
            }
            action
        } else {
            Action::None
        };
        Plan { delay, action }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn counts_run_down_fail_before_drop() {
        let faults = Faults::default();
        faults
            .set(spec(r#"{"delayMs":5,"failNext":{"count":1,"status":503},"dropNext":{"count":1,"when":"after-commit"}}"#))
            .unwrap();
        let first = faults.plan(Route::CreateMedia);
        assert_eq!(first.delay, Duration::from_millis(5));
        assert_eq!(
            first.action,
            Action::Fail(InjectedFailure {
                status: 503,
                retry_after: Some(1)
            })
        );
        assert_eq!(
            faults.plan(Route::CreateMedia).action,
            Action::Drop(DropWhen::AfterCommit)
        );
        assert_eq!(faults.plan(Route::CreateMedia).action, Action::None);
        assert_eq!(
            faults.plan(Route::CreateMedia).delay,
            Duration::from_millis(5)
        );
    }

    #[test]
    fn only_targeted_routes_are_hit() {
        let faults = Faults::default();
        faults.set(spec(r#"{"failNext":{"status":500}}"#)).unwrap();
        assert_eq!(faults.plan(Route::ReadMedia).action, Action::None);
        faults
            .set(spec(
                r#"{"failNext":{"status":429,"retryAfter":3},"paths":["GET /Media/{id}"]}"#,
            ))
            .unwrap();
        assert_eq!(faults.plan(Route::CreateMedia).action, Action::None);
        assert_eq!(
            faults.plan(Route::ReadMedia).action,
            Action::Fail(InjectedFailure {
                status: 429,
                retry_after: Some(3)
            })
        );
    }

    #[test]
    fn refuses_nonsense() {
        let faults = Faults::default();
        assert_eq!(
            faults.set(spec(r#"{"failNext":{"status":404}}"#)),
            Err(FaultError::Status(404))
        );
        assert!(serde_json::from_str::<FaultSpec>(r#"{"delay":1}"#).is_err());
        assert!(serde_json::from_str::<FaultSpec>(r#"{"paths":["PUT /x"]}"#).is_err());
        assert!(serde_json::from_str::<FaultSpec>(r#"{"dropNext":{"when":"later"}}"#).is_err());
    }
}
