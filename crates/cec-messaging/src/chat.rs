//! [`ChatSession`]: the customer side of a web channel chat, on the generated
//! web channel calls.
//!
//! apply for a token → connect → send text and files → receive messages (a
//! [`Stream`](futures_core::Stream) over `getMessageForWebChannel`, or over the
//! pushes AICC sends when the channel is configured for push) → transfer to an
//! agent → click-to-call → satisfaction survey → leave a message → disconnect.
//!
//! **Push mode**: when the web channel pushes its messages to the integrator
//! (`callback.pushMessages`), one [`PushRouter`](crate::push::PushRouter) takes
//! the verified pushes of the receiver and gives each session a
//! [`PushFeed`] for its user; a session made with
//! [`ChatSession::connect_pushed`] reads its feed instead of polling.
//!
//! The token: the session asks its [`CustomerAccess`] for one at the start and
//! again whenever CC-Messaging refuses the current one (HTTP 401), then repeats
//! the refused request once — a refused request was not processed, so nothing
//! is lost or sent twice. A fresh token an answer carries (`Set-Cookie`,
//! `ccmessaging-token` header) replaces the old one without any of that.
//!
//! The token and the media cache upload are API Fabric interfaces
//! (`ccmessaging.applyToken`, `ccmessaging.uploadFileStream`, C1
//! authentication): [`CustomerAccess`] lets the integrator wire them in without
//! this crate depending on cec-apifabric.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use cec_core::{Error as CoreError, Secret};
use serde_json::Value;

use crate::push::PushFeed;
use crate::{Client, Error, generated};

/// What a chat session needs from outside CC-Messaging: a `ccmessaging-token`
/// for the user and the upload of a file to the media cache.
#[async_trait::async_trait]
pub trait CustomerAccess: Send + Sync + std::fmt::Debug {
    /// A new `ccmessaging-token` for the session's user (API Fabric `ccmessaging.applyToken`).
    async fn apply_token(&self) -> Result<Secret<String>, CoreError>;
    /// Stores a file in the media cache and gives its id (API Fabric
    /// `ccmessaging.uploadFileStream`, `fileType` the file's extension).
    async fn upload(&self, file_type: &str, bytes: &[u8]) -> Result<String, CoreError>;
}

/// Who sent a downlink message (`sourceType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A human agent.
    Agent,
    /// The chatbot.
    Robot,
    /// CC-Messaging itself (queueing, transfer notices).
    System,
    /// A value the reference does not list (kept).
    Other(String),
}

/// What kind of message (`controlType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Session set up.
    Connect,
    /// An ordinary message.
    Chat,
    /// Transfer to an agent.
    Trans2Agent,
    /// Session ended.
    Disconnect,
    /// Read receipt (the content lists message ids).
    Read,
    /// A value the reference does not list (kept).
    Other(String),
}

/// The media of a message (`mediaType`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// Text.
    Text,
    /// An image (the content is a media cache id).
    Image,
    /// A video (media cache id).
    Video,
    /// Audio (media cache id).
    Audio,
    /// A location (latitude, longitude, description).
    Location,
    /// A document (media cache id).
    Document,
    /// A value the reference does not list (kept).
    Other(String),
}

impl Media {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Media::Text => "TEXT",
            Media::Image => "IMAGE",
            Media::Video => "VIDEO",
            Media::Audio => "AUDIO",
            Media::Location => "LOCATE",
            Media::Document => "DOCUMENT",
            Media::Other(s) => s,
        }
    }

    fn parse(s: &str) -> Media {
        match s {
            "TEXT" => Media::Text,
            "IMAGE" => Media::Image,
            "VIDEO" => Media::Video,
            "AUDIO" => Media::Audio,
            "LOCATE" | "LOCATION" => Media::Location,
            "DOCUMENT" => Media::Document,
            other => Media::Other(other.to_owned()),
        }
    }
}

/// The media of a click-to-call (`mediaAbility` of `createClickToCall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallMedia {
    /// A voice call (`"0"`).
    Audio,
    /// A video call (`"1"`).
    Video,
}

impl CallMedia {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            CallMedia::Audio => "0",
            CallMedia::Video => "1",
        }
    }
}

/// What the web channel supports for calls (`checkClickToCallSupport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSupport {
    /// Click-to-call is available on the channel.
    pub click_to_call: bool,
    /// The browser call can use WebRTC.
    pub webrtc: bool,
}

/// One downlink message, typed (the fields of the reference's DownLinkMsg).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// Who sent it.
    pub source: Source,
    /// What kind of message.
    pub control: Control,
    /// Its media.
    pub media: Media,
    /// Text, or the media cache id of a file.
    pub content: String,
    /// Sender id (the channel id, or an agent id).
    pub from: String,
    /// Sender nickname, when given.
    pub nickname: Option<String>,
    /// Send time (ms), when given.
    pub timestamp: Option<i64>,
    /// Unique message code, when given.
    pub message_code: Option<String>,
}

impl ChatMessage {
    /// Reads one item of `downlinkMessages` (or of a push's `messages`).
    pub fn from_json(v: &Value) -> ChatMessage {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let source = match s("sourceType").as_deref() {
            Some("AGENT") => Source::Agent,
            Some("ROBOT") => Source::Robot,
            Some("SYSTEM") => Source::System,
            other => Source::Other(other.unwrap_or_default().to_owned()),
        };
        let control = match s("controlType").as_deref() {
            Some("CONNECT") => Control::Connect,
            Some("CHAT") | None => Control::Chat,
            Some("TRANS2AGENT") => Control::Trans2Agent,
            Some("DISCONNECT") => Control::Disconnect,
            Some("READ") => Control::Read,
            Some(other) => Control::Other(other.to_owned()),
        };
        let timestamp = v.get("timestamp").and_then(|t| t.as_i64().or_else(|| t.as_str()?.parse().ok()));
        ChatMessage {
            source,
            control,
            media: Media::parse(s("mediaType").as_deref().unwrap_or("TEXT")),
            content: s("content").unwrap_or_default(),
            from: s("from").unwrap_or_default(),
            nickname: s("senderNickname"),
            timestamp,
            message_code: s("messageCode"),
        }
    }
}

/// The web channel's file size limits in bytes (`queryFileSize`, whose values
/// are megabytes in the reference's example).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    /// Images and other files.
    pub common: u64,
    /// Audio.
    pub audio: u64,
    /// Video.
    pub video: u64,
}

/// File types the reference lists for the media upload (`fileType` of
/// `ccmessaging.uploadFileStream`: "JPG, PNG, BPM, MP3, AAC, MP4, TXT, CSV ...";
/// the list is cut there, so [`ChatSession::allow_file_type`] adds others).
pub const LISTED_FILE_TYPES: [&str; 8] = ["jpg", "png", "bpm", "mp3", "aac", "mp4", "txt", "csv"];

/// A customer's chat on the web channel. Not `Clone`: one session per user.
#[derive(Debug)]
pub struct ChatSession {
    client: Client,
    access: Arc<dyn CustomerAccess>,
    user_agent: String,
    pending: VecDeque<ChatMessage>,
    allowed: Vec<String>,
    limits: Option<FileLimits>,
    renewals: u64,
    feed: Option<PushFeed>,
}

fn refused_token(e: &Error) -> bool {
    e.status() == Some(401)
}

impl ChatSession {
    /// Applies for a token and connects (`controlType` CONNECT); messages are polled.
    pub async fn connect(client: Client, access: Arc<dyn CustomerAccess>) -> Result<ChatSession, Error> {
        Self::open(client, access, None).await
    }

    /// Like [`connect`](Self::connect), for a channel that pushes its messages:
    /// the session reads `feed` (taken from the [`PushRouter`](crate::push::PushRouter)
    /// for the user `access` applies the token for, before connecting, so that
    /// the first answer is not missed) and never polls.
    pub async fn connect_pushed(
        client: Client,
        access: Arc<dyn CustomerAccess>,
        feed: PushFeed,
    ) -> Result<ChatSession, Error> {
        Self::open(client, access, Some(feed)).await
    }

    async fn open(
        client: Client,
        access: Arc<dyn CustomerAccess>,
        feed: Option<PushFeed>,
    ) -> Result<ChatSession, Error> {
        let token = access.apply_token().await.map_err(Error)?;
        client.set_token(token);
        let mut s = ChatSession {
            client,
            access,
            user_agent: format!("cec-rs/{}", env!("CARGO_PKG_VERSION")),
            pending: VecDeque::new(),
            allowed: LISTED_FILE_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            limits: None,
            renewals: 0,
            feed,
        };
        s.control("CONNECT", "TEXT", "").await?;
        Ok(s)
    }

    /// The session reads pushed messages (made with [`connect_pushed`](Self::connect_pushed)).
    pub fn is_pushed(&self) -> bool {
        self.feed.is_some()
    }

    /// The client (its token store holds the current token).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// How many times the session applied for a new token after a refusal.
    pub fn token_renewals(&self) -> u64 {
        self.renewals
    }

    /// Accepts another file type for [`send_file`](Self::send_file) (the reference's list is cut).
    pub fn allow_file_type(&mut self, ext: &str) {
        self.allowed.push(ext.to_ascii_lowercase());
    }

    /// Applies for a new token after CC-Messaging refused the current one.
    async fn renew(&mut self) -> Result<(), Error> {
        let token = self.access.apply_token().await.map_err(Error)?;
        self.client.set_token(token);
        self.renewals += 1;
        tracing::debug!("ccmessaging-token renewed after a refusal");
        Ok(())
    }

    async fn control(&mut self, control: &str, media: &str, content: &str) -> Result<(), Error> {
        for attempt in 0..2 {
            let r = self
                .client
                .webchannel_send_message_for_web_channel()
                .control_type(control)
                .media_type(media)
                .content(content)
                .user_agent(self.user_agent.clone())
                .send()
                .await;
            match r {
                Err(e) if attempt == 0 && refused_token(&e) => self.renew().await?,
                other => return other.map(|_| ()),
            }
        }
        Ok(())
    }

    /// Sends a text message.
    pub async fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.control("CHAT", "TEXT", text).await
    }

    /// Asks for a human agent (`TRANS2AGENT`).
    pub async fn transfer_to_agent(&mut self) -> Result<(), Error> {
        self.control("TRANS2AGENT", "TEXT", "").await
    }

    /// The channel's file size limits (asked once, then kept).
    pub async fn file_limits(&mut self) -> Result<FileLimits, Error> {
        if let Some(l) = self.limits {
            return Ok(l);
        }
        let r = self.client.webchannel_query_file_size().send().await;
        let r = match r {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                self.client.webchannel_query_file_size().send().await?
            }
            other => other?,
        };
        let mb = |v: &Option<String>, field: &str| -> Result<u64, Error> {
            let text = v.as_deref().unwrap_or("").trim();
            text.parse::<u64>().map(|n| n * 1024 * 1024).map_err(|_| {
                Error(CoreError::new(
                    cec_core::ErrorKind::Decode,
                    format!("queryFileSize {field}: {text:?} is not a number of megabytes"),
                ))
            })
        };
        let l = FileLimits {
            common: mb(&r.common_file_size, "commonFileSize")?,
            audio: mb(&r.audio_file_size, "audioFileSize")?,
            video: mb(&r.video_file_size, "videoFileSize")?,
        };
        self.limits = Some(l);
        Ok(l)
    }

    /// Sends a file: checks its type and size against the channel's limits
    /// (refused before anything is uploaded), uploads it to the media cache,
    /// then sends its id as an `IMAGE`/`AUDIO`/`VIDEO`/`DOCUMENT` message.
    /// Returns the media cache id.
    pub async fn send_file(&mut self, file_name: &str, bytes: &[u8]) -> Result<String, Error> {
        let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if !self.allowed.contains(&ext) {
            return Err(Error(CoreError::usage(format!(
                "file {file_name}: type {ext:?} is not one of the upload's listed types {:?} (allow_file_type adds one)",
                self.allowed
            ))));
        }
        let media = match ext.as_str() {
            "jpg" | "jpeg" | "png" | "bpm" | "bmp" | "gif" => Media::Image,
            "mp3" | "aac" | "amr" | "wav" => Media::Audio,
            "mp4" => Media::Video,
            _ => Media::Document,
        };
        let l = self.file_limits().await?;
        let (limit, which) = match media {
            Media::Audio => (l.audio, "audioFileSize"),
            Media::Video => (l.video, "videoFileSize"),
            _ => (l.common, "commonFileSize"),
        };
        if bytes.len() as u64 > limit {
            return Err(Error(CoreError::usage(format!(
                "file {file_name}: {} bytes is over the channel's {which} limit of {limit} bytes",
                bytes.len()
            ))));
        }
        let id = self.access.upload(&ext, bytes).await.map_err(Error)?;
        self.control("CHAT", media.as_str(), &id).await?;
        Ok(id)
    }

    /// Downloads a file of the media cache (an agent's or the customer's).
    pub async fn download_file(&mut self, channel_id: &str, resource_id: &str) -> Result<Vec<u8>, Error> {
        use futures_util::StreamExt as _;
        let client = self.client.clone();
        let call =
            || client.common_get_resource_file().adapter("web").channel_id(channel_id).resource_id(resource_id).send();
        let r = match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await?
            }
            other => other?,
        };
        let mut body = r.body;
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk.map_err(Error)?);
        }
        Ok(out)
    }

    /// The messages waiting for the customer: one `getMessageForWebChannel`,
    /// or in push mode the messages its feed holds now (no request).
    pub async fn poll(&mut self) -> Result<Vec<ChatMessage>, Error> {
        if let Some(feed) = self.feed.as_mut() {
            return Ok(feed.drain());
        }
        let op = &generated::WEBCHANNEL_GET_MESSAGE_FOR_WEB_CHANNEL;
        let client = self.client.clone();
        let mut value = None;
        for attempt in 0..2 {
            let c = client.webchannel_get_message_for_web_channel().into_call().map_err(Error)?;
            match client.core().call_value(op, c).await.map_err(Error) {
                Err(e) if attempt == 0 && refused_token(&e) => self.renew().await?,
                other => {
                    value = Some(other?);
                    break;
                }
            }
        }
        let v = value.unwrap_or(Value::Null);
        Ok(v.get("downlinkMessages")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(ChatMessage::from_json).collect())
            .unwrap_or_default())
    }

    /// The next message: waits, polling every `interval` (in push mode: for
    /// the next push addressed to the session), until one arrives.
    pub async fn next_message(&mut self, interval: Duration) -> Result<ChatMessage, Error> {
        loop {
            if let Some(m) = self.pending.pop_front() {
                return Ok(m);
            }
            if let Some(feed) = self.feed.as_mut() {
                return feed.recv().await.ok_or_else(|| {
                    Error(CoreError::new(
                        cec_core::ErrorKind::Transport,
                        "the push feed ended (its router gave the user another feed)",
                    ))
                });
            }
            let got = self.poll().await?;
            if got.is_empty() {
                tokio::time::sleep(interval).await;
            }
            self.pending.extend(got);
        }
    }

    /// The customer's messages as a stream (polling every `interval`); it ends
    /// after a `DISCONNECT` message, and yields an error once when a poll fails.
    pub fn messages(
        &mut self,
        interval: Duration,
    ) -> impl futures_core::Stream<Item = Result<ChatMessage, Error>> + '_ {
        futures_util::stream::unfold((self, false), move |(s, done)| async move {
            if done {
                return None;
            }
            match s.next_message(interval).await {
                Ok(m) => {
                    let end = m.control == Control::Disconnect;
                    Some((Ok(m), (s, end)))
                }
                Err(e) => Some((Err(e), (s, true))),
            }
        })
    }

    /// Whether the channel offers click-to-call (`checkClickToCallSupport`).
    pub async fn click_to_call_support(&mut self) -> Result<CallSupport, Error> {
        let client = self.client.clone();
        let call = || client.webchannel_check_click_to_call_support().send();
        let r = match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await?
            }
            other => other?,
        };
        Ok(CallSupport {
            click_to_call: r.click_to_call_supported.unwrap_or(false),
            webrtc: r.web_rtc_supported.unwrap_or(false),
        })
    }

    /// Asks for a call with an agent from the chat (`createClickToCall`, the
    /// media ability its only parameter: the channel configuration says where
    /// the call goes). Its progress is read with
    /// [`click_to_call_event`](Self::click_to_call_event).
    pub async fn click_to_call(&mut self, media: CallMedia) -> Result<(), Error> {
        let client = self.client.clone();
        let call = || client.webchannel_create_click_to_call().media_ability(media.as_str()).send();
        match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// The next click-to-call event (`getClickToCallEvents`), as the generated
    /// answer: the reference documents the content of a connected and of a
    /// failed event but names no event ids beyond its example, so none is typed here.
    pub async fn click_to_call_event(&mut self) -> Result<generated::WebchannelGetClickToCallEventsResponse, Error> {
        let client = self.client.clone();
        let call = || client.webchannel_get_click_to_call_events().send();
        match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await
            }
            other => other,
        }
    }

    /// Ends the click-to-call (`dropClickToCall`).
    pub async fn drop_click_to_call(&mut self) -> Result<(), Error> {
        let client = self.client.clone();
        let call = || client.webchannel_drop_click_to_call().send();
        match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// Rates the service (`evaluation` 1 very dissatisfied … 5 very satisfied).
    pub async fn survey(&mut self, evaluation: u8, comment: &str) -> Result<(), Error> {
        if !(1..=5).contains(&evaluation) {
            return Err(Error(CoreError::usage("evaluation: must be 1 to 5 (1 very dissatisfied … 5 very satisfied)")));
        }
        let client = self.client.clone();
        let call = || {
            client.webchannel_do_satisfaction_evaluation().evaluation(evaluation.to_string()).comment(comment).send()
        };
        match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// Leaves a message when no agent is available.
    pub async fn leave_message(&mut self, phone: &str, text: &str) -> Result<(), Error> {
        let client = self.client.clone();
        let call = || client.webchannel_do_leave_message().phone_no(phone).leave_message(text).send();
        match call().await {
            Err(e) if refused_token(&e) => {
                self.renew().await?;
                call().await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// Ends the chat (`DISCONNECT`).
    pub async fn disconnect(mut self) -> Result<(), Error> {
        self.control("DISCONNECT", "TEXT", "").await
    }
}
