//! Generates each NE crate's `tests/generated_samples.rs`: every documented sample
//! (`samples` in the spec) decoded into the generated types through the client's own
//! decoding path, failing when a sample member is not a field of the type
//! (see `cec_core::test_util::sample_response_problems`), and one test per NE that the
//! check does catch an undocumented member on the NE's own types.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::gen_client::{HEADER, op_names};
use crate::gen_tests::{raw, success_body};
use crate::names::{lit, snake, upper};
use crate::spec::{Field, Interface, Spec};

/// Dotted members the envelope reads itself (top level of an object answer).
fn envelope_skip(spec: &Spec, i: &Interface) -> Vec<String> {
    let env = &spec.envelopes[&i.envelope];
    env.code_fields.iter().chain(&env.message_fields).cloned().collect()
}

/// The member a token placed in the body occupies.
fn token_skip(i: &Interface) -> Vec<String> {
    i.token_placement.as_deref().and_then(|p| p.strip_prefix("body:")).map(|p| vec![p.to_owned()]).unwrap_or_default()
}

fn list(v: &[String]) -> String {
    format!("&[{}]", v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

/// The field at a dotted path under `fields`.
fn field_at<'a>(fields: &'a [Field], dotted: &str) -> Option<&'a Field> {
    let (head, rest) = match dotted.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (dotted, None),
    };
    let f = fields.iter().find(|f| f.name == head)?;
    match rest {
        None => Some(f),
        Some(r) => field_at(&f.fields, r),
    }
}

/// A request sample with every reviewed type difference converted to the table's type
/// (the table was kept after review; the generated body type is strict).
fn coerce_reviewed(i: &Interface, sample: &Value) -> Value {
    let mut out = sample.clone();
    for path in &i.sample_types_reviewed {
        let Some(rel) = path.strip_prefix("body.") else { continue };
        let Some(f) = field_at(&i.body, rel) else { continue };
        let pointer: String = rel.split('.').map(|p| format!("/{p}")).collect();
        let Some(cur) = out.pointer_mut(&pointer) else { continue };
        let converted = match (f.ty.as_str(), &*cur) {
            ("int" | "long" | "integer", Value::String(s)) => s.trim().parse::<i64>().ok().map(|n| json!(n)),
            ("number", Value::String(s)) => {
                s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
            }
            ("string", Value::Number(n)) => Some(json!(n.to_string())),
            ("string", Value::Bool(b)) => Some(json!(b.to_string())),
            ("boolean", Value::String(s)) => s.parse::<bool>().ok().map(|b| json!(b)),
            _ => None,
        };
        if let Some(c) = converted {
            *cur = c;
        }
    }
    out
}

/// `crates/<crate>/tests/generated_samples.rs`.
pub fn samples(spec: &Spec) -> String {
    let krate = snake(&spec.krate);
    let mut s = String::from(HEADER);
    let n: usize = spec.interfaces.iter().map(|i| i.samples.len()).sum();
    let _ = writeln!(
        s,
        "//! Documented samples of {} (generated from `spec/{}.json`, {n} sample(s)): each decodes into\n//! the generated type through the client's decoding path, with no member the type does not know.\n",
        spec.ne, spec.file
    );
    s.push_str("#![allow(clippy::all, clippy::unwrap_used, clippy::expect_used, unused_imports)]\n\n");
    s.push_str("use cec_core::test_util::{sample_request_problems, sample_response_problems, v};\n\n");
    for i in &spec.interfaces {
        let (_, body_name, resp_name) = op_names(i);
        let meta = format!("{krate}::generated::{}", upper(&i.id));
        for (n, smp) in i.samples.iter().enumerate() {
            let name = format!("{}_{}_{}", snake(&i.id), smp.kind, n + 1);
            let _ = writeln!(s, "/// Sample {} of `{}`, from <{}>.\n#[test]\nfn {name}() {{", n + 1, i.id, smp.from);
            let call = match smp.kind.as_str() {
                "request" if i.body.is_empty() => format!(
                    "let sample = v({});\n    let problems: Vec<String> = match sample.as_object() {{ Some(o) if !o.is_empty() => vec![\"a request sample, but the spec lists no body\".to_owned()], _ => Vec::new() }};",
                    raw(&smp.body)
                ),
                "request" => format!(
                    "let problems = sample_request_problems::<{krate}::generated::{body_name}>(&v({}), {});",
                    raw(&coerce_reviewed(i, &smp.body)),
                    list(&token_skip(i))
                ),
                _ if i.response_kind == "binary" => format!(
                    "let problems = sample_response_problems::<serde_json::Value>(&{meta}, &v({}), &[]);",
                    raw(&smp.body)
                ),
                _ => format!(
                    "let problems = sample_response_problems::<{krate}::generated::{resp_name}>(&{meta}, &v({}), {});",
                    raw(&smp.body),
                    list(&envelope_skip(spec, i))
                ),
            };
            let _ = writeln!(s, "    {call}\n    assert!(problems.is_empty(), \"{{problems:#?}}\");\n}}\n");
        }
    }
    // The check itself, on this NE's types: a documented answer passes, one with an
    // undocumented member does not.
    let probe = spec.interfaces.iter().find(|i| {
        i.response_kind == "json" && !i.response_raw && i.response_shape == "object" && !i.response.is_empty()
    });
    if let Some(i) = probe {
        let (_, _, resp_name) = op_names(i);
        let meta = format!("{krate}::generated::{}", upper(&i.id));
        let good = success_body(spec, i);
        let mut bad = good.clone();
        if let Value::Object(m) = &mut bad {
            m.insert("undocumentedMember".into(), json!(1));
        }
        let _ = writeln!(
            s,
            "/// The check catches a member the type does not know (on `{}`).\n#[test]\nfn sample_check_catches_undocumented_members() {{\n    let skip = {};\n    let good = sample_response_problems::<{krate}::generated::{resp_name}>(&{meta}, &v({}), skip);\n    assert!(good.is_empty(), \"{{good:#?}}\");\n    let bad = sample_response_problems::<{krate}::generated::{resp_name}>(&{meta}, &v({}), skip);\n    assert_eq!(bad, vec![\"undocumentedMember: not a field of the generated type\".to_owned()]);\n}}",
            i.id,
            list(&envelope_skip(spec, i)),
            raw(&good),
            raw(&bad)
        );
    }
    s
}
