//! Generates the CLI's operation table and the simulator's route table.

use std::fmt::Write as _;

use crate::gen_client::HEADER;
use crate::gen_tests::success_body;
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
            let _ = writeln!(s, "    let mut b = c.{}();", snake(&i.id));
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
                    "    Ok(CliOutput::Binary(c.core().call_binary(&{krate}::generated::{}, call).await?))",
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

fn strs(v: &[String]) -> String {
    format!("&[{}]", v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", "))
}

/// `crates/cec-sim/src/generated.rs`.
pub fn sim_routes(specs: &[Spec]) -> String {
    let mut s = String::from(HEADER);
    s.push_str("//! The simulator's route table: one entry per spec interface.\n\n");
    s.push_str("#![allow(clippy::all)]\n\nuse crate::routes::{Route, SimEnvelope};\n\n");
    for spec in specs {
        // The NE's "invalid parameter" code, for requests that break the spec.
        let invalid = spec
            .error_codes
            .iter()
            .find(|c| c.meaning.to_ascii_lowercase().contains("param"))
            .map(|c| c.code.clone())
            .unwrap_or_else(|| "1".into());
        for (name, e) in &spec.envelopes {
            let _ = writeln!(
                s,
                "static {}_ENVELOPE_{}: SimEnvelope = SimEnvelope {{ code_field: {}, success: {}, message_field: {}, invalid: {} }};",
                upper(&cli_ne(spec)),
                upper(name),
                e.code_fields.first().map(|c| format!("Some({})", lit(c))).unwrap_or_else(|| "None".into()),
                lit(e.success.first().map(String::as_str).unwrap_or("0")),
                e.message_fields.first().map(|c| format!("Some({})", lit(c))).unwrap_or_else(|| "None".into()),
                lit(&invalid),
            );
        }
    }
    s.push_str("\n/// Every interface the simulator serves (the first of several ids sharing a method and path).\npub static ROUTES: &[Route] = &[\n");
    let mut seen = std::collections::BTreeSet::new();
    let mut checks = String::new();
    for spec in specs {
        for i in &spec.interfaces {
            if !seen.insert((i.method.clone(), i.path.clone())) {
                continue;
            }
            // Body checks: the generated request type's own validation, reused.
            if !i.body.is_empty() {
                let _ = writeln!(
                    checks,
                    "fn check_{}_{}(b: &serde_json::Value) -> Result<(), String> {{\n    type B = {}::generated::{}Body;\n    // Like an NE, the simulator ignores fields it does not know; types are checked.\n    let body: B = cec_core::validate::from_json({op}, B::FIELDS, b, false).map_err(|e| e.message().to_owned())?;\n    body.validate({op}, \"\", &[]).map_err(|e| e.message().to_owned())\n}}\n",
                    snake(&cli_ne(spec)),
                    snake(&i.id),
                    snake(&spec.krate),
                    crate::names::pascal(&i.id),
                    op = lit(&i.id),
                );
            }
            let req_body: Vec<String> = i.body.iter().filter(|f| f.required).map(|f| f.name.clone()).collect();
            let req_query: Vec<String> = i.query_params.iter().filter(|f| f.required).map(|f| f.name.clone()).collect();
            let _ = writeln!(
                s,
                "    Route {{ ne: {}, id: {}, method: {}, path: {}, auth: {}, required_body: {}, required_query: {}, success: {}, binary: {}, envelope: &{}_ENVELOPE_{}, check_body: {} }},",
                lit(&cli_ne(spec)),
                lit(&i.id),
                lit(&i.method),
                lit(&i.path),
                lit(&i.auth),
                strs(&req_body),
                strs(&req_query),
                lit(&success_body(spec, i).to_string()),
                i.response_kind == "binary",
                upper(&cli_ne(spec)),
                upper(&i.envelope),
                if i.body.is_empty() {
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
