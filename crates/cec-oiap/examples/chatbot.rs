//! Talking to the chatbot through OIAP: a client from the deployment's settings
//! (`Client::from_env()` reads the profile file and `CEC_OIAP_*`: endpoint, app key and
//! secret; the C3 token is fetched and refreshed by the client) and one dialog turn.
//!
//! Runs against an in-process simulator: `cargo run -p cec-oiap --example chatbot`
//! (and as a test, `tests/examples.rs`).
#![allow(clippy::print_stdout)]

use serde_json::json;

/// The chatbot's answer to one question.
pub async fn run() -> Result<String, Box<dyn std::error::Error>> {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await?;
    let sc = sim.scenario();

    // In a deployment: `cec_oiap::Client::from_env()?`. Here the settings point at the simulator.
    let endpoint = sim.endpoint();
    let env = |key: &str| match key {
        "CEC_OIAP_ENDPOINT" => Some(endpoint.clone()),
        "CEC_OIAP_APP_KEY" => Some(sc.oiap_app_key.clone()),
        "CEC_OIAP_APP_SECRET" => Some(sc.oiap_app_secret.clone()),
        _ => None,
    };
    let profile = cec_core::profile::Profile::load(None, None, &env)?;
    let oiap = cec_oiap::Client::from_settings(&profile)?;

    let answer = oiap
        .dialog_process()
        .userid("chat-1")
        .inaction(9)
        .inparams(json!({ "input": "when are you open?" }))
        .send()
        .await?;
    let prompt = answer.outparams.and_then(|o| o.prompt_text).unwrap_or_default();
    println!("chatbot: {prompt}");
    sim.shutdown().await;
    Ok(prompt)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(|_| ())
}
