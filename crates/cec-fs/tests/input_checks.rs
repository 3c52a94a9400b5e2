//! "One of A or B" rules (issue 9, point 3): `ccfs.downloadRecord` needs a file name or a call id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cec_fs::generated::{CcfsDownloadRecordBodyMsgBody, CcfsDownloadRecordBodyRequest};

fn client() -> cec_fs::Client {
    let config = cec_core::Config::builder("http://127.0.0.1:9").build().unwrap();
    cec_fs::Client::new(config, cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new("ak", "sk").unwrap())).unwrap()
}

#[test]
fn download_record_needs_a_file_name_or_a_call_id() {
    let c = client();
    let req = || CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) };
    let neither = c.ccfs_download_record().request(req()).msg_body(CcfsDownloadRecordBodyMsgBody::default());
    let e = neither.into_call().unwrap_err();
    assert!(e.is_validation(), "{e}");
    assert!(e.to_string().contains("msgBody.fileName or msgBody.callId"), "{e}");
    for body in [
        CcfsDownloadRecordBodyMsgBody { call_id: Some("1700000000-1".into()), ..Default::default() },
        CcfsDownloadRecordBodyMsgBody {
            file_name: Some("X:/4/0/20180416/512/1629533.V3".into()),
            ..Default::default()
        },
    ] {
        assert!(c.ccfs_download_record().request(req()).msg_body(body).into_call().is_ok());
    }
    // Untyped JSON: a type error names its path.
    let e = c
        .ccfs_download_record()
        .body_json(serde_json::json!({"request": {"version": "2.0"}, "msgBody": {"callId": 17}}))
        .unwrap_err();
    assert_eq!(e.field(), Some("msgBody.callId"), "{e}");
    assert!(e.to_string().contains("expected a string"), "{e}");
}
