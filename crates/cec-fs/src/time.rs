//! Times as CC-FS writes them (`yyyy-MM-dd HH:mm:ss`, in the tenant's zone) and as
//! users give them (RFC 3339, or a `YYYY-MM-DD` date meaning midnight UTC).

use cec_core::time::{civil_from_days, days_from_civil};

/// `yyyy-MM-dd HH:mm:ss` of `unix` seconds shifted by `offset_minutes` (the tenant's zone).
pub fn format_cdr(unix: i64, offset_minutes: i32) -> String {
    let t = unix + i64::from(offset_minutes) * 60;
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `YYYYMMDD` of `unix` seconds in a zone (the date part of bill file names).
pub fn format_day(unix: i64, offset_minutes: i32) -> String {
    let t = unix + i64::from(offset_minutes) * 60;
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    format!("{y:04}{m:02}{d:02}")
}

fn digits(s: &str) -> Option<i64> {
    (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse().ok())?
}

fn date_secs(y: &str, mo: &str, d: &str) -> Option<i64> {
    let (y, mo, d) = (digits(y)?, digits(mo)?, digits(d)?);
    if y.to_string().len() != 4 || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    // Refuse dates that do not exist (2026-02-30).
    let days = days_from_civil(y, mo as u32, d as u32);
    (civil_from_days(days) == (y, mo as u32, d as u32)).then_some(days * 86_400)
}

fn clock_secs(h: &str, mi: &str, s: &str) -> Option<i64> {
    let (h, mi, s) = (digits(h)?, digits(mi)?, digits(s)?);
    (h < 24 && mi < 60 && s < 61).then_some(h * 3600 + mi * 60 + s)
}

/// Seconds of a CDR time `yyyy-MM-dd HH:mm:ss` read as written (naive: the
/// tenant's zone is not in the file); `None` on any other shape.
pub fn parse_cdr(s: &str) -> Option<i64> {
    let (date, clock) = s.split_once(' ')?;
    let mut d = date.split('-');
    let mut c = clock.split(':');
    let secs = date_secs(d.next()?, d.next()?, d.next()?)? + clock_secs(c.next()?, c.next()?, c.next()?)?;
    (d.next().is_none() && c.next().is_none()).then_some(secs)
}

/// Unix seconds of a user's time: RFC 3339 (`2026-11-30T08:00:00Z`,
/// `2026-11-30T08:00:00.5+08:00`) or a date `2026-11-30` (midnight UTC).
pub fn parse_time_arg(s: &str) -> Result<i64, String> {
    let bad = || format!("{s:?} is not an RFC 3339 time (2026-11-30T08:00:00Z) or a date (2026-11-30)");
    let s = s.trim();
    if s.len() == 10 {
        let mut d = s.split('-');
        let v = date_secs(d.next().unwrap_or(""), d.next().unwrap_or(""), d.next().unwrap_or(""));
        return v.filter(|_| d.next().is_none()).ok_or_else(bad);
    }
    let (date, rest) = s.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let mut d = date.split('-');
    let day = date_secs(d.next().unwrap_or(""), d.next().unwrap_or(""), d.next().unwrap_or("")).ok_or_else(bad)?;
    // Split the zone off: Z, +hh:mm or -hh:mm.
    let (clock, offset) = if let Some(c) = rest.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else {
        let at = rest.rfind(['+', '-']).ok_or_else(bad)?;
        let (c, z) = rest.split_at(at);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (h, m) = z[1..].split_once(':').ok_or_else(bad)?;
        let (h, m) = (digits(h).ok_or_else(bad)?, digits(m).ok_or_else(bad)?);
        if h > 23 || m > 59 {
            return Err(bad());
        }
        (c, sign * (h * 3600 + m * 60))
    };
    let clock = clock.split('.').next().unwrap_or("");
    let mut c = clock.split(':');
    let secs = clock_secs(c.next().unwrap_or(""), c.next().unwrap_or(""), c.next().unwrap_or("")).ok_or_else(bad)?;
    if c.next().is_some() {
        return Err(bad());
    }
    Ok(day + secs - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdr_times_round_trip() {
        assert_eq!(format_cdr(1_764_547_200, 0), "2025-12-01 00:00:00");
        assert_eq!(format_cdr(1_764_547_200, 480), "2025-12-01 08:00:00");
        assert_eq!(parse_cdr("2025-12-01 00:00:00"), Some(1_764_547_200));
        assert_eq!(format_day(1_764_547_199, 0), "20251130");
        for bad in ["", "2025-12-01", "2025-13-01 00:00:00", "2025-02-30 00:00:00", "2025-12-01 24:00:00", "x"] {
            assert_eq!(parse_cdr(bad), None, "{bad}");
        }
    }

    #[test]
    fn user_times() {
        assert_eq!(parse_time_arg("2025-12-01"), Ok(1_764_547_200));
        assert_eq!(parse_time_arg("2025-12-01T00:00:00Z"), Ok(1_764_547_200));
        assert_eq!(parse_time_arg("2025-12-01T08:00:00.250+08:00"), Ok(1_764_547_200));
        assert_eq!(parse_time_arg("2025-11-30T19:00:00-05:00"), Ok(1_764_547_200));
        for bad in
            ["", "yesterday", "2025-12-01T00:00:00", "2025-12-32", "2025-12-01T25:00:00Z", "2025-12-01T00:00:00+8"]
        {
            assert!(parse_time_arg(bad).is_err(), "{bad}");
        }
    }
}
