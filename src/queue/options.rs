//! The queue's options: what a caller wrote ([`QueueOptions`]), checked once into the
//! [`Config`] the scheduler runs on. Every rule on an option value lives here; errors are
//! `invalid-options` naming the option.

use super::backoff::Backoff;
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

/// One non-generic constructor: the crate builds at opt-level 3, which would otherwise
/// inline a String allocation into every error site (wasm size).
#[inline(never)]
pub(crate) fn invalid(field: &str, reason: &str) -> MediaError {
    MediaError::invalid(field, reason)
}
