//! Agent events: a poll answer decoded and its event typed (as the session
//! does), and every documented event type decoded from arbitrary content.
#![no_main]

use cec_gateway::generated::{AGENTEVENT_POLL, AgenteventPollResponse};
use cec_gateway::AgentEvent;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let a = cec_fuzz::Answer::split(data);
    if let Ok(r) = cec_core::envelope::decode_typed::<AgenteventPollResponse>(&AGENTEVENT_POLL, a.status, &a.headers, a.body)
        && let Some(ev) = r.event
    {
        let _ = ev.agent_event();
    }
    // The same body as the content of a documented event type.
    let types = cec_fuzz::decoders::AGENT_EVENT_TYPES;
    let t = types[a.which % types.len()];
    if let Ok(content) = serde_json::from_slice::<serde_json::Value>(a.body) {
        let ev = AgentEvent::from_raw(t, content);
        let _ = ev.event_type();
        let _ = format!("{ev:?}");
    }
});
