//! The CLI explains itself from the spec: `cec <ne> <op> --help`, `--skeleton`,
//! `cec describe`, `cec ops [NE] [WORDS...]`, and "did you mean" for an unknown
//! operation. The entries come from `generated_help.rs` (one JSON text, parsed on
//! first use).

use std::fmt::Write as _;
use std::sync::OnceLock;

use serde_json::Value;

use crate::generated::OPS;
use crate::generated_help::HELP_JSON;
use crate::ops::CliOp;

/// The parsed help table.
fn db() -> &'static Value {
    static DB: OnceLock<Value> = OnceLock::new();
    DB.get_or_init(|| serde_json::from_str(HELP_JSON).unwrap_or(Value::Null))
}

/// The help entry of `ne`/`id`.
pub fn entry(ne: &str, id: &str) -> Option<&'static Value> {
    db()["ops"].as_array()?.iter().find(|o| o["ne"] == ne && o["id"] == id)
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// The rules of a field in words (`1..65535`, `code of SkillRealtimeIndicator`).
fn rule_text(r: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let pair = |v: &Value| format!("{}..{}", v[0], v[1]);
    if r["numeric_range"].is_array() {
        out.push(format!("digits, {}", pair(&r["numeric_range"])));
    }
    if r["range"].is_array() {
        out.push(pair(&r["range"]));
    }
    if r["not_range"].is_array() {
        out.push(format!("not {}", pair(&r["not_range"])));
    }
    match (r["min_len"].as_u64(), r["max_len"].as_u64()) {
        (Some(a), Some(b)) => out.push(format!("{a}-{b} characters")),
        (Some(a), None) => out.push(format!("at least {a} characters")),
        (None, Some(b)) => out.push(format!("at most {b} characters")),
        (None, None) => {}
    }
    for k in ["one_of", "one_of_int"] {
        if let Some(l) = r[k].as_array() {
            let items: Vec<String> = l.iter().map(|v| v.as_str().map(str::to_owned).unwrap_or(v.to_string())).collect();
            out.push(format!("one of {}", items.join("|")));
        }
    }
    if let Some(n) = r["max_items"].as_u64() {
        out.push(format!("at most {n} items"));
    }
    if r["alphanumeric"] == true {
        out.push("letters and digits only".into());
    }
    if let Some(t) = r["code_table"].as_str() {
        out.push(format!("a code of {t}"));
    }
    if let Some(l) = r["at_least_one_of"].as_array() {
        let names: Vec<&str> = l.iter().map(s).collect();
        out.push(format!("at least one of {}", names.join(", ")));
    }
    if r["items"].is_object() {
        let inner = rule_text(&r["items"]);
        if !inner.is_empty() {
            out.push(format!("each item: {}", inner.join(", ")));
        }
    }
    out
}

/// The code table a field (or its items) names.
fn code_table(f: &Value) -> Option<&str> {
    f["rules"]["code_table"].as_str().or_else(|| f["rules"]["items"]["code_table"].as_str())
}

fn table_values<'a>(ne: &str, table: &str) -> &'a [Value] {
    list(&db()["tables"][ne][table]["values"])
}

fn tenant_fields(ne: &str) -> Vec<&'static str> {
    list(&db()["tenant"][ne]).iter().map(s).collect()
}

/// One field and its nested fields, indented.
fn field_lines(out: &mut String, ne: &str, f: &Value, depth: usize, request: bool) {
    let pad = "  ".repeat(depth + 1);
    let name = format!("{pad}{}", s(&f["name"]));
    let req = if !request {
        ""
    } else if f["required"] == true {
        "required"
    } else {
        "optional"
    };
    let secret = if f["secret"] == true { " (secret)" } else { "" };
    let _ = writeln!(out, "{name:<34} {:<15} {req:<8}  {}{secret}", s(&f["type"]), s(&f["desc"]));
    let more = format!("{pad}{:<34}", "");
    let mut notes = rule_text(&f["rules"]);
    if let Some(c) = f["constraints"].as_str() {
        notes.push(format!("reference: {c}"));
    }
    if !notes.is_empty() {
        let _ = writeln!(out, "{more}  {}", notes.join("; "));
    }
    if let Some(t) = code_table(f) {
        let values = table_values(ne, t);
        if !values.is_empty() {
            let _ = writeln!(out, "{more}  codes of {t}:");
            let w = values.iter().map(|v| s(&v[0]).len()).max().unwrap_or(0);
            for v in values {
                let _ = writeln!(out, "{more}    {:<w$}  {}", s(&v[0]), s(&v[1]));
            }
        }
    }
    for g in list(&f["fields"]) {
        field_lines(out, ne, g, depth + 1, request);
    }
}

fn auth_text(e: &Value) -> String {
    let how = match s(&e["auth"]) {
        "none" => "none",
        "guid" => "the agent's GUID (Cookie/guid header, from onlineagent.login; `--save` keeps it for later calls)",
        "bearer" => "C1 bearer token (fetched with the profile's app_key/app_secret)",
        "bearer-messaging" => "C1 bearer token + ccmessaging-token (from the profile's app_key/app_secret)",
        "signature" => "C2 AK/SK signature (the profile's ak/sk)",
        "oiap-token" => "OIAP access token (fetched with the profile's app_key/app_secret)",
        other => other,
    };
    match e["auth_note"].as_str() {
        Some(n) => format!("{how}; the reference's auth: {n} (give its credentials as parameters)"),
        None => how.to_owned(),
    }
}

/// One-line shell quoting (single quotes).
fn sh(v: &str) -> String {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/=@,".contains(&b)) {
        v.to_owned()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

/// The example invocation of an entry.
pub fn example_command(e: &Value) -> String {
    let mut cmd = format!("cec {} {}", s(&e["ne"]), s(&e["id"]));
    for (kind, flag) in [("path", "--path"), ("query", "--query"), ("header", "--header")] {
        if let Some(m) = e["example"][kind].as_object() {
            for (k, v) in m {
                let _ = write!(cmd, " {flag} {}", sh(&format!("{k}={}", s(v))));
            }
        }
    }
    if let Some(b) = e["example"].get("body") {
        let _ = write!(cmd, " --body {}", sh(&b.to_string()));
    }
    cmd
}

/// `cec <ne> <op> --help`.
pub fn op_help(e: &Value) -> String {
    let ne = s(&e["ne"]);
    let mut out = String::new();
    let _ = writeln!(out, "cec {ne} {} — {}", s(&e["id"]), s(&e["title"]));
    let _ = writeln!(out);
    let _ = writeln!(out, "  {} {}   ({}, {})", s(&e["method"]), s(&e["path"]), s(&e["ne_name"]), s(&e["id"]));
    let _ = writeln!(out, "  doc:     {}", s(&e["doc"]));
    let _ = writeln!(out, "  auth:    {}", auth_text(e));
    let retry = if e["retry"] == "safe" {
        "safe (a query: retried with backoff on timeouts and 5xx)"
    } else {
        "unsafe (call control or a write: never repeated automatically)"
    };
    let _ = writeln!(out, "  retry:   {retry}");
    if e["response_kind"] == "binary" {
        let _ = writeln!(out, "  answer:  a file (use --out FILE|DIR|-); errors come as the JSON envelope");
    }
    if e["detail"] != "full" {
        let missing = e["missing"].as_str().map(|m| format!(": {m}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  detail:  {} (the reference was not wholly readable{missing}; --extra-field NAME=JSON sends what is missing)",
            s(&e["detail"])
        );
    }
    let tenant = tenant_fields(ne);
    for (key, title, flag) in [
        ("path_params", "Path parameters", "--path NAME=VALUE"),
        ("query_params", "Query parameters", "--query NAME=VALUE"),
        ("headers", "Header parameters", "--header NAME=VALUE"),
        ("body", "Body fields", "--body JSON|@FILE|- ; --skeleton prints a template"),
    ] {
        let fields = list(&e[key]);
        if fields.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title} ({flag}):");
        for f in fields {
            field_lines(&mut out, ne, f, 0, true);
        }
    }
    if let Some(l) = e["body_at_least_one_of"].as_array() {
        let names: Vec<&str> = l.iter().map(s).collect();
        let _ = writeln!(out, "  (at least one of {} is required)", names.join(", "));
    }
    let body_tenant: Vec<&str> =
        tenant.iter().copied().filter(|t| list(&e["body"]).iter().any(|f| f["name"] == *t)).collect();
    if !body_tenant.is_empty() {
        let _ = writeln!(
            out,
            "  ({} identify the tenant: see `cec sim` or your tenant's settings)",
            body_tenant.join(", ")
        );
    }
    let answer = list(&e["response"]);
    if !answer.is_empty() {
        let shape = if e["response_shape"] == "array" { " (a JSON array of items)" } else { "" };
        let _ = writeln!(out, "\nAnswer fields{shape}:");
        for f in answer {
            field_lines(&mut out, ne, f, 0, false);
        }
    }
    let env = &e["envelope"];
    let codes: Vec<&str> = list(&env["code_fields"]).iter().map(s).collect();
    if !codes.is_empty() {
        let ok: Vec<&str> = list(&env["success"]).iter().map(s).collect();
        let _ =
            writeln!(out, "  (success: {} = {}; another code exits with status 5)", codes.join("/"), ok.join(" or "));
    }
    if let Some(n) = e["notes"].as_str() {
        let _ = writeln!(out, "\nNotes: {n}");
    }
    let _ = writeln!(out, "\nExample:\n  {}", example_command(e));
    let _ = writeln!(
        out,
        "\nOptions: --dry-run (validate, sign and print the request; nothing is sent), --output json|table|csv|yaml,\n  --fields a,b.c, --extra-field NAME=JSON{}, -v/--debug.",
        if e["response_kind"] == "binary" { ", --out FILE|DIR|-" } else { "" }
    );
    let _ =
        writeln!(out, "See also: cec {ne} {} --skeleton; cec describe {ne} {} --output json", s(&e["id"]), s(&e["id"]));
    out
}

/// A placeholder naming the type and the rules.
fn placeholder(f: &Value) -> String {
    let ty = s(&f["type"]);
    let ty = ty.strip_prefix("array<").and_then(|t| t.strip_suffix('>')).unwrap_or(ty);
    let mut parts = vec![ty.to_owned(), if f["required"] == true { "required".into() } else { "optional".into() }];
    let r = &f["rules"];
    let mut rules =
        rule_text(if r["items"].is_object() && s(&f["type"]).starts_with("array<") { &r["items"] } else { r });
    if r["max_items"].is_u64() && r["items"].is_object() {
        rules.retain(|x| !x.starts_with("each item"));
    }
    parts.extend(rules);
    if parts.len() == 2
        && let Some(c) = f["constraints"].as_str()
    {
        parts.push(c.to_owned());
    }
    format!("<{}>", parts.join(", "))
}

fn skeleton_value(out: &mut String, f: &Value, depth: usize) {
    let ty = s(&f["type"]);
    let nested = list(&f["fields"]);
    match ty {
        "object" if !nested.is_empty() => skeleton_object(out, nested, depth),
        "array<object>" if !nested.is_empty() => {
            out.push('[');
            skeleton_object(out, nested, depth);
            out.push(']');
        }
        t if t.starts_with("array<") => {
            let _ = write!(out, "[{}]", Value::String(placeholder(f)));
        }
        _ => {
            let _ = write!(out, "{}", Value::String(placeholder(f)));
        }
    }
}

fn skeleton_object(out: &mut String, fields: &[Value], depth: usize) {
    let pad = "  ".repeat(depth + 1);
    let mut ordered: Vec<&Value> = fields.iter().filter(|f| f["required"] == true).collect();
    ordered.extend(fields.iter().filter(|f| f["required"] != true));
    out.push_str("{\n");
    for (n, f) in ordered.iter().enumerate() {
        let _ = write!(out, "{pad}{}: ", Value::String(s(&f["name"]).to_owned()));
        skeleton_value(out, f, depth + 1);
        out.push_str(if n + 1 < ordered.len() { ",\n" } else { "\n" });
    }
    let _ = write!(out, "{}}}", "  ".repeat(depth));
}

/// `--skeleton`: a body template, required fields first, each placeholder naming the
/// type and the rule (`"<int, required, 1..65535>"`). `None`: the operation takes no body.
pub fn skeleton(e: &Value) -> Option<String> {
    let body = list(&e["body"]);
    if body.is_empty() {
        return None;
    }
    let mut out = String::new();
    skeleton_object(&mut out, body, 0);
    Some(out)
}

/// `cec ops [NE] [WORDS...]`: the operations whose NE matches and whose id or title
/// holds every word (case-insensitive).
pub fn search(ne: Option<&str>, words: &[String]) -> Vec<&'static CliOp> {
    let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    OPS.iter()
        .filter(|o| ne.is_none_or(|n| n == o.ne))
        .filter(|o| {
            let hay = format!("{} {}", o.id, o.title).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

/// Aligned columns of operations.
/// The help of a NE without an operation: usage, then every operation with its title.
pub fn ne_ops_help(ne: &str) -> String {
    let ops: Vec<&CliOp> = crate::generated::OPS.iter().filter(|o| o.ne == ne).collect();
    let mut s = format!(
        "cec {ne} <operation> [--help | --skeleton | --dry-run] [--path K=V]... [--query K=V]... [--body JSON|@FILE|-]\n\nOperations:\n"
    );
    for l in ops_table(&ops) {
        s.push_str("  ");
        s.push_str(&l);
        s.push('\n');
    }
    s.push_str(&format!("\n`cec {ne} <operation> --help` explains one; `cec ops {ne} WORDS` searches.\n"));
    s
}

pub fn ops_table(ops: &[&CliOp]) -> Vec<String> {
    let w_ne = ops.iter().map(|o| o.ne.len()).max().unwrap_or(0);
    let w_id = ops.iter().map(|o| o.id.len()).max().unwrap_or(0);
    let w_m = ops.iter().map(|o| o.method.len()).max().unwrap_or(0);
    ops.iter()
        .map(|o| {
            let file = if o.binary { " (answers with a file: use --out)" } else { "" };
            format!("{:<w_ne$}  {:<w_id$}  {:<w_m$}  {}{file}", o.ne, o.id, o.method, o.title)
        })
        .collect()
}

/// JSON of operations, for tools.
pub fn ops_json(ops: &[&CliOp]) -> Value {
    Value::Array(
        ops.iter()
            .map(|o| {
                serde_json::json!({
                    "ne": o.ne, "id": o.id, "method": o.method, "path": o.path, "title": o.title, "file": o.binary,
                })
            })
            .collect(),
    )
}

/// The error for an operation `ne` does not have: the nearest ids of `ne`, and the
/// NE that has it when another one does.
pub fn unknown_op(ne: &str, id: &str) -> String {
    let mut msg = format!("{ne} has no operation `{id}`");
    let elsewhere: Vec<&str> = OPS.iter().filter(|o| o.id == id && o.ne != ne).map(|o| o.ne).collect();
    if let Some(other) = elsewhere.first() {
        let _ = write!(msg, "; this op is in `{other}`: cec {other} {id}");
        return msg;
    }
    let lower = id.to_lowercase();
    let mut close: Vec<(usize, &str)> = OPS
        .iter()
        .filter(|o| o.ne == ne)
        .map(|o| (distance(&lower, &o.id.to_lowercase()), o.id))
        .filter(|(d, cand)| *d <= 2 + cand.len() / 4 || cand.to_lowercase().contains(&lower))
        .collect();
    close.sort();
    if !close.is_empty() {
        let names: Vec<String> = close.iter().take(3).map(|(_, n)| format!("`{n}`")).collect();
        let _ = write!(msg, "; did you mean {}?", names.join(" or "));
    } else if let Some(o) = OPS.iter().filter(|o| o.ne != ne).min_by_key(|o| distance(&lower, &o.id.to_lowercase()))
        && distance(&lower, &o.id.to_lowercase()) <= 2
    {
        let _ = write!(msg, "; did you mean `{}` (in `{}`: cec {} {})?", o.id, o.ne, o.ne, o.id);
    }
    let _ = write!(msg, " (see `cec ops {ne}`, or `cec ops WORD` to search every NE)");
    msg
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_help_entry() {
        for o in OPS {
            let e = entry(o.ne, o.id).unwrap_or_else(|| panic!("no help for {} {}", o.ne, o.id));
            assert!(op_help(e).contains(o.path), "{}", o.id);
        }
    }

    #[test]
    fn skeleton_puts_required_fields_first_and_names_rules() {
        let e = entry("cms", "skill.rindex").expect("entry");
        let sk = skeleton(e).expect("has a body");
        assert!(sk.contains(r#""ccId": "<int, required, 1..65535>""#), "{sk}");
        assert!(sk.contains("a code of SkillRealtimeIndicator"), "{sk}");
    }

    #[test]
    fn unknown_operations_get_suggestions() {
        assert!(unknown_op("cms", "skill.rindx").contains("did you mean `skill.rindex`"));
        assert!(unknown_op("cms", "onlineagent.login").contains("this op is in `gateway`"));
    }

    #[test]
    fn search_matches_every_word() {
        let hits = search(Some("cms"), &["queue".into()]);
        assert!(hits.iter().any(|o| o.id == "skill.rindex"));
        assert!(hits.iter().all(|o| o.ne == "cms"));
    }
}
