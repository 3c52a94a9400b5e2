//! Multimedia (text chat) on an agent session.
//!
//! CC-Gateway offers a chat to an agent like a call: `AgentEvent_Ringing`
//! with a chat `mediaType` (1 text chat, 51 web chat, 53 social chat). The
//! agent answers it with `voicecall.answer` on its call id, receives the
//! customer's messages as `AgentEvent_MessageData`, writes with
//! `mediacall.sendMessage`, hands the chat on with `mediacall.transfer` and
//! closes it with `voicecall.dropcall`. [`ChatTracker`] turns the session's
//! events into typed [`ChatEvent`]s, for any number of chats at once, each
//! told apart by its call id; [`chat_events`] does it on the event stream.
//!
//! Files go through the media cache: [`AgentSession::send_file`] checks the
//! file's type and size against [`ChatFileLimits`] (nothing is uploaded when
//! they refuse it), stores it through the integrator's [`ChatMedia`] and sends
//! its id as a file message; a file from the customer arrives as
//! [`ChatEvent::File`] and [`AgentSession::download_file`] writes it to disk
//! (a temporary file, then a rename). The reference names no CC-Gateway
//! interface for the agent's media upload and does not give the layout of a
//! file message in `mediacall.sendMessage`'s `data` (only "a JSON object
//! serialized to a string" on the public cloud): cec-rs uses the layout of the
//! customer side's messages, `{"mediaType":"IMAGE","content":"<media cache
//! id>","fileType":"jpg","fileName":"photo.jpg"}` (see [`ChatFile`] and
//! `docs/agent-sessions.md`).

use std::collections::BTreeMap;
use std::path::Path;

use cec_core::Error as CoreError;
use futures_util::{Stream, StreamExt};
use serde_json::{Value, json};

use super::{AgentSession, EventItem, SessionCore, SessionEvent, TransferMode, refuse};
use crate::generated::AgentEvent;
use crate::view::CallState;
use crate::{Client, Error};

/// The `mediaType` codes of `AgentEvent_Ringing` that are chats: 1 text chat,
/// 51 web chat, 53 social chat.
pub const CHAT_MEDIA_TYPES: [&str; 3] = ["1", "51", "53"];

/// The largest message [`AgentSession::send_message`] sends, in bytes of
/// UTF-8: the reference allows under 3.8 KB with service-side encryption
/// (`MULTIMEDIA_SECMODE=0`) and under 1.9 KB with platform encryption
/// (`=1`); on a tenant with platform encryption keep messages under 1.9 KB.
pub const MAX_CHAT_MESSAGE_BYTES: usize = 3_800;

/// The media types of a file message (`mediaType`, as on the customer side).
pub const FILE_MEDIA_TYPES: [&str; 4] = ["IMAGE", "AUDIO", "VIDEO", "DOCUMENT"];

/// A file in a chat: what a file message carries (the customer side's
/// message layout: `mediaType`, `content` the media cache id, plus the file
/// type and name).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatFile {
    /// `IMAGE`, `AUDIO`, `VIDEO` or `DOCUMENT` (see [`FILE_MEDIA_TYPES`]).
    pub media: String,
    /// The media cache id (`objectKey` of the upload; `content` of the message).
    pub resource_id: String,
    /// The file type: its extension, lower case (`jpg`, `pdf`…), "" when not given.
    pub file_type: String,
    /// The file's name, when the sender gave it.
    pub name: Option<String>,
}

impl ChatFile {
    /// A file of the media cache: `resource_id` stored with type `file_type`
    /// (an extension); the media type follows from the extension.
    pub fn new(resource_id: impl Into<String>, file_type: &str) -> ChatFile {
        let file_type = file_type.trim_start_matches('.').to_ascii_lowercase();
        ChatFile { media: media_of(&file_type).to_owned(), resource_id: resource_id.into(), file_type, name: None }
    }

    /// The same, with the file's name.
    pub fn with_name(mut self, name: impl Into<String>) -> ChatFile {
        self.name = Some(name.into());
        self
    }

    /// Reads a file message: a JSON object with a file `mediaType` (see
    /// [`FILE_MEDIA_TYPES`]) and a non-empty `content`; `None` for anything
    /// else (plain text stays text).
    pub fn from_message(text: &str) -> Option<ChatFile> {
        let t = text.trim_start();
        if !t.starts_with('{') {
            return None;
        }
        let v: Value = serde_json::from_str(t).ok()?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let media = s("mediaType")?.to_ascii_uppercase();
        let resource_id = s("content").filter(|c| !c.is_empty())?;
        if !FILE_MEDIA_TYPES.contains(&media.as_str()) {
            return None;
        }
        let name = s("fileName").filter(|n| !n.is_empty());
        let file_type = s("fileType")
            .or_else(|| name.as_deref().and_then(|n| n.rsplit_once('.')).map(|(_, e)| e.to_owned()))
            .unwrap_or_default()
            .to_ascii_lowercase();
        Some(ChatFile { media, resource_id, file_type, name })
    }

    /// The message that carries the file (a JSON object serialized to a
    /// string, `mediacall.sendMessage`'s `data` on the public cloud).
    pub fn to_message(&self) -> String {
        let mut v = json!({ "mediaType": self.media, "content": self.resource_id, "fileType": self.file_type });
        if let (Some(name), Some(o)) = (&self.name, v.as_object_mut()) {
            o.insert("fileName".into(), Value::String(name.clone()));
        }
        v.to_string()
    }
}

/// The media type of a file type (an extension): images, audio, video, and
/// everything else a document.
pub fn media_of(file_type: &str) -> &'static str {
    match file_type.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" | "png" | "bpm" | "bmp" | "gif" => "IMAGE",
        "mp3" | "aac" | "amr" | "wav" => "AUDIO",
        "mp4" => "VIDEO",
        _ => "DOCUMENT",
    }
}

/// What [`AgentSession::send_file`] accepts: file types and sizes (bytes) per
/// media. The defaults are the reference's: the media cache's file types
/// (`ccmessaging.downloadFileStream`: jpg, png, bpm, mp3, aac, mp4, txt, csv,
/// doc, docx, pdf, zip) and the web channel's size limits in the example of
/// `queryFileSize` (2 MB images and documents, 2 MB audio, 4 MB video). A
/// tenant's limits may differ: set them from its channel configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatFileLimits {
    /// Images and documents.
    pub common: u64,
    /// Audio.
    pub audio: u64,
    /// Video.
    pub video: u64,
    /// Accepted file types (extensions, lower case).
    pub types: Vec<String>,
}

impl Default for ChatFileLimits {
    fn default() -> Self {
        const MB: u64 = 1024 * 1024;
        let types = ["jpg", "png", "bpm", "mp3", "aac", "mp4", "txt", "csv", "doc", "docx", "pdf", "zip"];
        ChatFileLimits { common: 2 * MB, audio: 2 * MB, video: 4 * MB, types: types.map(str::to_owned).to_vec() }
    }
}

impl ChatFileLimits {
    /// Why a file is refused (`None`: accepted).
    pub fn check(&self, file_name: &str, len: u64) -> Option<String> {
        let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if !self.types.contains(&ext) {
            return Some(format!("file {file_name}: type {ext:?} is not one of the accepted types {:?}", self.types));
        }
        let (limit, which) = match media_of(&ext) {
            "AUDIO" => (self.audio, "audio"),
            "VIDEO" => (self.video, "video"),
            _ => (self.common, "image and document"),
        };
        (len > limit).then(|| format!("file {file_name}: {len} bytes is over the {which} limit of {limit} bytes"))
    }
}

/// The agent's access to the media cache: the integrator wires it in (the
/// reference documents no agent-side media interface; over API Fabric,
/// `ccmessaging.uploadFileStream` and `ccmessaging.downloadFileStream` store
/// and fetch the files the web channel's messages name).
#[async_trait::async_trait]
pub trait ChatMedia: Send + Sync + std::fmt::Debug {
    /// Stores a file (`file_type` its extension) and gives its media cache id.
    async fn upload(&self, file_type: &str, bytes: &[u8]) -> Result<String, CoreError>;
    /// Fetches a file of the media cache.
    async fn download(&self, file: &ChatFile) -> Result<Vec<u8>, CoreError>;
    /// The types and sizes accepted before an upload.
    fn limits(&self) -> ChatFileLimits {
        ChatFileLimits::default()
    }
}

/// A chat offered to the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatOffer {
    /// The call id that names the chat in every later call and event.
    pub call_id: String,
    /// The customer (the calling side).
    pub customer: Option<String>,
    /// The channel or access code the customer came in on (the called side).
    pub channel: Option<String>,
    /// The `mediaType` code (see [`CHAT_MEDIA_TYPES`]).
    pub media_type: String,
    /// The agent that transferred the chat here, if it was transferred.
    pub transferred_from: Option<String>,
}

/// What happened to one of the agent's chats.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatEvent {
    /// A chat rings at the agent: answer it with [`AgentSession::answer_chat`].
    Offered(ChatOffer),
    /// The chat is connected (answered here).
    Connected {
        /// The chat's call id.
        call_id: String,
    },
    /// A message from the customer.
    Message {
        /// The chat's call id.
        call_id: String,
        /// The sender, as the event gives it.
        from: Option<String>,
        /// The text.
        text: String,
    },
    /// A file from the customer (a message in the file layout, see
    /// [`ChatFile`]): fetch it with [`AgentSession::download_file`].
    File {
        /// The chat's call id.
        call_id: String,
        /// The sender, as the event gives it.
        from: Option<String>,
        /// The file.
        file: ChatFile,
    },
    /// The chat ended for this agent.
    Ended {
        /// The chat's call id.
        call_id: String,
        /// The customer left (`AgentEvent_Customer_Release`); otherwise the
        /// agent's side was released (closed, transferred away, or lost).
        by_customer: bool,
    },
    /// Only on a [`Chat`](crate::Chat)'s stream: its reader fell behind and
    /// this many of the chat's oldest unread events were dropped (the stream
    /// keeps [`SignIn::event_buffer`](crate::SignIn::event_buffer) per chat).
    Lagged {
        /// The chat's call id.
        call_id: String,
        /// Events dropped.
        missed: u64,
    },
}

impl ChatEvent {
    /// The chat's call id.
    pub fn call_id(&self) -> &str {
        match self {
            ChatEvent::Offered(o) => &o.call_id,
            ChatEvent::Connected { call_id }
            | ChatEvent::Message { call_id, .. }
            | ChatEvent::File { call_id, .. }
            | ChatEvent::Ended { call_id, .. }
            | ChatEvent::Lagged { call_id, .. } => call_id,
        }
    }
}

/// Where a chat is, as far as the agent's events tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatPhase {
    /// Offered, not answered yet.
    Offered,
    /// Connected.
    Connected,
}

/// Follows the agent's chats through its events; voice calls are left alone.
#[derive(Debug, Clone, Default)]
pub struct ChatTracker {
    chats: BTreeMap<String, ChatPhase>,
}

impl ChatTracker {
    /// A tracker that knows of no chat.
    pub fn new() -> Self {
        Self::default()
    }

    /// The chat event `event` means, if it concerns a chat.
    pub fn apply(&mut self, event: &AgentEvent) -> Option<ChatEvent> {
        match event {
            AgentEvent::Ringing(c) => {
                let media = c.media_type.as_deref().unwrap_or("");
                let call_id = c.callid.clone().filter(|id| !id.is_empty())?;
                if !CHAT_MEDIA_TYPES.contains(&media) {
                    return None;
                }
                self.chats.insert(call_id.clone(), ChatPhase::Offered);
                let from = c.transfrom.clone().filter(|f| !f.is_empty());
                Some(ChatEvent::Offered(ChatOffer {
                    call_id,
                    customer: c.caller.clone(),
                    channel: c.called.clone(),
                    media_type: media.to_owned(),
                    transferred_from: from,
                }))
            }
            AgentEvent::Talking(c) => {
                let id = c.callid.as_deref()?;
                let phase = self.chats.get_mut(id)?;
                if *phase == ChatPhase::Connected {
                    return None;
                }
                *phase = ChatPhase::Connected;
                Some(ChatEvent::Connected { call_id: id.to_owned() })
            }
            AgentEvent::MessageData(c) => {
                let id = c.callid.as_deref()?;
                if !self.chats.contains_key(id) {
                    return None;
                }
                let text = c.message.clone().unwrap_or_default();
                let (call_id, from) = (id.to_owned(), c.caller.clone());
                Some(match ChatFile::from_message(&text) {
                    Some(file) => ChatEvent::File { call_id, from, file },
                    None => ChatEvent::Message { call_id, from, text },
                })
            }
            AgentEvent::CallRelease { call_id } => {
                self.chats.remove(call_id)?;
                Some(ChatEvent::Ended { call_id: call_id.clone(), by_customer: false })
            }
            AgentEvent::CustomerRelease(c) => {
                let id = c.callid.as_deref()?;
                self.chats.remove(id)?;
                Some(ChatEvent::Ended { call_id: id.to_owned(), by_customer: true })
            }
            // The session is gone: so are its chats.
            AgentEvent::ShutdownService(_) => {
                self.chats.clear();
                None
            }
            _ => None,
        }
    }

    /// The chats open now, by call id.
    pub fn chats(&self) -> impl Iterator<Item = (&str, ChatPhase)> {
        self.chats.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Where the chat `call_id` is, if it is open.
    pub fn phase(&self, call_id: &str) -> Option<ChatPhase> {
        self.chats.get(call_id).copied()
    }
}

/// The chat events of an agent's event stream (from [`AgentSession::events`]);
/// voice calls, agent states and lag reports are left out. It ends where the
/// event stream ends, with its error if it has one.
pub fn chat_events(
    events: impl Stream<Item = EventItem> + Send + 'static,
) -> impl Stream<Item = Result<ChatEvent, Error>> + Send + 'static {
    let mut tracker = ChatTracker::new();
    events.filter_map(move |item| {
        let out = match item {
            Ok(SessionEvent::Event(e)) => tracker.apply(&e).map(Ok),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        };
        std::future::ready(out)
    })
}

/// Where a chat is transferred to (`mediacall.transfer` takes these three).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatTransferTarget {
    /// A skill queue.
    Queue(u32),
    /// An agent, by work number.
    Agent(String),
    /// A system access code.
    AccessCode(String),
}

/// The chat actions on a session's client and state: what [`AgentSession`]'s
/// chat methods and a [`Chat`](crate::Chat) handle both run.
pub(super) struct Ctl<'a> {
    pub(super) client: &'a Client,
    pub(super) core: &'a SessionCore,
}

impl AgentSession {
    fn ctl(&self) -> Ctl<'_> {
        Ctl { client: &self.client, core: &self.core }
    }

    /// Answers the chat offered as `call_id` (`voicecall.answer` with its call id);
    /// fails locally when that chat does not ring at the agent.
    pub async fn answer_chat(&self, call_id: &str) -> Result<(), Error> {
        self.ctl().answer_chat(call_id).await
    }

    /// Sends `text` to the customer of the connected chat `call_id`
    /// (`mediacall.sendMessage`). Refused locally, before any request, when
    /// the chat is not connected, the text is empty or longer than
    /// [`MAX_CHAT_MESSAGE_BYTES`]. Sent once: a message is never repeated.
    pub async fn send_message(&self, call_id: &str, text: &str) -> Result<(), Error> {
        self.ctl().send_message(call_id, text).await
    }

    /// Sends a file to the customer of the connected chat `call_id`: checks
    /// the chat, the file's type and size against `media`'s
    /// [`limits`](ChatMedia::limits) (refused locally, nothing uploaded),
    /// stores it through `media`, then sends it as a file message
    /// (`mediacall.sendMessage`, `data` the [`ChatFile`] layout). Returns the
    /// file as sent. The upload and the message are each sent once.
    pub async fn send_file(
        &self,
        media: &dyn ChatMedia,
        call_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ChatFile, Error> {
        self.ctl().send_file(media, call_id, file_name, bytes).await
    }

    /// Fetches `file` (from [`ChatEvent::File`]) through `media` and writes it
    /// to `path`: a temporary file beside it (`.<name>.cec-partial`), synced,
    /// then renamed, so nothing partial is ever under `path`; on a failure the
    /// temporary file is removed and a file already at `path` stays as it
    /// was. Returns the number of bytes written.
    pub async fn download_file(&self, media: &dyn ChatMedia, file: &ChatFile, path: &Path) -> Result<u64, Error> {
        self.ctl().download_file(media, file, path).await
    }

    /// Hands the connected chat `call_id` on (`mediacall.transfer`): with
    /// [`TransferMode::Release`] the agent leaves at once; with
    /// [`TransferMode::Success`] it stays until the target answers.
    pub async fn transfer_chat(&self, call_id: &str, to: ChatTransferTarget, mode: TransferMode) -> Result<(), Error> {
        self.ctl().transfer_chat(call_id, to, mode).await
    }

    /// Ends the chat `call_id` for the agent (`voicecall.dropcall` with its
    /// call id; other chats and calls stay). Sent once.
    pub async fn close_chat(&self, call_id: &str) -> Result<(), Error> {
        self.ctl().close_chat(call_id).await
    }
}

impl Ctl<'_> {
    fn id(&self) -> &str {
        &self.core.agent_id
    }

    fn chat_in(&self, op: &'static str, call_id: &str, state: CallState) -> Result<(), Error> {
        let v = self.core.live(op)?;
        match v.calls.iter().find(|c| c.call_id == call_id) {
            Some(c) if c.state == state => Ok(()),
            Some(_) if state == CallState::Ringing => Err(refuse(op, "that chat is not ringing")),
            Some(_) => Err(refuse(op, "that chat is not connected")),
            None => Err(refuse(op, "the agent has no chat with this call id")),
        }
    }

    pub(super) async fn answer_chat(&self, call_id: &str) -> Result<(), Error> {
        self.chat_in("voicecall.answer", call_id, CallState::Ringing)?;
        self.client.voicecall_answer().agentid(self.id()).callid(call_id).send().await?;
        self.core.update(|v| v.set_call_state(call_id, CallState::Talking));
        Ok(())
    }

    pub(super) async fn send_message(&self, call_id: &str, text: &str) -> Result<(), Error> {
        const OP: &str = "mediacall.sendMessage";
        if text.is_empty() {
            return Err(refuse(OP, "an empty message"));
        }
        if text.len() > MAX_CHAT_MESSAGE_BYTES {
            return Err(refuse(OP, "the message is longer than the 3.8 KB the platform takes"));
        }
        self.chat_in(OP, call_id, CallState::Talking)?;
        self.client
            .mediacall_send_message()
            .agentid(self.id())
            .callid(call_id)
            .data(serde_json::Value::String(text.to_owned()))
            .send()
            .await?;
        Ok(())
    }

    pub(super) async fn send_file(
        &self,
        media: &dyn ChatMedia,
        call_id: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<ChatFile, Error> {
        const OP: &str = "mediacall.sendMessage";
        self.chat_in(OP, call_id, CallState::Talking)?;
        if let Some(why) = media.limits().check(file_name, bytes.len() as u64) {
            return Err(refuse(OP, &why));
        }
        let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let id = media.upload(&ext, bytes).await?;
        if id.is_empty() {
            return Err(CoreError::new(cec_core::ErrorKind::Decode, "the media cache answered an empty id")
                .with_operation(OP)
                .into());
        }
        let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
        let file = ChatFile::new(id, &ext).with_name(base);
        let text = file.to_message();
        if text.len() > MAX_CHAT_MESSAGE_BYTES {
            return Err(refuse(OP, "the file message is longer than the 3.8 KB the platform takes"));
        }
        self.client
            .mediacall_send_message()
            .agentid(self.id())
            .callid(call_id)
            .data(Value::String(text))
            .send()
            .await?;
        Ok(file)
    }

    pub(super) async fn download_file(
        &self,
        media: &dyn ChatMedia,
        file: &ChatFile,
        path: &Path,
    ) -> Result<u64, Error> {
        use tokio::io::AsyncWriteExt as _;
        const OP: &str = "chat.downloadFile";
        self.core.live(OP)?;
        let tmp =
            cec_core::download::partial_path(path).ok_or_else(|| refuse(OP, "the target path has no file name"))?;
        let bytes = media.download(file).await?;
        let write = async {
            let mut f = tokio::fs::File::create(&tmp).await?;
            f.write_all(&bytes).await?;
            f.sync_all().await?;
            drop(f);
            tokio::fs::rename(&tmp, path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(CoreError::io(format!("writing {}", path.display()), e).with_operation(OP).into());
        }
        Ok(bytes.len() as u64)
    }

    pub(super) async fn transfer_chat(
        &self,
        call_id: &str,
        to: ChatTransferTarget,
        mode: TransferMode,
    ) -> Result<(), Error> {
        const OP: &str = "mediacall.transfer";
        self.chat_in(OP, call_id, CallState::Talking)?;
        let (device, address) = match &to {
            ChatTransferTarget::Queue(q) => (1, q.to_string()),
            ChatTransferTarget::Agent(a) => (2, a.clone()),
            ChatTransferTarget::AccessCode(a) => (4, a.clone()),
        };
        if address.is_empty() || address.len() > 24 {
            return Err(refuse(OP, "the target is empty or longer than 24 characters"));
        }
        if matches!(&to, ChatTransferTarget::Agent(a) if a == self.id()) {
            return Err(refuse(OP, "an agent cannot transfer to itself"));
        }
        let mode = match mode {
            TransferMode::Release => 0,
            TransferMode::Success => 2,
        };
        self.client
            .mediacall_transfer()
            .agentid(self.id())
            .callid(call_id)
            .devicetype(device)
            .mode(mode)
            .address(address)
            .send()
            .await?;
        Ok(())
    }

    pub(super) async fn close_chat(&self, call_id: &str) -> Result<(), Error> {
        const OP: &str = "voicecall.dropcall";
        let v = self.core.live(OP)?;
        if !v.calls.iter().any(|c| c.call_id == call_id) {
            return Err(refuse(OP, "the agent has no chat with this call id"));
        }
        self.client.voicecall_dropcall().agentid(self.id()).callid(call_id).send().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn ev(wire: &str, content: serde_json::Value) -> AgentEvent {
        AgentEvent::from_raw(wire, content)
    }

    fn ring(call: &str, media: &str) -> AgentEvent {
        ev(
            "AgentEvent_Ringing",
            json!({"callid": call, "caller": "cust", "called": "ch1", "mediaType": media, "transfrom": ""}),
        )
    }

    #[test]
    fn two_chats_at_once_are_told_apart_and_voice_calls_ignored() {
        let mut t = ChatTracker::new();
        assert_eq!(t.apply(&ring("v1", "5")), None);
        let Some(ChatEvent::Offered(o)) = t.apply(&ring("c1", "1")) else { panic!("an offer") };
        assert_eq!((o.call_id.as_str(), o.customer.as_deref(), o.transferred_from), ("c1", Some("cust"), None));
        assert!(matches!(t.apply(&ring("c2", "53")), Some(ChatEvent::Offered(_))));
        assert_eq!(
            t.apply(&ev("AgentEvent_Talking", json!({"callid": "c2"}))),
            Some(ChatEvent::Connected { call_id: "c2".into() })
        );
        assert_eq!(t.apply(&ev("AgentEvent_Talking", json!({"callid": "v1"}))), None);
        assert_eq!(
            t.apply(&ev("AgentEvent_MessageData", json!({"callid": "c1", "caller": "cust", "message": "hi"}))),
            Some(ChatEvent::Message { call_id: "c1".into(), from: Some("cust".into()), text: "hi".into() })
        );
        assert_eq!(t.apply(&ev("AgentEvent_MessageData", json!({"callid": "zz", "message": "x"}))), None);
        assert_eq!(t.phase("c1"), Some(ChatPhase::Offered));
        assert_eq!(t.phase("c2"), Some(ChatPhase::Connected));
        assert_eq!(
            t.apply(&ev("AgentEvent_Customer_Release", json!({"callid": "c2", "number": "cust"}))),
            Some(ChatEvent::Ended { call_id: "c2".into(), by_customer: true })
        );
        assert_eq!(
            t.apply(&ev("AgentEvent_Call_Release", json!("c1"))),
            Some(ChatEvent::Ended { call_id: "c1".into(), by_customer: false })
        );
        assert_eq!(t.apply(&ev("AgentEvent_Call_Release", json!("v1"))), None);
        assert_eq!(t.chats().count(), 0);
    }

    #[test]
    fn a_ringing_event_without_call_id_or_media_is_no_offer() {
        let mut t = ChatTracker::new();
        assert_eq!(t.apply(&ev("AgentEvent_Ringing", json!({"mediaType": "1"}))), None);
        assert_eq!(t.apply(&ev("AgentEvent_Ringing", json!({"callid": "c9"}))), None);
        assert_eq!(t.chats().count(), 0);
    }

    #[test]
    fn a_file_message_round_trips_and_plain_text_stays_text() {
        let f = ChatFile::new("k1", "JPG").with_name("photo.jpg");
        assert_eq!(f.media, "IMAGE");
        let text = f.to_message();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v, json!({"mediaType": "IMAGE", "content": "k1", "fileType": "jpg", "fileName": "photo.jpg"}));
        assert_eq!(ChatFile::from_message(&text), Some(f));
        for t in ["hi", "{not json", r#"{"mediaType":"TEXT","content":"x"}"#, r#"{"mediaType":"IMAGE","content":""}"#] {
            assert_eq!(ChatFile::from_message(t), None, "{t}");
        }
        let doc = ChatFile::from_message(r#"{"mediaType":"document","content":"k2","fileName":"a.PDF"}"#).unwrap();
        assert_eq!((doc.media.as_str(), doc.file_type.as_str()), ("DOCUMENT", "pdf"));

        let mut t = ChatTracker::new();
        t.apply(&ring("c1", "1"));
        let msg = json!({"callid": "c1", "caller": "cust", "message": text});
        let Some(ChatEvent::File { call_id, file, .. }) = t.apply(&ev("AgentEvent_MessageData", msg)) else {
            panic!("a file event")
        };
        assert_eq!((call_id.as_str(), file.resource_id.as_str()), ("c1", "k1"));
    }

    #[test]
    fn file_limits_refuse_unlisted_types_and_oversized_files() {
        let l = ChatFileLimits::default();
        assert_eq!(l.check("a.pdf", 10), None);
        assert!(l.check("setup.exe", 10).unwrap().contains("exe"));
        assert!(l.check("noext", 10).is_some());
        assert!(l.check("big.png", 2 * 1024 * 1024 + 1).unwrap().contains("image and document"));
        assert_eq!(l.check("clip.mp4", 2 * 1024 * 1024 + 1), None, "video may be 4 MB");
        assert!(l.check("clip.mp4", 4 * 1024 * 1024 + 1).unwrap().contains("video"));
    }
}
