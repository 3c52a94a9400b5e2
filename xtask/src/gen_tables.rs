//! Generates the CLI's operation table and the simulator's route table.

use std::fmt::Write as _;

use crate::gen_client::HEADER;
use crate::gen_tests::{builder_call, sample, sample_object, success_body};
use crate::names::{lit, snake, upper};
use crate::spec::{Field, Spec};

/// The CLI's NE name: `cec-gateway` → `gateway`.
pub fn cli_ne(spec: &Spec) -> String {
    spec.krate.trim_start_matches("cec-").to_string()
}

fn parse_expr(f: &Field, src: &str) -> String {
    match f.ty.as_str() {
        "int" | "long" | "integer" | "number" => format!("parse_i64({}, {src})?", lit(&f.name)),
        "boolean" | "bool" => format!("parse_bool({}, {src})?", lit(&f.name)),
        _ => src.to_string(),
    }
}

/// `crates/cec-cli/src/generated.rs`.
pub fn cli_table(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! Every generated interface, callable as `cec <ne> <operation-id>`.\n\n");
    s.push_str("#![allow(clippy::all, unused_mut)]\n\n");
    s.push_str("use crate::ops::{CliInput, CliOp, CliOutput, Clients, parse_bool, parse_i64};\n\n");
    let mut table = String::new();
    let mut dispatch = String::new();
    for spec in specs {
        let ne = cli_ne(spec);
        let krate = snake(&spec.krate);
        for i in &spec.interfaces {
            let fname = format!("run_{}_{}", snake(&ne), snake(&i.id));
            let params: Vec<String> = i
                .path_params
                .iter()
                .map(|f| format!("(\"path\", {})", lit(&f.name)))
                .chain(i.query_params.iter().map(|f| format!("(\"query\", {})", lit(&f.name))))
                .chain(i.headers.iter().map(|f| format!("(\"header\", {})", lit(&f.name))))
                .collect();
            let _ = writeln!(
                table,
                "    CliOp {{ ne: {}, id: {}, method: {}, path: {}, title: {}, params: &[{}], body: {}, extra: {}, binary: {} }},",
                lit(&ne),
                lit(&i.id),
                lit(&i.method),
                lit(&i.path),
                lit(&i.title),
                params.join(", "),
                !i.body.is_empty(),
                crate::gen_client::takes_extra(i),
                i.response_kind == "binary"
            );
            let _ = writeln!(dispatch, "        ({}, {}) => {fname}(clients, input).await,", lit(&ne), lit(&i.id));
            let uses_input = !(i.path_params.is_empty()
                && i.query_params.is_empty()
                && i.headers.is_empty()
                && !crate::gen_client::takes_extra(i));
            let input_name = if uses_input { "input" } else { "_input" };
            let _ = writeln!(
                s,
                "async fn {fname}(clients: &Clients, {input_name}: &CliInput) -> anyhow::Result<CliOutput> {{"
            );
            let _ = writeln!(s, "    let c = clients.{}()?;", snake(&ne));
            let _ = writeln!(s, "    let mut b = c.{}();", crate::gen_client::method_name(i));
            for p in crate::gen_client::params(i) {
                let _ = writeln!(
                    s,
                    "    if let Some(v) = input.get({}, {}) {{ b = b.{}({}); }}",
                    lit(p.kind),
                    lit(&p.f.name),
                    p.name,
                    parse_expr(p.f, "v")
                );
            }
            if !i.body.is_empty() {
                s.push_str("    if let Some(body) = &input.body { b = b.body_json(body.clone())?; }\n");
            }
            if crate::gen_client::takes_extra(i) {
                s.push_str("    for (k, v) in &input.extra { b = b.extra_field(k.clone(), v.clone()); }\n");
            }
            s.push_str("    let call = b.into_call()?;\n");
            if i.response_kind == "binary" {
                let _ = writeln!(
                    s,
                    "    Ok(CliOutput::Download(c.core().clone(), &{krate}::generated::{}, call))",
                    upper(&i.id)
                );
            } else {
                let _ = writeln!(
                    s,
                    "    Ok(CliOutput::Json(c.core().call_value(&{krate}::generated::{}, call).await?))",
                    upper(&i.id)
                );
            }
            s.push_str("}\n\n");
        }
    }
    let _ = writeln!(s, "/// Every operation the CLI can call.\npub static OPS: &[CliOp] = &[\n{table}];\n");
    s.push_str("/// Runs operation `id` of NE `ne`; `None` when there is no such operation.\npub async fn dispatch(ne: &str, id: &str, clients: &Clients, input: &CliInput) -> Option<anyhow::Result<CliOutput>> {\n    Some(match (ne, id) {\n");
    s.push_str(&dispatch);
    s.push_str("        _ => return None,\n    })\n}\n");
    s
}

/// The scalar fields of a body that the NEs' JSON mappers coerce from text
/// (`"4"` for an integer, `"true"` for a boolean), as `(path, kind)` with `[]`
/// for the items of an array.
fn lenient_paths(fields: &[Field], prefix: &[String], out: &mut Vec<(Vec<String>, &'static str)>) {
    for f in fields {
        let mut path = prefix.to_vec();
        path.push(f.name.clone());
        let kind = match f.ty.as_str() {
            "int" | "long" | "integer" => Some("Int"),
            "number" | "float" | "double" => Some("Number"),
            "boolean" | "bool" => Some("Bool"),
            _ => None,
        };
        if let Some(k) = kind {
            out.push((path, k));
            continue;
        }
        match f.ty.as_str() {
            "object" if !f.fields.is_empty() => lenient_paths(&f.fields, &path, out),
            "array<object>" if !f.fields.is_empty() => {
                path.push("[]".into());
                lenient_paths(&f.fields, &path, out);
            }
            t if t.starts_with("array<") && matches!(&t[6..t.len() - 1], "int" | "long" | "integer") => {
                path.push("[]".into());
                out.push((path, "Int"));
            }
            _ => {}
        }
    }
}

fn lenient_table(fields: &[Field]) -> String {
    let mut paths = Vec::new();
    lenient_paths(fields, &[], &mut paths);
    let items: Vec<String> = paths.iter().map(|(p, k)| format!("({}, Scalar::{k})", strs(p))).collect();
    format!("&[{}]", items.join(", "))
}

fn strs(v: &[String]) -> String {
    format!("&[{}]", v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

/// `crates/cec-sim/src/generated.rs`.
pub fn sim_routes(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! The simulator's route table: one entry per spec interface.\n\n");
    s.push_str("#![allow(clippy::all)]\n\nuse crate::api::{Route, Scalar};\n\n");
    s.push_str("/// Every interface the simulator serves (the first of several ids sharing a method and path).\npub static ROUTES: &[Route] = &[\n");
    let mut seen = std::collections::BTreeSet::new();
    let mut checks = String::new();
    for spec in specs {
        // The NE's "invalid parameter" code, for requests that break the spec.
        let invalid = spec
            .error_codes
            .iter()
            .find(|c| c.meaning.to_ascii_lowercase().contains("param"))
            .map(|c| c.code.clone())
            .unwrap_or_else(|| "1".into());
        let krate = snake(&spec.krate);
        for i in &spec.interfaces {
            if !seen.insert((i.method.clone(), i.path.clone())) {
                continue;
            }
            // Ids sharing a method and path (OIAP dialog variants) share the route: a body
            // is accepted when one of their request types accepts it.
            let group: Vec<&crate::spec::Interface> =
                spec.interfaces.iter().filter(|j| j.method == i.method && j.path == i.path).collect();
            let with_body: Vec<&&crate::spec::Interface> = group.iter().filter(|j| !j.body.is_empty()).collect();
            // Body checks: the generated request type's own validation, reused.
            if !with_body.is_empty() {
                let mut tries = String::new();
                for j in &with_body {
                    let _ = write!(
                        tries,
                        "    // Like an NE, the simulator ignores fields it does not know; types are checked.\n    let first = first.or(Some(match cec_core::validate::from_json::<{krate}::generated::{p}Body>({op}, {krate}::generated::{p}Body::FIELDS, b, false) {{\n        Ok(body) => match body.validate({op}, \"\", &[]) {{ Ok(()) => return Ok(()), Err(e) => e.message().to_owned() }},\n        Err(e) => e.message().to_owned(),\n    }}));\n",
                        p = crate::names::pascal(&j.id),
                        op = lit(&j.id),
                    );
                }
                let _ = writeln!(
                    checks,
                    "fn check_{}_{}(b: &serde_json::Value) -> Result<(), String> {{\n    let first: Option<String> = None;\n{tries}    Err(first.unwrap_or_default())\n}}\n",
                    snake(&cli_ne(spec)),
                    snake(&i.id),
                );
            }
            // Required: what every id of the route requires; lenient: what any of them types.
            let req_body: Vec<String> = i
                .body
                .iter()
                .filter(|f| f.required)
                .filter(|f| group.iter().all(|j| j.body.iter().any(|g| g.name == f.name && g.required)))
                .map(|f| f.name.clone())
                .collect();
            let req_query: Vec<String> = i.query_params.iter().filter(|f| f.required).map(|f| f.name.clone()).collect();
            let mut fields: Vec<Field> = Vec::new();
            for j in &group {
                for f in &j.body {
                    if !fields.iter().any(|g| g.name == f.name && g.ty == f.ty) {
                        fields.push(f.clone());
                    }
                }
            }
            let _ = writeln!(
                s,
                "    Route {{ ne: {}, meta: &{krate}::generated::{}, invalid: {}, required_body: {}, required_query: {}, lenient: {}, success: {}, check_body: {} }},",
                lit(&cli_ne(spec)),
                upper(&i.id),
                lit(&invalid),
                strs(&req_body),
                strs(&req_query),
                lenient_table(&fields),
                lit(&success_body(spec, i).to_string()),
                if with_body.is_empty() {
                    "None".to_string()
                } else {
                    format!("Some(check_{}_{})", snake(&cli_ne(spec)), snake(&i.id))
                },
            );
        }
    }
    s.push_str("];\n\n");
    s.push_str(&checks);
    s.push_str("\n/// The paged interfaces and where their page fields, lists and totals are.\npub static PAGING: &[crate::paging::SimPaging] = &[\n");
    for spec in specs {
        for i in &spec.interfaces {
            if let Some(p) = crate::gen_client::paging(i) {
                let _ = writeln!(
                    s,
                    "    crate::paging::SimPaging {{ id: {}, size: ({}, {}), pos: ({}, {}), first_page: {}, items: {}, total: {} }},",
                    lit(&i.id),
                    lit(p.size.loc),
                    strs(&p.size.path),
                    lit(p.pos.loc),
                    strs(&p.pos.path),
                    p.first_page.map(|n| format!("Some({n})")).unwrap_or_else(|| "None".into()),
                    strs(&p.items),
                    p.total.as_ref().map(|(t, _)| format!("Some({})", strs(t))).unwrap_or_else(|| "None".into()),
                );
            }
        }
    }
    s.push_str("];\n");
    s
}

/// `crates/cec-sim/tests/generated_bodies.rs`: for every interface with a body,
/// the request the generated builder makes from a valid sample is accepted by
/// the simulator's body check (the one every request passes before a behaviour).
pub fn sim_bodies(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! Every simulator route accepts the body the generated client sends for it: per\n//! interface, the builder's request from a valid sample goes through\n//! `cec_sim::api::accepts` (coercion, required fields, the generated request type).\n\n");
    s.push_str("#![allow(clippy::all, clippy::unwrap_used, clippy::expect_used, clippy::panic, unused_imports)]\n\n");
    s.push_str("use cec_core::{Config, OperationMeta};\nuse serde_json::{Value, json};\n\n");
    s.push_str("fn v(text: &str) -> Value {\n    serde_json::from_str(text).unwrap()\n}\n\n");
    s.push_str("/// A client configuration that is never contacted: only the builders' requests are used.\nfn config() -> Config {\n    Config::builder(\"http://127.0.0.1:9\").build().unwrap()\n}\n\n");
    s.push_str("fn check(meta: &'static OperationMeta, call: cec_core::Result<cec_core::Call>, failed: &mut Vec<String>) {\n    match call {\n        Ok(call) => {\n            if let Err(e) = cec_sim::api::accepts(meta, call.body) {\n                failed.push(format!(\"{}: {e}\", meta.id));\n            }\n        }\n        Err(e) => failed.push(format!(\"{}: the builder refused the sample: {e}\", meta.id)),\n    }\n}\n\n");
    for spec in specs {
        let ne = cli_ne(spec);
        let krate = snake(&spec.krate);
        let client = match spec.krate.as_str() {
            "cec-gateway" => "cec_gateway::Client::new(config()).unwrap()".to_string(),
            "cec-apifabric" => "cec_apifabric::Client::new(config(), config(), cec_auth::ApiFabricCredentials::new(\"test-app\", \"test-secret\")).unwrap()".to_string(),
            "cec-oiap" => "cec_oiap::Client::new(config(), cec_auth::OiapCredentials::tenant(\"tenant001\", \"test-secret\")).unwrap()".to_string(),
            "cec-messaging" => "cec_messaging::Client::new(config()).unwrap()".to_string(),
            k => format!("{}::Client::new(config(), cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(\"test-ak\", \"test-sk\").unwrap())).unwrap()", snake(k)),
        };
        let _ = writeln!(
            s,
            "#[test]\nfn {}_bodies() {{\n    let c = {client};\n    let mut failed = Vec::new();",
            snake(&ne)
        );
        let mut n = 0;
        for i in spec.interfaces.iter().filter(|i| !i.body.is_empty()) {
            let values: Vec<(String, serde_json::Value)> =
                crate::gen_client::params(i).into_iter().map(|p| (p.name.clone(), sample(p.f))).collect();
            let body = sample_object(&i.body);
            let call = builder_call(&krate, i, &values, Some(&body));
            let _ = writeln!(s, "    check(&{krate}::generated::{}, {call}.into_call(), &mut failed);", upper(&i.id));
            n += 1;
        }
        let _ = writeln!(
            s,
            "    assert!(failed.is_empty(), \"{{}} of {n} {ne} bodies refused:\\n{{}}\", failed.len(), failed.join(\"\\n\"));\n}}\n"
        );
    }
    s
}

/// `fuzz/src/decoders.rs`: every interface's answer decoding, per NE, for the fuzz
/// targets (`cargo xtask fuzz-smoke`): a JSON answer through
/// `envelope::decode_typed` into its generated response type (what `send()`
/// does), a file answer through `envelope::decode` (what a JSON error instead of
/// the file meets).
pub fn fuzz_decoders(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! Every interface's answer decoding, per NE, for the fuzz targets.\n\n");
    s.push_str("#![allow(clippy::all)]\n\nuse cec_core::envelope::{decode, decode_typed};\nuse cec_core::http::{HeaderMap, StatusCode};\n\n");
    for spec in specs {
        let krate = snake(&spec.krate);
        let ne = cli_ne(spec);
        let _ = writeln!(
            s,
            "/// Interfaces of {}.\npub const {}_INTERFACES: usize = {};\n",
            spec.ne,
            upper(&ne),
            spec.interfaces.len()
        );
        let _ = writeln!(
            s,
            "/// Decodes `body` as the answer of interface number `which` (modulo their count) of {}; returns its id.\npub fn {}(which: usize, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> &'static str {{",
            spec.ne,
            snake(&ne)
        );
        let _ = writeln!(s, "    match which % {} {{", spec.interfaces.len().max(1));
        for (n, i) in spec.interfaces.iter().enumerate() {
            let meta = format!("{krate}::generated::{}", upper(&i.id));
            let (_, _, resp) = crate::gen_client::op_names(i);
            if i.response_kind == "binary" {
                let _ =
                    writeln!(s, "        {n} => {{ let _ = decode(&{meta}, status, headers, body); {} }}", lit(&i.id));
            } else {
                let _ = writeln!(
                    s,
                    "        {n} => {{ let _ = decode_typed::<{krate}::generated::{resp}>(&{meta}, status, headers, body); {} }}",
                    lit(&i.id)
                );
            }
        }
        s.push_str("        _ => \"\",\n    }\n}\n\n");
    }
    let events: Vec<String> = specs.iter().flat_map(|sp| sp.events.iter().map(|e| lit(&e.wire))).collect();
    let _ = writeln!(
        s,
        "/// Every documented agent event type, as on the wire.\npub const AGENT_EVENT_TYPES: &[&str] = &[{}];",
        events.join(", ")
    );
    s
}
