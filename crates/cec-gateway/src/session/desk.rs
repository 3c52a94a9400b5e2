//! Several chats at once: [`AgentSession::chats`] hands out one [`Chat`] per
//! chat offered to the agent, each with its own stream of events.
//!
//! The session routes every event it receives (poll or push) through a
//! [`ChatTracker`] as it applies it to the view: an offer opens a chat feed
//! and queues a handle on the stream of chats, the chat's later events
//! (connected, messages, files, end) go to that feed only, by call id, and
//! the end closes it. Each feed is bounded like the event stream
//! ([`SignIn::event_buffer`](crate::SignIn::event_buffer)); dropping a
//! [`Chat`] stops the queueing of its events, dropping [`Chats`] stops new
//! offers from being queued.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};

use futures_util::Stream;

use super::chat::{ChatEvent, ChatFile, ChatMedia, ChatOffer, ChatTracker, ChatTransferTarget, Ctl};
use super::{AgentSession, SessionCore, TransferMode, refuse};
use crate::generated::AgentEvent;
use crate::{Client, Error};

/// What a feed gives next.
enum Next<T> {
    Item(T),
    /// This many of the oldest items were dropped (the reader fell behind).
    Lagged(u64),
}

/// A bounded queue with one reader; pushing never waits. When it is full the
/// oldest item is dropped and the reader is told how many it missed.
struct Feed<T> {
    inner: Mutex<FeedInner<T>>,
    ready: tokio::sync::Notify,
    capacity: usize,
}

struct FeedInner<T> {
    items: VecDeque<T>,
    lagged: u64,
    /// Nothing more comes: the reader ends once drained.
    closed: bool,
    /// The reader is gone: nothing is kept.
    abandoned: bool,
}

impl<T> Feed<T> {
    fn new(capacity: usize) -> Self {
        Feed {
            inner: Mutex::new(FeedInner { items: VecDeque::new(), lagged: 0, closed: false, abandoned: false }),
            ready: tokio::sync::Notify::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues `item`: `Err(item)` when nobody will read it (closed or
    /// abandoned); `Ok(Some(oldest))` when the oldest item was dropped for it.
    fn push(&self, item: T) -> Result<Option<T>, T> {
        let Ok(mut q) = self.inner.lock() else { return Err(item) };
        if q.closed || q.abandoned {
            return Err(item);
        }
        let dropped = if q.items.len() >= self.capacity {
            q.lagged += 1;
            q.items.pop_front()
        } else {
            None
        };
        q.items.push_back(item);
        drop(q);
        self.ready.notify_one();
        Ok(dropped)
    }

    fn close(&self) {
        if let Ok(mut q) = self.inner.lock() {
            q.closed = true;
        }
        self.ready.notify_one();
    }

    fn abandon(&self) {
        if let Ok(mut q) = self.inner.lock() {
            q.abandoned = true;
            q.items = VecDeque::new();
        }
    }

    fn try_next(&self) -> Option<Option<Next<T>>> {
        let Ok(mut q) = self.inner.lock() else { return Some(None) };
        if q.lagged > 0 {
            return Some(Some(Next::Lagged(std::mem::take(&mut q.lagged))));
        }
        if let Some(item) = q.items.pop_front() {
            return Some(Some(Next::Item(item)));
        }
        q.closed.then_some(None)
    }

    async fn next(&self) -> Option<Next<T>> {
        loop {
            if let Some(n) = self.try_next() {
                return n;
            }
            // `notify_one` keeps a permit when nobody waits: no wake-up is lost.
            self.ready.notified().await;
        }
    }
}

/// The reader's end of a feed; dropping it stops the queueing.
struct Reader<T>(Arc<Feed<T>>);

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        self.0.abandon();
    }
}

/// An offer waiting on the stream of chats, with the feed of its events.
type Offered = (ChatOffer, Arc<Feed<ChatEvent>>);

/// The session's side of the chats: off until [`AgentSession::chats`] is taken.
pub(crate) struct Desk {
    capacity: usize,
    /// Offers go here while the stream of chats is read.
    offers: Option<Arc<Feed<Offered>>>,
    tracker: ChatTracker,
    /// The open chats' feeds, by call id.
    chats: BTreeMap<String, Arc<Feed<ChatEvent>>>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("on", &self.offers.is_some()).field("chats", &self.chats.len()).finish()
    }
}

impl Desk {
    pub(crate) fn new(capacity: usize) -> Self {
        Desk { capacity: capacity.max(1), offers: None, tracker: ChatTracker::new(), chats: BTreeMap::new() }
    }

    /// Hands one event to the chat it concerns (nothing before the stream of chats is taken).
    pub(crate) fn route(&mut self, event: &AgentEvent) {
        if self.offers.is_none() {
            return;
        }
        let Some(ev) = self.tracker.apply(event) else {
            if matches!(event, AgentEvent::ShutdownService(_)) {
                self.end_chats();
            }
            return;
        };
        match ev {
            ChatEvent::Offered(offer) => {
                let feed = Arc::new(Feed::new(self.capacity));
                if let Some(old) = self.chats.insert(offer.call_id.clone(), feed.clone()) {
                    old.close();
                }
                let Some(offers) = &self.offers else { return };
                match offers.push((offer, feed)) {
                    Ok(None) => {}
                    // Too many offers unread: the oldest is dropped, and nobody reads its chat.
                    Ok(Some((_, f))) | Err((_, f)) => f.abandon(),
                }
            }
            ev => {
                let id = ev.call_id().to_owned();
                let ended = matches!(ev, ChatEvent::Ended { .. });
                let Some(feed) = self.chats.get(&id) else { return };
                let read = feed.push(ev).is_ok();
                if (ended || !read)
                    && let Some(f) = self.chats.remove(&id)
                {
                    f.close();
                }
            }
        }
    }

    /// The platform forgot the agent's chats (sign-in again, service shut down): their streams end.
    pub(crate) fn end_chats(&mut self) {
        self.tracker = ChatTracker::new();
        for (_, f) in std::mem::take(&mut self.chats) {
            f.close();
        }
    }

    /// The session is over: the chats' streams and the stream of chats end.
    pub(crate) fn close(&mut self) {
        self.end_chats();
        if let Some(o) = &self.offers {
            o.close();
        }
    }
}

impl AgentSession {
    /// The agent's chats, one [`Chat`] per chat offered from now on, in the
    /// order they were offered; each has its own stream of events (connected,
    /// messages, files, end) and the actions on it (answer, send, transfer,
    /// close). Events are routed by call id: a message reaches the stream of
    /// its chat only, once. A chat's stream ends after its
    /// [`ChatEvent::Ended`]; every stream ends when the session does.
    ///
    /// Available once (`None` afterwards); take it right after sign-in: chats
    /// offered before are not on it (they are on [`AgentSession::events`]).
    /// Independent of the event stream, which still carries every event.
    /// Bounded like it ([`SignIn::event_buffer`](crate::SignIn::event_buffer)
    /// offers unread, and as many events per chat; a chat whose reader fell
    /// behind gets [`ChatEvent::Lagged`]).
    pub fn chats(&self) -> Option<Chats> {
        let offers = {
            let mut d = self.core.desk.lock().ok()?;
            if d.offers.is_some() {
                return None;
            }
            let offers = Arc::new(Feed::new(d.capacity));
            d.offers = Some(offers.clone());
            offers
        };
        if self.is_signed_out() {
            offers.close();
        }
        let state = (Reader(offers), self.client.clone(), Arc::downgrade(&self.core));
        let stream = futures_util::stream::unfold(state, |(reader, client, core)| async move {
            loop {
                match reader.0.next().await? {
                    Next::Item((offer, feed)) => {
                        let chat = Chat::new(client.clone(), core.clone(), offer, feed);
                        return Some((chat, (reader, client, core)));
                    }
                    // Dropped offers were abandoned already.
                    Next::Lagged(_) => continue,
                }
            }
        });
        Some(Chats { inner: Box::pin(stream) })
    }
}

/// The stream of the agent's chats, from [`AgentSession::chats`]: one
/// [`Chat`] per chat offered. It ends when the session does.
pub struct Chats {
    inner: Pin<Box<dyn Stream<Item = Chat> + Send + Sync>>,
}

impl std::fmt::Debug for Chats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chats").finish_non_exhaustive()
    }
}

impl Stream for Chats {
    type Item = Chat;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chat>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The actions on one chat, apart from its stream: cheap to clone, to reply
/// from another task while the [`Chat`] is read. Every action fails locally
/// once the session is gone.
#[derive(Clone)]
pub struct ChatSender {
    client: Client,
    core: Weak<SessionCore>,
    call_id: String,
}

impl std::fmt::Debug for ChatSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatSender").field("call_id", &self.call_id).finish_non_exhaustive()
    }
}

impl ChatSender {
    fn core(&self, op: &'static str) -> Result<Arc<SessionCore>, Error> {
        self.core.upgrade().ok_or_else(|| refuse(op, "the agent session is gone"))
    }

    /// The chat's call id.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// Answers the chat (see [`AgentSession::answer_chat`]).
    pub async fn answer(&self) -> Result<(), Error> {
        let core = self.core("voicecall.answer")?;
        Ctl { client: &self.client, core: &core }.answer_chat(&self.call_id).await
    }

    /// Sends `text` to the customer (see [`AgentSession::send_message`]).
    pub async fn send(&self, text: &str) -> Result<(), Error> {
        let core = self.core("mediacall.sendMessage")?;
        Ctl { client: &self.client, core: &core }.send_message(&self.call_id, text).await
    }

    /// Sends a file to the customer (see [`AgentSession::send_file`]).
    pub async fn send_file(&self, media: &dyn ChatMedia, file_name: &str, bytes: &[u8]) -> Result<ChatFile, Error> {
        let core = self.core("mediacall.sendMessage")?;
        Ctl { client: &self.client, core: &core }.send_file(media, &self.call_id, file_name, bytes).await
    }

    /// Fetches a file of the chat to `path` (see [`AgentSession::download_file`]).
    pub async fn download_file(&self, media: &dyn ChatMedia, file: &ChatFile, path: &Path) -> Result<u64, Error> {
        let core = self.core("chat.downloadFile")?;
        Ctl { client: &self.client, core: &core }.download_file(media, file, path).await
    }

    /// Hands the chat on (see [`AgentSession::transfer_chat`]).
    pub async fn transfer(&self, to: ChatTransferTarget, mode: TransferMode) -> Result<(), Error> {
        let core = self.core("mediacall.transfer")?;
        Ctl { client: &self.client, core: &core }.transfer_chat(&self.call_id, to, mode).await
    }

    /// Ends the chat for the agent (see [`AgentSession::close_chat`]); its
    /// stream ends after the platform's release event.
    pub async fn close(&self) -> Result<(), Error> {
        let core = self.core("voicecall.dropcall")?;
        Ctl { client: &self.client, core: &core }.close_chat(&self.call_id).await
    }
}

/// One chat offered to the agent: who and where it came from, a `Stream` of
/// its own events (connected, messages, files, the end — never another
/// chat's), and the actions on it (those of [`ChatSender`]). The stream ends
/// after [`ChatEvent::Ended`], or when the session ends. Dropping the handle
/// stops the queueing of the chat's events (the chat itself goes on).
pub struct Chat {
    sender: ChatSender,
    offer: ChatOffer,
    events: Pin<Box<dyn Stream<Item = ChatEvent> + Send + Sync>>,
}

impl std::fmt::Debug for Chat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chat").field("offer", &self.offer).finish_non_exhaustive()
    }
}

impl Chat {
    fn new(client: Client, core: Weak<SessionCore>, offer: ChatOffer, feed: Arc<Feed<ChatEvent>>) -> Chat {
        let call_id = offer.call_id.clone();
        let state = (Reader(feed), call_id.clone());
        let events = futures_util::stream::unfold(state, |(reader, id)| async move {
            let ev = match reader.0.next().await? {
                Next::Item(ev) => ev,
                Next::Lagged(missed) => ChatEvent::Lagged { call_id: id.clone(), missed },
            };
            Some((ev, (reader, id)))
        });
        Chat { sender: ChatSender { client, core, call_id }, offer, events: Box::pin(events) }
    }

    /// The chat's call id.
    pub fn call_id(&self) -> &str {
        &self.offer.call_id
    }

    /// The offer: customer, channel, media type, who transferred it here.
    pub fn offer(&self) -> &ChatOffer {
        &self.offer
    }

    /// The customer (the calling side), as the offer gave it.
    pub fn customer(&self) -> Option<&str> {
        self.offer.customer.as_deref()
    }

    /// The channel or access code the customer came in on.
    pub fn channel(&self) -> Option<&str> {
        self.offer.channel.as_deref()
    }

    /// The chat's actions, to use from another task.
    pub fn sender(&self) -> ChatSender {
        self.sender.clone()
    }

    /// Answers the chat.
    pub async fn answer(&self) -> Result<(), Error> {
        self.sender.answer().await
    }

    /// Sends `text` to the customer.
    pub async fn send(&self, text: &str) -> Result<(), Error> {
        self.sender.send(text).await
    }

    /// Sends a file to the customer.
    pub async fn send_file(&self, media: &dyn ChatMedia, file_name: &str, bytes: &[u8]) -> Result<ChatFile, Error> {
        self.sender.send_file(media, file_name, bytes).await
    }

    /// Hands the chat on.
    pub async fn transfer(&self, to: ChatTransferTarget, mode: TransferMode) -> Result<(), Error> {
        self.sender.transfer(to, mode).await
    }

    /// Ends the chat for the agent.
    pub async fn close(&self) -> Result<(), Error> {
        self.sender.close().await
    }
}

impl Stream for Chat {
    type Item = ChatEvent;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ChatEvent>> {
        self.events.as_mut().poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use futures_util::StreamExt;
    use serde_json::json;

    fn ev(wire: &str, content: serde_json::Value) -> AgentEvent {
        AgentEvent::from_raw(wire, content)
    }

    fn ring(call: &str) -> AgentEvent {
        ev("AgentEvent_Ringing", json!({"callid": call, "caller": format!("cust-{call}"), "mediaType": "1"}))
    }

    fn msg(call: &str, text: &str) -> AgentEvent {
        ev("AgentEvent_MessageData", json!({"callid": call, "caller": "c", "message": text}))
    }

    fn desk(cap: usize) -> (Desk, Arc<Feed<Offered>>) {
        let mut d = Desk::new(cap);
        let offers = Arc::new(Feed::new(cap));
        d.offers = Some(offers.clone());
        (d, offers)
    }

    fn take(f: &Feed<Offered>) -> Offered {
        match f.try_next() {
            Some(Some(Next::Item(o))) => o,
            _ => panic!("an offer"),
        }
    }

    fn texts(f: &Feed<ChatEvent>) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(Some(n)) = f.try_next() {
            out.push(match n {
                Next::Item(ChatEvent::Message { text, .. }) => text,
                Next::Item(ChatEvent::Ended { .. }) => "<end>".into(),
                Next::Item(other) => format!("{other:?}"),
                Next::Lagged(n) => format!("<lagged {n}>"),
            });
        }
        out
    }

    #[test]
    fn interleaved_messages_reach_their_own_chat_once_and_an_end_closes_only_that_chat() {
        let (mut d, offers) = desk(16);
        d.route(&ring("c1"));
        d.route(&ring("c2"));
        d.route(&ev("AgentEvent_Ringing", json!({"callid": "v1", "mediaType": "5"})));
        let (o1, f1) = take(&offers);
        let (o2, f2) = take(&offers);
        assert_eq!((o1.call_id.as_str(), o2.call_id.as_str()), ("c1", "c2"));
        assert!(offers.try_next().is_none(), "a voice call is no chat");
        for (c, t) in [("c1", "a1"), ("c2", "b1"), ("c1", "a2"), ("zz", "x"), ("c2", "b2"), ("v1", "y")] {
            d.route(&msg(c, t));
        }
        d.route(&ev("AgentEvent_Customer_Release", json!({"callid": "c1", "number": "c"})));
        d.route(&msg("c1", "after the end"));
        d.route(&msg("c2", "b3"));
        assert_eq!(texts(&f1), ["a1", "a2", "<end>"]);
        assert!(matches!(f1.try_next(), Some(None)), "the ended chat's feed is closed");
        assert_eq!(texts(&f2), ["b1", "b2", "b3"]);
        assert!(f2.try_next().is_none(), "the other chat goes on");
        d.close();
        assert!(matches!(f2.try_next(), Some(None)) && matches!(offers.try_next(), Some(None)));
    }

    #[test]
    fn a_slow_reader_is_told_what_it_missed_and_a_dropped_chat_keeps_nothing() {
        let (mut d, offers) = desk(2);
        d.route(&ring("c1"));
        d.route(&ring("c2"));
        let (_, f1) = take(&offers);
        let (_, f2) = take(&offers);
        for n in 0..5 {
            d.route(&msg("c1", &format!("m{n}")));
        }
        assert_eq!(texts(&f1), ["<lagged 3>", "m3", "m4"]);
        drop(Reader(f2.clone()));
        d.route(&msg("c2", "nobody reads this"));
        assert!(f2.inner.lock().unwrap().items.is_empty());
        assert!(!d.chats.contains_key("c2"), "an abandoned chat is forgotten");
    }

    #[test]
    fn nothing_is_routed_before_the_stream_of_chats_is_taken() {
        let mut d = Desk::new(4);
        d.route(&ring("c1"));
        assert!(d.chats.is_empty());
    }

    #[tokio::test]
    async fn a_chat_stream_ends_after_its_end() {
        let (mut d, offers) = desk(8);
        d.route(&ring("c1"));
        let (offer, feed) = take(&offers);
        let client = Client::new(crate::Config::builder("http://127.0.0.1:9").build().unwrap()).unwrap();
        let mut chat = Chat::new(client, Weak::new(), offer, feed);
        assert_eq!(chat.customer(), Some("cust-c1"));
        d.route(&msg("c1", "hi"));
        d.route(&ev("AgentEvent_Call_Release", json!("c1")));
        assert!(matches!(chat.next().await, Some(ChatEvent::Message { text, .. }) if text == "hi"));
        assert!(matches!(chat.next().await, Some(ChatEvent::Ended { by_customer: false, .. })));
        assert!(chat.next().await.is_none());
        let e = chat.send("too late").await.unwrap_err();
        assert_eq!(e.kind(), cec_core::ErrorKind::Usage, "the session is gone");
    }

    #[test]
    fn handles_are_send_sync_and_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Chat>();
        check::<Chats>();
        check::<ChatSender>();
    }
}
