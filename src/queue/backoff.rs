//! Retry delays: exponential with "equal jitter" (half fixed, half random) so a fleet
//! of clients that failed together does not come back together, capped, and never
//! sooner than the server's `Retry-After`.

use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base_delay_ms: f64,
    pub max_delay_ms: f64,
}

impl Backoff {
    /// The exponential step for attempt `n` (1-based), before jitter.
    pub fn ceiling(&self, attempt: u32) -> f64 {
        let exp = attempt.saturating_sub(1).min(60) as i32;
        (self.base_delay_ms * 2f64.powi(exp)).min(self.max_delay_ms)
    }

    /// The delay after failed attempt `n`: in [ceiling/2, ceiling], raised to
    /// `retry_after_ms` when the server asked for more.
    pub fn delay(&self, attempt: u32, retry_after_ms: Option<f64>, rng: &mut Rng) -> f64 {
        let ceiling = self.ceiling(attempt);
        let jittered = ceiling / 2.0 + rng.next_f64() * ceiling / 2.0;
        match retry_after_ms.filter(|r| r.is_finite() && *r > 0.0) {
            Some(floor) => jittered.max(floor),
            None => jittered,
        }
    }
}
