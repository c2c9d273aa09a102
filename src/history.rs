//! Records through time, from git history: for every record file, the versions its
//! first-parent history holds, oldest first, with each commit's time and author.
//!
//! One pass over the history reads each commit's changes to the record folders (git skips
//! unchanged subtrees), so the cost is the number of commits plus the number of changes, not
//! commits × records. The result is cached under the git directory, keyed by the commit it
//! reflects; a later run reads only the commits since.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::check::record_at;
use crate::format::{RecordRules, parse_record};
use crate::model::{Body, Kind};
use crate::store::{Repo, StoreError};
use crate::time::Timestamp;

/// What one version of a record says, as far as reports and planning need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Version {
    pub commit: String,
    pub time: Timestamp,
    pub author: String,
    /// The record's state (the MIR process state for MIR bugs); empty when the file was
    /// deleted or could not be read as a record.
    pub state: String,
    pub weight: Option<u8>,
    pub milestone: Option<String>,
    pub labels: Vec<String>,
    /// The git blob of the file; `None` when the commit deleted it.
    pub blob: Option<String>,
}

/// The versions of every record file (path relative to the tracker root), oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The commit the history reaches.
    pub head: Option<String>,
    pub records: BTreeMap<String, Vec<Version>>,
}

const CACHE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Cache {
    version: u32,
    prefix: String,
    history: History,
}

impl History {
    /// The history of the tracker at `prefix` up to `HEAD`, reading only the commits the cache
    /// has not seen.
    pub fn load(repo: &Repo, prefix: &str) -> Result<Self, StoreError> {
        let Some(head) = repo.head() else { return Ok(Self::default()) };
        let path = cache_path(repo, prefix);
        let cached = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Cache>(&bytes).ok())
            .filter(|cache| cache.version == CACHE_VERSION && cache.prefix == prefix)
            .map(|cache| cache.history);
        let mut history = cached.unwrap_or_default();
        if history.head.as_deref() == Some(head.as_str()) {
            return Ok(history);
        }
        // Commits since the cached head (all of them when there is none or it is gone, as after
        // a rewrite of history).
        let known = history.head.clone().filter(|h| repo.is_ancestor(h, &head));
        if known.is_none() {
            history = Self::default();
        }
        let commits = repo.first_parent_range(known.as_deref(), &head)?;
        let folders: Vec<String> = Kind::ALL.iter().map(|k| format!("{prefix}{}/", k.folder())).collect();
        for commit in commits {
            for change in repo.commit_changes(&commit.id, &folders)? {
                let Some(relative) = change.path.strip_prefix(prefix) else { continue };
                let Some((kind, id)) = record_at(relative) else { continue };
                let text = match &change.new {
                    Some(blob) => repo.blob_text(blob)?,
                    None => None,
                };
                let parsed =
                    text.and_then(|text| parse_record(kind, &id, relative, &text, &RecordRules::default()).record);
                let (state, weight, milestone, labels) = match &parsed {
                    Some(record) => {
                        let state = match &record.body {
                            Body::Mir(bug) => bug.state().name().to_owned(),
                            _ => record.state().to_owned(),
                        };
                        let (weight, milestone) = match &record.body {
                            Body::Issue(issue) => (issue.weight, issue.milestone.clone()),
                            _ => (None, None),
                        };
                        (state, weight, milestone, record.labels().to_vec())
                    }
                    None => (String::new(), None, None, Vec::new()),
                };
                history.records.entry(relative.to_owned()).or_default().push(Version {
                    commit: commit.id.clone(),
                    time: commit.time,
                    author: commit.author.clone(),
                    state,
                    weight,
                    milestone,
                    labels,
                    blob: change.new.clone(),
                });
            }
        }
        history.head = Some(head);
        // The cache is derived: failing to write it only costs time next run.
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let cache = Cache { version: CACHE_VERSION, prefix: prefix.to_owned(), history: history.clone() };
        if let Ok(bytes) = serde_json::to_vec(&cache) {
            let temporary = path.with_extension("tmp");
            if std::fs::write(&temporary, bytes).is_ok() {
                let _ = std::fs::rename(&temporary, &path);
            }
        }
        Ok(history)
    }

    /// The versions of the record at `path`, oldest first.
    pub fn of(&self, path: &str) -> &[Version] {
        self.records.get(path).map_or(&[], Vec::as_slice)
    }
}

fn cache_path(repo: &Repo, prefix: &str) -> PathBuf {
    let name = if prefix.is_empty() {
        "history.json".to_owned()
    } else {
        format!("history-{}.json", prefix.trim_end_matches('/').replace('/', "-"))
    };
    repo.git_path("docket").join(name)
}

/// A stay in one state: from when the record entered it to when it left (or `None`, still
/// there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub state: String,
    pub from: Timestamp,
    pub until: Option<Timestamp>,
}

/// The stays of a record, oldest first, from its versions.
pub fn stays(versions: &[Version]) -> Vec<Stay> {
    let mut stays: Vec<Stay> = Vec::new();
    for version in versions {
        if let Some(last) = stays.last()
            && last.state == version.state
            && version.blob.is_some()
        {
            continue;
        }
        if let Some(last) = stays.last_mut() {
            last.until = Some(version.time);
        }
        if version.blob.is_some() && !version.state.is_empty() {
            stays.push(Stay { state: version.state.clone(), from: version.time, until: None });
        }
    }
    stays
}
