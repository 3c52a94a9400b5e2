//! The project's interface spec (`spec/<ne>.json`): the model codegen reads.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // every spec field is parsed so a typo fails loudly; not all are used yet
pub struct Spec {
    pub ne: String,
    #[serde(rename = "crate")]
    pub krate: String,
    pub auth_mode: String,
    #[serde(default)]
    pub catalog: Vec<String>,
    pub envelopes: BTreeMap<String, EnvelopeSpec>,
    #[serde(default)]
    pub error_codes: Vec<ErrorCode>,
    pub interfaces: Vec<Interface>,
    /// Callbacks the NE delivers to a URL the customer hosts (`spec/callbacks/<file>.json`).
    #[serde(skip)]
    pub callbacks: Vec<Callback>,
    /// Agent event types (`spec/events/<file>.json`), generated as `AgentEvent`.
    #[serde(skip)]
    pub events: Vec<EventSpec>,
    /// Code tables (`spec/enums/<file>.json`), typed as enums with an `Unknown` arm.
    #[serde(skip)]
    pub enums: BTreeMap<String, EnumSpec>,
    /// Catalog interfaces deliberately left out, with the reason.
    #[serde(default)]
    pub not_in_spec: Vec<Omitted>,
    /// Tenant context fields (CMS `ccId`/`vdn`, iSales `vdnId`): client defaults that a
    /// call fills in when it leaves them unset (path, query or top-level body).
    #[serde(default)]
    pub tenant: Vec<TenantField>,
    /// Groups (the part of an interface id before the first `.`) compiled only with a
    /// cargo feature of the crate (default on): group → feature name.
    #[serde(default)]
    pub optional_groups: BTreeMap<String, String>,
    /// File stem, set after loading.
    #[serde(skip)]
    pub file: String,
}

/// One tenant context field.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TenantField {
    /// The field's name on the wire.
    pub name: String,
    /// What it is.
    pub desc: String,
}

#[derive(Debug, Deserialize, Clone)]
pub struct EnvelopeSpec {
    pub code_fields: Vec<String>,
    pub success: Vec<String>,
    pub message_fields: Vec<String>,
    #[serde(default)]
    pub auth_codes: Vec<String>,
    #[serde(default)]
    pub code_required: bool,
}

/// A callback the customer hosts: generated as a body type with `receive` and `ack`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Callback {
    pub id: String,
    pub title: String,
    pub doc: String,
    pub method: String,
    /// Where the customer serves it (a reference path or the registered URL).
    pub customer_path: String,
    /// Header carrying the token the customer gave at registration (checked by `receive`).
    pub token_header: Option<String>,
    /// `object` or `array` (a bare JSON list of `body` items).
    pub body_shape: String,
    pub body: Vec<Field>,
    /// The answer the NE expects.
    pub ack: serde_json::Value,
    #[serde(default)]
    pub notes: String,
}

/// One agent event type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct EventSpec {
    /// `eventType` exactly as on the wire (documented spellings kept).
    pub wire: String,
    /// The Rust variant name.
    pub name: String,
    pub category: String,
    pub doc: String,
    #[serde(default)]
    pub desc: String,
    /// `none` (null content), `call_id` (content is a bare call-id string) or `object`.
    pub content: String,
    #[serde(default)]
    pub fields: Vec<Field>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumSpec {
    /// `int` or `string`.
    pub repr: String,
    pub doc: String,
    /// Response fields (by name) typed with this enum.
    #[serde(default)]
    pub fields: Vec<String>,
    pub values: Vec<EnumValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    pub value: String,
    pub name: String,
    pub desc: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Omitted {
    pub id: String,
    #[serde(default)]
    pub doc: String,
    pub reason: String,
    /// For a catalog entry that is a group (a table-of-contents page): the spec
    /// interfaces its individual pages became. Non-empty means "expanded", not left out.
    #[serde(default)]
    pub expanded_into: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct ErrorCode {
    pub code: String,
    #[serde(default)]
    pub meaning: String,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Interface {
    pub id: String,
    /// The Rust method name when the mechanical one (`snake(id)`) reads badly; kept
    /// stable once released (the mechanical name stays as a `#[deprecated]` alias).
    #[serde(default)]
    pub rust_name: Option<String>,
    pub title: String,
    pub doc: String,
    pub method: String,
    pub path: String,
    /// none | guid | bearer | bearer-messaging | messaging-cookie | signature | oiap-token
    pub auth: String,
    /// `body:<dotted path>` or `headers`, for oiap-token.
    #[serde(default)]
    pub token_placement: Option<String>,
    /// safe | unsafe
    pub retry: String,
    #[serde(default = "default_envelope")]
    pub envelope: String,
    /// json | binary
    #[serde(default = "default_kind")]
    pub response_kind: String,
    /// Set on the interfaces cec-auth calls to obtain credentials (C1, C3, C5, C6).
    #[serde(default)]
    pub credential: Option<String>,
    /// The catalog's auth name when the SDK cannot apply it itself (credentials are
    /// then explicit parameters).
    #[serde(default)]
    pub auth_note: Option<String>,
    /// The response is passed through as raw JSON (fields not readable in the reference).
    #[serde(default)]
    pub response_raw: bool,
    /// `object` (default): `response` lists the fields of the answer object; `array`: the
    /// answer is a bare JSON array and `response` lists the fields of each item.
    #[serde(default = "default_shape")]
    pub response_shape: String,
    #[serde(default)]
    pub path_params: Vec<Field>,
    #[serde(default)]
    pub query_params: Vec<Field>,
    #[serde(default)]
    pub headers: Vec<Field>,
    #[serde(default)]
    pub body: Vec<Field>,
    #[serde(default)]
    pub response: Vec<Field>,
    #[serde(default)]
    pub response_headers: Vec<Field>,
    /// Rules on the body object as a whole (`at_least_one_of`).
    #[serde(default)]
    pub body_rules: Rules,
    #[serde(default)]
    pub errors: Vec<String>,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// `full` (every table it declares was read), `partial` (some table cut in every
    /// copy tried) or `outline` (method and path only).
    #[serde(default)]
    pub detail: String,
    /// For `partial`/`outline`: which tables are missing.
    #[serde(default)]
    pub missing: Option<String>,
    /// The copies of the reference page read, fullest first.
    #[serde(default)]
    pub read_from: Vec<ReadFrom>,
    /// For a `partial`/`outline` entry: the last search for a fuller copy, naming every
    /// kind of copy looked for (all of [`COPY_KINDS`]) and what it found.
    #[serde(default)]
    pub searched: Option<Searched>,
    /// Every documented sample request/response body the page shows.
    #[serde(default)]
    pub samples: Vec<Sample>,
    /// Interfaces whose response item table is genuinely the same as this one's
    /// (acknowledged by the copied-table check).
    #[serde(default)]
    pub same_table_as: Vec<String>,
    /// Dotted field paths (`body.beginDate`, `response.resultDesc.agentId`) whose table
    /// type was kept after review although a sample shows another JSON type.
    #[serde(default)]
    pub sample_types_reviewed: Vec<String>,
}

/// One copy of a reference page that was read.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReadFrom {
    pub url: String,
    pub lang: String,
    /// How far that copy went: headers | request | response | errors | samples | whole.
    pub reached: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The last search for a fuller copy of a page whose tables stay cut.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Searched {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The kinds of copy looked for, each one of [`COPY_KINDS`]; all of them before an
    /// entry may stay partial.
    pub copies: Vec<String>,
    /// What the search found (e.g. "no copy reaches past row 1.5; errors fragment is a sibling's").
    pub outcome: String,
}

/// The kinds of copy of a reference page, fullest first as the issue lists them: the compact
/// zh html (`api-ccfs-cec/cec_07_XXXX.html`), the huaweicloud.com guide section fragments,
/// the en and zh-cn/zh .md copies, the other language copies (es, pt, tr, th, ja, id, ar) and
/// public client code (Huawei's CloudIPCC_* demos, integrators' clients).
pub const COPY_KINDS: [&str; 5] = ["zh-html", "guide-fragments", "en-zh", "other-languages", "client-code"];

/// A documented sample body, as printed on the page.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// `request` or `response`.
    pub kind: String,
    pub from: String,
    pub body: serde_json::Value,
}

fn default_envelope() -> String {
    "default".into()
}
fn default_kind() -> String {
    "json".into()
}
fn default_shape() -> String {
    "object".into()
}

#[derive(Debug, Deserialize, Clone)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub constraints: Option<String>,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub rules: Rules,
    /// Redacted in `Debug` (passwords, secrets).
    #[serde(default)]
    pub secret: bool,
}

/// Machine-checkable constraints, checked before a request is sent.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub numeric_range: Option<[i64; 2]>,
    pub range: Option<[i64; 2]>,
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    pub one_of: Option<Vec<String>>,
    pub one_of_int: Option<Vec<i64>>,
    pub max_items: Option<usize>,
    #[serde(default)]
    pub alphanumeric: bool,
    /// An integer (or digit string) must not fall in `[min, max]`: a documented gap
    /// inside a range (agent ids 60000-69999).
    pub not_range: Option<[i64; 2]>,
    /// Rules each item of an array must meet.
    pub items: Option<Box<Rules>>,
    /// The value must be a code of this NE's code table (`spec/enums/<ne>.json`, by name).
    pub code_table: Option<String>,
    /// On an object: at least one of these fields must be set.
    pub at_least_one_of: Option<Vec<String>>,
    /// The codes of `code_table`, filled in when the spec is loaded.
    #[serde(skip)]
    pub codes: Vec<String>,
}

pub fn load_all(root: &Path) -> Result<Vec<Spec>, String> {
    let dir = root.join("spec");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let mut spec: Spec = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        spec.file = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let callbacks = dir.join("callbacks").join(format!("{}.json", spec.file));
        if callbacks.exists() {
            let text = std::fs::read_to_string(&callbacks).map_err(|e| format!("{}: {e}", callbacks.display()))?;
            spec.callbacks = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", callbacks.display()))?;
        }
        let events = dir.join("events").join(format!("{}.json", spec.file));
        if events.exists() {
            let text = std::fs::read_to_string(&events).map_err(|e| format!("{}: {e}", events.display()))?;
            spec.events = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", events.display()))?;
        }
        let enums = dir.join("enums").join(format!("{}.json", spec.file));
        if enums.exists() {
            let text = std::fs::read_to_string(&enums).map_err(|e| format!("{}: {e}", enums.display()))?;
            spec.enums = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", enums.display()))?;
        }
        resolve_code_tables(&mut spec)?;
        check(&spec)?;
        out.push(spec);
    }
    Ok(out)
}

/// The places a copy of a page can have reached, shortest first.
pub const REACHED: [&str; 6] = ["headers", "request", "response", "errors", "samples", "whole"];

fn is_date(s: &str) -> bool {
    let d = s.as_bytes();
    d.len() == 10 && d.iter().enumerate().all(|(n, b)| if n == 4 || n == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

/// A `searched` record names every kind of copy ([`COPY_KINDS`]) and what was found, and
/// only a `partial`/`outline` entry carries one.
fn check_searched(i: &Interface, at: &str) -> Result<(), String> {
    let Some(s) = &i.searched else { return Ok(()) };
    if i.detail == "full" {
        return Err(format!("{at}: a full entry has no `searched` record (it is for entries whose tables stay cut)"));
    }
    if !is_date(&s.date) {
        return Err(format!("{at}: searched date {:?} is not YYYY-MM-DD", s.date));
    }
    for c in &s.copies {
        if !COPY_KINDS.contains(&c.as_str()) {
            return Err(format!("{at}: searched copy kind {c:?} is not one of {COPY_KINDS:?}"));
        }
    }
    if let Some(k) = COPY_KINDS.iter().find(|k| !s.copies.iter().any(|c| c == *k)) {
        return Err(format!(
            "{at}: searched does not name the copy kind {k:?}; look for every kind before an entry stays {}",
            i.detail
        ));
    }
    if s.outcome.trim().is_empty() {
        return Err(format!("{at}: searched says what the search found (`outcome`)"));
    }
    Ok(())
}

/// The shape of the review keys (`detail`, `missing`, `read_from`, `samples`).
fn check_review_keys(spec: &Spec, i: &Interface, at: &str) -> Result<(), String> {
    if !matches!(i.detail.as_str(), "full" | "partial" | "outline") {
        return Err(format!("{at}: detail must be full, partial or outline (got {:?})", i.detail));
    }
    if i.detail != "full" && !i.read_from.is_empty() && i.missing.as_deref().is_none_or(|m| m.trim().is_empty()) {
        return Err(format!("{at}: a {} entry says which tables are missing (`missing`)", i.detail));
    }
    for r in &i.read_from {
        if !r.url.starts_with("https://") && !r.url.starts_with("http://") {
            return Err(format!("{at}: read_from url {:?} is not a page address", r.url));
        }
        if r.lang.is_empty() || !r.lang.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            return Err(format!("{at}: read_from lang {:?} is not a language code", r.lang));
        }
        if !REACHED.contains(&r.reached.as_str()) {
            return Err(format!("{at}: read_from reached {:?} is not one of {REACHED:?}", r.reached));
        }
        if !is_date(&r.date) {
            return Err(format!("{at}: read_from date {:?} is not YYYY-MM-DD", r.date));
        }
    }
    check_searched(i, at)?;
    for s in &i.samples {
        if !matches!(s.kind.as_str(), "request" | "response") {
            return Err(format!("{at}: sample kind must be request or response (got {:?})", s.kind));
        }
        if !s.from.starts_with("https://") && !s.from.starts_with("http://") {
            return Err(format!("{at}: sample from {:?} is not a page address", s.from));
        }
    }
    for other in &i.same_table_as {
        if other == &i.id {
            return Err(format!("{at}: same_table_as names the interface itself"));
        }
    }
    let _ = spec;
    Ok(())
}

/// Fills `Rules::codes` from the code table each `code_table` rule names.
fn resolve_code_tables(spec: &mut Spec) -> Result<(), String> {
    fn walk(r: &mut Rules, enums: &BTreeMap<String, EnumSpec>, at: &str) -> Result<(), String> {
        if let Some(t) = &r.code_table {
            let e = enums.get(t).ok_or_else(|| format!("{at}: code_table {t} is not in spec/enums"))?;
            if e.repr != "string" {
                return Err(format!("{at}: code_table {t} must be a string table"));
            }
            r.codes = e.values.iter().map(|v| v.value.clone()).collect();
        }
        if let Some(items) = r.items.as_deref_mut() {
            walk(items, enums, at)?;
        }
        Ok(())
    }
    fn fields(list: &mut [Field], enums: &BTreeMap<String, EnumSpec>, at: &str) -> Result<(), String> {
        for f in list {
            let here = format!("{at} {}", f.name);
            walk(&mut f.rules, enums, &here)?;
            fields(&mut f.fields, enums, &here)?;
        }
        Ok(())
    }
    let enums = std::mem::take(&mut spec.enums);
    for i in &mut spec.interfaces {
        let at = format!("spec/{}.json {}", spec.file, i.id);
        for list in [&mut i.path_params, &mut i.query_params, &mut i.headers, &mut i.body] {
            fields(list, &enums, &at)?;
        }
    }
    spec.enums = enums;
    Ok(())
}

fn check(spec: &Spec) -> Result<(), String> {
    let mut ids = std::collections::BTreeSet::new();
    for i in &spec.interfaces {
        let at = format!("spec/{}.json {}", spec.file, i.id);
        if !ids.insert(&i.id) {
            return Err(format!("{at}: duplicate id"));
        }
        if !spec.envelopes.contains_key(&i.envelope) {
            return Err(format!("{at}: unknown envelope {}", i.envelope));
        }
        if !matches!(
            i.auth.as_str(),
            "none" | "guid" | "bearer" | "bearer-messaging" | "messaging-cookie" | "signature" | "oiap-token"
        ) {
            return Err(format!("{at}: unknown auth {}", i.auth));
        }
        if i.auth == "oiap-token" && i.token_placement.is_none() {
            return Err(format!("{at}: oiap-token needs token_placement"));
        }
        if !matches!(i.retry.as_str(), "safe" | "unsafe") {
            return Err(format!("{at}: retry must be safe or unsafe"));
        }
        if !matches!(i.response_kind.as_str(), "json" | "binary") {
            return Err(format!("{at}: response_kind must be json or binary"));
        }
        if !matches!(i.response_shape.as_str(), "object" | "array") {
            return Err(format!("{at}: response_shape must be object or array"));
        }
        if i.response_shape == "array" {
            if i.response_kind != "json" || i.response_raw || i.response.is_empty() {
                return Err(format!("{at}: an array response needs response_kind json and the item fields"));
            }
            if spec.envelopes[&i.envelope].code_required {
                return Err(format!(
                    "{at}: an array response carries no result code; its envelope must not require one"
                ));
            }
        }
        if !matches!(i.method.as_str(), "GET" | "POST" | "PUT" | "DELETE" | "PATCH") {
            return Err(format!("{at}: method {}", i.method));
        }
        check_review_keys(spec, i, &at)?;
        fn one_of_names(at: &str, rules: &Rules, fields: &[Field]) -> Result<(), String> {
            for n in rules.at_least_one_of.iter().flatten() {
                if !fields.iter().any(|f| &f.name == n) {
                    return Err(format!("{at}: at_least_one_of names {n}, which is not a field here"));
                }
            }
            for f in fields {
                one_of_names(&format!("{at} {}", f.name), &f.rules, &f.fields)?;
            }
            Ok(())
        }
        one_of_names(&at, &i.body_rules, &i.body)?;
        for p in &i.path_params {
            if !i.path.contains(&format!("{{{}}}", p.name)) {
                return Err(format!("{at}: path parameter {} not in path", p.name));
            }
        }
    }
    for o in &spec.not_in_spec {
        for id in &o.expanded_into {
            if !ids.contains(id) {
                return Err(format!(
                    "spec/{}.json {}: expanded_into names {id}, which is not an interface",
                    spec.file, o.id
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(detail: &str, searched: serde_json::Value) -> Interface {
        let mut v = serde_json::json!({
            "id": "x.y", "title": "t", "doc": "d", "method": "POST", "path": "/p", "auth": "C2",
            "retry": "never", "detail": detail, "missing": "response table"
        });
        if !searched.is_null() {
            v["searched"] = searched;
        }
        match serde_json::from_value(v) {
            Ok(i) => i,
            Err(e) => panic!("test entry does not parse: {e}"),
        }
    }

    #[test]
    fn a_search_record_names_every_kind_of_copy() {
        let all =
            serde_json::json!({"date": "2026-12-03", "copies": COPY_KINDS, "outcome": "every copy ends at row 1.5"});
        assert!(check_searched(&entry("partial", all.clone()), "e").is_ok());
        assert!(check_searched(&entry("partial", serde_json::Value::Null), "e").is_ok());
        let err = check_searched(&entry("full", all.clone()), "e").unwrap_err();
        assert!(err.contains("full entry"), "{err}");
        let mut short = all.clone();
        short["copies"] = serde_json::json!(["zh-html", "guide-fragments", "en-zh", "other-languages"]);
        let err = check_searched(&entry("partial", short), "e").unwrap_err();
        assert!(err.contains("client-code"), "{err}");
        let mut odd = all.clone();
        odd["copies"] =
            serde_json::json!(["zh-html", "guide-fragments", "en-zh", "other-languages", "client-code", "pdf"]);
        let err = check_searched(&entry("outline", odd), "e").unwrap_err();
        assert!(err.contains("\"pdf\""), "{err}");
        let mut undated = all.clone();
        undated["date"] = serde_json::json!("3 Dec");
        assert!(check_searched(&entry("partial", undated), "e").unwrap_err().contains("YYYY-MM-DD"));
        let mut silent = all;
        silent["outcome"] = serde_json::json!("  ");
        assert!(check_searched(&entry("partial", silent), "e").unwrap_err().contains("outcome"));
    }
}
