//! Generates each NE crate's `tests/generated_matrix.rs`: for every interface a
//! mock test of method, path, headers (auth included) and body; success parsing;
//! the NE's error envelope; HTTP 401 and 500; a malformed body; and a request
//! that breaks a documented constraint and is refused before sending.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::gen_client::{HEADER, op_names, params};
use crate::names::{lit, snake};
use crate::spec::{Field, Interface, Spec};

/// A valid sample value for a field.
pub fn sample(f: &Field) -> Value {
    let r = &f.rules;
    match f.ty.as_str() {
        "string" => {
            if let Some(v) = r.one_of.as_ref().and_then(|l| l.first()).or(r.codes.first()) {
                return json!(v);
            }
            if let Some([a, _]) = r.numeric_range {
                return json!(a.to_string());
            }
            let mut s = format!("s-{}", f.name);
            if r.alphanumeric {
                s = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            }
            if let Some(min) = r.min_len {
                while s.chars().count() < min {
                    s.push('x');
                }
            }
            if let Some(max) = r.max_len {
                s.truncate(max.max(1));
            }
            json!(s)
        }
        "int" | "long" | "integer" | "number" => {
            if let Some(v) = r.one_of_int.as_ref().and_then(|l| l.first()) {
                return json!(v);
            }
            if let Some([a, _]) = r.range {
                return json!(a);
            }
            json!(7)
        }
        "boolean" | "bool" => json!(true),
        "object" if !f.fields.is_empty() => sample_object(&f.fields),
        "object" => json!({"k": "v"}),
        "array<string>" => match r.items.as_deref().and_then(|i| i.codes.first()) {
            Some(code) => json!([code]),
            None => json!(["s-item"]),
        },
        t if t.starts_with("array<") && matches!(&t[6..t.len() - 1], "int" | "long" | "integer") => {
            match r.items.as_deref().and_then(|i| i.range) {
                Some([a, _]) => json!([a]),
                None => json!([101]),
            }
        }
        "array<object>" if !f.fields.is_empty() => json!([sample_object(&f.fields)]),
        t if t.starts_with("array") => json!([{"k": "v"}]),
        _ => json!("s-any"),
    }
}

pub fn sample_object(fields: &[Field]) -> Value {
    let mut m = Map::new();
    for f in fields {
        m.insert(f.name.clone(), sample(f));
    }
    Value::Object(m)
}

/// A documented success body: every response field, the envelope's success code.
pub fn success_body(spec: &Spec, i: &Interface) -> Value {
    let env = &spec.envelopes[&i.envelope];
    if i.response_shape == "array" {
        // A bare array carries no envelope: two documented items.
        let item = sample_object(&i.response);
        return Value::Array(vec![item.clone(), item]);
    }
    let mut v = sample_object(&i.response);
    if let Value::Object(m) = &mut v {
        let ok = env.success.first().cloned().unwrap_or_else(|| "0".into());
        for (n, cf) in env.code_fields.iter().enumerate() {
            // A documented field keeps its documented type; an object named like a
            // code field (CMS `result` payloads) is left as documented.
            let v = match i.response.iter().find(|f| &f.name == cf).map(|f| f.ty.as_str()) {
                Some("int" | "integer" | "long" | "number") => json!(ok.parse::<i64>().unwrap_or(0)),
                Some("boolean") => json!(ok == "true"),
                Some("string") => json!(ok),
                Some(_) => continue,
                None if n == 0 => json!(ok),
                None => continue,
            };
            m.insert(cf.clone(), v);
        }
        if let Some(mf) = env.message_fields.first() {
            let documented_non_text = i.response.iter().any(|f| &f.name == mf && f.ty != "string");
            if !documented_non_text && (m.contains_key(mf) || !env.code_fields.is_empty()) {
                m.insert(mf.clone(), json!("success"));
            }
        }
    }
    v
}

/// A failure code for the error-envelope test.
pub fn failure_code(spec: &Spec, i: &Interface) -> Option<String> {
    let env = &spec.envelopes[&i.envelope];
    if env.code_fields.is_empty() {
        return None;
    }
    let c = i.errors.iter().find(|c| !env.success.contains(c)).cloned().unwrap_or_else(|| "999-999".into());
    Some(c)
}

/// A request value that breaks one documented rule: (field label, how it appears in the builder).
fn violation(i: &Interface) -> Option<(String, Violation)> {
    for p in params(i) {
        if p.kind != "header"
            && let Some(v) = bad_scalar(p.f)
        {
            return Some((p.f.name.clone(), Violation::Param(p.name, v)));
        }
    }
    for f in &i.body {
        if let Some(v) = bad_scalar(f) {
            return Some((f.name.clone(), Violation::Body(f.name.clone(), v)));
        }
        if f.ty == "object" {
            for sub in &f.fields {
                if let Some(v) = bad_scalar(sub) {
                    return Some((
                        format!("{}.{}", f.name, sub.name),
                        Violation::Nested(f.name.clone(), sub.name.clone(), v),
                    ));
                }
            }
        }
    }
    for f in &i.body {
        if f.required {
            return Some((f.name.clone(), Violation::Missing(f.name.clone())));
        }
    }
    None
}

enum Violation {
    Param(String, Value),
    Body(String, Value),
    Nested(String, String, Value),
    Missing(String),
}

fn bad_scalar(f: &Field) -> Option<Value> {
    if let Some(n) = f.rules.max_items {
        let item = match sample(f) {
            Value::Array(mut v) if !v.is_empty() => v.remove(0),
            _ => json!(101),
        };
        return Some(Value::Array(vec![item; n + 1]));
    }
    let r = &f.rules;
    if let Some([a, _]) = r.numeric_range {
        return Some(json!((a - 1).to_string()));
    }
    if let Some([a, _]) = r.range {
        return Some(json!(a - 1));
    }
    if let Some(n) = r.max_len {
        return Some(json!("x".repeat(n + 1)));
    }
    if r.one_of.is_some() {
        return Some(json!("not-a-documented-value"));
    }
    if r.one_of_int.is_some() {
        return Some(json!(-999));
    }
    None
}

/// A Rust expression passing `v` to a builder setter of type `ty`.
fn rust_value(ty: &str, v: &Value) -> String {
    if let Some(n) = long_x(v) {
        return format!("\"x\".repeat({n})");
    }
    match (ty, v) {
        ("String", Value::Number(n)) => lit(&n.to_string()),
        ("String", Value::Bool(b)) => lit(&b.to_string()),
        (_, Value::String(s)) => lit(s),
        (_, Value::Bool(b)) => b.to_string(),
        (_, Value::Number(n)) => n.to_string(),
        _ => format!("serde_json::from_value(v({})).unwrap()", raw(v)),
    }
}

fn wire_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Per-NE test setup: items at file level and the credential preludes.
struct Setup {
    prelude: &'static str,
    token: &'static str,
}

fn setup(spec: &Spec) -> Setup {
    const CONFIG: &str = "fn config(server: &MockServer) -> Config {\n    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()\n}\n\n";
    let (body, token): (&'static str, &'static str) = match spec.krate.as_str() {
        "cec-gateway" => (
            "fn client(server: &MockServer) -> cec_gateway::Client {\n    let c = cec_gateway::Client::new(config(server)).unwrap();\n    c.set_guid(GUID);\n    c\n}\n\nconst GUID: &str = \"test-guid-0001.AgentGateway0\";\n",
            "",
        ),
        "cec-apifabric" => (
            "fn client(server: &MockServer) -> cec_apifabric::Client {\n    let creds = cec_auth::ApiFabricCredentials::new(\"test-app\", \"test-secret\");\n    let c = cec_apifabric::Client::new(config(server), config(server), creds).unwrap();\n    c.auth().set_messaging_token(\"test-msg-token\");\n    c\n}\n",
            "Prelude { method: \"POST\", path: \"/apigovernance/api/oauth/tokenByAkSk\", response: v(r#\"{\"AccessToken\": \"test-token\", \"Expires\": \"3600\", \"ApplyType\": \"Bearer\"}\"#) }",
        ),
        "cec-oiap" => (
            "fn client(server: &MockServer) -> cec_oiap::Client {\n    let creds = cec_auth::OiapCredentials::tenant(\"tenant001\", \"test-secret\");\n    cec_oiap::Client::new(config(server), creds).unwrap()\n}\n",
            "Prelude { method: \"POST\", path: \"/oifde/rest/api/gettoken\", response: v(r#\"{\"errorCode\": 0, \"authToken\": \"test-token\", \"expireTime\": 3600}\"#) }",
        ),
        "cec-cms" => (
            "fn client(server: &MockServer) -> cec_cms::Client {\n    cec_cms::Client::new(config(server), cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(\"test-ak\", \"test-sk\").unwrap())).unwrap()\n}\n",
            "",
        ),
        "cec-isales" => (
            "fn client(server: &MockServer) -> cec_isales::Client {\n    cec_isales::Client::new(config(server), cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(\"test-ak\", \"test-sk\").unwrap())).unwrap()\n}\n",
            "",
        ),
        "cec-messaging" => (
            "fn client(server: &MockServer) -> cec_messaging::Client {\n    let c = cec_messaging::Client::new(config(server)).unwrap();\n    c.set_token(\"test-msg-token\");\n    c\n}\n",
            "",
        ),
        _ => (
            "fn client(server: &MockServer) -> cec_fs::Client {\n    cec_fs::Client::new(config(server), cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(\"test-ak\", \"test-sk\").unwrap())).unwrap()\n}\n",
            "",
        ),
    };
    let _ = CONFIG;
    Setup { prelude: body, token }
}

pub fn matrix(spec: &Spec) -> String {
    let st = setup(spec);
    let mut s = String::from(HEADER);
    let _ = writeln!(
        s,
        "//! Interface matrix for {} (generated from `spec/{}.json`): see `cec_core::test_util`.\n",
        spec.ne, spec.file
    );
    s.push_str("#![allow(clippy::all, clippy::unwrap_used, clippy::expect_used, unused_imports)]\n\n");
    s.push_str("use cec_core::test_util::{Case, Failure, Prelude, check_binary, check_json, check_refused, v};\nuse cec_core::{Config, ErrorKind, RetryPolicy};\nuse httpmock::MockServer;\nuse serde_json::json;\n\n");
    s.push_str("fn config(server: &MockServer) -> Config {\n    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()\n}\n\n");
    s.push_str(st.prelude);
    s.push('\n');
    for i in &spec.interfaces {
        s.push_str(&op_test(spec, i, st.token));
    }
    let krate = snake(&spec.krate);
    if !spec.events.is_empty() {
        s.push_str("/// Every documented event type decodes to its own variant and keeps its wire name.\n#[test]\nfn agent_events_decode() {\n    let cases: &[(&str, &str)] = &[\n");
        for e in &spec.events {
            let content = match e.content.as_str() {
                "object" => sample_object(&e.fields),
                "call_id" => json!("1700000000-1"),
                _ => Value::Null,
            };
            let _ = writeln!(s, "        ({}, {}),", lit(&e.wire), raw(&content));
        }
        let _ = writeln!(
            s,
            "    ];\n    for (wire, content) in cases {{\n        let ev = {krate}::generated::AgentEvent::from_raw(wire, v(content));\n        assert!(!matches!(ev, {krate}::generated::AgentEvent::Unknown {{ .. }}), \"{{wire}}: {{ev:?}}\");\n        assert_eq!(ev.event_type(), *wire);\n    }}\n    assert_eq!(cases.len(), {krate}::generated::AgentEvent::TYPES.len());\n    let unknown = {krate}::generated::AgentEvent::from_raw(\"AgentEvent_FromTheFuture\", v(r#\"{{\"x\":1}}\"#));\n    assert_eq!(unknown.event_type(), \"AgentEvent_FromTheFuture\");\n    assert!(matches!(unknown, {krate}::generated::AgentEvent::Unknown {{ .. }}));\n}}\n"
        );
    }
    for c in &spec.callbacks {
        let item = sample_object(&c.body);
        let sample = if c.body_shape == "array" { Value::Array(vec![item]) } else { item };
        let recv = format!("{krate}::generated::{}Receiver", crate::gen_client::callback_name(&c.id));
        let token = c.token_header.as_deref().map(|h| format!("Some({})", lit(h))).unwrap_or_else(|| "None".into());
        let _ = writeln!(
            s,
            "#[test]\nfn callback_{}() {{\n    cec_core::test_util::check_callback({}, v({}), {recv}::receive, {token}, {recv}::ack());\n}}\n",
            snake(&c.id),
            lit(&c.id),
            raw(&sample)
        );
    }
    s
}

/// The builder call with the given parameter values and body.
pub(crate) fn builder_call(krate: &str, i: &Interface, values: &[(String, Value)], body: Option<&Value>) -> String {
    let (_, body_name, _) = op_names(i);
    let mut c = format!("c.{}()", crate::gen_client::method_name(i));
    for p in params(i) {
        if let Some((_, v)) = values.iter().find(|(n, _)| *n == p.name) {
            let _ = write!(c, ".{}({})", p.name, rust_value(&p.ty, v));
        }
    }
    if let Some(b) = body {
        let _ = write!(c, ".body_json({}).unwrap()", body_expr(b));
    }
    let _ = (krate, body_name);
    c
}

/// Strings longer than this in a constraint-breaking sample are built at run time
/// (`"x".repeat(n)`) instead of written out (`max_len: 65535` would be a 64 KB literal).
const LONG: usize = 64;

/// The length of a long `xxx…` sample string, when `v` is one.
fn long_x(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) if s.len() > LONG && s.bytes().all(|b| b == b'x') => Some(s.len()),
        _ => None,
    }
}

/// A Rust expression for a JSON body: the literal, with any long `xxx…` string
/// (at the top level or one object down) set at run time.
fn body_expr(b: &Value) -> String {
    let mut base = b.clone();
    let mut sets = Vec::new();
    if let Some(o) = base.as_object_mut() {
        for (k, val) in o.iter_mut() {
            if let Some(n) = long_x(val) {
                sets.push((vec![k.clone()], n));
                *val = json!("");
            } else if let Some(inner) = val.as_object_mut() {
                for (k2, val2) in inner.iter_mut() {
                    if let Some(n) = long_x(val2) {
                        sets.push((vec![k.clone(), k2.clone()], n));
                        *val2 = json!("");
                    }
                }
            }
        }
    }
    let mut e = format!("v({})", raw(&base));
    for (path, n) in sets {
        let keys: Vec<String> = path.iter().map(|k| lit(k)).collect();
        e = format!("cec_core::test_util::set_at({e}, &[{}], json!(\"x\".repeat({n})))", keys.join(", "));
    }
    e
}

fn op_test(spec: &Spec, i: &Interface, token: &str) -> String {
    let env = &spec.envelopes[&i.envelope];
    let krate = snake(&spec.krate);
    let binary = i.response_kind == "binary";

    // Sample inputs.
    let mut path = i.path.clone();
    let mut values: Vec<(String, Value)> = Vec::new();
    let mut query = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    for p in params(i) {
        let v = sample(p.f);
        match p.kind {
            "path" => path = path.replace(&format!("{{{}}}", p.f.name), &encode_path(&wire_text(&v))),
            "query" => query.push(format!("({}, {}.into())", lit(&p.f.name), lit(&wire_text(&v)))),
            _ => headers.push((p.f.name.clone(), wire_text(&v))),
        }
        values.push((p.name.clone(), v));
    }
    let body = if i.body.is_empty() { None } else { Some(sample_object(&i.body)) };
    let mut wire_body = body.clone();
    let mut present: Vec<&str> = Vec::new();
    let mut prelude = "";
    match i.auth.as_str() {
        "guid" => headers.push(("guid".into(), "test-guid-0001.AgentGateway0".into())),
        "bearer" | "bearer-messaging" => {
            prelude = token;
            headers.push(("authorization".into(), "Bearer test-token".into()));
            headers.push(("x-app-key".into(), "test-app".into()));
            if i.auth == "bearer-messaging" {
                headers.push(("ccmessaging-token".into(), "test-msg-token".into()));
            }
        }
        "messaging-cookie" => headers.push(("cookie".into(), "ccmessaging-token=test-msg-token".into())),
        "signature" => {
            present.extend(["authorization", "host"]);
            let len = wire_body.as_ref().map(|b| serde_json::to_vec(b).map(|v| v.len()).unwrap_or(0)).unwrap_or(0);
            headers.push(("content-length".into(), len.to_string()));
        }
        "oiap-token" => {
            prelude = token;
            let place = i.token_placement.as_deref().unwrap_or("body:authToken");
            if let Some(p) = place.strip_prefix("body:") {
                let b = wire_body.get_or_insert_with(|| json!({}));
                insert_at(b, p, json!("test-token"));
            } else {
                headers.push(("username".into(), "tenant001".into()));
                headers.push(("token".into(), "test-token".into()));
            }
        }
        _ => {}
    }
    let success = if binary { json!(null) } else { success_body(spec, i) };
    let failure = match failure_code(spec, i) {
        Some(code) => {
            let cf = &env.code_fields[0];
            let mf = env.message_fields.first().cloned().unwrap_or_else(|| "message".into());
            let numeric =
                i.response.iter().any(|f| &f.name == cf && matches!(f.ty.as_str(), "int" | "integer" | "long"));
            let code_text =
                if numeric { code.chars().filter(|c| c.is_ascii_digit()).collect::<String>() } else { code };
            let code_json = if numeric { json!(code_text.parse::<i64>().unwrap_or(1)) } else { json!(code_text) };
            let kind = if env.auth_codes.contains(&code_text) { "Auth" } else { "Service" };
            let mut b = serde_json::Map::new();
            b.insert(cf.clone(), code_json);
            b.insert(mf, json!("simulated failure"));
            format!(
                "Some(Failure {{ body: v({}), code: {}, kind: ErrorKind::{kind} }})",
                raw(&Value::Object(b)),
                lit(&code_text)
            )
        }
        None => "None".into(),
    };
    let hdrs: Vec<String> =
        headers.iter().map(|(k, v)| format!("({}, {}.into())", lit(&k.to_ascii_lowercase()), lit(v))).collect();
    let case = format!(
        "Case {{ op: {}, method: {}, path: {}.into(), query: vec![{}], headers: vec![{}], present: vec![{}], body: {}, success: v({}), failure: {failure}, prelude: vec![{prelude}] }}",
        lit(&i.id),
        lit(&i.method),
        lit(&path),
        query.join(", "),
        hdrs.join(", "),
        present.iter().map(|p| lit(p)).collect::<Vec<_>>().join(", "),
        wire_body.map(|b| format!("Some(v({}))", raw(&b))).unwrap_or_else(|| "None".into()),
        raw(&success),
    );
    let call = builder_call(&krate, i, &values, body.as_ref());
    let check = if binary { "check_binary" } else { "check_json" };
    let mut s = String::new();
    let _ = writeln!(s, "#[tokio::test]\nasync fn {}() {{", snake(&i.id));
    let _ = writeln!(s, "    {check}({case}, client, |c| async move {{ {call}.send().await }}).await;");
    if let Some((label, v)) = violation(i) {
        let mut bad_values = values.clone();
        let mut bad_body = body.clone();
        match v {
            Violation::Param(setter, val) => {
                if let Some(slot) = bad_values.iter_mut().find(|(n, _)| *n == setter) {
                    slot.1 = val;
                }
            }
            Violation::Body(name, val) => {
                if let Some(b) = bad_body.as_mut() {
                    b[name.as_str()] = val;
                }
            }
            Violation::Nested(a, b, val) => {
                if let Some(body) = bad_body.as_mut() {
                    body[a.as_str()][b.as_str()] = val;
                }
            }
            Violation::Missing(name) => {
                if let Some(o) = bad_body.as_mut().and_then(Value::as_object_mut) {
                    o.remove(&name);
                }
            }
        }
        let bad = builder_call(&krate, i, &bad_values, bad_body.as_ref());
        let _ =
            writeln!(s, "    check_refused(client, |c| async move {{ {bad}.send().await }}, {}).await;", lit(&label));
    }
    s.push_str("}\n\n");
    s
}

fn insert_at(b: &mut Value, dotted: &str, v: Value) {
    let parts: Vec<&str> = dotted.split('.').collect();
    let mut cur = b;
    for (n, part) in parts.iter().enumerate() {
        if !cur.is_object() {
            *cur = json!({});
        }
        let Some(obj) = cur.as_object_mut() else { return };
        if n + 1 == parts.len() {
            obj.insert(part.to_string(), v);
            return;
        }
        cur = obj.entry(part.to_string()).or_insert_with(|| json!({}));
    }
}

/// A JSON value as a Rust raw string literal, parsed at run time by `v(..)`.
pub fn raw(v: &Value) -> String {
    let text = v.to_string();
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

/// Path values as the client encodes them (everything but unreserved bytes).
fn encode_path(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Paged interfaces the paging test leaves to hand-written tests, with the reason.
const PAGING_BY_HAND: &[(&str, &str)] = &[
    ("callresult.query", "the simulator's dialer answers it from the model: paged in cec-sim/tests/paging.rs"),
    ("blocklist.query", "the simulator answers it from the model's blocklist: paged in cec-sim/tests/paging.rs"),
    ("campaign.query_all", "the simulator answers it from the model's campaigns: paged in cec-sim/tests/paging.rs"),
    (
        "skill.querySkills",
        "the simulator answers it from the scenario's skill queues: paged in cec-sim/tests/paging.rs",
    ),
];

/// `crates/cec-sim/tests/generated_paging.rs`: every paged interface's paginator
/// against the simulator, across at least three pages.
pub fn paging_test(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! Every paged interface's paginator against the simulator: the smallest page size the\n//! interface allows (2 where free) over the simulator's list of `GENERIC_ITEMS` (11) distinct\n//! items, so at least three pages.\n\n");
    s.push_str("#![allow(clippy::all, clippy::unwrap_used, clippy::expect_used, clippy::panic, unused_imports)]\n\n");
    s.push_str("use cec_auth::{AkSkSigner, ApiFabricCredentials, C2Auth, OiapCredentials};\nuse futures_util::StreamExt;\nuse serde_json::json;\n\n");
    s.push_str("fn v(text: &str) -> serde_json::Value {\n    serde_json::from_str(text).unwrap()\n}\n\n");
    s.push_str("fn config(sim: &cec_sim::Simulator) -> cec_core::Config {\n    cec_core::Config::builder(&sim.endpoint()).retry(cec_core::RetryPolicy::disabled()).build().unwrap()\n}\n\n");
    s.push_str("/// Pages and items of one paginator: at least three pages, every item once.\nfn check<T: PartialEq + std::fmt::Debug, E: std::fmt::Display>(id: &str, pages: usize, items: Result<Vec<T>, E>) {\n    let items = items.unwrap_or_else(|e| panic!(\"{id}: {e}\"));\n    assert!(pages >= 3, \"{id}: {pages} pages\");\n    assert_eq!(items.len(), cec_sim::paging::GENERIC_ITEMS, \"{id}: {items:?}\");\n    for (n, a) in items.iter().enumerate() {\n        assert!(!items[n + 1..].contains(a), \"{id}: item {n} repeats: {a:?}\");\n    }\n}\n\n");
    s.push_str("#[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]\nasync fn every_paged_interface_pages_through_the_simulator() {\n    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();\n    let sc = sim.scenario();\n");
    s.push_str("    let c2 = || C2Auth::Signature(AkSkSigner::new(sc.ak.clone(), sc.sk.clone()).unwrap());\n");
    s.push_str("    let apifabric = cec_apifabric::Client::new(config(&sim), config(&sim), ApiFabricCredentials::new(sc.app_key.clone(), sc.app_secret.clone())).unwrap();\n");
    s.push_str("    let oiap = cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key.clone(), sc.oiap_app_secret.clone())).unwrap();\n");
    s.push_str("    let cms = cec_cms::Client::new(config(&sim), c2()).unwrap();\n    let isales = cec_isales::Client::new(config(&sim), c2()).unwrap();\n    let _ = (&apifabric, &oiap, &cms, &isales);\n    let mut tested = 0;\n");
    // bearer-messaging interfaces also carry the ccmessaging-token that applyToken gives.
    s.push_str("    apifabric.ccmessaging_apply_token().user_id(\"paging-user\").user_name(\"Paging\").channel_id(sc.channel_id.as_str()).locale(\"en_US\").send().await.unwrap();\n    assert!(apifabric.auth().messaging_token().is_some());\n");
    let mut skipped = Vec::new();
    for spec in specs {
        let var = snake(spec.krate.trim_start_matches("cec-"));
        for i in &spec.interfaces {
            let Some(pg) = crate::gen_client::paging(i) else { continue };
            if let Some((_, why)) = PAGING_BY_HAND.iter().find(|(id, _)| *id == i.id) {
                skipped.push(format!("{}: {why}", i.id));
                continue;
            }
            if !matches!(i.auth.as_str(), "signature" | "bearer" | "bearer-messaging" | "oiap-token" | "none") {
                skipped.push(format!("{}: auth {} needs a session the test does not open", i.id, i.auth));
                continue;
            }
            let values: Vec<(String, Value)> = params(i).iter().map(|p| (p.name.clone(), sample(p.f))).collect();
            let body = if i.body.is_empty() { None } else { Some(sample_object(&i.body)) };
            let call =
                builder_call(&snake(&spec.krate), i, &values, body.as_ref()).replacen("c.", &format!("{var}."), 1);
            let _ = writeln!(
                s,
                "    {{\n        let b = {call};\n        let pages = b.clone().into_paginator().page_size({n}).pages().collect::<Vec<_>>().await;\n        assert!(pages.iter().all(|p| p.is_ok()), \"{id}: {{:?}}\", pages.iter().find(|p| p.is_err()));\n        check({id_lit}, pages.len(), b.into_paginator().page_size({n}).collect_items().await);\n        tested += 1;\n    }}",
                id = i.id,
                id_lit = lit(&i.id),
                n = pg.small_size,
            );
        }
    }
    let _ = writeln!(s, "    assert!(tested > 0);\n    sim.shutdown().await;\n}}");
    if !skipped.is_empty() {
        s.push_str("\n// Not covered here:\n");
        for k in skipped {
            let _ = writeln!(s, "// - {k}");
        }
    }
    s
}
