//! Rendering answers: pretty JSON, or a table.

use serde_json::Value;

use crate::OutputFormat;

/// Renders a JSON answer.
pub fn render(v: &Value, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()),
        OutputFormat::Table => table(v),
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
}
