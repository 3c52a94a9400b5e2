//! A strict `application/x-www-form-urlencoded` decoder (URL queries and POST
//! forms): `+` is a space, `%XX` a byte; a `%` not followed by two hex digits
//! and bytes that do not decode to UTF-8 are errors, never replaced silently.

/// Largest query or form accepted (bytes).
pub(crate) const MAX_INPUT: usize = 64 * 1024;
/// Most parameters accepted.
pub(crate) const MAX_PARAMS: usize = 512;

/// Why a query could not be decoded: the parameter (its position when its name
/// itself is broken) and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError {
    pub(crate) param: String,
    pub(crate) rule: String,
}

/// Decodes `name=value` pairs in order. Empty segments (`a=1&&b=2`) are
/// skipped; a name without `=` has an empty value.
pub(crate) fn parse_pairs(input: &[u8]) -> Result<Vec<(String, String)>, QueryError> {
    if input.len() > MAX_INPUT {
        return Err(QueryError {
            param: "(query)".into(),
            rule: format!("is {} bytes, more than the {MAX_INPUT} accepted", input.len()),
        });
    }
    let mut out = Vec::new();
    for (n, segment) in input.split(|b| *b == b'&').enumerate() {
        if segment.is_empty() {
            continue;
        }
        if out.len() == MAX_PARAMS {
            return Err(QueryError { param: "(query)".into(), rule: format!("has more than {MAX_PARAMS} parameters") });
        }
        let (raw_name, raw_value) = match segment.iter().position(|b| *b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &segment[segment.len()..]),
        };
        let name = decode(raw_name).map_err(|rule| QueryError { param: format!("parameter #{}", n + 1), rule })?;
        let value = decode(raw_value).map_err(|rule| QueryError { param: name.clone(), rule })?;
        out.push((name, value));
    }
    Ok(out)
}

fn decode(raw: &[u8]) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = raw.get(i + 1).copied().and_then(hex_value);
                let lo = raw.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(h), Some(l)) => bytes.push(h << 4 | l),
                    _ => return Err(format!("has a `%` at byte {i} that is not followed by two hex digits")),
                }
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|e| format!("is not UTF-8 once decoded (byte {})", e.utf8_error().valid_up_to()))
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse_pairs(s.as_bytes()).unwrap()
    }

    #[test]
    fn decodes_plus_percent_and_bare_names() {
        assert_eq!(
            pairs("a=1+2&b=%E5%BC%B9%20x&&flag&c="),
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "弹 x".into()),
                ("flag".into(), String::new()),
                ("c".into(), String::new())
            ]
        );
        assert_eq!(pairs("k=a=b"), vec![("k".into(), "a=b".into())]);
        assert!(pairs("").is_empty());
    }

    #[test]
    fn refuses_broken_escapes_and_bad_utf8_naming_the_parameter() {
        let e = parse_pairs(b"ok=1&callerNum=12%G4").unwrap_err();
        assert_eq!(e.param, "callerNum");
        assert!(e.rule.contains('%'), "{}", e.rule);
        let e = parse_pairs(b"x=%").unwrap_err();
        assert_eq!(e.param, "x");
        let e = parse_pairs(b"a=1&%ff=2").unwrap_err();
        assert_eq!(e.param, "parameter #2");
        assert!(e.rule.contains("UTF-8"));
    }

    #[test]
    fn bounds_the_input() {
        let big = vec![b'a'; MAX_INPUT + 1];
        assert!(parse_pairs(&big).is_err());
        let many = "a=1&".repeat(MAX_PARAMS + 1);
        assert!(parse_pairs(many.as_bytes()).unwrap_err().rule.contains("parameters"));
    }
}
