//! `cec_oiap::Dialog` against the simulator's chatbot, on `dialog.process`
//! and on its V2 (`dialogV2.process`, the tenant's VDN in the URL): the
//! greeting, an answer from the scenario's intents, an input no intent knows
//! (the fallback), the decision to transfer to an agent, and the user ending
//! the dialog — the same typed turns on both versions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cec_oiap::{Dialog, DialogTurn, DialogVersion, OiapCredentials, TransferKind};
use cec_sim::Simulator;

fn oiap(sim: &Simulator) -> cec_oiap::Client {
    let sc = sim.scenario();
    cec_oiap::Client::new(
        common::config(sim),
        OiapCredentials::tenant(sc.oiap_app_key.as_str(), sc.oiap_app_secret.as_str()),
    )
    .unwrap()
}

/// The story after the greeting: an intent's answer, the fallback, a transfer, the end.
async fn talk(sim: &Simulator, mut d: Dialog, greeting: DialogTurn) {
    let sc = sim.scenario();
    assert!(matches!(greeting, DialogTurn::Prompt { ref text, .. } if !text.is_empty()), "{greeting:?}");
    match d.say("when are you open?").await.unwrap() {
        DialogTurn::Prompt { text, .. } => assert!(text.contains("9:00"), "{text}"),
        other => panic!("{other:?}"),
    }
    match d.say("qwzx unknown words").await.unwrap() {
        DialogTurn::Prompt { text, .. } => assert_eq!(text, sc.fallback_answer),
        other => panic!("{other:?}"),
    }
    match d.say("let me talk to a human").await.unwrap() {
        DialogTurn::Transfer { kind, route_value, .. } => {
            assert_eq!(kind, TransferKind::AgentByRouteCode);
            assert!(kind.to_agent());
            assert!(!route_value.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(!d.is_ended());
    let e = d.say("   ").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert!(matches!(d.end().await.unwrap(), DialogTurn::Ended { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatbot_dialog_through_to_a_transfer_and_its_end() {
    let sim = common::start(common::fast()).await;
    let oiap = oiap(&sim);
    let (d, greeting) = Dialog::start(oiap.clone(), "chat-user-7", "100").await.unwrap();
    assert_eq!(d.version(), &DialogVersion::V1);
    talk(&sim, d, greeting).await;

    // A userid the reference does not take is refused before sending.
    let e = Dialog::start(oiap, "x".repeat(65), "100").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_v2_dialog_gives_the_same_turns_from_the_scenarios_intents() {
    let sim = common::start(common::fast()).await;
    let oiap = oiap(&sim);
    let vdn = sim.scenario().vdn.to_string();
    let (d, greeting) = Dialog::start_v2(oiap.clone(), vdn.as_str(), "chat-user-v2", "100").await.unwrap();
    assert_eq!(d.version(), &DialogVersion::V2 { vdn_id: vdn.clone() });
    talk(&sim, d, greeting).await;

    // A VDN the tenant does not have: the reference's HTTP 500 (a value not in the system).
    let e = Dialog::start_v2(oiap.clone(), "999", "chat-user-v2b", "100").await.unwrap_err();
    assert_eq!(e.status(), Some(500), "{e}");
    // No VDN at all is refused before sending.
    let e = Dialog::start_with(oiap, DialogVersion::V2 { vdn_id: " ".into() }, "u", "100").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
}
