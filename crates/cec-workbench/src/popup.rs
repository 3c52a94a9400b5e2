//! The screen pop-up: the call data the agent workbench hands to the
//! enterprise page it opens.
//!
//! A tenant administrator configures the page (Configuration Center > screen
//! pop-up: page name, embedded or opened on its own, the access address, the
//! integration mode *URL GET*, *URL POST* or *Web API*). When a call rings, the
//! workbench loads the address with the call's data:
//!
//! | parameter | meaning | [`PopupContext`] field |
//! |---|---|---|
//! | `callerNum` | calling number (the customer on an inbound call, the access code or configured outbound number on an outbound one) | `caller_num` |
//! | `calledNum` | called number (the access code on an inbound call, the customer on an outbound one) | `called_num` |
//! | `callid` | the call's unique id (the call number of the contact record) | `call_id` |
//! | `mediaType` | `1` voice or video call, `5` multimedia text chat | `media_type` |
//! | `callType` | `0` inbound, `1` outbound (text chats are never outbound) | `call_type` |
//! | `workNo` | the platform work number of the agent | `work_no` |
//! | `callskill` | the skill queue of the call | `skill` |
//! | `callskillid` | that skill queue's id | `skill_id` |
//! | `agentName` | the agent's business account | `agent_name` |
//! | `origin` | the workbench's origin, the `targetOrigin` for messages the page posts back ([`crate::message`]) | `origin` |
//!
//! In *URL GET* mode the parameters are in the query; in *URL POST* mode the
//! workbench submits them as a form, so they stay out of URLs, browser history
//! and proxy logs. [`PopupParser::parse_http`] reads both (the query of the
//! configured address, e.g. a [`crate::PageToken`], and the form).
//!
//! `calldata` (the call's associated data) is read when present: the reference
//! documents it for the Web API mode's events, not in the URL parameter table.
//! Every other parameter is kept, in order, in [`PopupContext::extra`].
//!
//! **The page is not authenticated**: the workbench opens whatever address is
//! configured and anyone who knows it can call it with any data. Treat every
//! value as untrusted input; protect the page with
//! [`PopupParser::require_token`] (a signed, expiring token the tenant puts in
//! the configured address) and [`PopupParser::allow_origins`] (messages go only
//! to the workbench's own origin), and prefer *URL POST* mode.

use std::collections::BTreeSet;
use std::time::SystemTime;

use cec_core::Secret;
use serde::Serialize;

use crate::token::{PageClaims, PageToken, PageTokenKey};
use crate::{Result, auth_error, decode_error, validation_error};

const WHAT: &str = "popup";

/// A parameter of the pop-up with a documented meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// `callerNum`.
    CallerNum,
    /// `calledNum`.
    CalledNum,
    /// `callid`.
    CallId,
    /// `mediaType`.
    MediaType,
    /// `callType`.
    CallType,
    /// `workNo`.
    WorkNo,
    /// `callskill`.
    CallSkill,
    /// `callskillid`.
    CallSkillId,
    /// `agentName`.
    AgentName,
    /// `origin`.
    Origin,
    /// `calldata`.
    CallData,
}

impl Field {
    /// Every field, in the order of the reference's table.
    pub const ALL: [Field; 11] = [
        Field::CallerNum,
        Field::CalledNum,
        Field::CallId,
        Field::MediaType,
        Field::CallType,
        Field::WorkNo,
        Field::CallSkill,
        Field::CallSkillId,
        Field::AgentName,
        Field::Origin,
        Field::CallData,
    ];

    /// The parameter name the reference documents.
    pub fn documented_name(self) -> &'static str {
        match self {
            Field::CallerNum => "callerNum",
            Field::CalledNum => "calledNum",
            Field::CallId => "callid",
            Field::MediaType => "mediaType",
            Field::CallType => "callType",
            Field::WorkNo => "workNo",
            Field::CallSkill => "callskill",
            Field::CallSkillId => "callskillid",
            Field::AgentName => "agentName",
            Field::Origin => "origin",
            Field::CallData => "calldata",
        }
    }
}

/// The call's media (`mediaType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `1`: a voice or video call.
    Voice,
    /// `5`: a multimedia text chat.
    TextChat,
    /// Any other number, kept as sent.
    Other(u32),
}

impl MediaType {
    /// The code on the wire.
    pub fn code(self) -> u32 {
        match self {
            MediaType::Voice => 1,
            MediaType::TextChat => 5,
            MediaType::Other(n) => n,
        }
    }
    /// From the code on the wire.
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => MediaType::Voice,
            5 => MediaType::TextChat,
            n => MediaType::Other(n),
        }
    }
    /// A voice or video call.
    pub fn is_voice(self) -> bool {
        self == MediaType::Voice
    }
    /// A text chat.
    pub fn is_chat(self) -> bool {
        self == MediaType::TextChat
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaType::Voice => f.write_str("voice or video call (1)"),
            MediaType::TextChat => f.write_str("text chat (5)"),
            MediaType::Other(n) => write!(f, "undocumented media type ({n})"),
        }
    }
}

impl Serialize for MediaType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

/// The call's direction (`callType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallType {
    /// `0`: an inbound call.
    Inbound,
    /// `1`: an outbound call.
    Outbound,
    /// Any other number, kept as sent.
    Other(u32),
}

impl CallType {
    /// The code on the wire.
    pub fn code(self) -> u32 {
        match self {
            CallType::Inbound => 0,
            CallType::Outbound => 1,
            CallType::Other(n) => n,
        }
    }
    /// From the code on the wire.
    pub fn from_code(code: u32) -> Self {
        match code {
            0 => CallType::Inbound,
            1 => CallType::Outbound,
            n => CallType::Other(n),
        }
    }
}

impl std::fmt::Display for CallType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallType::Inbound => f.write_str("inbound (0)"),
            CallType::Outbound => f.write_str("outbound (1)"),
            CallType::Other(n) => write!(f, "undocumented call type ({n})"),
        }
    }
}

impl Serialize for CallType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_u32(self.code())
    }
}

/// The call data a pop-up received. A parameter that is absent or empty is
/// `None`. Never trust it: the page is not authenticated (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PopupContext {
    /// `callerNum`: the calling number.
    pub caller_num: Option<String>,
    /// `calledNum`: the called number.
    pub called_num: Option<String>,
    /// `callid`: the call's unique id.
    pub call_id: Option<String>,
    /// `mediaType`.
    pub media_type: Option<MediaType>,
    /// `callType`.
    pub call_type: Option<CallType>,
    /// `workNo`: the agent's platform work number.
    pub work_no: Option<String>,
    /// `callskill`: the skill queue.
    pub skill: Option<String>,
    /// `callskillid`: the skill queue's id.
    pub skill_id: Option<u32>,
    /// `agentName`: the agent's business account.
    pub agent_name: Option<String>,
    /// `origin`: the workbench origin (`scheme://host[:port]`), checked to be one.
    pub origin: Option<String>,
    /// `calldata`: the call's associated data, as sent.
    pub call_data: Option<String>,
    /// What the page token said, when the parser checks one.
    pub page: Option<PageClaims>,
    /// Every other parameter, in the order received (repeats kept).
    pub extra: Vec<(String, String)>,
}

impl PopupContext {
    /// Parses a query with the documented parameter names and no protection
    /// (same as `PopupParser::new().parse_query(query)`).
    pub fn parse_query(query: &str) -> Result<PopupContext> {
        PopupParser::new().parse_query(query)
    }

    /// The first unknown parameter called `name`.
    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The customer's number: the caller of an inbound call, the called party of
    /// an outbound one (`None` when the call type is unknown).
    pub fn customer_number(&self) -> Option<&str> {
        match self.call_type? {
            CallType::Inbound => self.caller_num.as_deref(),
            CallType::Outbound => self.called_num.as_deref(),
            CallType::Other(_) => None,
        }
    }
}

/// Reads pop-up requests: the parameter names the tenant configured, and the
/// page's protection.
#[derive(Debug, Clone)]
pub struct PopupParser {
    names: Vec<(Field, String)>,
    token: Option<TokenRule>,
    origins: Option<BTreeSet<String>>,
}

#[derive(Debug, Clone)]
struct TokenRule {
    param: String,
    key: PageTokenKey,
    page: Option<String>,
}

impl Default for PopupParser {
    fn default() -> Self {
        Self::new()
    }
}

impl PopupParser {
    /// The documented parameter names, no token, any origin.
    pub fn new() -> Self {
        PopupParser {
            names: Field::ALL.iter().map(|f| (*f, f.documented_name().to_owned())).collect(),
            token: None,
            origins: None,
        }
    }

    /// Reads `field` from the parameter `name` (a remapping made in the pop-up
    /// configuration). Fails when `name` is empty or another field already uses it.
    pub fn rename(mut self, field: Field, name: &str) -> Result<Self> {
        if name.is_empty() {
            return Err(validation_error(WHAT, field.documented_name(), "a parameter name cannot be empty"));
        }
        if let Some((other, _)) = self.names.iter().find(|(f, n)| *f != field && n == name) {
            return Err(validation_error(
                WHAT,
                field.documented_name(),
                format!("parameter `{name}` already carries {}", other.documented_name()),
            ));
        }
        if self.token.as_ref().is_some_and(|t| t.param == name) {
            return Err(validation_error(WHAT, field.documented_name(), format!("`{name}` carries the page token")));
        }
        for (f, n) in &mut self.names {
            if *f == field {
                *n = name.to_owned();
            }
        }
        Ok(self)
    }

    /// The parameter name `field` is read from.
    pub fn name_of(&self, field: Field) -> &str {
        self.names.iter().find(|(f, _)| *f == field).map(|(_, n)| n.as_str()).unwrap_or(field.documented_name())
    }

    /// Requires a [`PageToken`] in parameter `param`, signed with `key` (and,
    /// with [`PopupParser::for_page`], issued for that page). A request without
    /// it, or with a forged or expired one, is refused ([`cec_core::ErrorKind::Auth`]).
    pub fn require_token(mut self, param: &str, key: PageTokenKey) -> Result<Self> {
        if param.is_empty() {
            return Err(validation_error(WHAT, "token", "the token parameter name cannot be empty"));
        }
        if let Some((f, _)) = self.names.iter().find(|(_, n)| n == param) {
            return Err(validation_error(WHAT, "token", format!("`{param}` already carries {}", f.documented_name())));
        }
        self.token = Some(TokenRule { param: param.to_owned(), key, page: None });
        Ok(self)
    }

    /// With [`PopupParser::require_token`]: the token must name this page.
    pub fn for_page(mut self, page: &str) -> Self {
        if let Some(t) = &mut self.token {
            t.page = Some(page.to_owned());
        }
        self
    }

    /// Accepts an `origin` parameter only if it is one of these (e.g. your
    /// tenant's workbench, `https://service.example.com`), and requires one.
    /// The page uses it as the `targetOrigin` of what it posts to the workbench:
    /// without the check, a forged URL sends the page's messages elsewhere.
    pub fn allow_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.origins = Some(origins.into_iter().map(|o| o.into().trim_end_matches('/').to_owned()).collect());
        self
    }

    /// Parses a URL query (`a=1&b=2`, a leading `?` allowed), checked at the current time.
    pub fn parse_query(&self, query: &str) -> Result<PopupContext> {
        let query = query.strip_prefix('?').unwrap_or(query);
        self.parse_pairs_at(decode(query.as_bytes())?, SystemTime::now())
    }

    /// Parses the body of a *URL POST* pop-up (`application/x-www-form-urlencoded`).
    pub fn parse_form(&self, body: &[u8]) -> Result<PopupContext> {
        self.parse_pairs_at(decode(body)?, SystemTime::now())
    }

    /// Parses a pop-up request as a web server sees it: the query of the URL
    /// and, for `POST`, the form body (a content type other than
    /// `application/x-www-form-urlencoded` is refused). A documented parameter
    /// that appears in both is an error.
    pub fn parse_http(
        &self,
        method: &str,
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<PopupContext> {
        self.parse_http_at(method, query, content_type, body, SystemTime::now())
    }

    /// [`PopupParser::parse_http`] with the token checked at `now`.
    pub fn parse_http_at(
        &self,
        method: &str,
        query: Option<&str>,
        content_type: Option<&str>,
        body: &[u8],
        now: SystemTime,
    ) -> Result<PopupContext> {
        let mut pairs = decode(query.unwrap_or("").as_bytes())?;
        if method.eq_ignore_ascii_case("POST") {
            let ct = content_type.unwrap_or("application/x-www-form-urlencoded");
            let essence = ct.split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Err(decode_error(
                    WHAT,
                    "Content-Type",
                    format!("`{ct}` is not a URL-encoded form (application/x-www-form-urlencoded)"),
                ));
            }
            pairs.extend(decode(body)?);
        } else if !method.eq_ignore_ascii_case("GET") {
            return Err(decode_error(
                WHAT,
                "method",
                format!("{method}: the workbench loads a pop-up with GET or POST"),
            ));
        }
        self.parse_pairs_at(pairs, now)
    }

    /// Builds the context from decoded pairs, with the token checked at `now`.
    pub fn parse_pairs_at(&self, pairs: Vec<(String, String)>, now: SystemTime) -> Result<PopupContext> {
        let mut ctx = PopupContext::default();
        let mut seen: BTreeSet<Field> = BTreeSet::new();
        let mut token: Option<Secret<String>> = None;
        for (name, value) in pairs {
            if let Some(rule) = &self.token
                && name == rule.param
            {
                if token.is_some() {
                    return Err(auth_error(WHAT, format!("the page token parameter `{name}` appears twice")));
                }
                token = Some(Secret::new(value));
                continue;
            }
            let Some(field) = self.names.iter().find(|(_, n)| *n == name).map(|(f, _)| *f) else {
                ctx.extra.push((name, value));
                continue;
            };
            if !seen.insert(field) {
                return Err(decode_error(WHAT, &name, "appears more than once"));
            }
            if value.is_empty() {
                continue;
            }
            set(&mut ctx, field, &name, value)?;
        }
        if let Some(rule) = &self.token {
            let Some(token) = token else {
                return Err(auth_error(WHAT, format!("the page token parameter `{}` is missing", rule.param)));
            };
            ctx.page = Some(PageToken::verify_at(&rule.key, token.expose_str(), rule.page.as_deref(), now)?);
        }
        if let Some(allowed) = &self.origins {
            match ctx.origin.as_deref() {
                Some(o) if allowed.contains(o) => {}
                Some(o) => return Err(auth_error(WHAT, format!("origin `{o}` is not an allowed workbench origin"))),
                None => {
                    return Err(auth_error(
                        WHAT,
                        format!("no `{}` parameter: the workbench origin is required", self.name_of(Field::Origin)),
                    ));
                }
            }
        }
        Ok(ctx)
    }
}

fn decode(raw: &[u8]) -> Result<Vec<(String, String)>> {
    crate::query::parse_pairs(raw).map_err(|e| decode_error(WHAT, &e.param, e.rule))
}

fn number(name: &str, value: &str, meaning: &str) -> Result<u32> {
    value.parse::<u32>().map_err(|_| decode_error(WHAT, name, format!("`{value}` is not a number ({meaning})")))
}

fn set(ctx: &mut PopupContext, field: Field, name: &str, value: String) -> Result<()> {
    match field {
        Field::CallerNum => ctx.caller_num = Some(value),
        Field::CalledNum => ctx.called_num = Some(value),
        Field::CallId => ctx.call_id = Some(value),
        Field::MediaType => {
            ctx.media_type = Some(MediaType::from_code(number(name, &value, "1 voice or video, 5 text chat")?));
        }
        Field::CallType => ctx.call_type = Some(CallType::from_code(number(name, &value, "0 inbound, 1 outbound")?)),
        Field::WorkNo => ctx.work_no = Some(value),
        Field::CallSkill => ctx.skill = Some(value),
        Field::CallSkillId => ctx.skill_id = Some(number(name, &value, "a skill queue id")?),
        Field::AgentName => ctx.agent_name = Some(value),
        Field::Origin => ctx.origin = Some(origin(name, &value)?),
        Field::CallData => ctx.call_data = Some(value),
    }
    Ok(())
}

/// `scheme://host[:port]` and nothing more (a trailing `/` is dropped).
fn origin(name: &str, value: &str) -> Result<String> {
    let bad = |why: &str| decode_error(WHAT, name, format!("`{value}` is not an origin (scheme://host[:port]): {why}"));
    let trimmed = value.trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("not an http(s) URL with a host"));
    }
    let serialized = url.origin().ascii_serialization();
    if !serialized.eq_ignore_ascii_case(trimmed) {
        return Err(bad("it has more than scheme, host and port"));
    }
    Ok(serialized)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;
    use cec_core::ErrorKind;

    const FULL: &str = "callerNum=13800000001&calledNum=10086&callid=1700000001-1&mediaType=1&callType=0\
                        &workNo=1001&callskill=General&callskillid=1&agentName=alice&origin=https%3A%2F%2Fwb.example.com";

    #[test]
    fn every_documented_parameter() {
        let ctx = PopupContext::parse_query(&format!("?{FULL}")).unwrap();
        assert_eq!(ctx.caller_num.as_deref(), Some("13800000001"));
        assert_eq!(ctx.called_num.as_deref(), Some("10086"));
        assert_eq!(ctx.call_id.as_deref(), Some("1700000001-1"));
        assert_eq!(ctx.media_type, Some(MediaType::Voice));
        assert_eq!(ctx.call_type, Some(CallType::Inbound));
        assert_eq!(ctx.work_no.as_deref(), Some("1001"));
        assert_eq!(ctx.skill.as_deref(), Some("General"));
        assert_eq!(ctx.skill_id, Some(1));
        assert_eq!(ctx.agent_name.as_deref(), Some("alice"));
        assert_eq!(ctx.origin.as_deref(), Some("https://wb.example.com"));
        assert_eq!(ctx.customer_number(), Some("13800000001"));
        assert!(ctx.extra.is_empty());
    }

    #[test]
    fn unknown_parameters_are_kept_in_order_and_empty_ones_are_absent() {
        let ctx = PopupContext::parse_query("crm=1&callerNum=&mediaType=5&crm=2&x").unwrap();
        assert_eq!(ctx.caller_num, None);
        assert_eq!(ctx.media_type, Some(MediaType::TextChat));
        assert_eq!(ctx.extra, vec![("crm".into(), "1".into()), ("crm".into(), "2".into()), ("x".into(), "".into())]);
        assert_eq!(ctx.extra("crm"), Some("1"));
    }

    #[test]
    fn malformed_values_name_the_parameter() {
        for (q, field) in [
            ("mediaType=audio", "mediaType"),
            ("callType=-1", "callType"),
            ("callskillid=abc", "callskillid"),
            ("origin=javascript:alert(1)", "origin"),
            ("origin=https%3A%2F%2Fa.example.com%2Fpath", "origin"),
            ("callid=1&callid=2", "callid"),
            ("callerNum=%zz", "callerNum"),
        ] {
            let e = PopupContext::parse_query(q).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Decode, "{q}");
            assert_eq!(e.field(), Some(field), "{q}: {e}");
        }
        // Undocumented codes are kept, not refused.
        let ctx = PopupContext::parse_query("mediaType=7&callType=3").unwrap();
        assert_eq!(ctx.media_type, Some(MediaType::Other(7)));
        assert_eq!(ctx.call_type, Some(CallType::Other(3)));
        assert_eq!(ctx.customer_number(), None);
    }

    #[test]
    fn remapped_names() {
        let p = PopupParser::new().rename(Field::CallerNum, "ani").unwrap().rename(Field::WorkNo, "agent").unwrap();
        let ctx = p.parse_query("ani=139&agent=1002&callerNum=5").unwrap();
        assert_eq!(ctx.caller_num.as_deref(), Some("139"));
        assert_eq!(ctx.work_no.as_deref(), Some("1002"));
        assert_eq!(ctx.extra, vec![("callerNum".into(), "5".into())], "the old name is now unknown");
        assert_eq!(p.name_of(Field::CallerNum), "ani");
        assert!(PopupParser::new().rename(Field::CallerNum, "calledNum").is_err());
        assert!(PopupParser::new().rename(Field::CallerNum, "").is_err());
    }

    #[test]
    fn post_forms_and_the_query_of_the_configured_address() {
        let p = PopupParser::new();
        let ctx = p
            .parse_http(
                "POST",
                Some("crm=9"),
                Some("application/x-www-form-urlencoded; charset=UTF-8"),
                FULL.as_bytes(),
            )
            .unwrap();
        assert_eq!(ctx.work_no.as_deref(), Some("1001"));
        assert_eq!(ctx.extra("crm"), Some("9"));
        let e = p.parse_http("POST", Some("callid=1"), None, b"callid=2").unwrap_err();
        assert_eq!(e.field(), Some("callid"));
        let e = p.parse_http("POST", None, Some("multipart/form-data; boundary=x"), b"").unwrap_err();
        assert_eq!(e.field(), Some("Content-Type"));
        assert!(p.parse_http("PUT", None, None, b"").is_err());
        // A GET ignores any body.
        assert_eq!(p.parse_http("GET", Some("callid=1"), None, b"callid=2").unwrap().call_id.as_deref(), Some("1"));
    }

    #[test]
    fn token_and_origin_protection() {
        let key = PageTokenKey::new(b"0123456789abcdef0123456789abcdef".to_vec()).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = PageToken::issue(&key, "crm-popup", now + Duration::from_secs(3600)).unwrap();
        let p = PopupParser::new()
            .require_token("tk", key.clone())
            .unwrap()
            .for_page("crm-popup")
            .allow_origins(["https://wb.example.com/"]);
        let q = format!("tk={token}&{FULL}");
        let pairs = decode(q.as_bytes()).unwrap();
        let ctx = p.parse_pairs_at(pairs.clone(), now).unwrap();
        assert_eq!(ctx.page.as_ref().map(|c| c.page.as_str()), Some("crm-popup"));
        assert!(ctx.extra.is_empty(), "the token is not an extra parameter");
        // Expired, missing, forged, foreign origin: all Auth.
        let later = now + Duration::from_secs(7200);
        assert!(p.parse_pairs_at(pairs, later).unwrap_err().is_auth());
        assert!(p.parse_pairs_at(decode(FULL.as_bytes()).unwrap(), now).unwrap_err().is_auth());
        let forged = format!("tk={}x&{FULL}", &token[..token.len() - 1]);
        assert!(p.parse_pairs_at(decode(forged.as_bytes()).unwrap(), now).unwrap_err().is_auth());
        let foreign = format!("tk={token}&{}", FULL.replace("wb.example.com", "evil.example.net"));
        let e = p.parse_pairs_at(decode(foreign.as_bytes()).unwrap(), now).unwrap_err();
        assert!(e.is_auth() && e.to_string().contains("evil"), "{e}");
        // The token never shows in Debug.
        assert!(!format!("{p:?}").contains("0123456789abcdef"));
        assert!(PopupParser::new().require_token("callerNum", key).is_err());
    }
}
