//! Rendering answers: pretty JSON, a table, CSV or YAML; `--fields` projection.

use serde_json::Value;

use crate::OutputFormat;

/// Renders a JSON answer.
pub fn render(v: &Value, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()),
        OutputFormat::Table => table(v),
    }
}

/// The output formats of `cec <ne> <op> --output`.
#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Json,
    Table,
    Csv,
    Yaml,
}

/// Renders an operation's answer in `format`.
pub fn render_as(v: &Value, format: Format) -> String {
    match format {
        Format::Json => render(v, OutputFormat::Json),
        Format::Table => table(&dedupe(v)),
        Format::Csv => csv(&dedupe(v)),
        Format::Yaml => {
            let mut out = String::new();
            yaml(v, 0, &mut out);
            out.trim_end().to_owned()
        }
    }
}

/// CMS answers carry the same list twice (`resultDatas`, the legacy copy of
/// `resultDesc`): tables and CSV show it once.
fn dedupe(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.contains_key("resultDesc") && m.get("resultDatas") == m.get("resultDesc") => {
            let mut m = m.clone();
            m.remove("resultDatas");
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// `--fields a,b.c`: keeps only the named paths of the answer, as an object keyed by
/// the path; a path that crosses a list gives the list of its items' values.
pub fn project(v: &Value, fields: &[String]) -> Value {
    fn get(v: &Value, path: &[&str]) -> Value {
        match (v, path.split_first()) {
            (_, None) => v.clone(),
            (Value::Array(items), Some(_)) => Value::Array(items.iter().map(|i| get(i, path)).collect()),
            (Value::Object(m), Some((k, rest))) => m.get(*k).map(|x| get(x, rest)).unwrap_or(Value::Null),
            _ => Value::Null,
        }
    }
    // One list of objects and only paths inside it: a list of projected rows.
    let mut m = serde_json::Map::new();
    for f in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        let path: Vec<&str> = f.split('.').collect();
        m.insert(f.to_owned(), get(v, &path));
    }
    Value::Object(m)
}

fn csv_cell(v: &Value) -> String {
    let c = cell(v);
    if c.contains([',', '"', '\n', '\r']) { format!("\"{}\"", c.replace('"', "\"\"")) } else { c }
}

/// CSV: the rows of the first list of objects (or of the answer itself when it is a
/// list); otherwise `key,value` lines.
fn csv(v: &Value) -> String {
    let items = match v {
        Value::Array(a) => Some(a.as_slice()),
        Value::Object(m) => m.values().find_map(|x| match x {
            Value::Array(a) if a.iter().any(Value::is_object) => Some(a.as_slice()),
            _ => None,
        }),
        _ => None,
    };
    let mut out = String::new();
    match items {
        Some(items) => {
            let mut cols: Vec<String> = Vec::new();
            for it in items {
                if let Value::Object(m) = it {
                    for k in m.keys() {
                        if !cols.contains(k) {
                            cols.push(k.clone());
                        }
                    }
                }
            }
            out.push_str(&cols.join(","));
            out.push('\n');
            for it in items {
                let row: Vec<String> = cols.iter().map(|c| csv_cell(&it[c.as_str()])).collect();
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
        None => {
            out.push_str("key,value\n");
            if let Value::Object(m) = v {
                for (k, x) in m {
                    out.push_str(&format!("{},{}\n", csv_cell(&Value::String(k.clone())), csv_cell(x)));
                }
            } else {
                out.push_str(&format!(",{}\n", csv_cell(v)));
            }
        }
    }
    out.trim_end().to_owned()
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn yaml_key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        k.to_owned()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

/// YAML (block style; strings double-quoted, as JSON escapes them).
fn yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        out.push_str(&format!("{pad}{}:\n", yaml_key(k)));
                        yaml(x, indent + 1, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{}:\n", yaml_key(k)));
                        yaml(x, indent, out);
                    }
                    _ => out.push_str(&format!("{pad}{}: {}\n", yaml_key(k), yaml_scalar_or_empty(x))),
                }
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for x in a {
                match x {
                    Value::Object(o) if !o.is_empty() => {
                        let mut inner = String::new();
                        yaml(x, indent + 1, &mut inner);
                        let inner = inner.trim_start().to_owned();
                        out.push_str(&format!("{pad}- {inner}"));
                    }
                    Value::Array(b) if !b.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        yaml(x, indent + 1, out);
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", yaml_scalar_or_empty(x))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", yaml_scalar_or_empty(other))),
    }
}

fn yaml_scalar_or_empty(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => yaml_scalar(other),
    }
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A key/value table for an object; a column table for every list of objects in it.
pub fn table(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(m) => {
            let width = m.keys().map(|k| k.len()).max().unwrap_or(0);
            let mut lists = Vec::new();
            for (k, val) in m {
                match val {
                    Value::Array(items) if items.iter().any(Value::is_object) => lists.push((k, items)),
                    _ => out.push_str(&format!("{k:<width$}  {}\n", cell(val))),
                }
            }
            for (k, items) in lists {
                out.push_str(&format!("\n{k}:\n"));
                out.push_str(&rows(items));
            }
        }
        Value::Array(items) => out.push_str(&rows(items)),
        other => out.push_str(&cell(other)),
    }
    out.trim_end().to_owned()
}

fn rows(items: &[Value]) -> String {
    let mut cols: Vec<String> = Vec::new();
    for it in items {
        if let Value::Object(m) = it {
            for k in m.keys() {
                if !cols.contains(k) {
                    cols.push(k.clone());
                }
            }
        }
    }
    let grid: Vec<Vec<String>> = items.iter().map(|it| cols.iter().map(|c| cell(&it[c.as_str()])).collect()).collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| grid.iter().map(|r| r[i].chars().count()).chain([c.len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String]| {
        cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_owned()
    };
    let mut out = line(&cols) + "\n";
    for r in grid {
        out.push_str(&line(&r));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables() {
        let t = table(&json!({"resultCode": "0100000", "rows": [{"agentId": 1001, "state": 5}, {"agentId": 1002}]}));
        assert!(t.contains("resultCode  0100000"));
        assert!(t.contains("agentId  state"));
        assert!(t.contains("1002"));
    }

    #[test]
    fn cms_duplicates_are_shown_once_and_fields_project() {
        let v = json!({"resultCode": "0100000", "resultDesc": [{"id": 1}], "resultDatas": [{"id": 1}]});
        let t = render_as(&v, Format::Table);
        assert_eq!(t.matches("resultD").count(), 1, "{t}");
        let p = project(&v, &["resultCode".into(), "resultDesc.id".into()]);
        assert_eq!(p, json!({"resultCode": "0100000", "resultDesc.id": [1]}));
        assert_eq!(render_as(&v, Format::Csv), "id\n1");
        let y = render_as(&json!({"a": {"b": [1, {"c": "x"}]}, "d": null}), Format::Yaml);
        assert_eq!(y, "a:\n  b:\n  - 1\n  - c: \"x\"\nd: null");
    }
}
