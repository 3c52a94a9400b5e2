//! `cargo xtask lint-spec`: cross-checks of the spec against itself.
//!
//! - copied tables: two interfaces whose nested response tables (the same names and types
//!   in the same order, at least [`MIN_TABLE`] fields) are identical although their pages
//!   differ, unless one acknowledges the other in `same_table_as`;
//! - samples against tables: a member of a documented sample that its table does not list,
//!   or whose JSON type differs from the table's (unless listed in `sample_types_reviewed`).
//!
//! Findings on interfaces re-read in the second pass (those recording `read_from`) fail;
//! findings on the others are printed as warnings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::spec::{Field, Interface, Spec};

/// The smallest nested table the copied-table check compares.
pub const MIN_TABLE: usize = 3;

/// One finding, and whether it fails CI.
#[derive(Debug, PartialEq)]
pub struct Finding {
    pub fails: bool,
    pub text: String,
}

/// The nested response tables of an interface (fields of objects and lists of objects),
/// each as `(dotted path, [(name, type)])`.
fn nested_tables(i: &Interface) -> Vec<(String, Vec<(String, String)>)> {
    fn walk(at: &str, fields: &[Field], out: &mut Vec<(String, Vec<(String, String)>)>) {
        for f in fields {
            let here = format!("{at}.{}", f.name);
            if !f.fields.is_empty() {
                out.push((here.clone(), f.fields.iter().map(|g| (g.name.clone(), g.ty.clone())).collect()));
                walk(&here, &f.fields, out);
            }
        }
    }
    let mut out = Vec::new();
    walk("response", &i.response, &mut out);
    out
}

/// Page addresses compared without the language and region part, so that the English
/// and Chinese copies of one page count as one page.
fn page_key(doc: &str) -> String {
    doc.rsplit('/').next().unwrap_or(doc).trim_end_matches(".html").to_owned()
}

/// Copied-table findings over every spec: per nested table shared by interfaces on
/// different pages, one finding when they fall into more than one group of acknowledged
/// sameness (`same_table_as`, either direction, transitively). It fails when two such
/// groups each hold an interface re-read in the second pass.
pub fn copied_tables(specs: &[Spec]) -> Vec<Finding> {
    type User<'a> = (&'a Spec, &'a Interface, String);
    let mut by_table: BTreeMap<Vec<(String, String)>, Vec<User<'_>>> = BTreeMap::new();
    for s in specs {
        for i in &s.interfaces {
            for (at, table) in nested_tables(i) {
                if table.len() >= MIN_TABLE {
                    let users = by_table.entry(table).or_default();
                    // One entry per interface (CMS answers repeat a table under two names).
                    if !users.iter().any(|(us, ui, _)| us.ne == s.ne && ui.id == i.id) {
                        users.push((s, i, at));
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (table, users) in &by_table {
        if users.len() < 2 {
            continue;
        }
        // Union-find over the users: same page, or acknowledged either way.
        let mut group: Vec<usize> = (0..users.len()).collect();
        fn find(g: &mut [usize], x: usize) -> usize {
            let mut r = x;
            while g[r] != r {
                r = g[r];
            }
            g[x] = r;
            r
        }
        for a in 0..users.len() {
            for b in a + 1..users.len() {
                let (ia, ib) = (users[a].1, users[b].1);
                let same = page_key(&ia.doc) == page_key(&ib.doc)
                    || ia.same_table_as.contains(&ib.id)
                    || ib.same_table_as.contains(&ia.id);
                if same {
                    let (ra, rb) = (find(&mut group, a), find(&mut group, b));
                    group[ra] = rb;
                }
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for n in 0..users.len() {
            let r = find(&mut group, n);
            groups.entry(r).or_default().push(n);
        }
        if groups.len() < 2 {
            continue;
        }
        let reread_groups = groups.values().filter(|g| g.iter().any(|&n| !users[n].1.read_from.is_empty())).count();
        let names: Vec<&str> = table.iter().map(|(n, _)| n.as_str()).collect();
        let mut text = format!(
            "copied table? the same {}-field table [{}] is in {} unacknowledged groups of pages (check the pages, then fix the copy or acknowledge with same_table_as):",
            table.len(),
            names.join(", "),
            groups.len()
        );
        for g in groups.values() {
            let members: Vec<String> = g
                .iter()
                .map(|&n| {
                    let (s, i, at) = &users[n];
                    let mark = if i.read_from.is_empty() { "" } else { ", re-read" };
                    format!("{} {} ({at}; {}{mark})", s.ne, i.id, page_key(&i.doc))
                })
                .collect();
            text.push_str(&format!("\n      - {}", members.join(" = ")));
        }
        out.push(Finding { fails: reread_groups >= 2, text });
    }
    out
}

/// The JSON kind a table type expects, `None` when any value fits.
fn expected_kind(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "string" => "string",
        "int" | "long" | "integer" => "integer",
        "number" | "float" | "double" => "number",
        "boolean" | "bool" => "boolean",
        "object" => "object",
        t if t.starts_with("array") => "list",
        _ => return None,
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn fits(expected: &str, got: &str) -> bool {
    got == "null" || expected == got || (expected == "number" && got == "integer")
}

/// Checks one sample value against a table; pushes `(path, problem, is_type_mismatch)`.
fn walk_sample(at: &str, v: &Value, fields: &[Field], skip_top: &[String], out: &mut Vec<(String, String, bool)>) {
    let Some(obj) = v.as_object() else {
        out.push((at.to_owned(), format!("expected an object, the sample has {}", kind_of(v)), true));
        return;
    };
    for (k, val) in obj {
        let here = format!("{at}.{k}");
        let Some(f) = fields.iter().find(|f| &f.name == k) else {
            if !skip_top.contains(k) {
                out.push((here, "the sample has this member, the table does not list it".into(), false));
            }
            continue;
        };
        check_value(&here, val, f, out);
    }
}

fn check_value(at: &str, val: &Value, f: &Field, out: &mut Vec<(String, String, bool)>) {
    let Some(expected) = expected_kind(&f.ty) else { return };
    let got = kind_of(val);
    if !fits(expected, got) {
        out.push((at.to_owned(), format!("the table types it {}, the sample has {got} {val}", f.ty), true));
        return;
    }
    match val {
        Value::Object(_) if !f.fields.is_empty() => walk_sample(at, val, &f.fields, &[], out),
        Value::Array(items) => {
            let inner = f.ty.strip_prefix("array<").and_then(|t| t.strip_suffix('>')).unwrap_or("any");
            for item in items {
                if inner == "object" && !f.fields.is_empty() {
                    walk_sample(at, item, &f.fields, &[], out);
                } else if let Some(e) = expected_kind(inner) {
                    let g = kind_of(item);
                    if !fits(e, g) {
                        out.push((
                            at.to_owned(),
                            format!("the table types its items {inner}, the sample has {g} {item}"),
                            true,
                        ));
                    }
                }
            }
        }
        _ => {}
    }
}

/// The members a body sample may carry without a table row: a token the client places in
/// the body itself.
fn request_skip(i: &Interface) -> Vec<String> {
    match i.token_placement.as_deref().and_then(|p| p.strip_prefix("body:")) {
        Some(p) => vec![p.split('.').next().unwrap_or(p).to_owned()],
        None => Vec::new(),
    }
}

/// Samples-against-tables findings of one spec.
pub fn sample_findings(spec: &Spec) -> Vec<Finding> {
    let mut out = Vec::new();
    for i in &spec.interfaces {
        let env = &spec.envelopes[&i.envelope];
        let envelope_members: Vec<String> = env.code_fields.iter().chain(&env.message_fields).cloned().collect();
        for (n, s) in i.samples.iter().enumerate() {
            let mut found = Vec::new();
            match s.kind.as_str() {
                "request" => {
                    if i.body.is_empty() {
                        if s.body.as_object().is_some_and(|o| !o.is_empty()) {
                            found.push(("body".into(), "a request sample, but the spec lists no body".into(), false));
                        }
                    } else {
                        walk_sample("body", &s.body, &i.body, &request_skip(i), &mut found);
                    }
                }
                _ => {
                    if i.response_raw || i.response.is_empty() {
                        // Untyped answer: nothing to compare with.
                    } else if i.response_shape == "array" {
                        match &s.body {
                            Value::Array(items) => {
                                for item in items {
                                    walk_sample("response[]", item, &i.response, &envelope_members, &mut found);
                                }
                            }
                            other => walk_sample("response", other, &[], &envelope_members, &mut found),
                        }
                    } else {
                        walk_sample("response", &s.body, &i.response, &envelope_members, &mut found);
                    }
                }
            }
            for (at, problem, is_type) in found {
                let path = at.replace("[]", "");
                if is_type && i.sample_types_reviewed.contains(&path) {
                    continue;
                }
                out.push(Finding {
                    fails: !i.read_from.is_empty(),
                    text: format!("{} {} sample {} ({}): {at}: {problem}", spec.ne, i.id, n + 1, s.kind),
                });
            }
        }
        for r in &i.sample_types_reviewed {
            if !(r.starts_with("body.") || r.starts_with("response.")) {
                out.push(Finding {
                    fails: true,
                    text: format!(
                        "{} {}: sample_types_reviewed entry {r:?} is not a body./response. path",
                        spec.ne, i.id
                    ),
                });
            }
        }
    }
    out
}

/// `same_table_as` must name interfaces that exist.
fn acknowledgements(specs: &[Spec]) -> Vec<Finding> {
    let ids: BTreeSet<&str> = specs.iter().flat_map(|s| s.interfaces.iter().map(|i| i.id.as_str())).collect();
    let mut out = Vec::new();
    for s in specs {
        for i in &s.interfaces {
            for other in &i.same_table_as {
                if !ids.contains(other.as_str()) {
                    out.push(Finding {
                        fails: true,
                        text: format!("{} {}: same_table_as names {other}, which is not an interface", s.ne, i.id),
                    });
                }
            }
        }
    }
    out
}

pub fn run(root: &Path) -> Result<(), String> {
    let specs = crate::spec::load_all(root)?;
    let mut findings = copied_tables(&specs);
    for s in &specs {
        findings.extend(sample_findings(s));
    }
    findings.extend(acknowledgements(&specs));
    let samples: usize = specs.iter().flat_map(|s| &s.interfaces).map(|i| i.samples.len()).sum();
    let with_samples = specs.iter().flat_map(|s| &s.interfaces).filter(|i| !i.samples.is_empty()).count();
    println!("lint-spec: {samples} documented sample(s) on {with_samples} interface(s) checked against their tables");
    let (fail, warn): (Vec<&Finding>, Vec<&Finding>) = findings.iter().partition(|f| f.fails);
    if !warn.is_empty() {
        println!("\nFor review (warnings: at least one side not re-read yet):");
        for f in &warn {
            println!("  {}", f.text);
        }
    }
    if fail.is_empty() {
        println!("lint-spec: no failing finding ({} warning(s))", warn.len());
        Ok(())
    } else {
        eprintln!("\nFailing (entries re-read in the second pass):");
        for f in &fail {
            eprintln!("  {}", f.text);
        }
        Err(format!("{} failing finding(s), {} warning(s)", fail.len(), warn.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> Spec {
        let mut s: Spec = serde_json::from_str(json).unwrap();
        s.file = "t".into();
        s
    }

    const BASE: &str = r#"{"ne":"T","crate":"cec-t","auth_mode":"C2","envelopes":{"default":{"code_fields":["resultCode"],"success":["0"],"message_fields":["resultDesc"]}},"interfaces":[
      {"id":"a","title":"","doc":"https://x/cec_07_0001.html","method":"POST","path":"/a","auth":"signature","retry":"safe","detail":"full",
       "read_from":[{"url":"https://x/cec_07_0001.html","lang":"zh","reached":"whole","date":"2026-01-01"}],
       "body":[{"name":"beginDate","type":"int"}],
       "response":[{"name":"resultDesc","type":"array<object>","fields":[{"name":"x","type":"int"},{"name":"y","type":"string"},{"name":"z","type":"int"}]}],
       "samples":[{"kind":"request","from":"https://x","body":{"beginDate":"1700000000000","limit":1}},
                  {"kind":"response","from":"https://x","body":{"resultCode":"0","resultDesc":[{"x":1,"y":"a","z":"2","w":0}]}}]},
      {"id":"b","title":"","doc":"https://x/cec_07_0002.html","method":"POST","path":"/b","auth":"signature","retry":"safe","detail":"full",
       "response":[{"name":"resultDesc","type":"array<object>","fields":[{"name":"x","type":"int"},{"name":"y","type":"string"},{"name":"z","type":"int"}]}]}
    ]}"#;

    #[test]
    fn samples_are_checked_against_tables() {
        let s = spec(BASE);
        let f: Vec<String> = sample_findings(&s).into_iter().map(|f| f.text).collect();
        assert_eq!(f.len(), 4, "{f:#?}");
        let has = |t: &str| f.iter().any(|x| x.contains(t));
        assert!(has("body.beginDate: the table types it int, the sample has string"));
        assert!(has("body.limit: the sample has this member"));
        assert!(has("response.resultDesc.z: the table types it int"));
        assert!(has("response.resultDesc.w: the sample has this member"));
    }

    #[test]
    fn reviewed_types_are_not_flagged_again() {
        let s = spec(&BASE.replace(
            r#""detail":"full",
       "read_from""#,
            r#""detail":"full","sample_types_reviewed":["body.beginDate"],
       "read_from""#,
        ));
        let f = sample_findings(&s);
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|f| !f.text.contains("beginDate")));
    }

    #[test]
    fn copied_tables_are_flagged_unless_acknowledged() {
        let s = spec(BASE);
        let f = copied_tables(std::slice::from_ref(&s));
        assert_eq!(f.len(), 1);
        assert!(!f[0].fails, "b was not re-read: a warning");
        assert!(f[0].text.contains("- T a (response.resultDesc; cec_07_0001, re-read)"), "{}", f[0].text);
        assert!(f[0].text.contains("- T b (response.resultDesc; cec_07_0002)"), "{}", f[0].text);
        let both = spec(&BASE.replace(r#""path":"/b","#, r#""path":"/b","read_from":[{"url":"https://x/cec_07_0002.html","lang":"zh","reached":"whole","date":"2026-01-01"}],"#));
        assert!(copied_tables(std::slice::from_ref(&both))[0].fails, "both re-read: a failure");
        let acked = spec(&BASE.replace(r#""path":"/b","#, r#""path":"/b","same_table_as":["a"],"#));
        assert!(copied_tables(std::slice::from_ref(&acked)).is_empty());
        let same_page = spec(&BASE.replace("cec_07_0002", "cec_07_0001"));
        assert!(copied_tables(std::slice::from_ref(&same_page)).is_empty());
    }
}
