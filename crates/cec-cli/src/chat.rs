//! `cec chat`: an interactive terminal chat on a web channel, to try a channel
//! configuration (`cec_messaging::ChatSession`; the token and the media cache
//! upload through API Fabric, the chat through CC-Messaging's web channel).
//!
//! A line of text is sent as a message; `/agent` asks for an agent, `/file PATH`
//! sends a file, `/survey N [comment]` rates the service, `/leave PHONE TEXT`
//! leaves a message, `/quit` (or end of input) disconnects.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cec_messaging::{ChatMessage, ChatSession, FabricAccess, Source};
use clap::Args;

use crate::ops::Clients;

/// `cec chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The web channel's configuration id (default: `CEC_MESSAGING_CHANNEL`).
    #[arg(long, env = "CEC_MESSAGING_CHANNEL")]
    channel: String,
    /// The customer's user id.
    #[arg(long, default_value = "cec-cli-user")]
    user: String,
    /// The customer's display name.
    #[arg(long, default_value = "Customer")]
    name: String,
    /// Language.
    #[arg(long, default_value = "en")]
    locale: String,
    /// Milliseconds between polls for messages.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
}

fn show(m: &ChatMessage) -> std::io::Result<()> {
    let who = match &m.source {
        Source::Agent => format!("agent {}", m.nickname.as_deref().unwrap_or(&m.from)),
        Source::Robot => "robot".into(),
        Source::System => "system".into(),
        Source::Other(s) => s.to_lowercase(),
    };
    match m.media {
        cec_messaging::Media::Text => crate::out::write_line(format_args!("[{who}] {}", m.content)),
        ref media => crate::out::write_line(format_args!("[{who}] <{}> {}", media.as_str(), m.content)),
    }
}

/// Runs the chat until `/quit` or the end of input.
pub async fn run(a: ChatArgs, clients: Clients) -> anyhow::Result<()> {
    let access = Arc::new(FabricAccess::new(clients.apifabric()?, a.user, a.channel).name(a.name).locale(a.locale));
    let mut chat = ChatSession::connect(clients.messaging()?, access).await.context("connecting to the web channel")?;
    crate::out::write_line(format_args!(
        "connected; /agent, /file PATH, /survey N [comment], /leave PHONE TEXT, /quit"
    ))?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(16);
    tokio::spawn(async move {
        use tokio::io::AsyncBufReadExt as _;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).await.is_err() {
                break;
            }
        }
    });
    let tick = Duration::from_millis(a.poll_ms.max(50));
    loop {
        tokio::select! {
            line = rx.recv() => {
                let Some(line) = line else { break };
                let line = line.trim();
                let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
                let r = match cmd {
                    "" => Ok(()),
                    "/quit" => break,
                    "/agent" => chat.transfer_to_agent().await,
                    "/file" => match std::fs::read(rest) {
                        Ok(bytes) => chat.send_file(rest, &bytes).await.map(|id| {
                            let _ = crate::out::write_line(format_args!("(sent {rest} as {id})"));
                        }),
                        Err(e) => {
                            crate::out::write_line(format_args!("(cannot read {rest}: {e})"))?;
                            Ok(())
                        }
                    },
                    "/survey" => {
                        let (n, comment) = rest.split_once(' ').unwrap_or((rest, ""));
                        match n.parse::<u8>() {
                            Ok(n) => chat.survey(n, comment).await,
                            Err(_) => {
                                crate::out::write_line(format_args!("(usage: /survey 1-5 [comment])"))?;
                                Ok(())
                            }
                        }
                    }
                    "/leave" => {
                        let (phone, text) = rest.split_once(' ').unwrap_or((rest, ""));
                        chat.leave_message(phone, text).await
                    }
                    _ => chat.send_text(line).await,
                };
                if let Err(e) = r {
                    crate::out::write_line(format_args!("(error: {e})"))?;
                }
            }
            _ = tokio::time::sleep(tick) => {
                for m in chat.poll().await? {
                    show(&m)?;
                }
            }
        }
    }
    chat.disconnect().await?;
    crate::out::write_line(format_args!("disconnected"))?;
    Ok(())
}
