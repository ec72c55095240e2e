//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as milliseconds
//! from now, so the upload queue waits at least that long. Anything else is ignored.

/// Milliseconds to wait; `None` when the value is neither form. A date in the past
/// gives 0.
pub fn retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Summed by hand: `str::parse::<f64>` pulls ~15 KB gzip of float parsing into
        // the wasm. Very long digit strings just grow large: "wait a long time".
        let secs = value
            .bytes()
            .fold(0.0, |acc, b| acc * 10.0 + f64::from(b - b'0'));
        return Some(secs * 1000.0);
    }
    let at = http_date_ms(value)?;
    Some((at - now_ms).max(0.0))
}

/// An HTTP-date in any of the three forms recipients must accept:
/// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT`,
/// `Sun Nov  6 08:49:37 1994`; milliseconds since the Unix epoch.
pub fn http_date_ms(value: &str) -> Option<f64> {
    // Tokens split on spaces, commas and dashes; more than six is not a date.
    let mut t = [""; 7];
    let mut n = 0;
    for token in value.split([' ', ',', '-']).filter(|s| !s.is_empty()) {
        *t.get_mut(n)? = token;
        n += 1;
    }
    let (day, month, year, time) = match (n, t) {
        (5, [_, month, day, time, year, ..]) => (day, month, year, time),
        (6, [_, day, month, year, time, "GMT", ..]) => (day, month, year, time),
        _ => return None,
    };
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let day: i64 = number(day, 1, 2)?;
    let mut year: i64 = number(year, 2, 4)?;
    if year < 100 {
        // RFC 850's two-digit years: assume the nearer century (§5.6.7).
        year += if year < 70 { 2000 } else { 1900 };
    }
    let mut hms = time.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() {
        return None;
    }
    let (h, m, s): (i64, i64, i64) = (number(h, 2, 2)?, number(m, 2, 2)?, number(s, 2, 2)?);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + h * 3_600 + m * 60 + s) * 1000) as f64)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn number(s: &str, min_len: usize, max_len: usize) -> Option<i64> {
    let ok = (min_len..=max_len).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    ok.then(|| s.bytes().fold(0, |acc, b| acc * 10 + i64::from(b - b'0')))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_6_1994: f64 = 784_111_777_000.0;

    #[test]
    fn seconds_are_milliseconds_from_now() {
        assert_eq!(retry_after_ms("120", 5.0), Some(120_000.0));
        assert_eq!(retry_after_ms(" 0 ", 5.0), Some(0.0));
        for bad in ["", "-1", "1.5", "soon", "12 s", "+3"] {
            assert_eq!(retry_after_ms(bad, 0.0), None, "{bad:?}");
        }
        let huge = retry_after_ms("99999999999999999999999", 0.0);
        assert!(huge.is_some_and(|ms| ms > 1e22));
    }

    #[test]
    fn the_three_http_date_forms() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(http_date_ms(form), Some(NOV_6_1994), "{form}");
        }
        assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(
            http_date_ms("Tue, 29 Feb 2028 23:59:59 GMT"),
            Some(1_835_481_599_000.0)
        );
    }

    #[test]
    fn dates_count_from_now_and_never_go_negative() {
        let now = NOV_6_1994 - 30_000.0;
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(30_000.0)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", NOV_6_1994 + 1.0),
            Some(0.0)
        );
    }

    #[test]
    fn malformed_dates_are_ignored() {
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 1994 08:49:37:01 GMT",
            "06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 19945 08:49:37 GMT",
        ] {
            assert_eq!(http_date_ms(bad), None, "{bad}");
        }
    }
}
