//! A chatbot dialog on `dialog.process` (`POST /oifde/rest/crs/process`) or
//! its V2, `dialogV2.process` (`POST /oifde/rest/v2/crs/process/{vdnId}`).
//!
//! The reference runs a dialog as turns keyed by `userid`: the first request
//! is `inaction` 8 (init); ODFS answers with an `outaction` saying what to do
//! next — 9 interact (show `prompt_text`, send the user's input back with
//! `inaction` 9 and the echoed `inter_idx`), 11 transfer (to an agent or IVR:
//! `trans_type`, `route_value`), 10 hang up (the dialog is over). After the
//! first request each request carries the last `outaction` as its `inaction`;
//! the user ending the dialog is the input `hangup`. The token goes in
//! `inparams.auth_token`; the client's [`crate::OiapAuth`] puts it there and
//! renews it, so [`Dialog`] never handles it.
//!
//! **V2** ([`DialogVersion::V2`], [`Dialog::start_v2`]) differs only in the URL:
//! it carries the tenant's VDN id, by which OIAP routes the dialog (gray
//! routing); the reference gives V2 the same parameters, answers and logic as
//! V1, so both versions give the same [`DialogTurn`]s.
//!
//! Neither version's answer has intent, slot or confidence fields: the
//! chatbot's decision is the `outaction` and its `outparams`, typed here as
//! [`DialogTurn`] (nothing is made up for what the answer does not carry). An `outaction` the reference does not list (or one the
//! dialog cannot continue from, 12 query, 7 and 13 recording) is
//! [`DialogTurn::Other`] with the raw values.

use serde_json::{Value, json};

use crate::generated::DialogProcessResponse;
use crate::{Client, Error};

/// How a transfer decided by the chatbot is to be routed (`trans_type`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferKind {
    /// 1: to an agent through a route (queue access) code.
    AgentByRouteCode,
    /// 2: to an IVR.
    Ivr,
    /// 3: to an agent through a skill name.
    AgentBySkillName,
    /// 4: to an agent by id.
    AgentById,
    /// A value the reference does not list.
    Other(String),
}

impl TransferKind {
    fn from_code(code: &str) -> Self {
        match code {
            "1" => TransferKind::AgentByRouteCode,
            "2" => TransferKind::Ivr,
            "3" => TransferKind::AgentBySkillName,
            "4" => TransferKind::AgentById,
            other => TransferKind::Other(other.to_owned()),
        }
    }

    /// The transfer goes to an agent (not to an IVR).
    pub fn to_agent(&self) -> bool {
        matches!(self, TransferKind::AgentByRouteCode | TransferKind::AgentBySkillName | TransferKind::AgentById)
    }
}

/// What the chatbot answered to one turn.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DialogTurn {
    /// `outaction` 9: show the reply and send the user's next input.
    Prompt {
        /// The chatbot's text reply (`prompt_text`).
        text: String,
        /// `prompt_type` as given.
        prompt_type: Option<String>,
        /// `language`: 0 Chinese, 1 English.
        language: Option<String>,
    },
    /// `outaction` 11: the chatbot hands the user on.
    Transfer {
        /// How to route it.
        kind: TransferKind,
        /// The route value matching `kind` (access code, skill name, agent id).
        route_value: String,
        /// Call-associated data to pass on (`trans_data`).
        data: Option<String>,
    },
    /// `outaction` 10: the dialog is over.
    Ended {
        /// `release_reason`: 0 the flow's normal end, 1 an exception or timeout.
        release_reason: Option<String>,
    },
    /// Any other `outaction`, with its `outparams` as they came.
    Other {
        /// The `outaction`.
        outaction: i64,
        /// The raw `outparams`.
        outparams: Value,
    },
}

/// Which dialog interface a [`Dialog`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DialogVersion {
    /// `dialog.process` (`/oifde/rest/crs/process`).
    V1,
    /// `dialogV2.process` (`/oifde/rest/v2/crs/process/{vdnId}`): the tenant's VDN id in the URL.
    V2 {
        /// The VDN (tenant call center) id.
        vdn_id: String,
    },
}

impl DialogVersion {
    fn operation(&self) -> &'static str {
        match self {
            DialogVersion::V1 => "dialog.process",
            DialogVersion::V2 { .. } => "dialogV2.process",
        }
    }
}

/// One chatbot dialog, keyed by its `userid` (the call or chat session key).
#[derive(Debug)]
pub struct Dialog {
    client: Client,
    version: DialogVersion,
    userid: String,
    access_code: String,
    inter_idx: Option<String>,
    last_outaction: i64,
    ended: bool,
}

fn refuse(version: &DialogVersion, why: &str) -> Error {
    cec_core::Error::usage(why).with_operation(version.operation()).into()
}

impl Dialog {
    /// Starts a dialog (`inaction` 8) for `userid` (at most 64 characters)
    /// that came in on `access_code` (`call_dst_id`); gives the chatbot's
    /// first turn, usually its greeting.
    pub async fn start(
        client: Client,
        userid: impl Into<String>,
        access_code: impl Into<String>,
    ) -> Result<(Dialog, DialogTurn), Error> {
        Self::start_with(client, DialogVersion::V1, userid, access_code).await
    }

    /// [`start`](Self::start) on the V2 interface, for the tenant's VDN `vdn_id`.
    pub async fn start_v2(
        client: Client,
        vdn_id: impl Into<String>,
        userid: impl Into<String>,
        access_code: impl Into<String>,
    ) -> Result<(Dialog, DialogTurn), Error> {
        Self::start_with(client, DialogVersion::V2 { vdn_id: vdn_id.into() }, userid, access_code).await
    }

    /// [`start`](Self::start) on the interface `version` names.
    pub async fn start_with(
        client: Client,
        version: DialogVersion,
        userid: impl Into<String>,
        access_code: impl Into<String>,
    ) -> Result<(Dialog, DialogTurn), Error> {
        let userid = userid.into();
        if userid.is_empty() || userid.chars().count() > 64 {
            return Err(refuse(&version, "userid: 1 to 64 characters"));
        }
        if let DialogVersion::V2 { vdn_id } = &version
            && vdn_id.trim().is_empty()
        {
            return Err(refuse(&version, "vdnId: the tenant's VDN id is required for the V2 dialog"));
        }
        let mut d = Dialog {
            client,
            version,
            userid,
            access_code: access_code.into(),
            inter_idx: None,
            last_outaction: 8,
            ended: false,
        };
        let inparams = json!({
            "call_id": d.userid, "call_sor_id": d.userid, "call_dst_id": d.access_code,
            // Text chat (the reference's mediaType for a text session).
            "mediaType": "1"
        });
        let turn = d.turn(8, inparams).await?;
        Ok((d, turn))
    }

    /// The interface the dialog uses.
    pub fn version(&self) -> &DialogVersion {
        &self.version
    }

    /// The dialog's key.
    pub fn userid(&self) -> &str {
        &self.userid
    }

    /// The dialog is over (the chatbot answered `outaction` 10).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Sends the user's text as the result of the last turn and gives the
    /// chatbot's answer. Refused locally once the dialog is over, or for an
    /// empty text.
    pub async fn say(&mut self, text: &str) -> Result<DialogTurn, Error> {
        if self.ended {
            return Err(refuse(&self.version, "the dialog is over"));
        }
        if text.trim().is_empty() {
            return Err(refuse(&self.version, "an empty input"));
        }
        let inaction = self.next_inaction();
        let inparams = self.inparams(text);
        self.turn(inaction, inparams).await
    }

    /// Ends the dialog from the user's side (the input `hangup`); gives the
    /// chatbot's last answer. Ending a dialog that is already over sends nothing.
    pub async fn end(mut self) -> Result<DialogTurn, Error> {
        if self.ended {
            return Ok(DialogTurn::Ended { release_reason: None });
        }
        let inaction = self.next_inaction();
        let inparams = self.inparams("hangup");
        self.turn(inaction, inparams).await
    }

    /// After the first request each request carries the last `outaction`
    /// (9 after an interaction, 11 after a transfer).
    fn next_inaction(&self) -> i64 {
        match self.last_outaction {
            11 => 11,
            _ => 9,
        }
    }

    fn inparams(&self, input: &str) -> Value {
        let mut p =
            json!({ "call_id": self.userid, "call_dst_id": self.access_code, "input": input, "flow_result_type": "1" });
        if let (Some(idx), Some(o)) = (&self.inter_idx, p.as_object_mut()) {
            o.insert("inter_idx".into(), json!(idx));
        }
        p
    }

    async fn turn(&mut self, inaction: i64, inparams: Value) -> Result<DialogTurn, Error> {
        // The dialog interface is not idempotent: each turn is sent once.
        let r = match &self.version {
            DialogVersion::V1 => {
                self.client
                    .dialog_process()
                    .userid(self.userid.as_str())
                    .inaction(inaction)
                    .inparams(inparams)
                    .send()
                    .await?
            }
            // The V2 answer is the V1 answer type (the same table in the reference).
            DialogVersion::V2 { vdn_id } => {
                self.client
                    .dialog_v2_process()
                    .vdn_id(vdn_id.as_str())
                    .userid(self.userid.as_str())
                    .inaction(inaction)
                    .inparams(inparams)
                    .send()
                    .await?
            }
        };
        Ok(self.apply(r))
    }

    fn apply(&mut self, r: DialogProcessResponse) -> DialogTurn {
        let outaction = r.outaction.unwrap_or(-1);
        let o = r.outparams.unwrap_or_default();
        if o.inter_idx.is_some() {
            self.inter_idx = o.inter_idx.clone();
        }
        if (9..=11).contains(&outaction) {
            self.last_outaction = outaction;
        }
        match outaction {
            9 => DialogTurn::Prompt {
                text: o.prompt_text.unwrap_or_default(),
                prompt_type: o.prompt_type,
                language: o.language,
            },
            11 => DialogTurn::Transfer {
                kind: TransferKind::from_code(o.trans_type.as_deref().unwrap_or("")),
                route_value: o.route_value.unwrap_or_default(),
                data: o.trans_data,
            },
            10 => {
                self.ended = true;
                DialogTurn::Ended { release_reason: o.release_reason }
            }
            other => DialogTurn::Other { outaction: other, outparams: serde_json::to_value(&o).unwrap_or(Value::Null) },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn dialog() -> Dialog {
        let cfg = cec_core::Config::builder("http://127.0.0.1:9").build().unwrap();
        let client = Client::new(cfg, crate::OiapCredentials::tenant("t", "s")).unwrap();
        Dialog {
            client,
            version: DialogVersion::V1,
            userid: "u1".into(),
            access_code: "100".into(),
            inter_idx: None,
            last_outaction: 8,
            ended: false,
        }
    }

    fn answer(v: Value) -> DialogProcessResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn turns_are_typed_and_the_next_inaction_follows_the_last_outaction() {
        let mut d = dialog();
        let t = d.apply(answer(json!({"ret": 0, "userid": "u1", "outaction": 9,
            "outparams": {"call_id": "u1", "prompt_type": "2", "prompt_text": "Hello", "language": "1", "inter_idx": "1"}})));
        assert_eq!(
            t,
            DialogTurn::Prompt { text: "Hello".into(), prompt_type: Some("2".into()), language: Some("1".into()) }
        );
        assert_eq!(d.next_inaction(), 9);
        assert_eq!(d.inparams("hi")["inter_idx"], "1", "inter_idx echoed");
        let t = d.apply(answer(json!({"ret": 0, "userid": "u1", "outaction": 11,
            "outparams": {"call_id": "u1", "trans_type": "1", "route_value": "4001", "inter_idx": "2"}})));
        assert_eq!(
            t,
            DialogTurn::Transfer { kind: TransferKind::AgentByRouteCode, route_value: "4001".into(), data: None }
        );
        assert!(TransferKind::AgentByRouteCode.to_agent() && !TransferKind::Ivr.to_agent());
        assert_eq!(d.next_inaction(), 11, "after a transfer the request says 11");
        let t = d.apply(answer(json!({"ret": 0, "userid": "u1", "outaction": 10,
            "outparams": {"call_id": "u1", "release_reason": "0"}})));
        assert_eq!(t, DialogTurn::Ended { release_reason: Some("0".into()) });
        assert!(d.is_ended());
    }

    #[test]
    fn an_unknown_outaction_is_kept_raw_and_does_not_change_the_next_request() {
        let mut d = dialog();
        let t = d.apply(answer(json!({"ret": 0, "userid": "u1", "outaction": 42, "outparams": {"call_id": "u1"}})));
        match t {
            DialogTurn::Other { outaction, outparams } => {
                assert_eq!(outaction, 42);
                assert_eq!(outparams["call_id"], "u1");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.next_inaction(), 9);
        assert!(!d.is_ended());
    }
}
