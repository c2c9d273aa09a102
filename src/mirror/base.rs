//! The mirrors' own state in git and beside it: the base (the last synced state of every
//! record, a commit on `refs/docket/mirror/<service>`), the journal of a run's creates and
//! comments (`.git/docket/mirror-<service>.journal`), and a reader of a commit's files that
//! stays cheap when it reads many of one large folder.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Links, MirrorError, View};
use crate::model::Kind;
use crate::store::StoreError;
use crate::tracker::{Tracker, TrackerError};

/// Reads files of one commit by path: a lookup each while few are asked for, then each
/// folder's listing once (libgit2 reads a large tree again on every lookup from the top, so a
/// lookup per record of a 10,000-record folder would cost the folder's size each time).
pub(super) struct Reader {
    pub(super) commit: String,
    pub(super) lookups: usize,
    pub(super) listed: HashMap<String, HashMap<String, String>>,
}

/// Lookups from the top before a folder is listed instead.
pub(super) const LOOKUPS_BEFORE_LISTING: usize = 32;

impl Reader {
    pub(super) fn new(commit: &str) -> Self {
        Self { commit: commit.to_owned(), lookups: 0, listed: HashMap::new() }
    }

    pub(super) fn text(&mut self, repo: &crate::store::Repo, path: &str) -> Result<Option<String>, StoreError> {
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        if let Some(files) = self.listed.get(folder) {
            return match files.get(path) {
                Some(blob) => repo.blob_text(blob),
                None => Ok(None),
            };
        }
        self.lookups += 1;
        if self.lookups > LOOKUPS_BEFORE_LISTING && !folder.is_empty() {
            let files = repo.files_under(Some(&self.commit), folder)?.into_iter().collect();
            self.listed.insert(folder.to_owned(), files);
            return self.text(repo, path);
        }
        repo.file_at(&self.commit, path)
    }
}

/// The base's header.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Meta {
    /// The commit whose records were last compared.
    #[serde(default)]
    pub(super) local: Option<String>,
    /// Per kind, the latest remote change seen.
    #[serde(default)]
    pub(super) since: BTreeMap<String, String>,
    /// `kind/id` → remote number.
    #[serde(default)]
    pub(super) links: BTreeMap<String, u64>,
    /// `kind/id` of records left with something undecided (conflicts, refusals, uncommitted
    /// files): compared again next run whatever changed.
    #[serde(default)]
    pub(super) pending: BTreeSet<String>,
}

/// One record's last synced state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Entry {
    pub(super) remote: u64,
    pub(super) view: View,
    /// Local comment key → remote comment number.
    #[serde(default)]
    pub(super) comments: BTreeMap<String, u64>,
    /// Remote comments already pulled (or posted by docket).
    #[serde(default)]
    pub(super) seen: BTreeSet<u64>,
    #[serde(default)]
    pub(super) comment_count: Option<u64>,
}

/// The base as loaded: the header, and the entries read so far.
pub(super) struct Base {
    pub(super) reference: String,
    pub(super) commit: Option<String>,
    pub(super) reader: Option<Reader>,
    pub(super) meta: Meta,
    pub(super) entries: BTreeMap<(Kind, String), Entry>,
    pub(super) changed: BTreeSet<(Kind, String)>,
}

pub(super) fn key_of(kind: Kind, id: &str) -> String {
    format!("{}/{id}", kind.folder())
}

pub(super) fn kind_of_folder(folder: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|kind| kind.folder() == folder)
}

impl Base {
    pub(super) fn load(tracker: &Tracker, service: &str) -> Result<Self, MirrorError> {
        let reference = format!("refs/docket/mirror/{service}");
        let commit = tracker.repo.ref_commit(&reference);
        let meta = match &commit {
            Some(commit) => match tracker.repo.file_at(commit, "meta.json")? {
                Some(text) => serde_json::from_str(&text)
                    .map_err(|error| MirrorError::Base { reference: reference.clone(), message: error.to_string() })?,
                None => Meta::default(),
            },
            None => Meta::default(),
        };
        let reader = commit.as_deref().map(Reader::new);
        Ok(Self { reference, commit, reader, meta, entries: BTreeMap::new(), changed: BTreeSet::new() })
    }

    pub(super) fn links(&self) -> Links {
        let mut links = Links::default();
        for (key, remote) in &self.meta.links {
            if let Some((folder, id)) = key.split_once('/')
                && let Some(kind) = kind_of_folder(folder)
            {
                links.insert(kind, id, *remote);
            }
        }
        links
    }

    /// The entry of a record, read from the base on first use.
    pub(super) fn entry(&mut self, tracker: &Tracker, kind: Kind, id: &str) -> Result<Option<&Entry>, MirrorError> {
        let key = (kind, id.to_owned());
        if !self.entries.contains_key(&key)
            && let Some(reader) = &mut self.reader
            && let Some(text) = reader.text(&tracker.repo, &format!("{}.json", key_of(kind, id)))?
        {
            let entry: Entry = serde_json::from_str(&text)
                .map_err(|error| MirrorError::Base { reference: self.reference.clone(), message: error.to_string() })?;
            self.entries.insert(key.clone(), entry);
        }
        Ok(self.entries.get(&key))
    }

    pub(super) fn set(&mut self, kind: Kind, id: &str, entry: Entry) {
        self.meta.links.insert(key_of(kind, id), entry.remote);
        let key = (kind, id.to_owned());
        if self.entries.get(&key) != Some(&entry) {
            self.entries.insert(key.clone(), entry);
            self.changed.insert(key);
        }
    }

    pub(super) fn save(&mut self, tracker: &Tracker, message: &str) -> Result<(), MirrorError> {
        let mut files = Vec::with_capacity(self.changed.len() + 1);
        for key in &self.changed {
            let entry = &self.entries[key];
            let text = serde_json::to_string_pretty(entry).unwrap_or_default();
            files.push((format!("{}.json", key_of(key.0, &key.1)), text));
        }
        files.push(("meta.json".to_owned(), serde_json::to_string_pretty(&self.meta).unwrap_or_default()));
        if let Some(commit) = tracker.repo.commit_to_ref(&self.reference, &files, message)? {
            self.commit = Some(commit);
        }
        self.changed.clear();
        Ok(())
    }
}

/// The journal of remote writes in flight (`.git/docket/mirror-<service>.journal`): a line
/// is written before each create, so a run killed between the service's answer and the base
/// being saved tells the next run which items to look for by marker.
pub(super) struct Journal {
    pub(super) path: PathBuf,
}

impl Journal {
    pub(super) fn new(tracker: &Tracker, service: &str) -> Self {
        Self { path: tracker.repo.git_path(&format!("docket/mirror-{service}.journal")) }
    }

    /// The lines a killed run left.
    pub(super) fn left(&self) -> Vec<String> {
        std::fs::read_to_string(&self.path).map(|text| text.lines().map(str::to_owned).collect()).unwrap_or_default()
    }

    pub(super) fn note(&self, line: &str) -> Result<(), MirrorError> {
        use std::io::Write as _;
        let failed = |error: std::io::Error| {
            MirrorError::Tracker(TrackerError::Write { path: self.path.clone(), source: error })
        };
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(failed)?;
        // Written through to the operating system, which keeps it if docket is killed; not
        // synced to the disk (a power cut is not what this guards against, and an fsync per
        // request would cost more than the request).
        file.write_all(format!("{line}\n").as_bytes()).map_err(failed)
    }

    pub(super) fn clear(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Past `LOOKUPS_BEFORE_LISTING` lookups a folder is listed once, and the texts read are
    /// the same either way.
    #[test]
    fn files_are_read_by_path_until_many_then_by_listing_their_folder() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let status = std::process::Command::new("git")
            .args(["init", "-q", "-b", "main"])
            .current_dir(dir.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .status()
            .expect("git runs");
        assert!(status.success());
        let repo = crate::store::Repo::discover_any(dir.path()).expect("a repository");
        let files: Vec<(String, String)> =
            (0..LOOKUPS_BEFORE_LISTING + 8).map(|n| (format!("issues/{n:03}.json"), format!("text {n}"))).collect();
        let commit = repo.commit_files(&files, "files", "test").expect("commit").expect("a new commit");
        let mut reader = Reader::new(&commit);
        for (n, (path, text)) in files.iter().enumerate() {
            assert_eq!(reader.text(&repo, path).expect("read").as_deref(), Some(text.as_str()));
            assert_eq!(reader.listed.contains_key("issues"), n >= LOOKUPS_BEFORE_LISTING, "after {} reads", n + 1);
        }
        assert_eq!(reader.text(&repo, "issues/missing.json").expect("read"), None);
        assert_eq!(reader.text(&repo, "other/missing.json").expect("read"), None);
    }
}
