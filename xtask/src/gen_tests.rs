//! Generates each NE crate's `tests/generated_matrix.rs`: for every interface a
//! mock test of method, path, headers (auth included) and body; success parsing;
//! the NE's error envelope; HTTP 401 and 500; a malformed body; and a request
//! that breaks a documented constraint and is refused before sending.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::gen_client::{HEADER, op_names};
use crate::names::{lit, snake};
use crate::spec::{Field, Interface, Spec};

/// A valid sample value for a field.
pub fn sample(f: &Field) -> Value {
    let r = &f.rules;
    match f.ty.as_str() {
        "string" => {
            if let Some(v) = r.one_of.as_ref().and_then(|l| l.first()) {
                return json!(v);
            }
            if let Some([a, _]) = r.numeric_range {
                return json!(a.to_string());
            }
            let mut s = format!("s-{}", f.name);
            if r.alphanumeric {
                s = s.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
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
        "array<string>" => json!(["s-item"]),
        t if t.starts_with("array<") && matches!(&t[6..t.len() - 1], "int" | "long" | "integer") => json!([101]),
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
    let mut v = sample_object(&i.response);
    if let Value::Object(m) = &mut v {
        for (n, cf) in env.code_fields.iter().enumerate() {
            if m.contains_key(cf) || n == 0 {
                m.insert(cf.clone(), json!(env.success.first().cloned().unwrap_or_else(|| "0".into())));
            }
        }
        // Numeric result codes (OIAP errorCode, dialog ret) stay numbers.
        for f in &i.response {
            if env.code_fields.contains(&f.name) && matches!(f.ty.as_str(), "int" | "integer" | "long") {
                m.insert(f.name.clone(), json!(0));
            }
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
    for f in i.path_params.iter().chain(&i.query_params) {
        if let Some(v) = bad_scalar(f) {
            return Some((f.name.clone(), Violation::Param(snake(&f.name), v)));
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
    if let Some(n) = r.max_items {
        return Some(Value::Array((0..=n).map(|_| json!(101)).collect()));
    }
    None
}

/// A Rust expression passing `v` to a builder setter of type `ty`.
fn rust_value(ty: &str, v: &Value) -> String {
    match (ty, v) {
        (_, Value::String(s)) => lit(s),
        (_, Value::Bool(b)) => b.to_string(),
        (_, Value::Number(n)) => n.to_string(),
        _ => format!("serde_json::from_value(serde_json::json!({v})).unwrap()"),
    }
}

fn param_ty(f: &Field) -> &'static str {
    match f.ty.as_str() {
        "int" | "long" | "integer" => "i64",
        "boolean" | "bool" => "bool",
        _ => "String",
    }
}

fn wire_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Setup {
    /// Items at file level (imports, helpers).
    prelude: &'static str,
    /// Expression building the client from `server`.
    client: &'static str,
}

fn setup(spec: &Spec) -> Setup {
    match spec.krate.as_str() {
        "cec-gateway" => Setup {
            prelude: "fn config(server: &MockServer) -> Config {\n    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()\n}\n\nasync fn client(server: &MockServer) -> cec_gateway::Client {\n    let c = cec_gateway::Client::new(config(server)).unwrap();\n    c.set_guid(GUID);\n    c\n}\n\nconst GUID: &str = \"test-guid-0001.AgentGateway0\";\n",
            client: "client(&server).await",
        },
        "cec-apifabric" => Setup {
            prelude: "fn config(server: &MockServer) -> Config {\n    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()\n}\n\nasync fn client(server: &MockServer) -> cec_apifabric::Client {\n    let creds = cec_auth::ApiFabricCredentials::new(\"test-app\", \"test-secret\");\n    let c = cec_apifabric::Client::new(config(server), config(server), creds).unwrap();\n    c.auth().set_messaging_token(\"test-msg-token\");\n    c\n}\n\nasync fn token_mock(server: &MockServer) {\n    server\n        .mock_async(|when, then| {\n            when.method(POST).path(\"/apigovernance/api/oauth/tokenByAkSk\");\n            then.status(200).json_body(json!({\"AccessToken\": \"test-token\", \"Expires\": \"3600\", \"ApplyType\": \"Bearer\"}));\n        })\n        .await;\n}\n",
            client: "client(&server).await",
        },
        "cec-oiap" => Setup {
            prelude: "fn config(server: &MockServer) -> Config {\n    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()\n}\n\nasync fn client(server: &MockServer) -> cec_oiap::Client {\n    let creds = cec_auth::OiapCredentials::tenant(\"tenant001\", \"test-secret\");\n    cec_oiap::Client::new(config(server), creds).unwrap()\n}\n\nasync fn token_mock(server: &MockServer) {\n    server\n        .mock_async(|when, then| {\n            when.method(POST).path(\"/oifde/rest/api/gettoken\");\n            then.status(200).json_body(json!({\"errorCode\": 0, \"authToken\": \"test-token\", \"expireTime\": 3600}));\n        })\n        .await;\n}\n",
            client: "client(&server).await",
        },
        _ => Setup {
            prelude: "fn config(server: &MockServer) -> Config {\n    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()\n}\n\nfn signer() -> cec_auth::AkSkSigner {\n    cec_auth::AkSkSigner::new(\"test-ak\", \"test-sk\").unwrap()\n}\n",
            client: "CLIENT_C2",
        },
    }
}

pub fn matrix(spec: &Spec) -> String {
    let krate = snake(&spec.krate);
    let st = setup(spec);
    let client_expr = if st.client == "CLIENT_C2" {
        format!("{krate}::Client::new(config(&server), cec_auth::C2Auth::Signature(signer())).unwrap()")
    } else {
        st.client.to_string()
    };
    let mut s = String::from(HEADER);
    let _ = writeln!(s, "//! Interface matrix for {} (generated from `spec/{}.json`).\n", spec.ne, spec.file);
    s.push_str(
        "#![allow(clippy::all, clippy::unwrap_used, clippy::expect_used, unused_imports, unused_variables)]\n\n",
    );
    s.push_str("use cec_core::{Config, ErrorKind, RetryPolicy};\nuse httpmock::prelude::*;\nuse serde_json::json;\n\n");
    s.push_str(st.prelude);
    s.push('\n');
    for i in &spec.interfaces {
        s.push_str(&op_tests(spec, i, &client_expr));
    }
    s
}

fn op_tests(spec: &Spec, i: &Interface, client_expr: &str) -> String {
    let env = &spec.envelopes[&i.envelope];
    let fname = snake(&i.id);
    let (_, body_name, _) = op_names(i);
    let krate = snake(&spec.krate);
    let binary = i.response_kind == "binary";

    // Sample inputs.
    let mut path = i.path.clone();
    let mut setters = String::new();
    let mut when = String::new();
    let _ = write!(when, "when.method({})", i.method);
    for f in &i.path_params {
        let v = sample(f);
        path = path.replace(&format!("{{{}}}", f.name), &wire_text(&v));
        let _ = write!(setters, ".{}({})", snake(&f.name), rust_value(param_ty(f), &v));
    }
    let _ = write!(when, ".path({})", lit(&path));
    for f in &i.query_params {
        let v = sample(f);
        let _ = write!(setters, ".{}({})", snake(&f.name), rust_value(param_ty(f), &v));
        let _ = write!(when, ".query_param({}, {})", lit(&f.name), lit(&wire_text(&v)));
    }
    for f in &i.headers {
        let v = sample(f);
        let _ = write!(setters, ".{}({})", snake(&f.name), rust_value(param_ty(f), &v));
        let _ = write!(when, ".header({}, {})", lit(&f.name), lit(&wire_text(&v)));
    }
    let mut wire_body = if i.body.is_empty() { None } else { Some(sample_object(&i.body)) };
    if let Some(b) = &wire_body {
        let _ =
            write!(setters, ".body(serde_json::from_value::<{krate}::generated::{body_name}>(json!({b})).unwrap())");
    }
    // Auth expectations.
    let mut needs_token = false;
    match i.auth.as_str() {
        "guid" => when.push_str(".header(\"guid\", GUID)"),
        "bearer" | "bearer-messaging" => {
            needs_token = true;
            when.push_str(".header(\"authorization\", \"Bearer test-token\").header(\"x-app-key\", \"test-app\")");
            if i.auth == "bearer-messaging" {
                when.push_str(".header(\"ccmessaging-token\", \"test-msg-token\")");
            }
        }
        "signature" => when.push_str(
            ".header_exists(\"authorization\").header_exists(\"host\").header(\"content-length\", CONTENT_LENGTH)",
        ),
        "oiap-token" => {
            needs_token = true;
            let place = i.token_placement.as_deref().unwrap_or("body:authToken");
            if let Some(p) = place.strip_prefix("body:") {
                let b = wire_body.get_or_insert_with(|| json!({}));
                let mut cur = b;
                let parts: Vec<&str> = p.split('.').collect();
                for (n, part) in parts.iter().enumerate() {
                    let obj = cur.as_object_mut().expect("object");
                    if n + 1 == parts.len() {
                        obj.insert(part.to_string(), json!("test-token"));
                        break;
                    }
                    cur = obj.entry(part.to_string()).or_insert_with(|| json!({}));
                    if !cur.is_object() {
                        *cur = json!({});
                    }
                }
            } else {
                when.push_str(".header(\"username\", \"tenant001\").header(\"token\", \"test-token\")");
            }
        }
        _ => {}
    }
    if i.auth != "signature" || !i.body.is_empty() {
        when.push_str(".header(\"content-type\", \"application/json;charset=UTF-8\")");
    }
    if let Some(b) = &wire_body {
        let _ = write!(when, ".json_body(json!({b}))");
    }
    let content_length = wire_body.as_ref().map(|b| serde_json::to_vec(b).map(|v| v.len()).unwrap_or(0)).unwrap_or(0);
    let token = if needs_token { "    token_mock(&server).await;\n" } else { "" };
    let call = format!("client.{fname}(){setters}.send().await");

    let mut s = String::new();
    let cl = if i.auth == "signature" {
        format!("const CONTENT_LENGTH: &str = \"{content_length}\";\n    ")
    } else {
        String::new()
    };
    // 1. success
    let success = success_body(spec, i);
    let _ = writeln!(s, "#[tokio::test]\nasync fn {fname}_sends_documented_request_and_parses_success() {{");
    let _ =
        writeln!(s, "    {cl}let server = MockServer::start_async().await;\n{token}    let client = {client_expr};");
    if binary {
        let _ = writeln!(
            s,
            "    let mock = server.mock_async(|when, then| {{ {when}; then.status(200).header(\"content-type\", \"application/octet-stream\").body(b\"RIFF\\x24\\x00\\x00\\x00WAVEfmt \"); }}).await;"
        );
        let _ = writeln!(s, "    let resp = {call}.unwrap();");
        s.push_str("    assert_eq!(resp.content_type(), Some(\"application/octet-stream\"));\n");
        s.push_str("    let mut body = resp.body;\n    let mut got = Vec::new();\n    while let Some(chunk) = futures_util::StreamExt::next(&mut body).await { got.extend_from_slice(&chunk.unwrap()); }\n    assert_eq!(&got[..4], b\"RIFF\");\n");
    } else {
        let _ = writeln!(
            s,
            "    let mock = server.mock_async(|when, then| {{ {when}; then.status(200).header(\"content-type\", \"application/json;charset=UTF-8\").json_body(json!({success})); }}).await;"
        );
        let _ = writeln!(s, "    let resp = {call}.unwrap();");
        let _ = writeln!(s, "    let expected = json!({success});");
        s.push_str("    let got = serde_json::to_value(&resp).unwrap();\n");
        s.push_str("    for (k, v) in expected.as_object().unwrap() {\n        if got.get(k).is_some() { assert_eq!(&got[k], v, \"field {k}\"); }\n    }\n");
        if !i.response.is_empty() {
            s.push_str("    assert!(got.as_object().map(|o| !o.is_empty()).unwrap_or(false), \"typed response lost every field\");\n");
        }
    }
    s.push_str("    mock.assert_async().await;\n}\n\n");

    // 2. error envelope
    if let Some(code) = failure_code(spec, i) {
        let cf = &env.code_fields[0];
        let mf = env.message_fields.first().cloned().unwrap_or_else(|| "message".into());
        let numeric = i.response.iter().any(|f| &f.name == cf && matches!(f.ty.as_str(), "int" | "integer" | "long"));
        let code_json =
            if numeric { code.chars().filter(|c| c.is_ascii_digit()).collect::<String>() } else { format!("{code:?}") };
        let code_text =
            if numeric { code.chars().filter(|c| c.is_ascii_digit()).collect::<String>() } else { code.clone() };
        let kind = if env.auth_codes.contains(&code_text) { "Auth" } else { "Service" };
        let _ = writeln!(s, "#[tokio::test]\nasync fn {fname}_error_envelope_becomes_typed_error() {{");
        let _ = writeln!(
            s,
            "    {cl}let server = MockServer::start_async().await;\n{token}    let client = {client_expr};"
        );
        let _ = writeln!(
            s,
            "    server.mock_async(|when, then| {{ {when}; then.status(200).header(\"content-type\", \"application/json\").json_body(json!({{ {}: {code_json}, {}: \"simulated failure\" }})); }}).await;",
            lit(cf),
            lit(&mf)
        );
        let _ = writeln!(s, "    let err = {call}.unwrap_err();");
        let _ = writeln!(s, "    assert_eq!(err.code(), Some({}));", lit(&code_text));
        let _ = writeln!(s, "    assert_eq!(err.kind(), ErrorKind::{kind});");
        let _ = writeln!(s, "    assert_eq!(err.operation(), Some({}));", lit(&i.id));
        let _ = writeln!(s, "    assert_eq!(err.message(), \"simulated failure\");");
        s.push_str("}\n\n");
    }

    // 3. 401, 500, malformed
    for (name, status, body, check) in [
        ("http_401_is_auth_error", 401, "", "assert!(err.is_auth(), \"{err:?}\");"),
        (
            "http_500_is_http_error",
            500,
            "internal failure",
            "assert_eq!(err.kind(), ErrorKind::Http); assert!(err.body_excerpt().unwrap_or_default().contains(\"internal failure\"));",
        ),
        (
            "malformed_body_is_decode_error",
            200,
            "{not json",
            "assert_eq!(err.kind(), ErrorKind::Decode); assert!(err.body_excerpt().unwrap_or_default().contains(\"not json\"));",
        ),
    ] {
        let _ = writeln!(s, "#[tokio::test]\nasync fn {fname}_{name}() {{");
        let _ = writeln!(
            s,
            "    {cl}let server = MockServer::start_async().await;\n{token}    let client = {client_expr};"
        );
        let _ = writeln!(
            s,
            "    server.mock_async(|when, then| {{ {when}; then.status({status}).header(\"content-type\", \"application/json\").body({}); }}).await;",
            lit(body)
        );
        let _ = writeln!(s, "    let err = {call}.unwrap_err();");
        let _ = writeln!(s, "    {check}\n    assert_eq!(err.status(), Some({status}));");
        s.push_str("}\n\n");
    }

    // 4. constraint violation refused before sending
    if let Some((label, v)) = violation(i) {
        let mut bad_setters = String::new();
        let mut body = if i.body.is_empty() { Value::Null } else { sample_object(&i.body) };
        for f in &i.path_params {
            let _ = write!(bad_setters, ".{}({})", snake(&f.name), rust_value(param_ty(f), &sample(f)));
        }
        for f in i.query_params.iter().chain(&i.headers) {
            let _ = write!(bad_setters, ".{}({})", snake(&f.name), rust_value(param_ty(f), &sample(f)));
        }
        match v {
            Violation::Param(setter, val) => {
                let f = i.path_params.iter().chain(&i.query_params).find(|f| snake(&f.name) == setter);
                let ty = f.map(param_ty).unwrap_or("String");
                let _ = write!(bad_setters, ".{setter}({})", rust_value(ty, &val));
            }
            Violation::Body(name, val) => {
                body[name.as_str()] = val;
            }
            Violation::Nested(a, b, val) => {
                body[a.as_str()][b.as_str()] = val;
            }
            Violation::Missing(name) => {
                if let Some(o) = body.as_object_mut() {
                    o.remove(&name);
                }
            }
        }
        if !i.body.is_empty() {
            let _ = write!(
                bad_setters,
                ".body(serde_json::from_value::<{krate}::generated::{body_name}>(json!({body})).unwrap())"
            );
        }
        let _ = writeln!(s, "#[tokio::test]\nasync fn {fname}_refuses_constraint_violation_before_sending() {{");
        let _ = writeln!(s, "    let server = MockServer::start_async().await;\n    let client = {client_expr};");
        s.push_str("    let any = server.mock_async(|when, then| { when.any_request(); then.status(200); }).await;\n");
        let _ = writeln!(s, "    let err = client.{fname}(){bad_setters}.send().await.unwrap_err();");
        let _ = writeln!(
            s,
            "    assert!(err.is_validation(), \"{{err:?}}\");\n    assert_eq!(err.field(), Some({}));",
            lit(&label)
        );
        s.push_str("    assert!(!err.may_have_been_sent());\n    assert_eq!(any.calls_async().await, 0);\n}\n\n");
    }
    s
}
