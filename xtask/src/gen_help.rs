//! Generates the CLI's help table (`crates/cec-cli/src/generated_help.rs`): per
//! operation what `cec <ne> <op> --help`, `--skeleton` and `cec describe` show — the
//! spec entry's title, page, method, path, auth, retry class, every parameter and
//! body field (type, required, constraints, rules, code tables, nested fields), the
//! answer's fields, and a valid example. Kept as one compact JSON text the CLI parses
//! only when asked for help (the reading record, samples and notes on sources stay in
//! spec/).

use serde_json::{Map, Value, json};

use crate::gen_client::HEADER;
use crate::gen_tables::cli_ne;
use crate::gen_tests::sample;
use crate::spec::{Field, Interface, Rules, Spec};

fn rules(r: &Rules) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    if let Some(v) = r.numeric_range {
        put("numeric_range", json!(v));
    }
    if let Some(v) = r.range {
        put("range", json!(v));
    }
    if let Some(v) = r.not_range {
        put("not_range", json!(v));
    }
    if let Some(v) = r.min_len {
        put("min_len", json!(v));
    }
    if let Some(v) = r.max_len {
        put("max_len", json!(v));
    }
    if let Some(v) = &r.one_of {
        put("one_of", json!(v));
    }
    if let Some(v) = &r.one_of_int {
        put("one_of_int", json!(v));
    }
    if let Some(v) = r.max_items {
        put("max_items", json!(v));
    }
    if r.alphanumeric {
        put("alphanumeric", json!(true));
    }
    if let Some(v) = &r.code_table {
        put("code_table", json!(v));
    }
    if let Some(v) = &r.at_least_one_of {
        put("at_least_one_of", json!(v));
    }
    if let Some(items) = &r.items {
        let v = rules(items);
        if v.as_object().is_some_and(|o| !o.is_empty()) {
            put("items", v);
        }
    }
    Value::Object(m)
}

fn field(f: &Field, request: bool) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(f.name));
    m.insert("type".into(), json!(f.ty));
    if request {
        m.insert("required".into(), json!(f.required));
    }
    if let Some(c) = f.constraints.as_deref().filter(|c| !c.trim().is_empty()) {
        m.insert("constraints".into(), json!(c));
    }
    if !f.desc.is_empty() {
        m.insert("desc".into(), json!(f.desc));
    }
    if f.secret {
        m.insert("secret".into(), json!(true));
    }
    let r = rules(&f.rules);
    if request && r.as_object().is_some_and(|o| !o.is_empty()) {
        m.insert("rules".into(), r);
    }
    if !f.fields.is_empty() {
        m.insert("fields".into(), Value::Array(f.fields.iter().map(|g| field(g, request)).collect()));
    }
    Value::Object(m)
}

fn fields(list: &[Field], request: bool) -> Value {
    Value::Array(list.iter().map(|f| field(f, request)).collect())
}

/// A valid value keeping only what is required (and the fields an "at least one of"
/// rule needs: the first of them).
fn minimal(f: &Field) -> Value {
    match f.ty.as_str() {
        "object" if !f.fields.is_empty() => minimal_object(&f.fields, &f.rules),
        "array<object>" if !f.fields.is_empty() => json!([minimal_object(&f.fields, &f.rules)]),
        _ => sample(f),
    }
}

fn minimal_object(list: &[Field], r: &Rules) -> Value {
    let first_of = r.at_least_one_of.as_ref().and_then(|l| l.first());
    let mut m = Map::new();
    for f in list {
        if f.required || first_of == Some(&f.name) {
            m.insert(f.name.clone(), minimal(f));
        }
    }
    Value::Object(m)
}

fn example(i: &Interface) -> Value {
    let mut m = Map::new();
    for (kind, list) in [("path", &i.path_params), ("query", &i.query_params), ("header", &i.headers)] {
        let mut p = Map::new();
        for f in list.iter().filter(|f| f.required) {
            let v = match sample(f) {
                Value::String(s) => s,
                other => other.to_string(),
            };
            p.insert(f.name.clone(), json!(v));
        }
        if !p.is_empty() {
            m.insert(kind.into(), Value::Object(p));
        }
    }
    if !i.body.is_empty() {
        m.insert("body".into(), minimal_object(&i.body, &i.body_rules));
    }
    Value::Object(m)
}

fn op(spec: &Spec, i: &Interface) -> Value {
    let env = &spec.envelopes[&i.envelope];
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("ne", json!(cli_ne(spec)));
    put("ne_name", json!(spec.ne));
    put("id", json!(i.id));
    put("title", json!(i.title));
    put("doc", json!(i.doc));
    put("method", json!(i.method));
    put("path", json!(i.path));
    put("auth", json!(i.auth));
    if let Some(n) = &i.auth_note {
        put("auth_note", json!(n));
    }
    if let Some(t) = &i.token_placement {
        put("token_placement", json!(t));
    }
    put("retry", json!(i.retry));
    put("response_kind", json!(i.response_kind));
    if i.response_shape != "object" {
        put("response_shape", json!(i.response_shape));
    }
    put("detail", json!(i.detail));
    if let Some(x) = &i.missing {
        put("missing", json!(x));
    }
    put("path_params", fields(&i.path_params, true));
    put("query_params", fields(&i.query_params, true));
    put("headers", fields(&i.headers, true));
    put("body", fields(&i.body, true));
    if let Some(l) = &i.body_rules.at_least_one_of {
        put("body_at_least_one_of", json!(l));
    }
    put("response", fields(&i.response, false));
    put(
        "envelope",
        json!({ "code_fields": env.code_fields, "success": env.success, "message_fields": env.message_fields }),
    );
    if !i.errors.is_empty() {
        put("errors", json!(i.errors));
    }
    if !i.notes.is_empty() {
        put("notes", json!(i.notes));
    }
    put("extra", json!(crate::gen_client::takes_extra(i)));
    put("example", example(i));
    Value::Object(m)
}

/// The code tables a request field names, per CLI NE: `{ne: {table: {doc, values: [[code, name]]}}}`.
fn tables(specs: &[Spec]) -> Value {
    fn used(r: &Rules, out: &mut std::collections::BTreeSet<String>) {
        if let Some(t) = &r.code_table {
            out.insert(t.clone());
        }
        if let Some(i) = &r.items {
            used(i, out);
        }
    }
    fn walk(list: &[Field], out: &mut std::collections::BTreeSet<String>) {
        for f in list {
            used(&f.rules, out);
            walk(&f.fields, out);
        }
    }
    let mut all = Map::new();
    for spec in specs {
        let mut names = std::collections::BTreeSet::new();
        for i in &spec.interfaces {
            for list in [&i.path_params, &i.query_params, &i.headers, &i.body] {
                walk(list, &mut names);
            }
        }
        let mut m = Map::new();
        for n in names {
            if let Some(e) = spec.enums.get(&n) {
                let values: Vec<Value> = e.values.iter().map(|v| json!([v.value, v.name])).collect();
                m.insert(n, json!({ "doc": e.doc, "values": values }));
            }
        }
        all.insert(cli_ne(spec), Value::Object(m));
    }
    Value::Object(all)
}

/// `crates/cec-cli/src/generated_help.rs`.
pub fn cli_help(specs: &[Spec]) -> String {
    let ops: Vec<Value> = specs.iter().flat_map(|s| s.interfaces.iter().map(move |i| op(s, i))).collect();
    let tenant: Map<String, Value> =
        specs.iter().map(|s| (cli_ne(s), Value::Array(s.tenant.iter().map(|t| json!(t.name)).collect()))).collect();
    let doc = json!({ "ops": ops, "tables": tables(specs), "tenant": tenant });
    let text = doc.to_string();
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    let mut s = String::from(HEADER);
    s.push_str("//! The spec entries `cec <ne> <op> --help`, `--skeleton` and `cec describe` show (JSON, parsed on demand).\n\n");
    s.push_str(&format!("/// Every operation's help entry, the code tables and tenant fields.\npub const HELP_JSON: &str = r{hashes}\"{text}\"{hashes};\n"));
    s
}
