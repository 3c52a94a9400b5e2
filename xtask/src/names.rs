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

/// Text for a `///` doc line (no newlines, no stray HTML).
pub fn doc(s: &str) -> String {
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
}
