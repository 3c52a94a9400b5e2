//! The examples run as tests, so they cannot rot.

#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../examples/popup_page.rs"]
mod popup_page;

#[test]
fn popup_page_example() {
    let (ctx, message) = popup_page::run().unwrap();
    assert_eq!(ctx.caller_num.as_deref(), Some("13800000001"));
    assert_eq!(ctx.extra("view"), Some("compact"));
    assert!(ctx.page.is_some(), "the token was checked");
    let v: serde_json::Value = serde_json::from_str(&message).unwrap();
    assert_eq!(v["param"]["number"], "13800000001");
}
