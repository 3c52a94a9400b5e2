//! The nightly job in one call: bill zips of a period (CDR-ready notices), their
//! CSVs extracted, then every recording of the recording index, into one archive
//! directory. Safe to run again: `manifest.json` records what is complete (sizes
//! and hashes); a re-run skips it, resumes what is not (temporary files of a
//! killed run are continued with `Range`), and nothing partial is ever under a
//! final name. Every failure is kept with its reason in the report.
//!
//! Layout of `dir`: `bills/<billFileName>.zip`, `cdr/<zip stem>/<member>.csv`,
//! `recordings/<call id>/<file name>`, `manifest.json`, `sync-report.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::bills::{Window, windows};
use crate::cdr::{Member, RecordingRow, extract_zip, read_zip};
use crate::notice::NoticeInbox;
use crate::{Client, Error};

/// What the job reports as it goes.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncEvent {
    /// The work is known: `total` files to fetch (bills first, then recordings).
    Planned {
        /// Files.
        total: usize,
    },
    /// A file started.
    Started {
        /// Path in the archive.
        file: String,
    },
    /// Bytes of a file.
    Progress {
        /// Path in the archive.
        file: String,
        /// Bytes so far.
        done: u64,
        /// Size when known.
        total: Option<u64>,
    },
    /// A file is complete and verified.
    Done {
        /// Path in the archive.
        file: String,
        /// Size.
        bytes: u64,
    },
    /// Already complete from an earlier run.
    Skipped {
        /// Path in the archive.
        file: String,
    },
    /// A file failed.
    Failed {
        /// Path in the archive (or the window).
        file: String,
        /// Why.
        reason: String,
    },
}

/// One completed file in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Size.
    pub bytes: u64,
    /// SHA-256 (hex).
    pub sha256: String,
}

/// `manifest.json`: what is complete.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version (1).
    pub version: u32,
    /// Windows whose bill zip is complete: `"<from>-<to>"` → the zip's path.
    pub windows: BTreeMap<String, String>,
    /// Complete files by path relative to the archive.
    pub files: BTreeMap<String, Entry>,
}

/// One failure in the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// What failed (archive path or window).
    pub item: String,
    /// Why.
    pub reason: String,
}

/// `sync-report.json` and the return value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    /// Files fetched in this run.
    pub fetched: usize,
    /// Files already complete.
    pub skipped: usize,
    /// Every failure.
    pub failed: Vec<Failure>,
}

impl Report {
    /// Everything was fetched (or was already).
    pub fn complete(&self) -> bool {
        self.failed.is_empty()
    }
}

/// A [`SyncEvent`] callback.
pub type EventFn<'a> = Box<dyn Fn(&SyncEvent) + Send + std::marker::Sync + 'a>;

/// The job: see [`Client::sync`].
#[must_use = "nothing happens until you call run"]
pub struct Sync<'a> {
    client: &'a Client,
    from: i64,
    to: i64,
    dir: PathBuf,
    inbox: Option<(Arc<NoticeInbox>, String)>,
    wait: Duration,
    offset_minutes: i32,
    recordings: bool,
    concurrency: usize,
    on_event: Option<EventFn<'a>>,
}

impl std::fmt::Debug for Sync<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sync").field("from", &self.from).field("to", &self.to).field("dir", &self.dir).finish()
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn io(what: String, e: std::io::Error) -> Error {
    Error::from(cec_core::Error::io(what, e))
}

/// An error with its causes, for the report.
fn reason(e: &Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

impl Client {
    /// The nightly job for `[from, to)` (unix seconds) into the existing directory `dir`.
    pub fn sync(&self, from: i64, to: i64, dir: impl Into<PathBuf>) -> Sync<'_> {
        Sync {
            client: self,
            from,
            to,
            dir: dir.into(),
            inbox: None,
            wait: crate::bills::DEFAULT_NOTICE_WAIT,
            offset_minutes: 0,
            recordings: false,
            concurrency: 4,
            on_event: None,
        }
    }
}

impl<'a> Sync<'a> {
    /// Where notices arrive and the URL CC-FS is told (see [`crate::Bills::notices`]).
    pub fn notices(mut self, inbox: Arc<NoticeInbox>, callback_url: impl Into<String>) -> Self {
        self.inbox = Some((inbox, callback_url.into()));
        self
    }
    /// How long to wait for each notice.
    pub fn wait(mut self, d: Duration) -> Self {
        self.wait = d;
        self
    }
    /// The tenant's zone, minutes east of UTC.
    pub fn tenant_offset_minutes(mut self, m: i32) -> Self {
        self.offset_minutes = m;
        self
    }
    /// Also fetch every recording of the recording index.
    pub fn recordings(mut self, yes: bool) -> Self {
        self.recordings = yes;
        self
    }
    /// Recordings in flight at most (default 4, at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
    /// Called for every [`SyncEvent`].
    pub fn on_event(mut self, f: impl Fn(&SyncEvent) + Send + std::marker::Sync + 'a) -> Self {
        self.on_event = Some(Box::new(f));
        self
    }

    fn emit(&self, e: SyncEvent) {
        if let Some(f) = &self.on_event {
            f(&e);
        }
    }

    fn load_manifest(&self) -> Result<Manifest, Error> {
        let p = self.dir.join("manifest.json");
        match std::fs::read(&p) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                Error::from(cec_core::Error::new(cec_core::ErrorKind::Decode, format!("{}: {e}", p.display())))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest { version: 1, ..Default::default() }),
            Err(e) => Err(io(format!("reading {}", p.display()), e)),
        }
    }

    fn save_manifest(&self, m: &Manifest) -> Result<(), Error> {
        let p = self.dir.join("manifest.json");
        let text = serde_json::to_vec_pretty(m).unwrap_or_default();
        write_atomic(&p, &text).map_err(|e| io(format!("writing {}", p.display()), e))
    }

    /// Is `rel` complete (in the manifest, and on disk with that size)?
    fn is_complete(&self, m: &Manifest, rel: &str) -> bool {
        m.files.get(rel).is_some_and(|e| std::fs::metadata(self.dir.join(rel)).is_ok_and(|md| md.len() == e.bytes))
    }

    /// Runs the job; writes `manifest.json` and `sync-report.json`. A setup error
    /// (no directory, no notice inbox) is `Err`; everything else is in the report.
    pub async fn run(self) -> Result<Report, Error> {
        cec_core::download::check_dir(&self.dir).await?;
        for sub in ["bills", "cdr", "recordings"] {
            let d = self.dir.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| io(format!("creating {}", d.display()), e))?;
        }
        let mut manifest = self.load_manifest()?;
        let mut report = Report::default();
        let wins = windows(self.from, self.to);
        self.emit(SyncEvent::Planned { total: wins.len() });
        let mut zips: Vec<PathBuf> = Vec::new();
        for w in &wins {
            match self.bill(w, &mut manifest, &mut report).await {
                Ok(p) => zips.push(p),
                Err(e) => {
                    let item = format!("bills {}..{}", w.from, w.to);
                    self.emit(SyncEvent::Failed { file: item.clone(), reason: reason(&e) });
                    report.failed.push(Failure { item, reason: reason(&e) });
                }
            }
            self.save_manifest(&manifest)?;
        }
        if self.recordings {
            let mut wanted: Vec<(String, RecordingRow)> = Vec::new();
            for z in &zips {
                match read_zip::<RecordingRow>(z, Member::Recordings) {
                    Ok(rows) => {
                        for r in rows {
                            let name = cec_core::download::file_name_of_path(&r.file_name)
                                .and_then(|n| cec_core::download::safe_file_name(&r.call_id).map(|c| (c, n)));
                            match name {
                                Ok((c, n)) => wanted.push((format!("recordings/{c}/{n}"), r)),
                                Err(e) => {
                                    report.failed.push(Failure { item: r.file_name.clone(), reason: e.to_string() })
                                }
                            }
                        }
                    }
                    Err(e) => report.failed.push(Failure { item: z.display().to_string(), reason: reason(&e) }),
                }
            }
            wanted.sort_by(|a, b| a.0.cmp(&b.0));
            wanted.dedup_by(|a, b| a.0 == b.0);
            self.emit(SyncEvent::Planned { total: wins.len() + wanted.len() });
            let todo: Vec<(String, RecordingRow)> = wanted
                .into_iter()
                .filter(|(rel, _)| {
                    let done = self.is_complete(&manifest, rel);
                    if done {
                        report.skipped += 1;
                        self.emit(SyncEvent::Skipped { file: rel.clone() });
                    }
                    !done
                })
                .collect();
            let this = &self;
            let mut results = futures_util::stream::iter(todo.into_iter().map(|(rel, row)| async move {
                let r = this.recording(&rel, &row).await;
                (rel, r)
            }))
            .buffer_unordered(self.concurrency);
            while let Some((rel, r)) = results.next().await {
                match r {
                    Ok(entry) => {
                        self.emit(SyncEvent::Done { file: rel.clone(), bytes: entry.bytes });
                        manifest.files.insert(rel, entry);
                        report.fetched += 1;
                        // Saved as we go: a killed run keeps what it completed.
                        self.save_manifest(&manifest)?;
                    }
                    Err(e) => {
                        self.emit(SyncEvent::Failed { file: rel.clone(), reason: reason(&e) });
                        report.failed.push(Failure { item: rel, reason: reason(&e) });
                    }
                }
            }
        }
        self.save_manifest(&manifest)?;
        let p = self.dir.join("sync-report.json");
        write_atomic(&p, &serde_json::to_vec_pretty(&report).unwrap_or_default())
            .map_err(|e| io(format!("writing {}", p.display()), e))?;
        Ok(report)
    }

    /// One window's bill zip (skipped when the manifest has it), extracted.
    async fn bill(&self, w: &Window, manifest: &mut Manifest, report: &mut Report) -> Result<PathBuf, Error> {
        let key = format!("{}-{}", w.from, w.to);
        if let Some(rel) = manifest.windows.get(&key).cloned()
            && self.is_complete(manifest, &rel)
        {
            report.skipped += 1;
            self.emit(SyncEvent::Skipped { file: rel.clone() });
            return Ok(self.dir.join(rel));
        }
        let (inbox, url) = self
            .inbox
            .clone()
            .ok_or_else(|| Error::from(cec_core::Error::usage("sync: no notice inbox and callback URL given")))?;
        let bills = self
            .client
            .bills(w.from, w.to)
            .notices(inbox, url)
            .wait(self.wait)
            .tenant_offset_minutes(self.offset_minutes);
        let (_, name) = bills.request(*w).await?;
        let dl = self.client.bill_file(&name);
        let safe =
            dl.file_name().map_err(|e| Error::from(cec_core::Error::new(e.kind(), e.message().to_owned())))?.to_owned();
        let rel = format!("bills/{safe}");
        self.emit(SyncEvent::Started { file: rel.clone() });
        let file = rel.clone();
        let done = dl
            .on_progress(move |d, t| self.emit(SyncEvent::Progress { file: file.clone(), done: d, total: t }))
            .resume_partial(true)
            .sha256(true)
            .to_file(self.dir.join(&rel))
            .await?;
        let path = self.dir.join(&rel);
        let stem = safe.strip_suffix(".zip").unwrap_or(&safe);
        extract_zip(&path, &self.dir.join("cdr").join(stem))?;
        manifest.files.insert(rel.clone(), Entry { bytes: done.bytes, sha256: done.sha256.unwrap_or_default() });
        manifest.windows.insert(key, rel.clone());
        report.fetched += 1;
        self.emit(SyncEvent::Done { file: rel, bytes: done.bytes });
        Ok(path)
    }

    async fn recording(&self, rel: &str, row: &RecordingRow) -> Result<Entry, Error> {
        let path = self.dir.join(rel);
        if let Some(d) = path.parent() {
            tokio::fs::create_dir_all(d).await.map_err(|e| io(format!("creating {}", d.display()), e))?;
        }
        self.emit(SyncEvent::Started { file: rel.to_owned() });
        let file = rel.to_owned();
        let done = self
            .client
            .recording_file(&row.file_name)
            .on_progress(move |d, t| self.emit(SyncEvent::Progress { file: file.clone(), done: d, total: t }))
            .resume_partial(true)
            .sha256(true)
            .to_file(&path)
            .await?;
        Ok(Entry { bytes: done.bytes, sha256: done.sha256.unwrap_or_default() })
    }
}
