//! OIAP `dialog.process` and `dialogV2.process`: answers from the scenario's intents.

use serde_json::{Value, json};

use super::Shared;
use crate::api::{Reply, Req, Route};
use crate::scenario::Intent;

/// The greeting of a new dialog.
pub(super) const GREETING: &str = "Hello, this is the virtual assistant. How can I help?";

impl Shared {
    /// The first intent any of whose keywords the input contains.
    pub(super) fn intent_for(&self, input: &str) -> Option<&Intent> {
        let text = input.to_lowercase();
        self.config
            .scenario
            .intents
            .iter()
            .find(|i| i.keywords.iter().any(|k| !k.is_empty() && text.contains(&k.to_lowercase())))
    }

    pub(super) fn dialog(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_oiap::generated::DialogProcessBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let userid = b.userid.as_deref().unwrap_or("");
        let inaction = b.inaction.unwrap_or(8);
        // `inparams` is free-form in the reference (typed as a JSON value).
        let inparams = b.inparams.unwrap_or(Value::Null);
        let text = inparams.get("input").and_then(Value::as_str).unwrap_or("");
        let turn = inparams.get("inter_idx").and_then(Value::as_str).unwrap_or("0");
        let next_idx = (turn.parse::<u64>().unwrap_or(0) + 1).to_string();
        let prompt = |t: &str| json!({ "call_id": userid, "prompt_type": "2", "prompt_text": t, "language": "1", "inter_idx": next_idx });
        let (outaction, outparams) = if inaction == 8 {
            (9, prompt(GREETING))
        } else if text.eq_ignore_ascii_case("hangup") {
            let now = super::cdr::datetime(self.clock.now_ms());
            let p = json!({ "call_id": userid, "call_sor_id": userid, "call_dst_id": "", "start_time": now,
                            "end_time": now, "release_reason": "0" });
            (10, p)
        } else {
            match self.intent_for(text) {
                Some(i) if i.transfer => {
                    let queue = self.config.scenario.queues.first().map(|q| q.id).unwrap_or(1);
                    let p = json!({ "call_id": userid, "call_sor_id": userid, "trans_type": "1",
                                    "route_value": self.access_code_of(queue), "inter_idx": next_idx });
                    (11, p)
                }
                Some(i) => (9, prompt(&i.answer)),
                None => (9, prompt(&self.config.scenario.fallback_answer)),
            }
        };
        Reply::ok(json!({ "ret": 0, "userid": userid, "outaction": outaction, "outparams": outparams }))
    }

    /// `dialogV2.process`: the V1 dialog (same parameters and logic, the
    /// reference says) behind the tenant's VDN in the URL; a VDN the tenant
    /// does not have is HTTP 500, the reference's "a parameter value does not
    /// exist in the system".
    pub(super) fn dialog_v2(&self, route: &Route, req: &Req) -> Reply {
        let vdn = req.param("vdnId");
        if vdn.trim() != self.config.scenario.vdn.to_string() {
            return Reply::Status(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "ret": 1, "userid": "", "outaction": 10, "outparams": {} }),
            );
        }
        self.dialog(route, req)
    }
}
