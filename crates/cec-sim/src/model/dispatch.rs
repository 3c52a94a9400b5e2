//! What the simulator does with each interface: a behaviour that reads and
//! changes the model (**modelled**), the spec's sample answer (**sample**, for
//! queries the model cannot answer), or a clear refusal (**refused**: an
//! interface that changes state — the spec's retry class `unsafe` — and that the
//! model does not simulate; never a silent success).
//!
//! `MODELLED` is the one list of modelled interfaces: the router serves from it,
//! `GET /__sim/coverage` and `cargo xtask coverage` count it (xtask reads this
//! file: keep one `("<spec id>", …)` entry per line). A spec id that two NEs share
//! (`calldata.statistics`: CC-Gateway's agent call statistics and CC-iSales'
//! campaign statistics) is written `"<ne>/<id>"` (`"isales/calldata.statistics"`),
//! so that the other NE's route is not served by this behaviour.

use cec_core::RetryClass;

use super::Shared;
use crate::api::{Reply, Req, Route};
use crate::scenario::Unmodelled;

/// A behaviour on the model.
pub(crate) type Handler = fn(&Shared, &Route, &Req) -> Reply;

/// How the simulator serves one route.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Serve {
    /// A behaviour on the model.
    Model(Handler),
    /// The event long poll (waits for an event or `poll_wait`).
    Poll,
    /// The spec's sample answer (logged at debug).
    Sample,
    /// Refused: the interface changes state and the model does not simulate it.
    Refuse,
}

/// What a route is, as `GET /__sim/coverage` and `cargo xtask coverage` count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Behaviour {
    /// Reads and changes the model.
    Modelled,
    /// Answers the spec's sample.
    Sample,
    /// Answers "not simulated" (changes state, not modelled).
    Refused,
}

impl Serve {
    pub(crate) fn behaviour(self) -> Behaviour {
        match self {
            Serve::Model(_) | Serve::Poll => Behaviour::Modelled,
            Serve::Sample => Behaviour::Sample,
            Serve::Refuse => Behaviour::Refused,
        }
    }
}

use Serve::{Model, Poll};

/// Every interface the model serves, by spec id (one entry per line).
#[rustfmt::skip]
pub(crate) static MODELLED: &[(&str, Serve)] = &[
    // CC-Gateway: sign-in, events, states.
    ("onlineagent.login", Model(Shared::login)),
    ("onlineagent.forcelogin", Model(Shared::force_login)),
    ("onlineagent.logout", Model(Shared::logout)),
    ("onlineagent.forcelogout", Model(Shared::force_logout)),
    ("onlineagent.forcelogoutwithreason", Model(Shared::force_logout)),
    ("onlineagent.resetskill", Model(Shared::resetskill)),
    ("agentevent.poll", Poll),
    ("onlineagent.handshake", Model(Shared::handshake)),
    ("onlineagent.updateguid", Model(Shared::update_guid)),
    ("onlineagent.agentstatus", Model(Shared::agent_status)),
    ("onlineagent.saybusy", Model(Shared::set_state)),
    ("onlineagent.cancelbusy", Model(Shared::set_state)),
    ("onlineagent.sayfree", Model(Shared::set_state)),
    ("onlineagent.rest", Model(Shared::set_state)),
    ("onlineagent.cancelrest", Model(Shared::set_state)),
    ("onlineagent.work", Model(Shared::set_state)),
    ("onlineagent.cancelwork", Model(Shared::set_state)),
    ("onlineagent.autoenteridle", Model(Shared::auto_enter_idle)),
    ("onlineagent.autoanswer", Model(Shared::auto_answer)),
    ("onlineagent.sendnoteletex", Model(Shared::send_note)),
    ("onlineagent.agentskills", Model(Shared::agent_skills)),
    ("onlineagent.agentskillsbyworkno", Model(Shared::agent_skills)),
    ("queuedevice.agentVdnSkill", Model(Shared::vdn_skills)),
    ("queuedevice.ivrInfo", Model(Shared::ivr_info)),
    // CC-Gateway: call control and call data.
    ("voicecall.answer", Model(Shared::answer)),
    ("voicecall.release", Model(Shared::release)),
    ("voicecall.release_legacy", Model(Shared::release)),
    ("voicecall.dropcall", Model(Shared::drop_call)),
    ("voicecall.reject", Model(Shared::reject)),
    ("voicecall.hold", Model(Shared::hold)),
    ("voicecall.gethold", Model(Shared::unhold)),
    ("voicecall.beginmute", Model(Shared::mute)),
    ("voicecall.endmute", Model(Shared::mute)),
    ("voicecall.seconddialex", Model(Shared::second_dial)),
    ("voicecall.callout", Model(Shared::call_out)),
    ("voicecall.callinner", Model(Shared::call_inner)),
    ("voicecall.innerhelp", Model(Shared::inner_help)),
    ("voicecall.transfer", Model(Shared::transfer)),
    ("voicecall.canceltransfer", Model(Shared::cancel_transfer)),
    ("voicecall.confjoin", Model(Shared::conf_join)),
    ("voicecall.connecthold", Model(Shared::connect_hold)),
    ("calldata.setCallDataEx", Model(Shared::set_call_data)),
    ("calldata.appData", Model(Shared::app_data)),
    ("calldata.callInfo", Model(Shared::call_info)),
    ("calldata.holdList", Model(Shared::hold_list)),
    ("mediacall.sendMessage", Model(Shared::chat_send_message)),
    ("mediacall.transfer", Model(Shared::media_transfer)),
    ("mediacall.setCallNums", Model(Shared::set_chat_limit)),
    ("config.login", Model(Shared::config_login)),
    // API Fabric.
    ("auth.tokenByAkSk", Model(Shared::token_by_ak_sk)),
    ("agentInfo.queryAgentInfo", Model(Shared::query_agent_info)),
    ("skill.querySkills", Model(Shared::skill_query_skills)),
    ("ccmessaging.applyToken", Model(Shared::apply_token)),
    ("ccmessaging.send", Model(Shared::messaging_send)),
    // CC-Messaging web channel (cookie token; the chat model of ccmessaging.send) and the media cache.
    ("webchannel.sendMessageForWebChannel", Model(Shared::web_send)),
    ("webchannel.getMessageForWebChannel", Model(Shared::web_poll)),
    ("webchannel.queryFileSize", Model(Shared::web_file_size)),
    ("webchannel.doLeaveMessage", Model(Shared::web_leave_message)),
    ("webchannel.doSatisfactionEvaluation", Model(Shared::web_survey)),
    ("webchannel.getRichTextResource", Model(Shared::media_resource)),
    ("webchannel.checkClickToCallSupport", Model(Shared::web_click_to_call_support)),
    ("webchannel.createClickToCall", Model(Shared::web_click_to_call)),
    ("webchannel.dropClickToCall", Model(Shared::web_drop_click_to_call)),
    ("ccmessaging.uploadFileStream", Model(Shared::media_upload)),
    ("ccmessaging.downloadFileStream", Model(Shared::media_download)),
    // CC-Messaging social webhooks: signature checked (crate::social), delivery kept.
    ("facebook.verifyCallback", Model(Shared::social_challenge)),
    ("wechat.verifySignature", Model(Shared::social_challenge)),
    ("facebook.receiveMoMessage", Model(Shared::social_inbound)),
    ("fiveg.receiveMoMessage", Model(Shared::social_inbound)),
    ("line.receiveMessage", Model(Shared::social_inbound)),
    ("twitter.receiveMessage", Model(Shared::social_inbound)),
    ("whatsapp.receiveMoMessageInfobip", Model(Shared::social_inbound)),
    ("whatsapp.receiveReportInfobip", Model(Shared::social_inbound)),
    ("whatsapp.receiveMoMessageKooMessage", Model(Shared::social_inbound)),
    ("whatsapp.receiveReportKooMessage", Model(Shared::social_inbound)),
    ("ccmessaging.poll", Model(Shared::messaging_poll)),
    // OIAP.
    ("auth.gettoken", Model(Shared::oiap_token)),
    ("auth.getAppCubeToken", Model(Shared::oiap_token)),
    ("dialog.process", Model(Shared::dialog)),
    ("dialogV2.process", Model(Shared::dialog_v2)),
    // CC-iSales.
    ("campaign.query_all", Model(Shared::campaigns)),
    ("campaign.pause", Model(Shared::campaign_pause_resume)),
    ("campaign.resume", Model(Shared::campaign_pause_resume)),
    ("calldata.add_v1", Model(Shared::calldata_add_v1)),
    ("calldata.add_v2", Model(Shared::calldata_add_v2)),
    ("calldata.delete", Model(Shared::calldata_delete)),
    ("blocklist.add", Model(Shared::blocklist_add)),
    ("blocklist.delete", Model(Shared::blocklist_delete)),
    ("blocklist.delete_all", Model(Shared::blocklist_delete_all)),
    ("blocklist.query", Model(Shared::blocklist_query)),
    ("campaign.set_retry_policy", Model(Shared::set_retry_policy)),
    ("campaign.query_retry_policy", Model(Shared::query_retry_policy)),
    ("callresult.query", Model(Shared::callresult_query)),
    ("isales/calldata.statistics", Model(Shared::calldata_statistics)),
    // CC-CMS.
    ("health.ping", Model(Shared::ping)),
    ("agent.agentstatusinfobyagentids", Model(Shared::cms_agent_states)),
    ("agentgroup.teamagentstatusinfo", Model(Shared::cms_team_states)),
    ("skill.rindex", Model(Shared::cms_skill_realtime)),
    ("vdn.rindex", Model(Shared::cms_vdn_realtime)),
    ("skill.queuedevicestatus", Model(Shared::cms_queue_devices)),
    ("agent.queryagentcalls", Model(Shared::cms_agent_calls)),
    ("calldata.isprocesscall", Model(Shared::cms_is_process_call)),
    ("vdn.configures_skills", Model(Shared::cms_vdn_skills)),
    ("hisindex.skill", Model(Shared::cms_skill_history)),
    ("configures.agents", Model(Shared::cms_configured_agents)),
    ("hisindex.agent", Model(Shared::cms_agent_history)),
    ("hisindex.vdn", Model(Shared::cms_vdn_history)),
    // CC-FS.
    ("ccfs.downloadRecord", Model(Shared::download_record)),
    ("ccfs.downloadRecordFile", Model(Shared::download_record)),
    ("ccfs.queryBillData", Model(Shared::query_bill_data)),
    ("ccfs.downloadBillFile", Model(Shared::download_bill_file)),
    ("ccfs.ivr.downloadFile", Model(Shared::ivr_download_file)),
    ("ccfs.ivr.getFileHash", Model(Shared::ivr_file_hash)),
];

/// How the simulator serves `route` under the scenario's policy for
/// state-changing interfaces it does not model.
pub(crate) fn serve_for(route: &Route, unmodelled: Unmodelled) -> Serve {
    if let Some((_, s)) = MODELLED.iter().find(|(key, _)| names(key, route)) {
        return *s;
    }
    match (route.retry(), unmodelled) {
        (RetryClass::Unsafe, Unmodelled::Refuse) => Serve::Refuse,
        _ => Serve::Sample,
    }
}

/// Whether a `MODELLED` key (`"<id>"` or `"<ne>/<id>"`) names `route`.
fn names(key: &str, route: &Route) -> bool {
    match key.split_once('/') {
        Some((ne, id)) => ne == route.ne && id == route.id(),
        None => key == route.id(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generated::ROUTES;

    #[test]
    fn every_modelled_id_is_served_and_listed_one_per_line() {
        let source = include_str!("dispatch.rs");
        for (id, _) in MODELLED {
            let nes: std::collections::BTreeSet<&str> = ROUTES.iter().filter(|r| names(id, r)).map(|r| r.ne).collect();
            assert!(!nes.is_empty(), "{id}: no route of its own in the generated table");
            // An id two NEs share must say which one is modelled.
            assert_eq!(nes.len(), 1, "{id} is an id of {nes:?}: write it \"<ne>/{id}\"");
            let line = format!("    (\"{id}\", ");
            assert!(source.contains(&line), "{id}: keep the entry on one line (xtask coverage reads it)");
        }
        let mut ids: Vec<&str> = MODELLED.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "an id is listed twice");
    }

    /// No interface that changes state answers its spec sample: each one's
    /// behaviour (or refusal) is run on a fresh model with an empty request and
    /// its answer compared with the sample.
    #[tokio::test]
    async fn no_state_changing_interface_answers_its_sample() {
        let shared = Shared::new(crate::SimConfig::default());
        let mut checked = 0;
        for route in ROUTES.iter().filter(|r| r.retry() == RetryClass::Unsafe) {
            let serve = serve_for(route, Unmodelled::Refuse);
            assert!(!matches!(serve, Serve::Sample), "{}: sample-only", route.id());
            let req = Req {
                params: Default::default(),
                query: Vec::new(),
                headers: Default::default(),
                body: serde_json::Value::Null,
            };
            let sample: serde_json::Value = serde_json::from_str(route.success).unwrap_or_default();
            let answer = shared.handle(route, serve, &req).await;
            if let Reply::Json(v, _) = &answer {
                assert_ne!(v, &sample, "{}: answers the spec's sample", route.id());
            }
            checked += 1;
        }
        assert!(checked > 200, "{checked} state-changing routes");
    }
}
