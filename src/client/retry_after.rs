//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds
//! from now, so the upload queue waits at least that long. Anything else is ignored.
//!
//! The date is read by the caller's `parse_date` (in the browser `Date.parse`, which
//! reads all three HTTP-date forms): a date parser of our own cost ~1 KB gzip of wasm.

/// Milliseconds to wait; `None` when the value is neither form. A date in the past
/// gives 0. `parse_date` turns an HTTP-date into ms since the epoch, `None` if invalid.
pub fn retry_after_ms(
    value: &str,
    now_ms: f64,
    parse_date: impl FnOnce(&str) -> Option<f64>,
) -> Option<f64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Summed by hand: `str::parse::<f64>` pulls ~15 KB gzip of float parsing into
        // the wasm. Very long digit strings just grow large: "wait a long time", but
        // finite (over ~309 digits the sum is infinity, which no timer or JSON takes).
        let secs = value
            .bytes()
            .fold(0.0, |acc, b| acc * 10.0 + f64::from(b - b'0'));
        return Some((secs * 1000.0).min(f64::MAX));
    }
    // An HTTP-date names a weekday and a month (at least six letters). Keeps
    // `Date.parse`'s leniency ("-1", "1.5", "12 s" are dates to some browsers) away
    // from malformed seconds.
    if value.bytes().filter(u8::is_ascii_alphabetic).count() < 6 {
        return None;
    }
    let at = parse_date(value).filter(|t| t.is_finite())?;
    Some((at - now_ms).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: f64 = 784_111_777_000.0;

    /// Stands in for `Date.parse`: knows one date.
    fn date(s: &str) -> Option<f64> {
        (s == "Sun, 06 Nov 1994 08:49:37 GMT").then_some(NOV_6_1994)
    }

    #[test]
    fn seconds_are_milliseconds() {
        assert_eq!(retry_after_ms("120", 5.0, date), Some(120_000.0));
        assert_eq!(retry_after_ms(" 0 ", 5.0, date), Some(0.0));
        for bad in ["", " ", "-1", "1.5", "12 s", "+3", "1e3"] {
            assert_eq!(retry_after_ms(bad, 0.0, |_| Some(1.0)), None, "{bad:?}");
        }
        let huge = retry_after_ms("99999999999999999999999", 0.0, date);
        assert!(huge.is_some_and(|ms| ms > 1e22));
        // Found by the `headers` fuzz target: 400 digits summed to infinity.
        let endless = format!("2{}0663", "1".repeat(400));
        assert_eq!(retry_after_ms(&endless, 0.0, date), Some(f64::MAX));
    }

    #[test]
    fn dates_count_from_now_and_never_go_negative() {
        let http_date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let now = NOV_6_1994 - 30_000.0;
        assert_eq!(retry_after_ms(http_date, now, date), Some(30_000.0));
        assert_eq!(retry_after_ms(http_date, NOV_6_1994 + 1.0, date), Some(0.0));
        assert_eq!(retry_after_ms("soon", 0.0, date), None);
        assert_eq!(retry_after_ms("Sun", 0.0, |_| Some(f64::NAN)), None);
    }
}
