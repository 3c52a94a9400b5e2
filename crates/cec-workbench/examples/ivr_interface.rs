//! An IVR business interface built with the receiver helper, and a simulated
//! tenant whose IVR flow invokes it: the flow sends the caller's number, the
//! interface answers the customer's name and level, the flow maps them into
//! `FLOW.name` / `GLOBAL.level` and, for a known customer, queues the call.
//!
//! `cargo run -p cec-workbench --features axum --example ivr_interface`
#![allow(clippy::print_stdout)]

use cec_sim::{IvrRun, Scenario, SimConfig, Simulator};
use cec_workbench::server::BusinessInterfaceServer;
use cec_workbench::{Answer, BusinessInterface, Failure};
use serde::Deserialize;
use serde_json::Map;

/// What the tenant's body template sends (see `body` below).
#[derive(Debug, Deserialize)]
struct Lookup {
    caller: String,
    #[serde(default)]
    lang: Option<String>,
}

/// The enterprise's side: answer a JSON object; a business "not found" is a
/// `returnCode` the flow branches on, not an HTTP error.
async fn customer_lookup(req: Lookup) -> Result<Answer, Failure> {
    let known = [("13800000001", "Alice", "gold"), ("13800000002", "Bob", "silver")];
    let Some((_, name, level)) = known.iter().find(|(n, _, _)| *n == req.caller) else {
        return Ok(Answer::new().return_code("1"));
    };
    let greeting = match req.lang.as_deref() {
        Some("zh") => format!("{name}，您好"),
        _ => format!("Hello {name}"),
    };
    Answer::new()
        .return_code("0")
        .set("result.name", name)
        .and_then(|a| a.set("result.level", level))
        .and_then(|a| a.set("result.greeting", greeting))
        .map_err(|e| Failure::internal(e.to_string()))
}

/// Runs the flow for `caller`; returns the run the simulator recorded.
pub async fn run(caller: &str) -> Result<IvrRun, Box<dyn std::error::Error>> {
    let iface = BusinessInterface::new("customer-lookup");
    let server =
        BusinessInterfaceServer::start("127.0.0.1:0".parse()?, "/ivr/customer", iface, customer_lookup).await?;

    // The tenant's configuration, as a simulator scenario: the business
    // interface (URL, body template), flow 1001 (the default scenario's
    // access code 10087 leads to it) with one Interface Invoking element.
    let scenario = Scenario::from_toml(&format!(
        r#"
        [ivr.globals]
        level = "unknown"

        [[ivr.interfaces]]
        name = "customer"
        url = "{url}"
        body = '{{"caller": "${{SYS.caller}}", "lang": "${{FLOW.lang}}"}}'

        [[ivr.flows]]
        id = "1001"
        [[ivr.flows.steps]]
        id = "lookup"
        invoke = "customer"
        assign = {{ "FLOW.name" = "result.name", "FLOW.greeting" = "result.greeting", "GLOBAL.level" = "result.level", "FLOW.code" = "returnCode" }}
        branches = [{{ var = "FLOW.code", equals = "0", goto = "agent" }}]
        on_error = "bye"
        [[ivr.flows.steps]]
        id = "bye"
        end = true
        [[ivr.flows.steps]]
        id = "agent"
        queue = 1
        "#,
        url = server.url()
    ))?;
    let sim = Simulator::start(SimConfig { scenario, ..Default::default() }).await?;
    let mut vars = Map::new();
    vars.insert("FLOW.lang".into(), "en".into());
    let run = sim.run_ivr("1001", caller, &vars).await?;
    println!("flow {} for {caller}: {}", run.flow, run.outcome);
    println!("  FLOW   {:?}", run.flow_vars);
    println!("  GLOBAL {:?}", run.global_vars);
    for s in &run.steps {
        println!("  step {}: sent {:?}, got {:?} {:?}", s.step, s.request, s.status, s.answer);
    }
    sim.shutdown().await;
    server.shutdown().await;
    Ok(run)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run("13800000001").await?;
    run("13900000009").await?;
    Ok(())
}
