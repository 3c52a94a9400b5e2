//! Input is never dropped or let through unchecked (issue 9, point 3): array items
//! against the element's rules, code tables, unknown fields of untyped JSON with the
//! nearest documented name, type errors with their path, and the explicit pass-through.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

fn client() -> cec_cms::Client {
    // Nothing is sent in these tests: every check runs before the request leaves.
    let config = cec_core::Config::builder("http://127.0.0.1:9").build().unwrap();
    cec_cms::Client::new(config, cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new("ak", "sk").unwrap())).unwrap()
}

#[test]
fn agent_ids_items_are_checked_with_the_documented_gap() {
    let c = client();
    let ok = c.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(vec![101, 59_999, 70_000, 999_999]);
    assert!(ok.into_call().is_ok());
    for (ids, field, rule) in [
        (vec![1001, 60_001], "agentIds[1]", "60000..=69999"),
        (vec![100], "agentIds[0]", "101..=999999"),
        (vec![1001, 1002, 1_000_000], "agentIds[2]", "101..=999999"),
    ] {
        let e = c.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(ids).into_call().unwrap_err();
        assert!(e.is_validation(), "{e}");
        assert_eq!(e.field(), Some(field), "{e}");
        assert!(e.to_string().contains(rule), "{e}");
    }
}

#[test]
fn indicator_ids_are_checked_against_the_code_table_with_a_way_out() {
    let c = client();
    let good = c.skill_rindex().cc_id(1).vdn(1).skill_ids(vec![1]).index_ids(vec!["IDX_COUNT_REAL_SKILL_QUEUE".into()]);
    assert!(good.into_call().is_ok());
    let bad = c.skill_rindex().cc_id(1).vdn(1).skill_ids(vec![1]).index_ids(vec!["IDX_COUNT_REAL_SKILL_QUEU".into()]);
    let e = bad.into_call().unwrap_err();
    assert_eq!(e.field(), Some("indexIds[0]"), "{e}");
    assert!(e.to_string().contains("did you mean `IDX_COUNT_REAL_SKILL_QUEUE`?"), "{e}");
    assert!(e.to_string().contains("extra_field"), "the error names the way out: {e}");
    // The way out: the field sent as given, unchecked.
    let call = c
        .skill_rindex()
        .cc_id(1)
        .vdn(1)
        .skill_ids(vec![1])
        .extra_field("indexIds", json!(["IDX_FROM_A_NEWER_NE"]))
        .into_call()
        .unwrap();
    assert_eq!(call.body.unwrap()["indexIds"], json!(["IDX_FROM_A_NEWER_NE"]));
}

#[test]
fn untyped_bodies_refuse_unknown_fields_naming_the_nearest() {
    let c = client();
    let e =
        c.agent_agentstatusinfobyagentids().body_json(json!({"ccId": 1, "vdn": 1, "agentIdz": [1001]})).unwrap_err();
    assert!(e.is_validation());
    assert_eq!(e.field(), Some("agentIdz"));
    assert!(e.to_string().contains("did you mean `agentIds`?"), "{e}");
    let e = cec_cms::generated::AgentAgentstatusinfobyagentidsBody::from_json(&json!({"ccId": "1"})).unwrap_err();
    assert!(e.to_string().contains("ccId") && e.to_string().contains("expected an integer, got a string"), "{e}");
    let e = c.agent_agentstatusinfobyagentids().body_json(json!({"agentIds": [1001, "1002"]})).unwrap_err();
    assert_eq!(e.field(), Some("agentIds[1]"), "{e}");
}

#[test]
fn extra_fields_are_sent_as_given() {
    let c = client();
    let call = c
        .agent_agentstatusinfobyagentids()
        .cc_id(1)
        .vdn(1)
        .agent_ids(vec![1001])
        .extra_field("newFlag", true)
        .into_call()
        .unwrap();
    let body = call.body.unwrap();
    assert_eq!(body["newFlag"], json!(true));
    assert_eq!(body["agentIds"], json!([1001]));
}
