//! `cec <ne> <operation> --out PATH|DIR|-` for the interfaces that answer with a
//! file: where the file goes (checked before anything is sent), its default
//! name from the interface's own data, and the download itself
//! (`cec_core::download`: temporary file, length check, rename; resume).

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use cec_core::download::{Downloaded, file_name_of_path, safe_file_name};
use serde_json::Value;

use crate::ops::CliInput;

/// Where a file answer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `--out -`.
    Stdout,
    /// A file path (its directory exists).
    File(PathBuf),
}

/// How an interface's default file name is made from its inputs.
#[derive(Debug, Clone, Copy)]
enum NameRule {
    /// A file name given as is (a bill zip from the CDR-ready notice).
    Name(&'static str),
    /// The last component of a server path.
    PathTail(&'static str),
    /// `<value><suffix>`.
    Suffixed(&'static str, &'static str),
}

/// Per binary interface: the rules, tried in order (input keys: `body:<json pointer>`,
/// `query:<name>`, `path:<name>`).
const NAMES: &[(&str, &[NameRule])] = &[
    ("ccfs.downloadBillFile", &[NameRule::Name("body:/msgBody/billFileName")]),
    ("ccfs.downloadRecordFile", &[NameRule::PathTail("body:/msgBody/fileName")]),
    (
        "ccfs.downloadRecord",
        &[NameRule::PathTail("body:/msgBody/fileName"), NameRule::Suffixed("body:/msgBody/callId", ".wav")],
    ),
    ("ccfs.downloadAgentOprInfoFile", &[NameRule::Name("body:/msgBody/agentOprInfoFileName")]),
    (
        "ccfs.downloadAgentSkillInfoFile",
        &[NameRule::Name("body:/msgBody/agentSkillInfoFileName"), NameRule::Name("body:/agentSkillInfoFileName")],
    ),
    ("ccfs.playVoice", &[NameRule::Suffixed("query:t", ".wav")]),
    ("ccfs.downloadOiapRecord", &[NameRule::PathTail("body:/msgBody/fileName")]),
    ("ccfs.downloadIVRRecordFile", &[NameRule::PathTail("body:/msgBody/fileName")]),
    ("ccfs.ivr.downloadFile", &[NameRule::PathTail("body:/msgBody/filePath")]),
    ("record.download", &[NameRule::PathTail("query:recordId")]),
    ("record.downloadEx", &[NameRule::PathTail("query:hwFileName"), NameRule::Suffixed("query:callId", ".wav")]),
    ("video.download", &[NameRule::PathTail("query:recordId"), NameRule::Suffixed("query:conferenceId", ".video")]),
    ("video.downloadEx", &[NameRule::PathTail("query:recordId")]),
    // The media cache's files are named by their resource id.
    ("webchannel.getRichTextResource", &[NameRule::PathTail("path:resourceId")]),
    ("common.getResourceFile", &[NameRule::PathTail("path:resourceId")]),
    // The verification callbacks answer the challenge as text.
    ("facebook.verifyCallback", &[NameRule::Suffixed("path:channelId", "-challenge.txt")]),
    ("wechat.verifySignature", &[NameRule::Suffixed("path:channelId", "-echostr.txt")]),
];

fn input_value(input: &CliInput, key: &str) -> Option<String> {
    let (kind, name) = key.split_once(':')?;
    let v = match kind {
        "body" => match input.body.as_ref()?.pointer(name)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        },
        _ => input.get(kind, name)?,
    };
    (!v.trim().is_empty()).then_some(v)
}

/// The default file name of `op`'s answer, from the interface's own data
/// (call id, file name), made safe; never `<op>.bin`.
pub fn default_name(op: &str, input: &CliInput) -> anyhow::Result<String> {
    let rules = NAMES
        .iter()
        .find(|(id, _)| *id == op)
        .map(|(_, r)| *r)
        .ok_or_else(|| anyhow!("{op}: no default file name is known; pass --out FILE"))?;
    for rule in rules {
        let made = match *rule {
            NameRule::Name(k) => input_value(input, k).map(|v| safe_file_name(&v)),
            NameRule::PathTail(k) => input_value(input, k).map(|v| file_name_of_path(&v)),
            NameRule::Suffixed(k, sfx) => input_value(input, k).map(|v| safe_file_name(&format!("{v}{sfx}"))),
        };
        match made {
            Some(Ok(name)) => return Ok(name),
            Some(Err(e)) => bail!("{op}: {e}; pass --out FILE"),
            None => continue,
        }
    }
    bail!("{op}: the input names no file or call to name the download after; pass --out FILE")
}

/// Resolves `--out` before anything is sent: `-` is stdout; an existing
/// directory gets the default name; otherwise a file path whose directory must
/// exist. No `--out`: the default name in the current directory.
pub fn target(op: &str, input: &CliInput, out: Option<&Path>) -> anyhow::Result<Target> {
    let path = match out {
        Some(p) if p.as_os_str() == "-" => return Ok(Target::Stdout),
        Some(p) if p.is_dir() => p.join(default_name(op, input)?),
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(default_name(op, input)?),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        bail!("target directory {} does not exist (nothing was sent)", dir.display());
    }
    Ok(Target::File(path))
}

/// Runs the download into the target.
pub async fn save(
    client: &cec_core::Client,
    op: &'static cec_core::OperationMeta,
    call: cec_core::Call,
    target: &Target,
) -> anyhow::Result<Downloaded> {
    let dl = client.download(op, call).sha256(true);
    match target {
        Target::Stdout => {
            let mut out = tokio::io::stdout();
            Ok(dl.to_writer(&mut out).await?)
        }
        Target::File(path) => {
            let done = dl.to_path(path).await?;
            // A call id may name several recordings: CC-FS then answers with a zip.
            let zip = done.content_type().is_some_and(|c| c.to_ascii_lowercase().contains("zip"));
            if zip && path.extension().is_some_and(|e| e != "zip") {
                let to = path.with_extension("zip");
                std::fs::rename(path, &to)
                    .with_context(|| format!("renaming {} to {}", path.display(), to.display()))?;
                return Ok(Downloaded { path: Some(to), ..done });
            }
            Ok(done)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> CliInput {
        CliInput { params: Vec::new(), body: Some(v), extra: Vec::new() }
    }

    #[test]
    fn every_file_interface_has_a_default_name_rule() {
        for op in crate::generated::OPS.iter().filter(|o| o.binary) {
            assert!(NAMES.iter().any(|(id, _)| *id == op.id), "{} has no default file name rule", op.id);
        }
    }

    #[test]
    fn default_names_come_from_the_interface_data() {
        let rec = body(json!({"request": {"version": "2.0"}, "msgBody": {"callId": "1700000000-17"}}));
        assert_eq!(default_name("ccfs.downloadRecord", &rec).unwrap(), "1700000000-17.wav");
        let file = body(json!({"msgBody": {"fileName": "/1/1/record/1001/20240101/abc.wav"}}));
        assert_eq!(default_name("ccfs.downloadRecordFile", &file).unwrap(), "abc.wav");
        assert_eq!(default_name("ccfs.downloadRecord", &file).unwrap(), "abc.wav");
        let v3 = body(json!({"msgBody": {"fileName": "X:\\17\\0\\20180903\\15470\\2043295.V3"}}));
        assert_eq!(default_name("ccfs.downloadRecord", &v3).unwrap(), "2043295.V3");
        let bill = body(json!({"msgBody": {"billFileName": "20240101_ab12.zip"}}));
        assert_eq!(default_name("ccfs.downloadBillFile", &bill).unwrap(), "20240101_ab12.zip");
        let q = CliInput {
            params: vec![("query", "recordId".into(), "/rec/1/2/x.wav".into())],
            body: None,
            extra: Vec::new(),
        };
        assert_eq!(default_name("record.download", &q).unwrap(), "x.wav");
    }

    #[test]
    fn unsafe_or_missing_names_ask_for_out() {
        let bad = body(json!({"msgBody": {"billFileName": "../../etc/passwd"}}));
        let e = default_name("ccfs.downloadBillFile", &bad).unwrap_err().to_string();
        assert!(e.contains("../../etc/passwd") && e.contains("--out"), "{e}");
        let none = body(json!({"msgBody": {}}));
        assert!(default_name("ccfs.downloadRecord", &none).unwrap_err().to_string().contains("--out"));
        assert!(!default_name("ccfs.downloadRecord", &none).unwrap_err().to_string().contains(".bin"));
    }

    #[test]
    fn targets_are_checked_before_sending() {
        let rec = body(json!({"msgBody": {"callId": "c1"}}));
        assert_eq!(target("ccfs.downloadRecord", &rec, Some(Path::new("-"))).unwrap(), Target::Stdout);
        let dir = std::env::temp_dir();
        assert_eq!(target("ccfs.downloadRecord", &rec, Some(&dir)).unwrap(), Target::File(dir.join("c1.wav")));
        let missing = dir.join(format!("cec-missing-{}", std::process::id())).join("x.wav");
        let e = target("ccfs.downloadRecord", &rec, Some(&missing)).unwrap_err().to_string();
        assert!(e.contains(&missing.parent().unwrap().display().to_string()), "{e}");
    }
}
