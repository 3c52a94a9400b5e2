//! Generates an NE crate's `src/generated/mod.rs`: operation metadata, request
//! and response types, and one fluent builder with `send()` per interface.

use std::fmt::Write as _;

use crate::names::{doc, lit, pascal, snake, upper};
use crate::spec::{EnvelopeSpec, Field, Interface, Rules, Spec};

thread_local! {
    /// Response field name → (enum type, repr) for the NE being generated.
    static ENUM_FIELDS: std::cell::RefCell<std::collections::BTreeMap<String, (String, String)>> =
        const { std::cell::RefCell::new(std::collections::BTreeMap::new()) };
}

fn enum_for(f: &Field) -> Option<String> {
    ENUM_FIELDS.with(|m| {
        let m = m.borrow();
        let (name, repr) = m.get(&f.name)?;
        let fits = match repr.as_str() {
            "int" => is_int(&f.ty) || f.ty == "number",
            _ => f.ty == "string",
        };
        fits.then(|| name.clone())
    })
}

/// The code-table enums of an NE (`cec_core::int_code_enum!` / `str_code_enum!`).
fn enums(spec: &Spec) -> String {
    let mut s = String::new();
    for (name, e) in &spec.enums {
        let mac = if e.repr == "int" { "int_code_enum" } else { "str_code_enum" };
        let _ = writeln!(
            s,
            "cec_core::{mac}! {{
    /// {} (reference code table).
    {name} {{",
            doc(&e.doc)
        );
        for v in &e.values {
            let code = if e.repr == "int" { v.value.clone() } else { lit(&v.value) };
            let d = match crate::names::strip_notes(&v.desc) {
                x if x.is_empty() => v.value.clone(),
                x => x,
            };
            let _ = writeln!(s, "        {} = {code} => {},", v.name, lit(&d));
        }
        s.push_str(
            "    }
}

",
        );
    }
    s
}

/// `AgentEvent`: one variant per documented event type, content typed, with an
/// `Unknown` arm so a new event type never breaks a stream.
fn events(spec: &Spec) -> String {
    if spec.events.is_empty() {
        return String::new();
    }
    let mut s = String::new();
    let mut types = Vec::new();
    for e in &spec.events {
        if e.content == "object" {
            types.push(struct_def(
                &format!("{}Content", e.name),
                &e.fields,
                Side::Response,
                &format!("content of `{}`", e.wire),
            ));
        }
    }
    for t in types {
        s.push_str(&t);
        s.push('\n');
    }
    s.push_str("/// An agent event, as delivered by polling (`agentevent.poll`) or push.\n///\n/// Variants follow the reference's event types; `event_type()` gives the exact wire\n/// name (documented spellings such as `AgentEvent_Agent_Occupyed` are kept on the wire).\n#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum AgentEvent {\n");
    for e in &spec.events {
        let d = if e.desc.is_empty() { e.wire.clone() } else { format!("{}: {}", e.wire, e.desc) };
        let _ = writeln!(s, "    /// {} (<{}>)", doc(&d), e.doc);
        match e.content.as_str() {
            "object" => {
                let _ = writeln!(s, "    {}({}Content),", e.name, e.name);
            }
            "call_id" => {
                let _ =
                    writeln!(s, "    {} {{ /// The call id (the event's bare content).\n call_id: String }},", e.name);
            }
            _ => {
                let _ = writeln!(s, "    {},", e.name);
            }
        }
    }
    s.push_str("    /// An event type this version does not know, or whose content did not match the reference.\n    Unknown {\n        /// `eventType` as received.\n        event_type: String,\n        /// `content` as received.\n        content: serde_json::Value,\n    },\n}\n\n");
    s.push_str("impl AgentEvent {\n    /// Every documented event type, as on the wire.\n    pub const TYPES: &'static [&'static str] = &[");
    s.push_str(&spec.events.iter().map(|e| lit(&e.wire)).collect::<Vec<_>>().join(", "));
    s.push_str("];\n\n    /// Decodes an event from its `eventType` and `content`. Never fails: unknown types and\n    /// contents that do not match the reference become `Unknown`.\n    pub fn from_raw(event_type: &str, content: serde_json::Value) -> Self {\n        let unknown = |content: serde_json::Value| AgentEvent::Unknown { event_type: event_type.to_owned(), content };\n        match event_type {\n");
    for e in &spec.events {
        match e.content.as_str() {
            "object" => {
                let _ = writeln!(
                    s,
                    "            {} => match event_content(&content) {{ Some(c) => AgentEvent::{}(c), None => unknown(content) }},",
                    lit(&e.wire),
                    e.name
                );
            }
            "call_id" => {
                let _ = writeln!(
                    s,
                    "            {} => match bare_call_id(&content) {{ Some(call_id) => AgentEvent::{} {{ call_id }}, None => unknown(content) }},",
                    lit(&e.wire),
                    e.name
                );
            }
            _ => {
                let _ = writeln!(s, "            {} => AgentEvent::{},", lit(&e.wire), e.name);
            }
        }
    }
    s.push_str("            _ => unknown(content),\n        }\n    }\n\n    /// The `eventType` on the wire.\n    pub fn event_type(&self) -> &str {\n        match self {\n");
    for e in &spec.events {
        let pat = match e.content.as_str() {
            "object" => format!("AgentEvent::{}(_)", e.name),
            "call_id" => format!("AgentEvent::{} {{ .. }}", e.name),
            _ => format!("AgentEvent::{}", e.name),
        };
        let _ = writeln!(s, "            {pat} => {},", lit(&e.wire));
    }
    s.push_str("            AgentEvent::Unknown { event_type, .. } => event_type,\n        }\n    }\n\n    /// The event's content as JSON (as on the wire, with documented fields only for typed events).\n    pub fn content(&self) -> serde_json::Value {\n        match self {\n");
    for e in &spec.events {
        let arm = match e.content.as_str() {
            "object" => {
                format!("AgentEvent::{}(c) => serde_json::to_value(c).unwrap_or(serde_json::Value::Null),", e.name)
            }
            "call_id" => format!("AgentEvent::{} {{ call_id }} => serde_json::Value::String(call_id.clone()),", e.name),
            _ => format!("AgentEvent::{} => serde_json::Value::Null,", e.name),
        };
        let _ = writeln!(s, "            {arm}");
    }
    s.push_str("            AgentEvent::Unknown { content, .. } => content.clone(),\n        }\n    }\n}\n\n");
    s.push_str("/// A typed event content, read in place (no copy); null reads as an empty object.\nfn event_content<T: serde::de::DeserializeOwned>(content: &serde_json::Value) -> Option<T> {\n    if content.is_null() {\n        T::deserialize(&serde_json::Value::Object(Default::default())).ok()\n    } else {\n        T::deserialize(content).ok()\n    }\n}\n\n/// The call id of an event whose content is a bare call-id string (or number).\nfn bare_call_id(content: &serde_json::Value) -> Option<String> {\n    match content {\n        serde_json::Value::String(id) => Some(id.clone()),\n        serde_json::Value::Number(n) => Some(n.to_string()),\n        _ => None,\n    }\n}\n\n");
    s
}

/// The body type of a callback: `agentevent.push_callback` → `AgenteventPushCallback`.
pub fn callback_name(id: &str) -> String {
    let base = pascal(id);
    if base.ends_with("Callback") { base } else { format!("{base}Callback") }
}

/// Callback body types with `receive` (token check + parse) and `ack` (the expected answer).
fn callbacks(spec: &Spec) -> String {
    let mut s = String::new();
    for c in &spec.callbacks {
        let name = callback_name(&c.id);
        let mut nested = Vec::new();
        let item = if c.body_shape == "array" { format!("{name}Item") } else { name.clone() };
        nested.push(struct_def(&item, &c.body, Side::Response, &format!("callback `{}` body", c.id)));
        if c.body_shape == "array" {
            let _ = writeln!(s, "/// Body of the `{}` callback: a bare list.\npub type {name} = Vec<{item}>;\n", c.id);
        }
        for n in nested {
            s.push_str(&n);
            s.push('\n');
        }
        let token = c.token_header.as_deref().map(|h| format!("Some({})", lit(h))).unwrap_or_else(|| "None".into());
        let _ = writeln!(
            s,
            "/// `{}` — {}: the NE calls `{} {}` on the customer's server.\n///\n/// Reference: <{}>\n///\n/// {}\n#[derive(Debug, Clone, Copy, Default)]\npub struct {name}Receiver;\n",
            c.id,
            doc(&c.title),
            c.method,
            doc(&c.customer_path),
            c.doc,
            doc(&c.notes)
        );
        let _ = writeln!(
            s,
            "impl {name}Receiver {{\n    /// The callback id.\n    pub const ID: &'static str = {};\n    /// The header carrying the registered token, if the callback has one.\n    pub const TOKEN_HEADER: Option<&'static str> = {token};\n    /// Checks the token header (when `expected_token` is given) and parses the body.\n    pub fn receive(headers: &cec_core::http::HeaderMap, body: &[u8], expected_token: Option<&str>) -> cec_core::Result<{name}> {{\n        cec_core::callback::receive(Self::ID, headers, body, Self::TOKEN_HEADER, expected_token)\n    }}\n    /// The answer the NE expects from the receiver.\n    pub fn ack() -> serde_json::Value {{\n        serde_json::json!({})\n    }}\n}}\n",
            lit(&c.id),
            c.ack
        );
    }
    s
}

pub const HEADER: &str = "// @generated by `cargo xtask codegen` from the project's spec/. Do not edit by hand.\n";

/// The short NE key used for statics shared across crates: `cec-gateway` → `GATEWAY`.
pub fn ne_key(spec: &Spec) -> String {
    spec.krate.trim_start_matches("cec-").to_ascii_uppercase()
}

pub fn envelope_static(name: &str, e: &EnvelopeSpec) -> String {
    let list = |v: &Vec<String>| v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ");
    format!(
        "pub static {name}: Envelope = Envelope {{ code_fields: &[{}], success: &[{}], message_fields: &[{}], auth_codes: &[{}], code_required: {} }};\n",
        list(&e.code_fields),
        list(&e.success),
        list(&e.message_fields),
        list(&e.auth_codes),
        e.code_required
    )
}

pub fn auth_kind(i: &Interface) -> String {
    match i.auth.as_str() {
        "none" => "AuthKind::None".into(),
        "guid" => "AuthKind::Guid".into(),
        "bearer" => "AuthKind::Bearer".into(),
        "bearer-messaging" => "AuthKind::BearerMessaging".into(),
        "messaging-cookie" => "AuthKind::MessagingCookie".into(),
        "signature" => "AuthKind::Signature".into(),
        _ => match i.token_placement.as_deref() {
            Some("headers") => "AuthKind::OiapToken(TokenPlacement::Headers)".into(),
            Some(p) => format!("AuthKind::OiapToken(TokenPlacement::Body({}))", lit(p.trim_start_matches("body:"))),
            None => "AuthKind::OiapToken(TokenPlacement::Body(\"authToken\"))".into(),
        },
    }
}

pub fn meta_static(spec: &Spec, i: &Interface, name: &str, envelope_path: &str) -> String {
    format!(
        "/// `{}` — {} ({} `{}`).\npub static {name}: OperationMeta = OperationMeta {{ id: {}, ne: {}, method: {}, path: {}, auth: {}, retry: RetryClass::{}, envelope: &{envelope_path}, response: ResponseKind::{}, doc: {} }};\n",
        i.id,
        doc(&i.title),
        i.method,
        i.path,
        lit(&i.id),
        lit(&spec.ne),
        lit(&i.method),
        lit(&i.path),
        auth_kind(i),
        if i.retry == "safe" { "Safe" } else { "Unsafe" },
        if i.response_kind == "binary" { "Binary" } else { "Json" },
        lit(&i.doc),
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Request,
    Response,
}

fn is_int(ty: &str) -> bool {
    matches!(ty, "int" | "long" | "integer")
}

fn field_doc(f: &Field) -> String {
    let desc = crate::names::strip_notes(&f.desc);
    let mut d = if desc.is_empty() { f.name.clone() } else { desc };
    if let Some(c) = f.constraints.as_deref().map(crate::names::strip_notes)
        && !c.is_empty()
    {
        d.push_str(&format!(" ({c})"));
    }
    if f.required {
        d.push_str(" Required.");
    }
    format!("    /// {}\n", doc(&d))
}

/// The Rust type of a field (without `Option`), emitting nested structs into `out`.
fn rust_type(f: &Field, prefix: &str, side: Side, out: &mut Vec<String>) -> String {
    let nested = |out: &mut Vec<String>| {
        let name = format!("{prefix}{}", pascal(&f.name));
        out.push(struct_def_shared(&name, &f.fields, side, &format!("`{}`", f.name), &f.rules, true));
        canonical(&name)
    };
    if side == Side::Response
        && let Some(e) = enum_for(f)
    {
        return e;
    }
    match f.ty.as_str() {
        "string" if f.secret => "cec_core::Secret<String>".into(),
        "string" => "String".into(),
        t if is_int(t) => "i64".into(),
        // `Number` keeps integers integers on the wire (the reference's "number"
        // is mostly an integer id) and still carries decimals.
        "number" | "float" | "double" => "serde_json::Number".into(),
        "boolean" | "bool" => "bool".into(),
        "object" if !f.fields.is_empty() => nested(out),
        "array<string>" => "Vec<String>".into(),
        t if t.starts_with("array<") && is_int(&t[6..t.len() - 1]) => "Vec<i64>".into(),
        "array<object>" if !f.fields.is_empty() => format!("Vec<{}>", nested(out)),
        t if t.starts_with("array") => "Vec<serde_json::Value>".into(),
        _ => "serde_json::Value".into(),
    }
}

/// Structs of identical shape share one type while an NE module is generated: the first
/// struct (in generation order, i.e. spec order) of each shape is defined, every later one
/// becomes `pub type Later = First;`.
#[derive(Default)]
struct Dedup {
    /// Shape key (the struct's text with its own name blanked, docs of its fields
    /// included) → the canonical type.
    by_key: std::collections::HashMap<String, String>,
    /// Every struct name seen → its canonical type.
    canon: std::collections::HashMap<String, String>,
    /// Canonical type → the names sharing it, in generation order.
    aliases: std::collections::BTreeMap<String, Vec<String>>,
}

thread_local! {
    /// Active only inside [`ne_modules`]; elsewhere (paging, tests) names stay mechanical.
    static DEDUP: std::cell::RefCell<Option<Dedup>> = const { std::cell::RefCell::new(None) };
    /// The cargo feature of the group being generated (`""`: always compiled). Types are
    /// shared only within one feature, so a disabled group never leaves a dangling alias.
    static GATE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The type a struct name resolves to: its canonical shared type while deduplicating.
fn canonical(name: &str) -> String {
    DEDUP.with(|d| d.borrow().as_ref().and_then(|d| d.canon.get(name).cloned())).unwrap_or_else(|| name.to_string())
}

/// Marker replaced by the "also known as" doc lines of a canonical struct, once the whole
/// module is generated.
fn alias_marker(name: &str) -> String {
    format!("\u{1}ALIASES {name}\u{1}\n")
}

/// Replaces the alias markers: a canonical struct's rustdoc lists the names sharing it.
fn resolve_alias_markers(text: &str, aliases: &std::collections::BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\u{1}ALIASES ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + "\u{1}ALIASES ".len()..];
        let end = tail.find("\u{1}\n").expect("alias marker is terminated");
        let name = &tail[..end];
        if let Some(list) = aliases.get(name) {
            let names: Vec<String> = list.iter().map(|n| format!("[`{n}`]")).collect();
            let _ =
                writeln!(out, "///\n/// The same shape (fields, types, checks) is also named {}.", names.join(", "));
        }
        rest = &tail[end + "\u{1}\n".len()..];
    }
    out.push_str(rest);
    out
}

/// Checks that every alias points at a struct that is defined: a generator bug otherwise.
fn check_aliases(text: &str, aliases: &std::collections::BTreeMap<String, Vec<String>>) {
    let defined: std::collections::HashSet<&str> =
        text.lines().filter_map(|l| l.strip_prefix("pub struct ").and_then(|r| r.strip_suffix(" {"))).collect();
    for target in aliases.keys() {
        assert!(defined.contains(target.as_str()), "shared type `{target}` is aliased but never defined");
    }
}

fn struct_def(name: &str, fields: &[Field], side: Side, what: &str) -> String {
    struct_def_shared(name, fields, side, what, &Rules::default(), true)
}

/// A struct, its nested structs, and (requests) its checks; with `shared`, a struct whose
/// shape was already generated under another name becomes an alias of that type.
fn struct_def_shared(name: &str, fields: &[Field], side: Side, what: &str, obj: &Rules, shared: bool) -> String {
    let mut nested = Vec::new();
    let mut s = String::new();
    s.push_str("#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]\n");
    if side == Side::Response {
        s.push_str("#[serde(default)]\n");
    }
    let _ = writeln!(s, "pub struct {name} {{");
    for f in fields {
        let ty = rust_type(f, name, side, &mut nested);
        s.push_str(&field_doc(f));
        s.push_str(&serde_attr(f, &ty, side));
        let _ = writeln!(s, "    pub {}: Option<{ty}>,", snake(&f.name));
    }
    s.push_str("}\n");
    if side == Side::Request {
        s.push_str(&validate_impl(name, fields, obj));
        s.push_str(&fields_const(name, fields));
    }
    let head = format!("/// {}.\n", doc(&format!("Object {what}")));
    let own = match shared.then(|| share(name, side, &s)).flatten() {
        Some(target) => format!(
            "/// {}: the same shape as [`{target}`] (one shared type).\npub type {name} = {target};\n",
            doc(&format!("Object {what}"))
        ),
        None if DEDUP.with(|d| d.borrow().is_some()) => format!("{head}{}{s}", alias_marker(name)),
        None => format!("{head}{s}"),
    };
    let mut s = own;
    for n in nested {
        s.push('\n');
        s.push_str(&n);
    }
    s
}

/// Registers struct `name` (text `body`, without its doc line) with the deduplicator:
/// `Some(canonical)` when an earlier struct has the same shape, `None` when `name` is (or
/// becomes) the canonical type of its shape or no deduplication is running.
fn share(name: &str, side: Side, body: &str) -> Option<String> {
    DEDUP.with(|d| {
        let mut d = d.borrow_mut();
        let d = d.as_mut()?;
        let blank = body
            .replace(&format!("pub struct {name} {{\n"), "pub struct \u{0} {\n")
            .replace(&format!("impl {name} {{\n"), "impl \u{0} {\n");
        let gate = GATE.with(|g| g.borrow().clone());
        let key = format!("{gate}\n{}\n{blank}", if side == Side::Request { "request" } else { "response" });
        let target = d.by_key.entry(key).or_insert_with(|| name.to_string()).clone();
        d.canon.insert(name.to_string(), target.clone());
        if target == name {
            return None;
        }
        let list = d.aliases.entry(target.clone()).or_default();
        if !list.iter().any(|n| n == name) {
            list.push(name.to_string());
        }
        Some(target)
    })
}

fn serde_attr(f: &Field, ty: &str, side: Side) -> String {
    let mut parts = vec![format!("rename = {}", lit(&f.name)), "skip_serializing_if = \"Option::is_none\"".into()];
    match side {
        Side::Request => parts.push("default".into()),
        Side::Response => {
            let de = match ty {
                "String" => "cec_core::de::opt_string",
                "cec_core::Secret<String>" => "cec_core::de::opt_secret",
                "i64" => "cec_core::de::opt_i64",
                "serde_json::Number" => "cec_core::de::opt_number",
                "bool" => "cec_core::de::opt_bool",
                "serde_json::Value" => "",
                t if t.starts_with("Vec<") => "cec_core::de::opt_vec",
                _ => "cec_core::de::opt_object",
            };
            if !de.is_empty() {
                parts.push(format!("deserialize_with = {}", lit(de)));
            }
        }
    }
    format!("    #[serde({})]\n", parts.join(", "))
}

/// Validation statements for one value `v` (a reference) meeting rules `r`; `l` is a
/// Rust expression of type `&str` naming the field in errors.
fn rule_checks(r: &Rules, l: &str, v: &str, ty: &str) -> String {
    let mut s = String::new();
    let sv = if ty == "cec_core::Secret<String>" { format!("{v}.expose_str()") } else { v.to_string() };
    let text = matches!(ty, "String" | "cec_core::Secret<String>");
    if let Some([a, b]) = r.numeric_range {
        let _ = writeln!(s, "cec_core::validate::numeric_range(op, {l}, {sv}, {a}, {b})?;");
    }
    if let Some([a, b]) = r.range {
        let _ = writeln!(s, "cec_core::validate::range(op, {l}, *{v}, {a}, {b})?;");
    }
    if let Some([a, b]) = r.not_range {
        if text {
            let _ = writeln!(s, "cec_core::validate::not_range_numeric(op, {l}, {sv}, {a}, {b})?;");
        } else {
            let _ = writeln!(s, "cec_core::validate::not_range(op, {l}, *{v}, {a}, {b})?;");
        }
    }
    if let Some(n) = r.min_len {
        let _ = writeln!(s, "cec_core::validate::min_len(op, {l}, {sv}, {n})?;");
    }
    if let Some(n) = r.max_len {
        let _ = writeln!(s, "cec_core::validate::max_len(op, {l}, {sv}, {n})?;");
    }
    if let Some(list) = &r.one_of {
        let items = list.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", ");
        let _ = writeln!(s, "cec_core::validate::one_of(op, {l}, {sv}, &[{items}])?;");
    }
    if let Some(list) = &r.one_of_int {
        let items = list.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
        let _ = writeln!(s, "cec_core::validate::one_of_int(op, {l}, *{v}, &[{items}])?;");
    }
    if let Some(t) = &r.code_table {
        let _ = writeln!(s, "cec_core::validate::in_table(op, {l}, {sv}, {}, crate::generated::{t}::CODES)?;", lit(t));
    }
    if let Some(n) = r.max_items {
        let _ = writeln!(s, "cec_core::validate::max_items(op, {l}, {v}, {n})?;");
    }
    if r.alphanumeric {
        let _ = writeln!(s, "cec_core::validate::alphanumeric(op, {l}, {sv})?;");
    }
    if let Some(items) = r.items.as_deref()
        && let Some(elem) = ty.strip_prefix("Vec<").and_then(|t| t.strip_suffix('>'))
    {
        let inner = rule_checks(items, "&item_at", "item", elem);
        if !inner.is_empty() {
            let _ = writeln!(
                s,
                "for (i, item) in {v}.iter().enumerate() {{ let item_at = format!(\"{{}}[{{i}}]\", {l}); {inner} }}"
            );
        }
    }
    s
}

fn validate_impl(name: &str, fields: &[Field], obj: &Rules) -> String {
    let mut body = String::new();
    for f in fields {
        let fname = snake(&f.name);
        let label = f.name.clone();
        let mut block = String::new();
        let at_label = format!("&format!(\"{{at}}{label}\")");
        if f.required {
            let _ = writeln!(block, "cec_core::validate::required(op, {at_label}, &self.{fname})?;");
        }
        let ty = rust_type(f, name, Side::Request, &mut Vec::new());
        let checks = rule_checks(&f.rules, &at_label, "v", &ty);
        let nested_obj = f.ty == "object" && !f.fields.is_empty();
        let nested_arr = f.ty == "array<object>" && !f.fields.is_empty();
        if !checks.is_empty() || nested_obj || nested_arr {
            let _ = writeln!(block, "if let Some(v) = &self.{fname} {{");
            block.push_str(&checks);
            if nested_obj {
                let _ = writeln!(block, "v.validate(op, &format!(\"{{at}}{label}.\"), &[])?;");
            }
            if nested_arr {
                let _ = writeln!(
                    block,
                    "for (i, item) in v.iter().enumerate() {{ item.validate(op, &format!(\"{{at}}{label}[{{i}}].\"), &[])?; }}"
                );
            }
            block.push_str("}\n");
        }
        if !block.is_empty() {
            // A field the caller sends unchecked (`extra_field`) skips its checks.
            let _ = writeln!(body, "if !skip.contains(&{}) {{\n{block}}}", lit(&f.name));
        }
    }
    if let Some(names) = &obj.at_least_one_of {
        let pairs: Vec<String> = names
            .iter()
            .map(|n| format!("({}, self.{}.is_some() || skip.contains(&{}))", lit(n), snake(n), lit(n)))
            .collect();
        let _ = writeln!(body, "cec_core::validate::at_least_one(op, at, &[{}])?;", pairs.join(", "));
    }
    let used = !body.is_empty();
    let (op, at, skip) = if used { ("op", "at", "skip") } else { ("_op", "_at", "_skip") };
    format!(
        "impl {name} {{\n    /// Checks the documented constraints; `at` prefixes field names in errors; fields\n    /// named in `skip` are sent unchecked (`extra_field`).\n    pub fn validate(&self, {op}: &'static str, {at}: &str, {skip}: &[&str]) -> cec_core::Result<()> {{\n{body}        Ok(())\n    }}\n}}\n",
    )
}

/// The JSON shape of a request field, for `cec_core::validate::check_json`.
fn shape(f: &Field, ty: &str) -> String {
    let nested = |ty: &str| -> String {
        let inner = ty.trim_start_matches("Vec<").trim_end_matches('>');
        format!("cec_core::validate::Shape::Object({inner}::FIELDS)")
    };
    match ty {
        "String" | "cec_core::Secret<String>" => "cec_core::validate::Shape::String".into(),
        "i64" => "cec_core::validate::Shape::Int".into(),
        "serde_json::Number" => "cec_core::validate::Shape::Number".into(),
        "bool" => "cec_core::validate::Shape::Bool".into(),
        "serde_json::Value" => "cec_core::validate::Shape::Any".into(),
        "Vec<String>" => "cec_core::validate::Shape::Array(&cec_core::validate::Shape::String)".into(),
        "Vec<i64>" => "cec_core::validate::Shape::Array(&cec_core::validate::Shape::Int)".into(),
        "Vec<serde_json::Value>" => "cec_core::validate::Shape::Array(&cec_core::validate::Shape::Any)".into(),
        t if t.starts_with("Vec<") && f.ty == "array<object>" => {
            format!("cec_core::validate::Shape::Array(&{})", nested(t))
        }
        t if f.ty == "object" => nested(t),
        _ => "cec_core::validate::Shape::Any".into(),
    }
}

/// `FIELDS`: the documented shape of a request struct.
fn fields_const(name: &str, fields: &[Field]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "impl {name} {{\n    /// The documented fields, for checking untyped JSON (`cec_core::validate::check_json`).\n    pub const FIELDS: &'static [cec_core::validate::FieldShape] = &["
    );
    for f in fields {
        let ty = rust_type(f, name, Side::Request, &mut Vec::new());
        let _ = writeln!(
            s,
            "        cec_core::validate::FieldShape {{ name: {}, shape: {} }},",
            lit(&f.name),
            shape(f, &ty)
        );
    }
    s.push_str("    ];\n}\n");
    s
}

/// Setter argument type and the expression turning `v` into the stored value.
fn setter(ty: &str) -> (String, &'static str) {
    match ty {
        "String" => ("impl Into<String>".into(), "v.into()"),
        "cec_core::Secret<String>" => ("impl Into<cec_core::Secret<String>>".into(), "v.into()"),
        "serde_json::Number" => ("impl Into<serde_json::Number>".into(), "v.into()"),
        other => (other.to_string(), "v"),
    }
}

fn param_to_string(ty: &str) -> &'static str {
    if ty == "String" { "v" } else { "v.to_string()" }
}

/// Builder methods that fields must not shadow.
pub const RESERVED: [&str; 9] =
    ["send", "body", "into_call", "new", "body_json", "extra_field", "timeout", "retry", "customize"];

/// Whether the builder offers `extra_field`: every interface that has or may have a body.
pub fn takes_extra(i: &Interface) -> bool {
    !i.body.is_empty() || matches!(i.method.as_str(), "POST" | "PUT" | "PATCH")
}

/// A path, query or header parameter with its (unique) setter name and Rust type.
pub struct Param<'a> {
    pub f: &'a Field,
    pub kind: &'static str,
    pub name: String,
    pub ty: String,
}

/// The parameters of an interface in builder order; a name that collides (the same
/// name in path and query, or a reserved method) is prefixed with its kind.
pub fn params(i: &Interface) -> Vec<Param<'_>> {
    let mut taken: std::collections::BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    for (kind, list) in [("path", &i.path_params), ("query", &i.query_params), ("header", &i.headers)] {
        for f in list.iter() {
            // Numbers in paths, queries and headers are ids and counts: integers.
            let ty = match f.ty.as_str() {
                t if is_int(t) || t == "number" => "i64".to_string(),
                "boolean" | "bool" => "bool".to_string(),
                _ => "String".to_string(),
            };
            let mut name = snake(&f.name);
            if !taken.insert(name.clone()) {
                name = format!("{kind}_{name}");
                taken.insert(name.clone());
            }
            out.push(Param { f, kind, name, ty });
        }
    }
    out
}

/// The setter name of each body field, in order.
pub fn body_setters(i: &Interface) -> Vec<String> {
    let mut taken: std::collections::BTreeSet<String> =
        RESERVED.iter().map(|s| s.to_string()).chain(params(i).into_iter().map(|p| p.name)).collect();
    i.body
        .iter()
        .map(|f| {
            let n = snake(&f.name);
            let n = if taken.contains(&n) { format!("body_{n}") } else { n };
            taken.insert(n.clone());
            n
        })
        .collect()
}

/// The client method (and service-trait method) of an interface: its `rust_name`, else
/// the mechanical `snake(id)`.
pub fn method_name(i: &Interface) -> String {
    match &i.rust_name {
        Some(n) => {
            assert!(snake(n) == *n && !n.is_empty(), "{}: rust_name `{n}` must be a snake_case Rust identifier", i.id);
            n.clone()
        }
        None => snake(&i.id),
    }
}

pub fn op_names(i: &Interface) -> (String, String, String) {
    let base = pascal(&i.id);
    (format!("{base}Builder"), format!("{base}Body"), format!("{base}Response"))
}

fn builder(spec: &Spec, i: &Interface, types: &mut Vec<String>) -> String {
    let (bname, body_name, resp_name) = op_names(i);
    let meta = upper(&i.id);
    let fname = method_name(i);
    let has_body = !i.body.is_empty();
    let extra = takes_extra(i);
    let binary = i.response_kind == "binary";
    let mut s = String::new();

    // Body type.
    if has_body {
        // Not shared: each body has its own `from_json` naming its interface.
        types.push(struct_def_shared(
            &body_name,
            &i.body,
            Side::Request,
            &format!("request body of `{}`", i.id),
            &i.body_rules,
            false,
        ));
        types.push(format!(
            "impl {body_name} {{\n    /// Decodes untyped JSON, refusing a field the reference does not document (naming\n    /// the nearest documented one) and a value of the wrong type (naming its path).\n    pub fn from_json(v: &serde_json::Value) -> cec_core::Result<Self> {{\n        cec_core::validate::from_json({}, Self::FIELDS, v, true)\n    }}\n}}\n",
            lit(&i.id)
        ));
    }
    // Response type.
    if !binary {
        if i.response.is_empty() || i.response_raw {
            types.push(format!(
                "/// Response of `{}` (not documented field by field: raw JSON).\npub type {resp_name} = serde_json::Value;\n",
                i.id
            ));
        } else if i.response_shape == "array" {
            let item = format!("{resp_name}Item");
            types.push(format!(
                "/// Response of `{}`: a bare JSON array of [`{item}`].\npub type {resp_name} = Vec<{item}>;\n",
                i.id
            ));
            types.push(struct_def(&item, &i.response, Side::Response, &format!("item of the response of `{}`", i.id)));
        } else {
            types.push(struct_def(&resp_name, &i.response, Side::Response, &format!("response of `{}`", i.id)));
        }
    }

    // Parameters other than the body.
    let params = params(i);
    let setters = body_setters(i);
    // Every method name of the builder, so that a `set_x` never collides with a field's setter.
    let mut taken: std::collections::BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    taken.extend(params.iter().map(|p| p.name.clone()));
    taken.extend(setters.iter().cloned());
    let mut opt_name = |n: &str| {
        let mut o = format!("set_{n}");
        while !taken.insert(o.clone()) {
            o.push_str("_opt");
        }
        o
    };

    let _ = writeln!(s, "/// Fluent builder of `{}`: {}.", i.id, doc(&i.title));
    let _ = writeln!(s, "///\n/// `{} {}` — reference: <{}>", i.method, i.path, i.doc);
    if i.detail != "full" {
        // Say in the rustdoc what the reference did not show, so that a user knows where the
        // typed answer may be short and how to see the whole answer.
        let missing = i.missing.as_deref().unwrap_or("some tables");
        let _ = writeln!(
            s,
            "///\n/// **Reference coverage: {}.** Not shown by any stored copy of the page: {}.",
            i.detail,
            crate::names::escape_doc(missing).trim_end_matches('.')
        );
        // (An answer passed through as raw JSON already is the whole answer.)
        if !binary && !i.response_raw {
            s.push_str("/// Members of the answer that the typed response does not list are not decoded;\n/// [`Self::send_value`] returns the whole answer as JSON.\n");
        }
    }
    let _ = writeln!(
        s,
        "///\n/// The builder owns a clone of the client (an `Arc`): it can be stored, cloned and\n/// moved into a task. Nothing is sent until [`Self::send`]."
    );
    s.push_str("#[derive(Debug, Clone)]\n#[must_use = \"a builder does nothing until you call send()\"]\n");
    let _ = writeln!(s, "pub struct {bname} {{\n    client_: crate::Client,\n    options_: cec_core::CallOptions,");
    for p in &params {
        let _ = writeln!(s, "    {}: Option<{}>,", p.name, p.ty);
    }
    if has_body {
        let _ = writeln!(s, "    body_: {body_name},");
    }
    if extra {
        s.push_str("    extra_: Vec<(String, serde_json::Value)>,\n");
    }
    s.push_str("}\n\n");

    let _ = writeln!(s, "impl {bname} {{");
    let _ = writeln!(s, "    pub(crate) fn new(client: crate::Client) -> Self {{");
    let _ = write!(s, "        {bname} {{ client_: client, options_: Default::default()");
    for p in &params {
        let _ = write!(s, ", {}: None", p.name);
    }
    if has_body {
        s.push_str(", body_: Default::default()");
    }
    if extra {
        s.push_str(", extra_: Vec::new()");
    }
    s.push_str(" }\n    }\n");
    for p in &params {
        let n = &p.name;
        let (arg, conv) = setter(&p.ty);
        let d = field_doc(p.f).replace("    ///", &format!("    /// {} parameter:", p.kind));
        s.push_str(&d);
        let _ = writeln!(s, "    pub fn {n}(mut self, v: {arg}) -> Self {{ self.{n} = Some({conv}); self }}");
        let _ = writeln!(s, "    /// Sets or clears the {} parameter `{}`.", p.kind, p.f.name);
        let _ =
            writeln!(s, "    pub fn {}(mut self, v: Option<{}>) -> Self {{ self.{n} = v; self }}", opt_name(n), p.ty);
    }
    if has_body {
        let mut dummy = Vec::new();
        for (f, setter_name) in i.body.iter().zip(&setters) {
            let n = snake(&f.name);
            let ty = rust_type(f, &body_name, Side::Request, &mut dummy);
            let (arg, conv) = setter(&ty);
            s.push_str(&field_doc(f));
            let _ = writeln!(
                s,
                "    pub fn {setter_name}(mut self, v: {arg}) -> Self {{ self.body_.{n} = Some({conv}); self }}"
            );
            let _ = writeln!(s, "    /// Sets or clears the body field `{}`.", f.name);
            let _ = writeln!(
                s,
                "    pub fn {}(mut self, v: Option<{ty}>) -> Self {{ self.body_.{n} = v; self }}",
                opt_name(setter_name)
            );
        }
        let _ = writeln!(s, "    /// Replaces the whole request body.");
        let _ = writeln!(s, "    pub fn body(mut self, body: {body_name}) -> Self {{ self.body_ = body; self }}");
        let _ = writeln!(
            s,
            "    /// Replaces the whole request body with untyped JSON, checked against the documented\n    /// fields first: an unknown field is refused naming the nearest documented one, a value\n    /// of the wrong type naming its path. Use [`Self::extra_field`] for fields the reference\n    /// has but the SDK lacks.\n    pub fn body_json(mut self, body: serde_json::Value) -> cec_core::Result<Self> {{ self.body_ = {body_name}::from_json(&body)?; Ok(self) }}"
        );
    }
    if extra {
        let _ = writeln!(
            s,
            "    /// Sends body field `name` = `value` exactly as given, unchecked: for a field the reference\n    /// has but the SDK's spec lacks, or a value the SDK's copy of a code table refuses. A\n    /// documented field of the same name is replaced and its checks are skipped.\n    pub fn extra_field(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {{ self.extra_.push((name.into(), value.into())); self }}"
        );
    }
    s.push_str(
        "    /// Timeout of this call as a whole, retries included (default: the client's configuration).\n    pub fn timeout(mut self, d: std::time::Duration) -> Self { self.options_.timeout = Some(d); self }\n",
    );
    s.push_str(
        "    /// Retry policy of this call (default: the client's). Whether a request that may have\n    /// reached the NE is repeated still follows the interface's retry class.\n    pub fn retry(mut self, policy: cec_core::RetryPolicy) -> Self { self.options_.retry = Some(policy); self }\n",
    );
    s.push_str(
        "    /// Changes this call's options: a header, the attempt timeout (aws-sdk-rust's `customize`).\n    pub fn customize(mut self, f: impl FnOnce(&mut cec_core::CallOptions)) -> Self { f(&mut self.options_); self }\n",
    );

    // into_call
    let _ = writeln!(s, "    /// Validates the documented constraints and assembles the call; nothing is sent.");
    let _ = writeln!(s, "    pub fn into_call(mut self) -> cec_core::Result<cec_core::Call> {{");
    let _ = writeln!(s, "        let op: &'static str = {};", lit(&i.id));
    let _ = writeln!(s, "        let _ = op;");
    s.push_str(&tenant_fill(spec, i));
    for p in &params {
        let n = &p.name;
        if p.f.required || p.kind == "path" {
            let _ = writeln!(s, "        cec_core::validate::required(op, {}, &self.{n})?;", lit(&p.f.name));
        }
        let checks = rule_checks(&p.f.rules, &lit(&p.f.name), "v", &p.ty);
        if !checks.is_empty() {
            let _ = writeln!(s, "        if let Some(v) = &self.{n} {{ {checks} }}");
        }
    }
    if has_body {
        if extra {
            s.push_str("        let skip: Vec<&str> = self.extra_.iter().map(|(k, _)| k.as_str()).collect();\n");
            s.push_str("        self.body_.validate(op, \"\", &skip)?;\n");
        } else {
            s.push_str("        self.body_.validate(op, \"\", &[])?;\n");
        }
    }
    s.push_str("        let mut call = cec_core::Call::new().options(self.options_);\n");
    for p in &params {
        let n = &p.name;
        let conv = param_to_string(&p.ty);
        let target = match p.kind {
            "path" => format!("call = call.path({}, {conv});", lit(&p.f.name)),
            "query" => format!("call = call.query({}, {conv});", lit(&p.f.name)),
            _ => format!("call = call.header({}, {conv});", lit(&p.f.name)),
        };
        let _ = writeln!(s, "        if let Some(v) = self.{n} {{ {target} }}");
    }
    match (has_body, extra) {
        (true, true) => {
            s.push_str("        call.body = Some(cec_core::client::body_with_extras(&self.body_, self.extra_)?);\n")
        }
        (true, false) => {
            s.push_str("        call.body = Some(cec_core::client::body_with_extras(&self.body_, Vec::new())?);\n")
        }
        (false, true) => s.push_str(
            "        if !self.extra_.is_empty() { call.body = Some(cec_core::client::body_with_extras(&serde_json::Map::new(), self.extra_)?); }\n",
        ),
        (false, false) => {}
    }
    s.push_str("        Ok(call)\n    }\n");

    // send
    if binary {
        let _ = writeln!(
            s,
            "    /// Sends the request; a success is a file, streamed.\n    pub async fn send(self) -> Result<cec_core::BinaryResponse, crate::Error> {{\n        let client = self.client_.clone();\n        let call = self.into_call()?;\n        Ok(client.core().call_binary(&{meta}, call).await?)\n    }}"
        );
    } else {
        let _ = writeln!(
            s,
            "    /// Sends the request and decodes the answer.\n    pub async fn send(self) -> Result<{resp_name}, crate::Error> {{\n        let client = self.client_.clone();\n        let call = self.into_call()?;\n        Ok(client.core().call(&{meta}, call).await?)\n    }}"
        );
        let _ = writeln!(
            s,
            "    /// Sends the request and returns the whole answer as JSON, after the same result-code\n    /// check as [`Self::send`]: for members the typed answer does not list.\n    pub async fn send_value(self) -> Result<serde_json::Value, crate::Error> {{\n        let client = self.client_.clone();\n        let call = self.into_call()?;\n        Ok(client.core().call_value(&{meta}, call).await?)\n    }}"
        );
    }
    s.push_str("}\n\n");

    if let Some(p) = paging(i) {
        s.push_str(&paginator_impl(i, &p));
    }

    // Client method
    let _ = writeln!(s, "impl crate::Client {{");
    let _ = writeln!(s, "    /// `{}`: {} (`{} {}`).", i.id, doc(&i.title), i.method, i.path);
    let _ = writeln!(s, "    pub fn {fname}(&self) -> {bname} {{ {bname}::new(self.clone()) }}");
    let mechanical = snake(&i.id);
    if mechanical != fname {
        let _ = writeln!(
            s,
            "    /// `{}`: the mechanical name of [`Self::{fname}`].\n    #[deprecated(note = \"renamed to `{fname}` (spec `rust_name`)\")]\n    pub fn {mechanical}(&self) -> {bname} {{ self.{fname}() }}",
            i.id
        );
    }
    s.push_str("}\n");
    s
}

/// `TenantDefaults`: the NE's tenant context fields, set once on the client.
fn tenant_struct(spec: &Spec) -> String {
    if spec.tenant.is_empty() {
        return String::new();
    }
    let mut s = String::new();
    let names: Vec<String> = spec.tenant.iter().map(|t| format!("`{}`", t.name)).collect();
    let _ = writeln!(
        s,
        "/// Tenant context set once on the client ([`crate::Client::with_tenant`]): every call that\n/// leaves {} unset sends these values; a call's own setter overrides them.\n#[derive(Debug, Clone, Default, PartialEq, Eq)]\n#[non_exhaustive]\npub struct TenantDefaults {{",
        names.join(" / ")
    );
    for t in &spec.tenant {
        let _ = writeln!(s, "    /// `{}`: {}.\n    pub {}: Option<i64>,", t.name, doc(&t.desc), snake(&t.name));
    }
    s.push_str("}\n\nimpl TenantDefaults {\n    /// No defaults.\n    pub fn new() -> Self {\n        Self::default()\n    }\n");
    for t in &spec.tenant {
        let n = snake(&t.name);
        let _ = writeln!(
            s,
            "    /// Sets `{}`.\n    pub fn {n}(mut self, v: i64) -> Self {{\n        self.{n} = Some(v);\n        self\n    }}",
            t.name
        );
    }
    s.push_str("}\n\n");
    s
}

/// Statements filling unset tenant fields of a builder from the client's defaults.
fn tenant_fill(spec: &Spec, i: &Interface) -> String {
    let mut s = String::new();
    for t in &spec.tenant {
        let d = snake(&t.name);
        for p in params(i).iter().filter(|p| p.f.name == t.name) {
            let conv = if p.ty == "String" { ".map(|v| v.to_string())" } else { "" };
            if p.ty == "String" || p.ty == "i64" {
                let _ = writeln!(s, "        if self.{0}.is_none() {{ self.{0} = tenant.{d}{conv}; }}", p.name);
            }
        }
        if let Some(f) = i.body.iter().find(|f| f.name == t.name) {
            let n = snake(&f.name);
            match f.ty.as_str() {
                "string" => {
                    let _ = writeln!(
                        s,
                        "        if self.body_.{n}.is_none() {{ self.body_.{n} = tenant.{d}.map(|v| v.to_string()); }}"
                    );
                }
                ty if is_int(ty) => {
                    let _ = writeln!(s, "        if self.body_.{n}.is_none() {{ self.body_.{n} = tenant.{d}; }}");
                }
                _ => {}
            }
        }
    }
    if s.is_empty() { s } else { format!("        let tenant = self.client_.tenant();\n{s}") }
}

/// Where a paging field of a request is.
#[derive(Debug, Clone)]
pub struct PageField {
    /// `body` or `query`.
    pub loc: &'static str,
    /// Wire names from the body's top (one or two).
    pub path: Vec<String>,
    /// The Rust expression of the field on the builder (`self.body_.limit`, `self.page_num`).
    pub place: String,
    /// Its Rust type (`i64`, `String`, `serde_json::Number`).
    pub ty: String,
}

/// How a paged interface is paged, found from its documented fields.
#[derive(Debug, Clone)]
pub struct Paging {
    /// Items per page.
    pub size: PageField,
    /// The page position: an offset, or a page number.
    pub pos: PageField,
    /// `None`: `pos` is an item offset; `Some(n)`: a page number, the first page being `n`.
    pub first_page: Option<i64>,
    /// Wire path of the items list in the answer.
    pub items: Vec<String>,
    /// Rust type of one item.
    pub item_ty: String,
    /// Wire path and Rust type of the total, when the answer has one.
    pub total: Option<(Vec<String>, String)>,
    /// Page size used when the caller sets none.
    pub default_size: u64,
    /// The smallest page size the interface allows (at least 2 where free), for tests.
    pub small_size: u64,
}

/// A list in an answer: its wire path, Rust type, and the total beside it.
type ListCandidate = (Vec<String>, String, Option<(Vec<String>, String)>);

const SIZE_FIELDS: [&str; 4] = ["limit", "pageSize", "rows", "rowsPerPage"];
const POS_FIELDS: [&str; 6] = ["offset", "page", "pageNum", "pageNo", "start", "curPage"];
const TOTAL_FIELDS: [&str; 5] = ["total", "count", "totalCount", "totalSize", "totalNum"];

fn scalar_ty(f: &Field) -> &'static str {
    match f.ty.as_str() {
        "string" => "String",
        t if is_int(t) => "i64",
        _ => "serde_json::Number",
    }
}

/// The paging of an interface: a size field and a position field side by side (query,
/// body, or one object down in the body), and a list in the answer.
pub fn paging(i: &Interface) -> Option<Paging> {
    if i.response_kind != "json" || i.response_raw || i.response_shape != "object" {
        return None;
    }
    let find = |fields: &[Field], names: &[&str]| fields.iter().find(|f| names.contains(&f.name.as_str())).cloned();
    let mut found = None;
    let query_params = params(i);
    if let (Some(sz), Some(ps)) = (find(&i.query_params, &SIZE_FIELDS), find(&i.query_params, &POS_FIELDS)) {
        let place = |f: &Field| {
            let p = query_params.iter().find(|p| p.kind == "query" && p.f.name == f.name);
            p.map(|p| (format!("self.{}", p.name), p.ty.clone()))
        };
        if let (Some((a, at)), Some((b, bt))) = (place(&sz), place(&ps)) {
            found = Some((
                PageField { loc: "query", path: vec![sz.name.clone()], place: a, ty: at },
                PageField { loc: "query", path: vec![ps.name.clone()], place: b, ty: bt },
                sz,
                ps,
            ));
        }
    }
    if found.is_none()
        && let (Some(sz), Some(ps)) = (find(&i.body, &SIZE_FIELDS), find(&i.body, &POS_FIELDS))
    {
        let f = |x: &Field| PageField {
            loc: "body",
            path: vec![x.name.clone()],
            place: format!("self.body_.{}", snake(&x.name)),
            ty: scalar_ty(x).into(),
        };
        found = Some((f(&sz), f(&ps), sz, ps));
    }
    if found.is_none() {
        for o in i.body.iter().filter(|o| o.ty == "object" && !o.fields.is_empty()) {
            if let (Some(sz), Some(ps)) = (find(&o.fields, &SIZE_FIELDS), find(&o.fields, &POS_FIELDS)) {
                let f = |x: &Field| PageField {
                    loc: "body",
                    path: vec![o.name.clone(), x.name.clone()],
                    place: format!(
                        "self.body_.{}.get_or_insert_with(Default::default).{}",
                        snake(&o.name),
                        snake(&x.name)
                    ),
                    ty: scalar_ty(x).into(),
                };
                found = Some((f(&sz), f(&ps), sz, ps));
                break;
            }
        }
    }
    let (size, pos, size_f, pos_f) = found?;
    if size.ty == "bool" || pos.ty == "bool" {
        return None;
    }
    let first_page = if pos_f.name == "offset" || pos_f.name == "start" {
        None
    } else {
        let text = format!("{} {}", pos_f.constraints.clone().unwrap_or_default(), pos_f.desc).to_ascii_lowercase();
        Some(if text.contains("from 0") || text.contains("starts at 0") { 0 } else { 1 })
    };
    // The items: a list at the top of the answer or one object down; the current
    // `resultDesc` before its legacy copy `resultDatas`.
    let (_, _, resp) = op_names(i);
    let mut lists: Vec<ListCandidate> = Vec::new();
    let total_in = |fields: &[Field], pre: &[String]| {
        fields
            .iter()
            .find(|f| {
                TOTAL_FIELDS.contains(&f.name.as_str()) && (is_int(&f.ty) || f.ty == "string" || f.ty == "number")
            })
            .map(|f| {
                let mut p = pre.to_vec();
                p.push(f.name.clone());
                (p, scalar_ty(f).to_string())
            })
    };
    let top_total = total_in(&i.response, &[]);
    for f in &i.response {
        if f.ty.starts_with("array") {
            let ty = rust_type(f, &resp, Side::Response, &mut Vec::new());
            lists.push((vec![f.name.clone()], ty, top_total.clone()));
        }
    }
    for o in i.response.iter().filter(|o| o.ty == "object" && !o.fields.is_empty()) {
        let prefix = format!("{resp}{}", pascal(&o.name));
        let inner_total = total_in(&o.fields, std::slice::from_ref(&o.name)).or_else(|| top_total.clone());
        for f in &o.fields {
            if f.ty.starts_with("array") {
                let ty = rust_type(f, &prefix, Side::Response, &mut Vec::new());
                lists.push((vec![o.name.clone(), f.name.clone()], ty, inner_total.clone()));
            }
        }
    }
    let pick = lists
        .iter()
        .find(|(p, _, _)| p[0] == "resultDesc")
        .or_else(|| lists.iter().find(|(p, _, _)| p[0] != "resultDatas"))
        .or_else(|| lists.first())?
        .clone();
    let (items, list_ty, total) = pick;
    let item_ty = list_ty.strip_prefix("Vec<")?.strip_suffix('>')?.to_string();
    let allowed: Vec<u64> = size_f.rules.one_of_int.iter().flatten().filter_map(|n| u64::try_from(*n).ok()).collect();
    let default_size = match (allowed.iter().filter(|n| **n <= 100).max(), size_f.rules.range) {
        (Some(n), _) => *n,
        (None, Some([_, max])) if max > 0 => (max as u64).min(100),
        _ => 20,
    };
    let small_size = match (allowed.iter().min(), size_f.rules.range) {
        (Some(n), _) => *n,
        (None, Some([min, _])) => u64::try_from(min).unwrap_or(1).max(2),
        _ => 2,
    };
    Some(Paging { size, pos, first_page, items, item_ty, total, default_size, small_size })
}

/// `impl Paged` and `into_paginator()` for a paged interface's builder.
fn paginator_impl(i: &Interface, p: &Paging) -> String {
    let (bname, _, resp) = op_names(i);
    let conv = |ty: &str, v: &str| match ty {
        "i64" => format!("i64::try_from({v}).unwrap_or(i64::MAX)"),
        "String" => format!("({v}).to_string()"),
        _ => format!("serde_json::Number::from({v})"),
    };
    let pos_value = match p.first_page {
        None => "index.saturating_mul(size)".to_string(),
        Some(first) => format!("index.saturating_add({first})"),
    };
    let getter = |path: &[String]| -> String {
        let mut e = format!("page.{}.as_ref()", snake(&path[0]));
        for n in &path[1..] {
            e = format!("{e}.and_then(|x| x.{}.as_ref())", snake(n));
        }
        e
    };
    let total = match &p.total {
        Some((path, _)) => format!("{}.and_then(cec_core::paginate::count)", getter(path)),
        None => "None".into(),
    };
    let requested = if p.size.place.contains("get_or_insert_with") {
        let parts: Vec<&str> = p.size.place.splitn(2, ".get_or_insert_with(Default::default).").collect();
        format!("{}.as_ref().and_then(|x| x.{}.as_ref()).and_then(cec_core::paginate::count)", parts[0], parts[1])
    } else {
        format!("{}.as_ref().and_then(cec_core::paginate::count)", p.size.place)
    };
    let style = match p.first_page {
        None => format!("`{}` (an item offset) and `{}`", p.pos.path.join("."), p.size.path.join(".")),
        Some(first) => {
            format!("`{}` (page number, first page {first}) and `{}`", p.pos.path.join("."), p.size.path.join("."))
        }
    };
    format!(
        "impl cec_core::paginate::Paged for {bname} {{\n    type Page = {resp};\n    type Item = {item};\n    type Error = crate::Error;\n    fn set_page(&mut self, index: u64, size: u64) {{\n        {size_place} = Some({size_v});\n        {pos_place} = Some({pos_v});\n    }}\n    fn requested_size(&self) -> Option<u64> {{\n        {requested}\n    }}\n    fn send_page(self) -> cec_core::paginate::PageFuture<Self::Page, Self::Error> {{\n        Box::pin(self.send())\n    }}\n    fn items(page: &Self::Page) -> Vec<Self::Item> {{\n        {items}.cloned().unwrap_or_default()\n    }}\n    fn total({total_arg}: &Self::Page) -> Option<u64> {{\n        {total}\n    }}\n}}\n\nimpl {bname} {{\n    /// Pages through the answers, one request per page ({style}; items from `{items_path}`):\n    /// `.into_paginator().items()` is a `Stream` of items, `.pages()` of whole answers.\n    /// Page size: what this builder set, else {default}.\n    pub fn into_paginator(self) -> cec_core::paginate::Paginator<Self> {{\n        cec_core::paginate::Paginator::new(self, {default})\n    }}\n}}\n",
        item = p.item_ty,
        size_place = p.size.place,
        size_v = conv(&p.size.ty, "size"),
        pos_place = p.pos.place,
        pos_v = conv(&p.pos.ty, &pos_value),
        items = getter(&p.items),
        items_path = p.items.join("."),
        default = p.default_size,
        total_arg = if p.total.is_some() { "page" } else { "_page" },
    )
}

/// The group of an interface: its id up to the first `.` (`vdn.agentstatus` → `vdn`).
pub fn group_of(i: &Interface) -> &str {
    i.id.split('.').next().unwrap_or(&i.id)
}

/// The module of a group: `qualityInspection` → `quality_inspection`.
pub fn group_module(group: &str) -> String {
    snake(group)
}

/// The cargo feature an interface needs, if its group is optional.
pub fn feature_of<'a>(spec: &'a Spec, i: &Interface) -> Option<&'a str> {
    spec.optional_groups.get(group_of(i)).map(String::as_str)
}

/// `#[cfg(feature = ..)]` (with its docs.rs badge) for an optional item, else nothing.
pub fn cfg_attr(feature: Option<&str>) -> String {
    match feature {
        Some(f) => format!("#[cfg(feature = {0})]\n#[cfg_attr(docsrs, doc(cfg(feature = {0})))]\n", lit(f)),
        None => String::new(),
    }
}

/// The groups of a spec in spec order (first appearance), with their interfaces.
pub fn groups(spec: &Spec) -> Vec<(String, Vec<&Interface>)> {
    let mut out: Vec<(String, Vec<&Interface>)> = Vec::new();
    for i in &spec.interfaces {
        let g = group_of(i);
        match out.iter_mut().find(|(n, _)| n == g) {
            Some((_, list)) => list.push(i),
            None => out.push((g.to_string(), vec![i])),
        }
    }
    out
}

/// The files of `crates/<crate>/src/generated/` (paths relative to it) except `stub.rs`:
/// `mod.rs` (envelopes, tenant defaults, `ALL`, callbacks, events), `codes.rs` (code
/// tables) and `operation/<group>.rs` (one per group of interfaces: metadata, request and
/// response types, builders), all re-exported flat from `generated`.
pub fn ne_modules(spec: &Spec) -> Vec<(String, String)> {
    DEDUP.with(|d| *d.borrow_mut() = Some(Dedup::default()));
    let files = ne_files(spec);
    GATE.with(|g| g.borrow_mut().clear());
    let dedup = DEDUP.with(|d| d.borrow_mut().take()).unwrap_or_default();
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    check_aliases(&all, &dedup.aliases);
    files.into_iter().map(|(p, t)| (p, resolve_alias_markers(&t, &dedup.aliases))).collect()
}

const USES: &str = "use cec_core::{AuthKind, Envelope, OperationMeta, ResponseKind, RetryClass, TokenPlacement};\nuse cec_core::__private::serde_json;\nuse serde::{Deserialize, Serialize};\n\n";

fn ne_files(spec: &Spec) -> Vec<(String, String)> {
    let groups = groups(spec);
    let mut s = String::from(HEADER);
    let _ = writeln!(s, "//! Generated from `spec/{}.json` ({}, auth {}).", spec.file, spec.ne, spec.auth_mode);
    s.push_str("//!\n//! One `OperationMeta` per interface, request/response types, and one fluent builder per\n//! interface with a `send()`, in one module per group of the reference ([`operation`]),\n//! all re-exported here; code tables in [`codes`]. Structs of identical shape are one\n//! type, the other names being aliases of it. Hand-written code lives outside this module.\n\n");
    s.push_str("#![allow(clippy::all, clippy::pedantic, missing_docs, unused_imports, unused_mut, rustdoc::all)]\n\n");
    s.push_str(USES);
    s.push_str("/// The service trait (one method per interface) and its request types.\npub mod stub;\n\n");
    s.push_str("pub mod codes;\npub use codes::*;\n\npub mod operation;\n");
    for (g, list) in &groups {
        let _ = writeln!(s, "{}pub use operation::{}::*;", cfg_attr(feature_of(spec, list[0])), group_module(g));
    }
    s.push('\n');
    for (name, e) in &spec.envelopes {
        s.push_str(&envelope_static(&format!("ENVELOPE_{}", upper(name)), e));
    }
    s.push('\n');
    ENUM_FIELDS.with(|m| {
        let mut m = m.borrow_mut();
        m.clear();
        for (name, e) in &spec.enums {
            for f in &e.fields {
                m.insert(f.clone(), (name.clone(), e.repr.clone()));
            }
        }
    });
    let mut codes = String::from(HEADER);
    let _ = writeln!(
        codes,
        "//! The code tables of {} (typed, with an `Unknown` arm), re-exported from `generated`.\n",
        spec.ne
    );
    codes.push_str(&enums(spec));
    s.push_str(&tenant_struct(spec));
    // `ALL`: every interface, each of an optional group behind its feature (a `cfg`
    // on an array element leaves it out of the slice when the feature is off).
    let all = spec
        .interfaces
        .iter()
        .map(|i| match feature_of(spec, i) {
            Some(f) => format!("#[cfg(feature = {})] &{}", lit(f), upper(&i.id)),
            None => format!("&{}", upper(&i.id)),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(s, "\n/// Every interface of this crate (of its enabled features).");
    let _ = writeln!(s, "pub static ALL: &[&OperationMeta] = &[{all}];\n");
    s.push_str(&callbacks(spec));
    s.push_str(&events(spec));

    let mut ops = String::from(HEADER);
    let _ = writeln!(
        ops,
        "//! The interfaces of {}, one module per group of the reference (the part of the\n//! interface id before the first `.`). Everything here is also re-exported from `generated`.\n",
        spec.ne
    );
    let key = ne_key(spec);
    let mut files = Vec::new();
    for (g, list) in &groups {
        let module = group_module(g);
        let feature = feature_of(spec, list[0]);
        GATE.with(|x| *x.borrow_mut() = feature.unwrap_or_default().to_string());
        let _ = write!(
            ops,
            "/// The `{g}` group: {} interface{}.\n{}pub mod {module};\n",
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            cfg_attr(feature)
        );
        let mut f = String::from(HEADER);
        let _ = writeln!(
            f,
            "//! The `{g}` group of {} ({} interface{}):\n//!",
            spec.ne,
            list.len(),
            if list.len() == 1 { "" } else { "s" }
        );
        if let Some(feat) = feature {
            let _ = writeln!(f, "//! Compiled with the crate's `{feat}` feature (on by default).\n//!");
        }
        for i in list {
            let _ = writeln!(f, "//! - `{}` ([`crate::Client::{}`]): {}", i.id, method_name(i), doc(&i.title));
        }
        f.push('\n');
        f.push_str("use crate::generated::*;\n");
        f.push_str(USES);
        for i in list {
            let name = upper(&i.id);
            if i.credential.is_some() {
                let _ = writeln!(f, "pub use cec_auth::generated::{key}_{name} as {name};");
            } else {
                f.push_str(&meta_static(spec, i, &name, &format!("ENVELOPE_{}", upper(&i.envelope))));
            }
        }
        f.push('\n');
        let mut types = Vec::new();
        let mut builders = String::new();
        for i in list {
            builders.push_str(&builder(spec, i, &mut types));
            builders.push('\n');
        }
        for t in types {
            f.push_str(&t);
            f.push('\n');
        }
        f.push_str(&builders);
        files.push((format!("operation/{module}.rs"), f));
    }
    let mut out =
        vec![("mod.rs".to_string(), s), ("codes.rs".to_string(), codes), ("operation/mod.rs".to_string(), ops)];
    out.extend(files);
    out
}

/// `crates/cec-auth/src/generated/mod.rs`: the credential interfaces cec-auth calls.
pub fn auth_module(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! The interfaces cec-auth calls to obtain credentials (C1, C3, C5, C6),\n//! generated from spec/ entries marked `credential`. NE crates re-export these.\n\n");
    s.push_str("#![allow(clippy::all, missing_docs)]\n\n");
    s.push_str("use cec_core::{AuthKind, Envelope, OperationMeta, ResponseKind, RetryClass};\n\n");
    for spec in specs {
        let creds: Vec<&Interface> = spec.interfaces.iter().filter(|i| i.credential.is_some()).collect();
        if creds.is_empty() {
            continue;
        }
        let key = ne_key(spec);
        let mut envs: Vec<&String> = creds.iter().map(|i| &i.envelope).collect();
        envs.sort();
        envs.dedup();
        for e in envs {
            s.push_str(&envelope_static(&format!("{key}_ENVELOPE_{}", upper(e)), &spec.envelopes[e]));
        }
        for i in creds {
            let env = format!("{key}_ENVELOPE_{}", upper(&i.envelope));
            s.push_str(&meta_static(spec, i, &format!("{key}_{}", upper(&i.id)), &env));
        }
    }
    s
}
