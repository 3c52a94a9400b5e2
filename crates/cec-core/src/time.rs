//! UTC timestamps in the exact form the C2 signature uses, without a date crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a point in time (UTC).
pub fn format_utc_millis(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = d.as_secs();
    let millis = d.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!("{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, (rem / 60) % 60, rem % 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a point in time (UTC), milliseconds dropped.
pub fn format_utc_seconds(t: SystemTime) -> String {
    let mut s = format_utc_millis(t);
    // "….mmmZ" → "…Z"
    s.truncate(s.len() - 5);
    s.push('Z');
    s
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.mmm]Z` back into a point in time; `None` on any other shape.
pub fn parse_utc(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let millis = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', rest @ ..] if rest.len() == 3 => num(20..23)?,
        _ => return None,
    };
    let days = days_from_civil(y as i64, mo as u32, d as u32);
    if days < 0 {
        return None;
    }
    let secs = days as u64 * 86_400 + h * 3600 + mi * 60 + se;
    Some(UNIX_EPOCH + Duration::from_millis(secs * 1000 + millis))
}

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's
/// civil-from-days algorithm, public domain).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date (the inverse of [`civil_from_days`]).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instant() {
        let t = UNIX_EPOCH + Duration::from_millis(1_768_465_800_123);
        assert_eq!(format_utc_millis(t), "2026-01-15T08:30:00.123Z");
        assert_eq!(format_utc_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc_seconds(t), "2026-01-15T08:30:00Z");
    }

    #[test]
    fn parse_round_trips() {
        let t = UNIX_EPOCH + Duration::from_millis(1_768_465_800_123);
        assert_eq!(parse_utc("2026-01-15T08:30:00.123Z"), Some(t));
        assert_eq!(parse_utc("2026-01-15T08:30:00Z"), Some(UNIX_EPOCH + Duration::from_secs(1_768_465_800)));
        for bad in ["", "2026-01-15", "2026-13-15T08:30:00Z", "2026-01-15T08:30:00.1Z", "x026-01-15T08:30:00.123Z"] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse(ms in 0u64..4_102_444_800_000) {
            let t = UNIX_EPOCH + Duration::from_millis(ms);
            proptest::prop_assert_eq!(parse_utc(&format_utc_millis(t)), Some(t));
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}") {
            let _ = parse_utc(&s);
        }
    }
}
