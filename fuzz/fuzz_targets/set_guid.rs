//! The `Set-GUID` parser and the GUID/cookie store fed arbitrary answer headers
//! and bodies (sign-in, rotation, configuration login, sign-out).
#![no_main]

use cec_auth::{GuidAuth, GuidMode, parse_set_guid};
use cec_core::Authorizer;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = cec_fuzz::text(data);
    if let Some(g) = parse_set_guid(&text) {
        assert!(!g.is_empty() && g.bytes().all(|b| b.is_ascii_graphic()), "{g:?}");
    }
    let a = cec_fuzz::Answer::split(data);
    let ops = [
        &cec_gateway::generated::AGENTEVENT_POLL,
        &cec_gateway::generated::ONLINEAGENT_UPDATEGUID,
        &cec_auth::generated::GATEWAY_CONFIG_LOGIN,
        &cec_gateway::generated::ONLINEAGENT_LOGOUT,
    ];
    let op = ops[a.which % ops.len()];
    let auth = GuidAuth::new(GuidMode::Dynamic);
    auth.observe(op, &a.headers, None);
    auth.observe(op, &a.headers, Some(a.body));
    if let Some(g) = auth.guid() {
        assert!(auth.matches(g.expose_str()));
    }
});
