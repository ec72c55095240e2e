//! Response headers from `XMLHttpRequest.getAllResponseHeaders()`. Asking for one header
//! by name (`getResponseHeader`) that a cross-origin server does not list in
//! `Access-Control-Expose-Headers` makes Chromium log "Refused to get unsafe header" to
//! the console; the whole list holds only the readable ones and logs nothing.

/// The value of header `name` (any case) in `all`, lines of `name: value` separated by
/// CRLF (LF accepted). Repeated headers are joined with ", ", as the browser does.
pub fn find(all: &str, name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for line in all.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let value = value.trim();
        match &mut found {
            Some(joined) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
            None => found = Some(value.to_string()),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::find;

    const ALL: &str = "content-type: application/json\r\nlocation: https://x.test/Media/abc\r\nretry-after: 120\r\n";

    #[test]
    fn finds_a_header_in_any_case() {
        assert_eq!(
            find(ALL, "Location").as_deref(),
            Some("https://x.test/Media/abc")
        );
        assert_eq!(find(ALL, "RETRY-AFTER").as_deref(), Some("120"));
    }

    #[test]
    fn an_unlisted_header_is_none() {
        assert_eq!(find(ALL, "Retry-After-Ms"), None);
        assert_eq!(find("", "Location"), None);
        assert_eq!(find("content-type: text/plain\r\n", "Location"), None);
    }

    #[test]
    fn keeps_colons_in_values_and_joins_repeats() {
        assert_eq!(
            find(
                "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\n",
                "retry-after"
            )
            .as_deref(),
            Some("Wed, 21 Oct 2026 07:28:00 GMT")
        );
        assert_eq!(find("x-a: 1\r\nX-A: 2\r\n", "x-a").as_deref(), Some("1, 2"));
    }

    #[test]
    fn an_empty_value_is_empty() {
        assert_eq!(find("location:\r\n", "location").as_deref(), Some(""));
    }
}
