//! `ChatSession` against `cec sim`: the customer's web chat with the chatbot, a
//! file each way through the media cache, the survey and a left message; a
//! token that expires mid-chat; files refused before upload.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cec_messaging::{Media, Source};
use cec_sim::{SimConfig, Simulator};
use common::{TICK, session};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_with_the_robot_a_file_each_way_survey_and_left_message() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut chat = session(&sim, "cust-1").await;
    let hello = chat.next_message(TICK).await.unwrap();
    assert_eq!(hello.source, Source::Robot);
    assert_eq!(hello.media, Media::Text);

    chat.send_text("what are your opening hours?").await.unwrap();
    let answer = chat.next_message(TICK).await.unwrap();
    assert!(answer.content.contains("9:00"), "{answer:?}");

    let photo = b"\xff\xd8\xff\xe0 a tiny jpeg".to_vec();
    let id = chat.send_file("photo.jpg", &photo).await.unwrap();
    assert_eq!(sim.media_files(), 1);
    let back = chat.download_file(&sim.scenario().channel_id, &id).await.unwrap();
    assert_eq!(back, photo, "the media cache gives the file back");
    let reply = chat.next_message(TICK).await.unwrap();
    assert_eq!(reply.source, Source::Robot, "the robot answers the image too: {reply:?}");

    {
        use futures_util::StreamExt as _;
        chat.send_text("hours again").await.unwrap();
        let mut stream = std::pin::pin!(chat.messages(TICK));
        let m = stream.next().await.unwrap().unwrap();
        assert!(m.content.contains("9:00"));
    }

    chat.survey(5, "quick answers").await.unwrap();
    assert!(chat.survey(6, "x").await.is_err(), "the level is checked before sending");
    chat.leave_message("+8613800000000", "please call me back").await.unwrap();
    chat.disconnect().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_mid_chat_is_renewed_and_nothing_is_lost_or_repeated() {
    let sim = Simulator::start(SimConfig { max_token_lifetime: Duration::from_millis(600), ..Default::default() })
        .await
        .unwrap();
    let mut chat = session(&sim, "cust-2").await;
    let _hello = chat.next_message(TICK).await.unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await; // the token has expired
    chat.send_text("opening hours?").await.unwrap();
    assert!(chat.token_renewals() >= 1, "the refused send applied for a new token");
    let answer = chat.next_message(TICK).await.unwrap();
    assert!(answer.content.contains("9:00"), "{answer:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rest = chat.poll().await.unwrap();
    assert!(rest.is_empty(), "the message was accepted once: {rest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_renewed_by_the_answer_replaces_the_old_one() {
    let sim =
        Simulator::start(SimConfig { max_token_lifetime: Duration::from_secs(2), ..Default::default() }).await.unwrap();
    let mut chat = session(&sim, "cust-3").await;
    let before = chat.client().auth().token().unwrap().expose_str().to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await; // past half its lifetime
    let _ = chat.poll().await.unwrap();
    let after = chat.client().auth().token().unwrap().expose_str().to_owned();
    assert_ne!(before, after, "Set-Cookie replaced the token");
    assert_eq!(chat.token_renewals(), 0, "no refusal was needed");
    tokio::time::sleep(Duration::from_millis(1100)).await; // the first token has expired
    chat.send_text("hours").await.unwrap();
    assert_eq!(chat.token_renewals(), 0, "the renewed token is still valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_or_forbidden_file_is_refused_before_upload() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut chat = session(&sim, "cust-4").await;
    let e = chat.send_file("setup.exe", b"MZ").await.unwrap_err();
    assert!(e.to_string().contains("exe"), "{e}");
    let limits = chat.file_limits().await.unwrap();
    assert_eq!(limits.common, 2 * 1024 * 1024, "the documented example's 2 MB");
    let big = vec![0u8; limits.common as usize + 1];
    let e = chat.send_file("big.png", &big).await.unwrap_err();
    assert!(e.to_string().contains("commonFileSize"), "{e}");
    let video = vec![0u8; limits.common as usize + 1];
    chat.send_file("clip.mp4", &video).await.expect("within the 4 MB video limit");
    assert_eq!(sim.media_files(), 1, "only the allowed file reached the media cache");
}
