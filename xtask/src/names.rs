//! Turning spec names into Rust names.

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `eventGenTime` → `event_gen_time`, `X-Token-Expire` → `x_token_expire`,
/// `onlineagent.login` → `onlineagent_login`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (prev.is_ascii_uppercase() && next_lower) {
                    out.push('_');
                }
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    let out = if out.starts_with(|c: char| c.is_ascii_digit()) { format!("f_{out}") } else { out };
    if KEYWORDS.contains(&out.as_str()) { format!("{out}_") } else { out }
}

/// `onlineagent.login` → `OnlineagentLogin`.
pub fn pascal(name: &str) -> String {
    snake(name)
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `auth.tokenByAkSk` → `AUTH_TOKEN_BY_AK_SK`.
pub fn upper(name: &str) -> String {
    snake(name).trim_end_matches('_').to_ascii_uppercase()
}

/// A Rust string literal.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Phrases of the spec authors' working notes (how far a page was read, where a value
/// came from): they stay in the spec and never reach the generated docs.
const NOTE_MARKERS: &[&str] = &[
    "not read",
    "time budget",
    "first pass",
    "re-read",
    "reread",
    "not readable",
    "row cut",
    "not captured",
    "table row",
    "digest truncated",
    "in any copy",
    "from the sample",
    "page sample",
    "noted in",
    "postman",
    "was cut",
    "cut in every",
    "not reached",
    "copy tried",
    "unread",
];

fn is_note(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    NOTE_MARKERS.iter().any(|m| l.contains(m))
}

/// `s` without the working notes: a parenthesis or a `;` clause holding a note phrase is
/// dropped; what the interface or field is and its constraints stay.
pub fn strip_notes(s: &str) -> String {
    // Parenthesised groups (nested ones inside) holding a note.
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '(' {
            let mut depth = 0;
            let mut j = i;
            while j < chars.len() {
                match chars[j] {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let group: String = chars[i..(j + 1).min(chars.len())].iter().collect();
            if is_note(&group) {
                while out.ends_with(' ') {
                    out.pop();
                }
                i = j + 1;
                continue;
            }
            out.push_str(&group);
            i = j + 1;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    let kept: Vec<String> = out
        .split("; ")
        .filter_map(|c| {
            if !is_note(c) {
                return Some(c.to_string());
            }
            // "query wrapper: the page sample ..." keeps "query wrapper".
            let parts: Vec<&str> = c.split(": ").filter(|p| !is_note(p)).collect();
            (!parts.is_empty()).then(|| parts.join(": "))
        })
        .collect();
    let mut t = kept.join("; ").trim().trim_end_matches([';', ',']).trim().to_string();
    // A sentence of its own holding a note (". The table continues (...) past X").
    if is_note(&t) {
        t = t.split(". ").filter(|c| !is_note(c)).collect::<Vec<_>>().join(". ");
    }
    t
}

/// Text for a `///` doc line (no newlines, no stray HTML, no working notes).
pub fn doc(s: &str) -> String {
    let cleaned = strip_notes(s);
    let s = if cleaned.trim().is_empty() && !s.trim().is_empty() {
        "Not described in the reference.".to_string()
    } else {
        cleaned
    };
    escape_doc(&s)
}

/// Text for a `///` doc line kept whole (working notes included): no newlines, no stray HTML.
pub fn escape_doc(s: &str) -> String {
    s.replace('\n', " ").replace('<', "&lt;").replace('>', "&gt;").replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("eventGenTime"), "event_gen_time");
        assert_eq!(snake("X-Token-Expire"), "x_token_expire");
        assert_eq!(snake("AccessToken"), "access_token");
        assert_eq!(snake("statusV2"), "status_v2");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("agentInfo.queryAgentInfo"), "agent_info_query_agent_info");
        assert_eq!(snake("IVRCode"), "ivr_code");
        assert_eq!(pascal("onlineagent.login"), "OnlineagentLogin");
        assert_eq!(pascal("campaign.query_all"), "CampaignQueryAll");
        assert_eq!(upper("auth.tokenByAkSk"), "AUTH_TOKEN_BY_AK_SK");
    }

    #[test]
    fn working_notes_stay_out_of_docs() {
        assert_eq!(
            strip_notes("sign-in time, ms timestamp (from the sample; table row not read)"),
            "sign-in time, ms timestamp"
        );
        assert_eq!(strip_notes("dialogue logic ID (row cut; required flag not read)"), "dialogue logic ID");
        assert_eq!(strip_notes("from the sample; table row not read"), "");
        assert_eq!(doc("from the sample; table row not read"), "Not described in the reference.");
        assert_eq!(strip_notes("agent id (101-999999); see (Table 3)"), "agent id (101-999999); see (Table 3)");
        assert_eq!(strip_notes("entered work state; content not read"), "entered work state");
        assert_eq!(strip_notes("query wrapper: the page sample (noted in the first pass) sends it"), "query wrapper");
    }
}
