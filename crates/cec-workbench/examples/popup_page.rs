//! A screen pop-up page's side of the integration, without a web framework:
//! issue the page token once (it goes into the address configured on the
//! tenant), then read what the workbench sends when a call rings, check it,
//! and build the one-click outbound call message the page posts back.
//!
//! `cargo run -p cec-workbench --example popup_page`
#![allow(clippy::print_stdout)]

use std::time::{Duration, SystemTime};

use cec_workbench::{Callout, Field, PageToken, PageTokenKey, PopupContext, PopupParser};

/// Parses the sample request; returns the context and the message the page would post.
pub fn run() -> Result<(PopupContext, String), cec_workbench::Error> {
    // Once, when configuring the pop-up: a key only the page's server knows
    // (use 32 random bytes from your secret store) and a token valid 90 days.
    let key = PageTokenKey::new(b"example-key-use-32-random-bytes!".to_vec())?;
    let expires = SystemTime::now() + Duration::from_secs(90 * 24 * 3600);
    let token = PageToken::issue(&key, "crm-popup", expires)?;
    let configured = format!("https://crm.example.com/popup?tk={token}");
    println!("configure this access address: {configured}");

    // What the page's server sees when a call rings (URL GET mode): the
    // configured address plus the call data; here the tenant renamed
    // `callerNum` to `ani` and the page has its own `view` parameter.
    let query = format!(
        "tk={token}&view=compact&ani=13800000001&calledNum=10086&callid=1700000001-1&mediaType=1&callType=0\
         &workNo=1001&callskill=General&callskillid=1&agentName=alice&origin=https%3A%2F%2Fservice.example.com"
    );
    let parser = PopupParser::new()
        .rename(Field::CallerNum, "ani")?
        .require_token("tk", key)?
        .for_page("crm-popup")
        .allow_origins(["https://service.example.com"]);
    let ctx = parser.parse_query(&query)?;
    println!("customer {:?} on call {:?}, agent {:?}", ctx.customer_number(), ctx.call_id, ctx.work_no);
    println!("page parameters the workbench does not know: {:?}", ctx.extra);

    // The agent clicks the customer's number: the page posts this text to
    // `ctx.origin` (top.postMessage(text, origin)).
    let number = ctx.customer_number().unwrap_or("13800000001");
    let message = Callout::new(number)?.to_message_string();
    println!("post to {:?}: {message}", ctx.origin);
    Ok((ctx, message))
}

fn main() -> Result<(), cec_workbench::Error> {
    run().map(|_| ())
}
