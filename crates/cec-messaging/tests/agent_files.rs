//! A file each way in a web chat handed to an agent, against `cec sim`: the
//! customer on `ChatSession` (token and uploads through `FabricAccess`), the
//! agent on `AgentSession` with the media cache behind `ChatMedia`. The agent's
//! file reaches the customer (downloaded with `common.getResourceFile`), the
//! customer's reaches the agent as `ChatEvent::File` and is written to disk;
//! the bytes are compared with what was sent. Files the limits refuse never
//! reach the media cache.
#![cfg(feature = "fabric")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use cec_gateway::{AgentSession, AgentState, ChatEvent, ChatFile, ChatMedia, SignIn, chat_events};
use cec_messaging::{ChatSession, Client, Config, CustomerAccess, FabricAccess, Media, Source};
use cec_sim::{SimConfig, Simulator};
use futures_util::{Stream, StreamExt};

const TICK: Duration = Duration::from_millis(20);

fn fabric(sim: &Simulator, user: &str) -> FabricAccess {
    let sc = sim.scenario();
    let cfg = Config::builder(&sim.endpoint()).build().unwrap();
    let creds = cec_apifabric::ApiFabricCredentials::new(sc.app_key.clone(), sc.app_secret.clone());
    let af = cec_apifabric::Client::new(cfg.clone(), cfg, creds).unwrap();
    FabricAccess::new(af, user, sc.channel_id.clone())
}

/// The agent's media cache over API Fabric's upload and download.
#[derive(Debug)]
struct AgentMedia(FabricAccess);

#[async_trait::async_trait]
impl ChatMedia for AgentMedia {
    async fn upload(&self, file_type: &str, bytes: &[u8]) -> Result<String, cec_core::Error> {
        CustomerAccess::upload(&self.0, file_type, bytes).await
    }
    async fn download(&self, file: &ChatFile) -> Result<Vec<u8>, cec_core::Error> {
        self.0.download(&file.resource_id, &file.file_type).await
    }
}

async fn next_chat(events: &mut (impl Stream<Item = Result<ChatEvent, cec_gateway::Error>> + Unpin)) -> ChatEvent {
    tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("a chat event within 5 s")
        .expect("stream open")
        .expect("no error")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_each_way_between_the_customer_and_the_agent() {
    let sim = Simulator::start(SimConfig { poll_wait: Duration::from_millis(50), ..Default::default() }).await.unwrap();
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    let mut opts = SignIn::new(a.id.as_str(), a.password.as_str(), a.phone.as_str());
    opts.poll_pause = Duration::from_millis(20);
    let agent = AgentSession::sign_in(gw, opts).await.unwrap();
    for _ in 0..250 {
        if agent.view().state == AgentState::Idle {
            break;
        }
        tokio::time::sleep(TICK).await;
    }
    let mut chats = Box::pin(chat_events(agent.events().unwrap()));
    let media_access = fabric(&sim, "agent-1001-desk");
    media_access.apply_token().await.unwrap();
    let media = AgentMedia(media_access);

    let access = Arc::new(fabric(&sim, "cust-files"));
    let cfg = Config::builder(&sim.endpoint()).build().unwrap();
    let mut chat = ChatSession::connect(Client::new(cfg).unwrap(), access).await.unwrap();
    assert_eq!(chat.next_message(TICK).await.unwrap().source, Source::Robot);
    chat.transfer_to_agent().await.unwrap();
    let ChatEvent::Offered(offer) = next_chat(&mut chats).await else { panic!("an offer first") };
    let call = offer.call_id.clone();

    // Not connected yet: refused before anything is uploaded.
    let e = agent.send_file(&media, &call, "manual.pdf", b"%PDF").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert_eq!(sim.media_files(), 0);

    agent.answer_chat(&call).await.unwrap();
    assert_eq!(next_chat(&mut chats).await, ChatEvent::Connected { call_id: call.clone() });

    // Forbidden type and oversized: refused locally, nothing uploaded or sent.
    let e = agent.send_file(&media, &call, "setup.exe", b"MZ").await.unwrap_err();
    assert!(e.to_string().contains("exe") && !e.may_have_been_sent(), "{e}");
    let big = vec![7u8; 2 * 1024 * 1024 + 1];
    let e = agent.send_file(&media, &call, "scan.png", &big).await.unwrap_err();
    assert!(e.to_string().contains("limit") && !e.may_have_been_sent(), "{e}");
    assert_eq!(sim.media_files(), 0);

    // Agent -> customer.
    let manual: Vec<u8> = (0..5000u32).map(|i| (i * 31 % 251) as u8).collect();
    let sent = agent.send_file(&media, &call, "manual.pdf", &manual).await.unwrap();
    assert_eq!((sent.media.as_str(), sent.file_type.as_str()), ("DOCUMENT", "pdf"));
    assert_eq!(sim.media_files(), 1);
    let got = loop {
        let m = chat.next_message(TICK).await.unwrap();
        if m.media != Media::Text {
            break m;
        }
    };
    assert_eq!((got.source.clone(), got.media.clone()), (Source::Agent, Media::Document), "{got:?}");
    assert_eq!(got.content, sent.resource_id);
    let bytes = chat.download_file(&sc.channel_id, &got.content).await.unwrap();
    assert_eq!(bytes, manual, "the customer gets the agent's bytes");

    // Customer -> agent.
    let photo: Vec<u8> = b"\xff\xd8\xff\xe0".iter().copied().chain((0..3000u32).map(|i| (i % 253) as u8)).collect();
    let id = chat.send_file("receipt.jpg", &photo).await.unwrap();
    let file = loop {
        match next_chat(&mut chats).await {
            ChatEvent::File { call_id, file, .. } => {
                assert_eq!(call_id, call);
                break file;
            }
            ChatEvent::Message { .. } => continue,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        (file.resource_id.as_str(), file.media.as_str(), file.file_type.as_str()),
        (id.as_str(), "IMAGE", "jpg")
    );
    let dir = std::env::temp_dir().join(format!("cec-agent-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("receipt.jpg");
    let n = agent.download_file(&media, &file, &path).await.unwrap();
    assert_eq!(n, photo.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), photo, "the agent gets the customer's bytes");
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");

    // A download that fails leaves the file already there as it was.
    let missing = ChatFile::new("no-such-file", "jpg");
    assert!(agent.download_file(&media, &missing, &path).await.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), photo);
    std::fs::remove_dir_all(&dir).unwrap();

    agent.close_chat(&call).await.unwrap();
    agent.sign_out().await.unwrap();
}
