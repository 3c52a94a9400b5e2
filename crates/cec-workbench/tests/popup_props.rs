//! Property tests: any query string or form body parses or fails cleanly, and
//! whatever a workbench encodes comes back unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cec_core::ErrorKind;
use cec_workbench::{CallType, Field, MediaType, PopupContext, PopupParser};
use proptest::prelude::*;

fn clean_kind(k: ErrorKind) -> bool {
    matches!(k, ErrorKind::Decode | ErrorKind::Auth)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text: a context or a Decode error naming a parameter; never a panic.
    #[test]
    fn any_query_string_parses_or_fails_cleanly(q in ".{0,300}") {
        match PopupContext::parse_query(&q) {
            Ok(ctx) => prop_assert!(ctx.extra.len() <= q.len()),
            Err(e) => {
                prop_assert!(clean_kind(e.kind()), "{e}");
                prop_assert!(e.field().is_some(), "{e}");
            }
        }
    }

    /// Query-like text built from the characters that matter (`&`, `=`, `%`, `+`, hex digits, names).
    #[test]
    fn query_shaped_text_parses_or_fails_cleanly(q in "[&=%+0-9a-fA-FxyzmediaTypecallskilidorgn\u{e9}\u{5f39}]{0,120}") {
        if let Err(e) = PopupContext::parse_query(&q) {
            prop_assert!(clean_kind(e.kind()), "{e}");
        }
    }

    /// Arbitrary bytes as a POST form, through every entry point, with a strict parser.
    #[test]
    fn any_form_body_parses_or_fails_cleanly(body in proptest::collection::vec(any::<u8>(), 0..300), method in "GET|POST|PUT") {
        let key = cec_workbench::PageTokenKey::new(vec![7; 32]).unwrap();
        let strict = PopupParser::new().require_token("tk", key).unwrap().allow_origins(["https://wb.example.com"]);
        for parser in [PopupParser::new(), strict] {
            if let Err(e) = parser.parse_form(&body) {
                prop_assert!(clean_kind(e.kind()), "{e}");
            }
            let q = String::from_utf8_lossy(&body);
            if let Err(e) = parser.parse_http(&method, Some(&q), None, &body) {
                prop_assert!(clean_kind(e.kind()), "{e}");
            }
        }
    }

    /// What a workbench encodes (any text in every documented string field, any
    /// codes, any extra parameters, optionally renamed) parses back to itself.
    #[test]
    fn encoded_contexts_round_trip(
        caller in ".{0,20}", called in ".{0,20}", callid in ".{0,24}", work_no in ".{0,8}",
        skill in ".{0,16}", agent in ".{0,16}", calldata in ".{0,40}",
        media in proptest::option::of(0u32..10), call_type in proptest::option::of(0u32..4),
        skill_id in proptest::option::of(any::<u32>()),
        extra in proptest::collection::vec(("x[a-z]{0,6}", ".{0,12}"), 0..4),
        rename in proptest::option::of("y[a-z]{1,6}"),
    ) {
        let mut parser = PopupParser::new();
        let caller_param = match &rename {
            Some(name) => {
                parser = parser.rename(Field::CallerNum, name).unwrap();
                name.clone()
            }
            None => "callerNum".to_owned(),
        };
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair(&caller_param, &caller)
            .append_pair("calledNum", &called)
            .append_pair("callid", &callid)
            .append_pair("workNo", &work_no)
            .append_pair("callskill", &skill)
            .append_pair("agentName", &agent)
            .append_pair("calldata", &calldata);
        if let Some(m) = media { ser.append_pair("mediaType", &m.to_string()); }
        if let Some(c) = call_type { ser.append_pair("callType", &c.to_string()); }
        if let Some(s) = skill_id { ser.append_pair("callskillid", &s.to_string()); }
        for (k, v) in &extra { ser.append_pair(k, v); }
        let query = ser.finish();

        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        for ctx in [parser.parse_query(&query).unwrap(), parser.parse_form(query.as_bytes()).unwrap()] {
            prop_assert_eq!(&ctx.caller_num, &some(&caller));
            prop_assert_eq!(&ctx.called_num, &some(&called));
            prop_assert_eq!(&ctx.call_id, &some(&callid));
            prop_assert_eq!(&ctx.work_no, &some(&work_no));
            prop_assert_eq!(&ctx.skill, &some(&skill));
            prop_assert_eq!(&ctx.agent_name, &some(&agent));
            prop_assert_eq!(&ctx.call_data, &some(&calldata));
            prop_assert_eq!(ctx.media_type, media.map(MediaType::from_code));
            prop_assert_eq!(ctx.call_type, call_type.map(CallType::from_code));
            prop_assert_eq!(ctx.skill_id, skill_id);
            prop_assert_eq!(&ctx.extra, &extra);
        }
    }
}
