//! Checks of the reference's documented constraints, run before a request is sent.
//! Generated request builders call these; each failure names the field and the rule.

use crate::error::{Error, Result};

/// Fails when a required field is missing.
pub fn required<T>(op: &'static str, field: &str, v: &Option<T>) -> Result<()> {
    if v.is_none() {
        return Err(Error::validation(op, field, "is required"));
    }
    Ok(())
}

/// Fails when a string is longer than `max` characters.
pub fn max_len(op: &'static str, field: &str, v: &str, max: usize) -> Result<()> {
    let n = v.chars().count();
    if n > max {
        return Err(Error::validation(op, field, format!("must be at most {max} characters (got {n})")));
    }
    Ok(())
}

/// Fails when a string is shorter than `min` characters.
pub fn min_len(op: &'static str, field: &str, v: &str, min: usize) -> Result<()> {
    let n = v.chars().count();
    if n < min {
        return Err(Error::validation(op, field, format!("must be at least {min} characters (got {n})")));
    }
    Ok(())
}

/// Fails when a number is outside `min..=max`.
pub fn range(op: &'static str, field: &str, v: i64, min: i64, max: i64) -> Result<()> {
    if v < min || v > max {
        return Err(Error::validation(op, field, format!("must be in {min}..={max} (got {v})")));
    }
    Ok(())
}

/// Fails when a numeric string is not an integer in `min..=max` (agent ids are strings on the wire).
pub fn numeric_range(op: &'static str, field: &str, v: &str, min: i64, max: i64) -> Result<()> {
    match v.trim().parse::<i64>() {
        Ok(n) if v.bytes().all(|b| b.is_ascii_digit()) => range(op, field, n, min, max),
        _ => Err(Error::validation(op, field, format!("must be an integer in {min}..={max} (got {v:?})"))),
    }
}

/// Fails when a string is not one of the allowed values.
pub fn one_of(op: &'static str, field: &str, v: &str, allowed: &[&str]) -> Result<()> {
    if !allowed.contains(&v) {
        return Err(Error::validation(op, field, format!("must be one of {allowed:?} (got {v:?})")));
    }
    Ok(())
}

/// Fails when an integer is not one of the allowed values.
pub fn one_of_int(op: &'static str, field: &str, v: i64, allowed: &[i64]) -> Result<()> {
    if !allowed.contains(&v) {
        return Err(Error::validation(op, field, format!("must be one of {allowed:?} (got {v})")));
    }
    Ok(())
}

/// Fails when a list holds more than `max` items.
pub fn max_items<T>(op: &'static str, field: &str, v: &[T], max: usize) -> Result<()> {
    if v.len() > max {
        return Err(Error::validation(op, field, format!("must hold at most {max} items (got {})", v.len())));
    }
    Ok(())
}

/// Fails when a string holds characters other than ASCII letters and digits.
pub fn alphanumeric(op: &'static str, field: &str, v: &str) -> Result<()> {
    if !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::validation(op, field, "must hold only letters and digits"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(numeric_range("o", "agentid", "101", 101, 999_999).is_ok());
        let e = numeric_range("o", "agentid", "100", 101, 999_999).unwrap_err();
        assert!(e.to_string().contains("agentid") && e.to_string().contains("101..=999999"));
        assert!(numeric_range("o", "agentid", "-5", 101, 999_999).is_err());
        assert!(numeric_range("o", "agentid", "1e3", 101, 999_999).is_err());
        assert!(max_len("o", "phonenum", &"1".repeat(25), 24).is_err());
        assert!(max_len("o", "phonenum", &"1".repeat(24), 24).is_ok());
        assert!(required::<u8>("o", "password", &None).is_err());
        assert!(one_of("o", "seat", "vir", &["vir", "ass"]).is_ok());
        assert!(alphanumeric("o", "serviceToken", "abc-1").is_err());
    }
}
