//! API Fabric web chat: `ccmessaging.send` CONNECT reaches the chatbot (the
//! scenario's intents); TRANS2AGENT (or a transfer intent) queues the chat in
//! the chat skill queue, which offers it to an agent as a multimedia call
//! (`AgentEvent_Ringing`, `mediaType` 1); the agent's
//! `mediacall.sendMessage` reaches the customer through `ccmessaging.poll`,
//! the customer's messages reach the agent as `AgentEvent_MessageData`.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

use super::{Model, Shared, event, gw_ok, now_ms};
use crate::api::{Reply, Req, Route, failure};

/// Media type code of text chat.
const MEDIA_CHAT: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Robot,
    Queued,
    Agent,
    Closed,
}

#[derive(Debug)]
struct Session {
    phase: Phase,
    call: Option<String>,
    agent: Option<String>,
    downlink: VecDeque<Value>,
}

/// Web-chat sessions by customer (`from` / `receiverId`).
#[derive(Debug, Default)]
pub(crate) struct Chats {
    sessions: BTreeMap<String, Session>,
    by_call: BTreeMap<String, String>,
    /// The web channel user each `ccmessaging-token` was applied for.
    token_users: BTreeMap<String, String>,
    /// The media cache: uploaded files by object key (content type, file type, bytes).
    media: BTreeMap<String, (String, String, Vec<u8>)>,
    /// Left messages (phone, text) and survey answers (level, comment), by user.
    left: Vec<(String, String, String)>,
    surveys: Vec<(String, String, String)>,
    /// Downlink messages not yet pushed to the registered adapter.
    outbox: Vec<Value>,
    /// The channel pushes its messages (an adapter URL is registered): they
    /// are not also kept for `getMessageForWebChannel`.
    push_mode: bool,
    /// Downlink messages so far (their `messageCode`s).
    codes: u64,
    /// Each web channel user's click-to-call (its call id).
    click_calls: BTreeMap<String, String>,
}

/// The `ccmessaging-token` of a request's `Cookie` header ("" when absent).
pub(crate) fn messaging_cookie(req: &Req) -> &str {
    req.header("cookie")
        .into_iter()
        .flat_map(|c| c.split(';'))
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| k.trim() == "ccmessaging-token")
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// The web channel's file size limits (MB), as the reference's example of
/// `queryFileSize` gives them.
const FILE_SIZE_LIMITS: (&str, &str, &str) = ("2", "2", "4");

impl Chats {
    /// No sessions yet; `push_mode` when the channel pushes its messages.
    pub(super) fn new(push_mode: bool) -> Chats {
        Chats { push_mode, ..Default::default() }
    }

    /// Remembers whom a token was applied for.
    pub(super) fn bind_token(&mut self, token: &str, user: &str) {
        self.token_users.insert(token.to_owned(), user.to_owned());
    }

    /// The number of files in the media cache.
    pub(super) fn media_count(&self) -> usize {
        self.media.len()
    }

    fn say(&mut self, user: &str, from: &str, source: &str, text: &str) {
        self.say_media(user, from, source, "TEXT", text, None);
    }

    /// A downlink message of any media: a file's `content` is its media cache
    /// id and `mediaFileType` its file type (what `downloadFileStream` takes).
    fn say_media(&mut self, user: &str, from: &str, source: &str, media: &str, content: &str, file_type: Option<&str>) {
        if let Some(s) = self.sessions.get_mut(user) {
            self.codes += 1;
            // `messageCode`: the reference's unique code of a message (at most 64 characters).
            let mut msg = json!({
                "channel": "WEB", "content": content, "from": from, "to": user, "mediaType": media,
                "controlType": "CHAT", "senderNickname": from, "timestamp": now_ms() as u64, "sourceType": source,
                "messageCode": format!("sim-msg-{:010}", self.codes)
            });
            if let (Some(t), Some(o)) = (file_type, msg.as_object_mut()) {
                o.insert("mediaFileType".into(), json!(t));
            }
            if self.push_mode {
                self.outbox.push(msg);
            } else {
                s.downlink.push_back(msg);
            }
        }
    }

    /// The file type a media cache entry was stored with.
    fn file_type_of(&self, key: &str) -> Option<String> {
        self.media.get(key.strip_prefix("local/").unwrap_or(key)).map(|(_, t, _)| t.clone())
    }
}

fn sent(desc: &str) -> Reply {
    Reply::ok(json!({ "resultCode": "0", "resultDesc": desc }))
}

impl Shared {
    pub(super) fn messaging_send(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_apifabric::generated::CcmessagingSendBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let user = b.from.clone().unwrap_or_default();
        let content = b.content.clone().unwrap_or_default();
        let media = b.media_type.clone().unwrap_or_else(|| "TEXT".into());
        self.chat_control(route, &user, b.control_type.as_deref().unwrap_or(""), &content, &media)
    }

    /// One customer message or control (`ccmessaging.send`, the web channel's
    /// `sendMessageForWebChannel`).
    pub(super) fn chat_control(&self, route: &Route, user: &str, control: &str, content: &str, media: &str) -> Reply {
        let (user, content) = (user.to_owned(), content.to_owned());
        let channel = self.config.scenario.channel_id.clone();
        let mut m = self.lock();
        let phase = m.chats.sessions.get(&user).map(|s| s.phase).unwrap_or(Phase::Closed);
        match control {
            "CONNECT" => {
                m.chats.sessions.insert(
                    user.clone(),
                    Session { phase: Phase::Robot, call: None, agent: None, downlink: VecDeque::new() },
                );
                m.chats.say(&user, &channel, "ROBOT", super::intents::GREETING);
                sent("connect to robot success.")
            }
            "CHAT" => match phase {
                Phase::Closed => failure(route, "1", "no chat session: send CONNECT first"),
                Phase::Robot => {
                    let (answer, transfer) = match self.intent_for(&content) {
                        Some(i) => (i.answer.clone(), i.transfer),
                        None => (self.config.scenario.fallback_answer.clone(), false),
                    };
                    m.chats.say(&user, &channel, "ROBOT", &answer);
                    if transfer {
                        self.chat_to_agent(&mut m, &user);
                    }
                    sent("message accepted.")
                }
                Phase::Queued => sent("message accepted."),
                Phase::Agent => {
                    let (call, first) = m
                        .chats
                        .sessions
                        .get(&user)
                        .map(|s| (s.call.clone().unwrap_or_default(), s.agent.clone().unwrap_or_default()))
                        .unwrap_or_default();
                    // After a transfer the chat is with the agent now handling the call.
                    let agent = m.calls.get(&call).map(|c| c.agent.clone()).filter(|a| !a.is_empty()).unwrap_or(first);
                    // A file reaches the agent in the layout the agent's own file
                    // messages use (the reference gives none): mediaType, content
                    // (the media cache id), fileType.
                    let message = if media == "TEXT" || media.is_empty() {
                        content.clone()
                    } else {
                        let ft = m.chats.file_type_of(&content).unwrap_or_default();
                        json!({ "mediaType": media, "content": content, "fileType": ft }).to_string()
                    };
                    if let Some(a) = m.agents.get_mut(&agent) {
                        // `message` is the documented field; `content` is kept for older readers.
                        let data = json!({ "callid": call, "caller": user, "message": message, "content": content, "userid": user, "mediaType": media });
                        Self::push_event(a, event("AgentEvent_MessageData", &agent, data));
                    }
                    sent("message accepted.")
                }
            },
            "TRANS2AGENT" => match phase {
                Phase::Closed => failure(route, "1", "no chat session: send CONNECT first"),
                Phase::Robot => {
                    self.chat_to_agent(&mut m, &user);
                    sent("transferring to an agent.")
                }
                _ => sent("transferring to an agent."),
            },
            "DISCONNECT" => {
                self.chat_disconnect(&mut m, &user);
                sent("disconnected.")
            }
            "INPUT" | "READ" => sent("ok."),
            _ => failure(route, "1", "unknown controlType"),
        }
    }

    /// Queues the chat in the chat skill queue (settling offers it to an agent).
    fn chat_to_agent(&self, m: &mut Model, user: &str) {
        let queue = self.config.scenario.chat_queue;
        let channel = self.config.scenario.channel_id.clone();
        let call = self.enqueue(m, queue, user, &channel, MEDIA_CHAT);
        m.chats.by_call.insert(call.clone(), user.to_owned());
        if let Some(s) = m.chats.sessions.get_mut(user) {
            s.phase = Phase::Queued;
            s.call = Some(call);
        }
        m.chats.say(user, &channel, "SYSTEM", "Transferring you to an agent, please wait.");
    }

    fn chat_disconnect(&self, m: &mut Model, user: &str) {
        let Some(s) = m.chats.sessions.get_mut(user) else { return };
        let (phase, call, agent) = (s.phase, s.call.clone(), s.agent.clone());
        s.phase = Phase::Closed;
        match (phase, call, agent) {
            (Phase::Queued, Some(call), _) => {
                Self::abandon_waiting(m, &call);
            }
            (Phase::Agent, Some(call), _) => {
                // The customer left: every agent on the chat is told, and leaves it
                // (its other chats go on; with none left it goes idle or into work).
                let agents: Vec<String> = m
                    .calls
                    .get(&call)
                    .filter(|c| c.state != "released")
                    .map(|c| {
                        std::iter::once(c.agent.clone())
                            .chain(c.peers.iter().cloned())
                            .filter(|a| !a.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                self.finish_call(m, &call);
                for agent in agents {
                    if let Some(a) = m.agents.get_mut(&agent) {
                        let content = json!({ "callid": call, "number": user });
                        Self::push_event(a, event("AgentEvent_Customer_Release", &agent, content));
                    }
                    self.drop_party(m, &call, &agent);
                }
            }
            _ => {}
        }
    }

    /// Settling saw the agent answer a call: if it is a chat, the customer is told.
    pub(super) fn chat_answered(&self, chats: &mut Chats, call: &str, agent: &str) {
        let Some(user) = chats.by_call.get(call).cloned() else { return };
        if let Some(s) = chats.sessions.get_mut(&user) {
            s.phase = Phase::Agent;
            s.agent = Some(agent.to_owned());
        }
        let channel = self.config.scenario.channel_id.clone();
        chats.say(&user, &channel, "SYSTEM", &format!("Agent {agent} has joined the chat."));
    }

    /// Settling saw a call released: a chat with the agent ends.
    pub(super) fn chat_released(&self, m: &mut Model, call: &str) {
        let Some(user) = m.chats.by_call.remove(call) else { return };
        let open = m.chats.sessions.get(&user).is_some_and(|s| s.phase != Phase::Closed);
        if let Some(s) = m.chats.sessions.get_mut(&user) {
            s.phase = Phase::Closed;
        }
        if open {
            let channel = self.config.scenario.channel_id.clone();
            m.chats.say(&user, &channel, "SYSTEM", "The agent has left the chat.");
        }
    }

    /// `ccmessaging.poll`: the customer's waiting downlink messages.
    pub(super) fn messaging_poll(&self, _route: &Route, req: &Req) -> Reply {
        let user = req.query("receiverId").unwrap_or("");
        let mut m = self.lock();
        let msgs: Vec<Value> =
            m.chats.sessions.get_mut(user).map(|s| s.downlink.drain(..).collect()).unwrap_or_default();
        Reply::ok(json!({ "resultCode": "0", "resultDesc": "query user messages success", "downlinkMessages": msgs }))
    }

    /// `mediacall.sendMessage`: an agent's chat message to the customer.
    pub(super) fn chat_send_message(&self, route: &Route, req: &Req) -> Reply {
        let agent = req.param("agentid");
        let b: cec_gateway::generated::MediacallSendMessageBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let call = b.callid.as_deref().unwrap_or("");
        let text = match &b.data {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.get("content").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| v.to_string()),
            None => String::new(),
        };
        let mut m = self.lock();
        let Some(user) = m.chats.by_call.get(call).cloned() else {
            return failure(route, "200-002", "no chat with this call id");
        };
        let handling =
            m.calls.get(call).is_some_and(|c| c.agent == agent && matches!(c.state, "talking" | "conference"));
        let ok = handling && m.chats.sessions.get(&user).is_some_and(|s| s.phase == Phase::Agent);
        if !ok {
            return failure(route, "200-002", "the agent is not in this chat");
        }
        // A file message: a JSON object (serialized to the string) naming a file
        // media type and a media cache id that exists.
        let file = serde_json::from_str::<Value>(&text).ok().and_then(|v| {
            let media = v.get("mediaType")?.as_str()?.to_ascii_uppercase();
            let id = v.get("content")?.as_str()?.to_owned();
            matches!(media.as_str(), "IMAGE" | "AUDIO" | "VIDEO" | "DOCUMENT").then_some((media, id))
        });
        match file {
            Some((media, id)) => {
                let Some(ft) = m.chats.file_type_of(&id) else {
                    return failure(route, "200-002", "the file message names no file of the media cache");
                };
                m.chats.say_media(&user, agent, "AGENT", &media, &id, Some(&ft));
            }
            None => m.chats.say(&user, agent, "AGENT", &text),
        }
        Reply::ok(gw_ok(Value::Null))
    }
}

impl Shared {
    /// `mediacall.setCallNums`: the most sessions of one media type the agent
    /// holds at once (1-60). For a chat media type (1, 51, 53) it bounds how
    /// many chats are offered to the agent together; chats it holds already
    /// stay. Other media types are accepted and change nothing here (a voice
    /// call keeps the agent busy for everything).
    pub(super) fn set_chat_limit(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::MediacallSetCallNumsBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let Ok(media) = b.media_type.as_deref().unwrap_or("").trim().parse::<i64>() else {
            return failure(route, "000-002", "mediaType must be a media type code");
        };
        let n = match b.callnums.as_deref().unwrap_or("").trim().parse::<u32>() {
            Ok(n @ 1..=60) => n,
            Ok(_) => return failure(route, "106-003", "session count above the maximum (60)"),
            Err(_) => return failure(route, "000-002", "callnums must be a number 1-60"),
        };
        let queue_media: Vec<i64> = {
            let m = self.lock();
            let skills = m.agents.get(&id).map(|a| a.skills.clone()).unwrap_or_default();
            skills.iter().map(|q| self.queue_media(*q)).collect()
        };
        let mut m = self.lock();
        let a = match self.signed_in(&mut m, route, &id) {
            Ok(a) => a,
            Err(r) => return r,
        };
        if !queue_media.contains(&media) {
            return failure(route, "000-002", "the agent is signed in to no skill queue of this media type");
        }
        if super::is_chat_media(media) {
            a.chat_limits.insert(media, n);
        }
        // A higher limit may let a waiting chat through: the settling after the request offers it.
        Reply::ok(json!({ "retcode": "0", "message": "success" }))
    }

    /// The downlink messages since the last settling, as one `callback.pushMessages`
    /// delivery to the registered adapter (none when no adapter is registered:
    /// then the messages wait for `getMessageForWebChannel` / `ccmessaging.poll`).
    pub(super) fn chat_pushes(&self, m: &mut Model) -> Vec<super::effects::Effect> {
        let messages = std::mem::take(&mut m.chats.outbox);
        match &self.config.scenario.messaging_push_url {
            Some(base) if !messages.is_empty() => {
                let url = format!("{}/webhooks/v1/messages", base.trim_end_matches('/'));
                let body = json!({ "messages": messages, "timestamp": now_ms() as u64 });
                vec![super::effects::Effect::Post { url, body, signed: true }]
            }
            _ => Vec::new(),
        }
    }
}

fn web_ok(desc: &str) -> Value {
    json!({ "resultCode": "0", "resultDesc": desc })
}

impl Shared {
    /// The user of a web channel request's cookie token, and a fresh token when
    /// the old one has used up half its lifetime (sent back as `Set-Cookie`;
    /// the old one stays valid until it expires).
    fn web_user(&self, m: &mut Model, req: &Req) -> (String, Vec<(&'static str, String)>) {
        let token = messaging_cookie(req).to_owned();
        let user = m.chats.token_users.get(&token).cloned().unwrap_or_default();
        let lifetime = std::time::Duration::from_secs(3600).min(self.config.max_token_lifetime);
        let left = m
            .tokens
            .get(&(super::TokenKind::Messaging, token))
            .map(|exp| exp.saturating_duration_since(std::time::Instant::now()))
            .unwrap_or_default();
        let mut headers = Vec::new();
        if !user.is_empty() && left < lifetime / 2 {
            let fresh = self.new_token(m, super::TokenKind::Messaging, lifetime);
            m.chats.bind_token(&fresh, &user);
            headers.push(("set-cookie", format!("ccmessaging-token={fresh}; Path=/; HttpOnly")));
        }
        (user, headers)
    }

    fn with_headers(reply: Reply, headers: Vec<(&'static str, String)>) -> Reply {
        match reply {
            Reply::Json(v, mut h) => {
                h.extend(headers);
                Reply::Json(v, h)
            }
            other => other,
        }
    }

    /// `webchannel.sendMessageForWebChannel`: the cookie's user sends a message or control.
    pub(super) fn web_send(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_messaging::generated::WebchannelSendMessageForWebChannelBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let (user, headers) = self.web_user(&mut self.lock(), req);
        let control = b.control_type.as_deref().unwrap_or("");
        let reply = self.chat_control(
            route,
            &user,
            control,
            b.content.as_deref().unwrap_or(""),
            b.media_type.as_deref().unwrap_or("TEXT"),
        );
        Self::with_headers(reply, headers)
    }

    /// `webchannel.getMessageForWebChannel`: the cookie's user's waiting downlink messages.
    pub(super) fn web_poll(&self, _route: &Route, req: &Req) -> Reply {
        let mut m = self.lock();
        let (user, headers) = self.web_user(&mut m, req);
        let msgs: Vec<Value> =
            m.chats.sessions.get_mut(&user).map(|s| s.downlink.drain(..).collect()).unwrap_or_default();
        Reply::Json(
            json!({ "resultCode": "0", "resultDesc": "query user messages success", "downlinkMessages": msgs }),
            headers,
        )
    }

    /// `webchannel.queryFileSize`: the channel's file size limits.
    pub(super) fn web_file_size(&self, _route: &Route, _req: &Req) -> Reply {
        let (common, audio, video) = FILE_SIZE_LIMITS;
        Reply::ok(json!({ "resultCode": "0", "resultDesc": "success", "commonFileSize": common,
            "audioFileSize": audio, "videoFileSize": video }))
    }

    /// `webchannel.doLeaveMessage`.
    pub(super) fn web_leave_message(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_messaging::generated::WebchannelDoLeaveMessageBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut m = self.lock();
        let (user, headers) = self.web_user(&mut m, req);
        let (phone, text) = (b.phone_no.unwrap_or_default(), b.leave_message.unwrap_or_default());
        if phone.is_empty() || text.is_empty() {
            return Reply::ok(json!({ "resultCode": "0", "resultDesc": "success", "returnCode": "3",
                "description": "the leaveMessageParams is error." }));
        }
        m.chats.left.push((user, phone, text));
        Reply::Json(
            json!({ "resultCode": "0", "resultDesc": "success", "returnCode": "0", "description": "" }),
            headers,
        )
    }

    /// `webchannel.doSatisfactionEvaluation`.
    pub(super) fn web_survey(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_messaging::generated::WebchannelDoSatisfactionEvaluationBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let level = b.evaluation.unwrap_or_default();
        if !matches!(level.as_str(), "1" | "2" | "3" | "4" | "5") {
            return failure(route, "1", "evaluation must be 1..5");
        }
        let mut m = self.lock();
        let (user, headers) = self.web_user(&mut m, req);
        m.chats.surveys.push((user, level, b.comment.unwrap_or_default()));
        Reply::Json(web_ok("success"), headers)
    }

    /// API Fabric `ccmessaging.uploadFileStream`: a file into the media cache.
    pub(super) fn media_upload(&self, route: &Route, req: &Req) -> Reply {
        use base64::Engine as _;
        let b: cec_apifabric::generated::CcmessagingUploadFileStreamBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b.file_stream.unwrap_or_default()) else {
            return Reply::ok(json!({ "returnCode": "3", "resultDesc": "fileStream is not Base64" }));
        };
        let file_type = b.file_type.unwrap_or_default().to_ascii_lowercase();
        let ctype = match file_type.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "mp3" => "audio/mpeg",
            "mp4" => "video/mp4",
            "txt" | "csv" => "text/plain",
            _ => "application/octet-stream",
        };
        let mut m = self.lock();
        let key = format!("{:016x}", self.next_id(&mut m));
        m.chats.media.insert(key.clone(), (ctype.to_owned(), file_type, bytes));
        Reply::ok(json!({ "returnCode": "0", "objectKey": key }))
    }

    /// API Fabric `ccmessaging.downloadFileStream`: a file of the media cache,
    /// Base64 (`fileId` with or without the `local/` prefix of locally sent
    /// files; code 13 for an unknown file or a file type it was not stored as).
    pub(super) fn media_download(&self, route: &Route, req: &Req) -> Reply {
        use base64::Engine as _;
        let b: cec_apifabric::generated::CcmessagingDownloadFileStreamBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let id = b.file_id.unwrap_or_default();
        let want = b.file_type.unwrap_or_default().to_ascii_lowercase();
        let m = self.lock();
        match m.chats.media.get(id.strip_prefix("local/").unwrap_or(&id)) {
            Some((_, stored, bytes)) if want.is_empty() || *stored == want => Reply::ok(json!({
                "resultCode": "0", "resultDesc": "success",
                "fileStream": base64::engine::general_purpose::STANDARD.encode(bytes)
            })),
            Some(_) => failure(route, "13", "the file type does not match the file"),
            None => failure(route, "13", "no such file"),
        }
    }

    /// `common.getResourceFile` / `webchannel.getRichTextResource`: a file of the media cache.
    pub(super) fn media_resource(&self, _route: &Route, req: &Req) -> Reply {
        let m = self.lock();
        match m.chats.media.get(req.param("resourceId")) {
            Some((ctype, _, bytes)) => {
                let ctype: &'static str = match ctype.as_str() {
                    "image/jpeg" => "image/jpeg",
                    "image/png" => "image/png",
                    "audio/mpeg" => "audio/mpeg",
                    "video/mp4" => "video/mp4",
                    "text/plain" => "text/plain",
                    _ => "application/octet-stream",
                };
                Reply::File(bytes.clone(), ctype)
            }
            None => Reply::Status(
                axum::http::StatusCode::NOT_FOUND,
                json!({ "resultCode": "1", "resultDesc": "no such resource" }),
            ),
        }
    }
}

impl Shared {
    /// `webchannel.checkClickToCallSupport`: click-to-call is offered when the
    /// scenario has a voice skill queue for the call; no WebRTC (the simulator
    /// has no media gateway).
    pub(super) fn web_click_to_call_support(&self, _route: &Route, req: &Req) -> Reply {
        let supported = self.click_to_call_queue().is_some();
        let mut m = self.lock();
        let (_, headers) = self.web_user(&mut m, req);
        Reply::Json(
            json!({ "resultCode": "0", "resultDesc": "success", "webRTCSupported": false,
                "clickToCallSupported": supported }),
            headers,
        )
    }

    /// The skill queue a click-to-call waits in: the scenario's first voice queue (media type 5).
    fn click_to_call_queue(&self) -> Option<u32> {
        self.config.scenario.queues.iter().find(|q| q.media_type == 5).map(|q| q.id)
    }

    /// `webchannel.createClickToCall`: the cookie's user calls; an audio call
    /// waits in the voice queue as an inbound call from the user (caller: the
    /// user id), offered to an agent like any other. The call model has no
    /// video calls: a video click-to-call is refused, never faked.
    pub(super) fn web_click_to_call(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_messaging::generated::WebchannelCreateClickToCallBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        match b.media_ability.as_deref().unwrap_or("").trim() {
            "0" => {}
            "1" => return failure(route, "1", "video click-to-call is not simulated (the call model has no video)"),
            _ => return failure(route, "1", "mediaAbility must be \"0\" (audio) or \"1\" (video)"),
        }
        let Some(queue) = self.click_to_call_queue() else {
            return failure(route, "1", "click-to-call is not supported: no voice skill queue");
        };
        let mut m = self.lock();
        let (user, headers) = self.web_user(&mut m, req);
        if user.is_empty() {
            return failure(route, "1", "no web channel user for this token");
        }
        if let Some(call) = m.chats.click_calls.get(&user).cloned()
            && Self::click_call_live(&m, &call)
        {
            return failure(route, "1", "a click-to-call of this user is in progress");
        }
        let called = self.access_code_of(queue);
        let call = self.enqueue(&mut m, queue, &user, &called, 5);
        m.chats.click_calls.insert(user, call);
        Reply::Json(web_ok("connect successfully."), headers)
    }

    fn click_call_live(m: &Model, call: &str) -> bool {
        m.queues.waiting.values().any(|q| q.iter().any(|c| c == call))
            || m.calls.get(call).is_some_and(|c| c.state != "released")
    }

    /// `webchannel.dropClickToCall`: the user hangs up the click-to-call
    /// (waiting: it leaves the queue; ringing or connected: the agents on it are released).
    pub(super) fn web_drop_click_to_call(&self, route: &Route, req: &Req) -> Reply {
        let mut m = self.lock();
        let (user, headers) = self.web_user(&mut m, req);
        let Some(call) = m.chats.click_calls.remove(&user) else {
            return failure(route, "1", "no click-to-call of this user");
        };
        if !Self::abandon_waiting(&mut m, &call) && self.customer_hangup_in(&mut m, &call).is_err() {
            return failure(route, "1", "the click-to-call has already ended");
        }
        Reply::Json(web_ok("disconnect successfully."), headers)
    }
}
