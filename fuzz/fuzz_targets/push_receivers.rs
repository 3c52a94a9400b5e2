//! The push receivers: CC-Gateway's agent-event push (`PushInbox`), CC-FS's
//! CDR-ready notices (signature check, then the body), and every generated
//! callback receiver, with arbitrary headers and bodies.
#![no_main]

use cec_core::http::{HeaderMap, HeaderValue};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let a = cec_fuzz::Answer::split(data);
    let mut headers: HeaderMap = a.headers.clone();
    headers.insert("service_token", HeaderValue::from_static("tok"));
    let inbox = cec_gateway::PushInbox::new();
    let answer = inbox.handle(&headers, a.body);
    assert!((200..600).contains(&answer.status));
    let notices = cec_fs::NoticeInbox::new("ak", "sk");
    let _ = notices.handle("POST", "/cdr/notice", None, &a.headers, a.body);
    let _ = cec_fs::notice::parse(a.body);
    let tok = Some("tok");
    let _ = cec_gateway::generated::AgenteventPushCallbackReceiver::receive(&headers, a.body, tok);
    let _ = cec_gateway::generated::SubscribeAsrResultNotifyCallbackReceiver::receive(&headers, a.body, tok);
    let _ = cec_apifabric::generated::MobileAgentCallbackCallStatusEventCallbackReceiver::receive(&headers, a.body, tok);
    let _ = cec_apifabric::generated::MobileAgentCallbackReleaseEventCallbackReceiver::receive(&headers, a.body, tok);
    let _ = cec_apifabric::generated::IvrFlowCallbackVoiceFileReviewCallbackReceiver::receive(&headers, a.body, tok);
    let _ = cec_fs::generated::CallbackBillReadyCallbackReceiver::receive(&headers, a.body, tok);
    let _ = cec_isales::generated::CallbackCallResultCallbackReceiver::receive(&headers, a.body, tok);
});
