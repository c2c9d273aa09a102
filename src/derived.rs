//! Everything docket derives and keeps under the git directory, in `.git/docket/`: the one
//! owner of those paths. Nothing else names a path there.
//!
//! | entry | what | format version kept in |
//! |---|---|---|
//! | `index[-T]/`, `index[-T].lock` | the search index ([`crate::index`]) and the lock that serialises opening it | the index commit's payload (`SCHEMA_VERSION`) |
//! | `history[-T]/` | every record's versions from git history ([`crate::history`]) | `state.json` (`CACHE_VERSION`) |
//! | `metrics[-T].json` | flow-metric sums by commit ([`crate::report`]) | its `key` |
//! | `watch[-T]/lock`, `watch[-T]/cookies/` | the lock a running `docket watch` holds, and the files searches ask it to acknowledge ([`crate::index::watch`]) | — |
//! | `write.lock` | the tracker write lock ([`crate::tracker::Tracker::lock_writes`]) | — |
//! | `edit/<id>.toml`, `edit/<id>.base` | drafts `docket edit` keeps when the editor's result was invalid, and the record's text the draft started from | — |
//! | `tmp/` | a record's new text, before it is renamed into the work tree | — |
//!
//! `-T` is the tracker's folder in the repository when the tracker is not at the top, so two
//! trackers in one repository keep apart. Every entry may be deleted at any time; it is
//! rebuilt from the files and git history. An entry that cannot be what it should be — a file
//! where a folder belongs, a folder where a file belongs, unreadable or foreign bytes — is
//! treated as absent: removed and rebuilt, never read as an empty answer. Writes go through a
//! temporary file in the same folder and a rename, so a reader sees the old content or the new.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::store::Repo;

/// The derived entries of one tracker (the tracker at `prefix` in its repository).
#[derive(Debug, Clone)]
pub struct Derived {
    root: PathBuf,
    suffix: String,
}

impl Derived {
    /// The derived entries of the tracker at `prefix` (its folder in the repository, with a
    /// trailing `/`, or empty).
    pub fn of(repo: &Repo, prefix: &str) -> Self {
        Self::at(repo.git_path("docket"), prefix)
    }

    /// The same, rooted at `root` (for tests).
    pub fn at(root: PathBuf, prefix: &str) -> Self {
        let suffix = if prefix.is_empty() {
            String::new()
        } else {
            format!("-{}", prefix.trim_end_matches('/').replace('/', "-"))
        };
        Self { root, suffix }
    }

    /// `.git/docket/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn named(&self, name: &str, extension: &str) -> PathBuf {
        self.root.join(format!("{name}{}{extension}", self.suffix))
    }

    /// The search index's folder.
    pub fn index(&self) -> PathBuf {
        self.named("index", "")
    }

    /// The lock that serialises opening, creating and wiping the index.
    pub fn index_lock(&self) -> PathBuf {
        self.named("index", ".lock")
    }

    /// The history cache's folder.
    pub fn history(&self) -> PathBuf {
        self.named("history", "")
    }

    /// The metrics cache file.
    pub fn metrics(&self) -> PathBuf {
        self.named("metrics", ".json")
    }

    /// The folder of a running `docket watch`: its lock and the cookies searches leave for it.
    pub fn watch(&self) -> PathBuf {
        self.named("watch", "")
    }

    /// The tracker write lock (one per repository).
    pub fn write_lock(&self) -> PathBuf {
        self.root.join("write.lock")
    }

    /// Where a record's new text is prepared before it is renamed into place.
    pub fn scratch(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where `docket edit` keeps the draft of record `id` (or `new-issue`).
    pub fn draft(&self, id: &str) -> PathBuf {
        self.root.join("edit").join(format!("{id}.toml"))
    }

    /// The record's text a kept draft of `id` started from: a draft is resumed as it is only
    /// while the record still has that text.
    pub fn draft_base(&self, id: &str) -> PathBuf {
        self.root.join("edit").join(format!("{id}.base"))
    }
}

/// Makes sure `path` is a folder (and its parents are): anything else in its place — a file,
/// a symbolic link, a socket — is derived data gone wrong, and is removed first.
pub fn folder(path: &Path) -> std::io::Result<()> {
    if let Ok(metadata) = fs::symlink_metadata(path) {
        if metadata.is_dir() {
            return Ok(());
        }
        fs::remove_file(path)?;
    }
    if let Some(parent) = path.parent() {
        folder(parent)?;
    }
    match fs::create_dir(path) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        other => other,
    }
}

/// The bytes of the derived file at `path`, or `None` when there is no regular file there.
/// Something else in its place (a folder, a link) is removed, so that the entry is rebuilt.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_file() => fs::read(path).ok(),
        Ok(metadata) => {
            remove_entry(path, &metadata);
            None
        }
        Err(_) => None,
    }
}

/// Opens (creating) the lock file at `path`, replacing whatever else is in its place.
pub fn lock_file(path: &Path) -> std::io::Result<fs::File> {
    if let Some(parent) = path.parent() {
        folder(parent)?;
    }
    if let Ok(metadata) = fs::symlink_metadata(path)
        && !metadata.is_file()
    {
        remove_entry(path, &metadata);
    }
    fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)
}

fn remove_entry(path: &Path, metadata: &fs::Metadata) {
    let _ = if metadata.is_dir() { fs::remove_dir_all(path) } else { fs::remove_file(path) };
}

/// How much a write must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// A reader sees the old content or the new (rename), but a power cut may lose the new:
    /// for caches, which are rebuilt.
    Atomic,
    /// The same, and the content and the rename are on disk before the call returns (fsync
    /// of the file and its folder): for the states that say what the other files hold.
    Synced,
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename; whatever was in
/// its place (a folder, a link) is replaced.
pub fn write(path: &Path, bytes: &[u8], durability: Durability) -> std::io::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    folder(parent)?;
    if let Ok(metadata) = fs::symlink_metadata(path)
        && !metadata.is_file()
    {
        remove_entry(path, &metadata);
    }
    let name = path.file_name().map_or_else(|| "derived".into(), |n| n.to_string_lossy().into_owned());
    let temporary = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        if durability == Durability::Synced {
            file.sync_all()?;
        }
        fs::rename(&temporary, path)?;
        if durability == Durability::Synced {
            fs::File::open(parent)?.sync_all()?;
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_two_trackers_apart() {
        let top = Derived::at(PathBuf::from("/g/docket"), "");
        let sub = Derived::at(PathBuf::from("/g/docket"), "teams/ops/");
        assert_eq!(top.index(), Path::new("/g/docket/index"));
        assert_eq!(sub.index(), Path::new("/g/docket/index-teams-ops"));
        assert_eq!(sub.index_lock(), Path::new("/g/docket/index-teams-ops.lock"));
        assert_eq!(sub.history(), Path::new("/g/docket/history-teams-ops"));
        assert_eq!(sub.metrics(), Path::new("/g/docket/metrics-teams-ops.json"));
        assert_eq!(sub.watch(), Path::new("/g/docket/watch-teams-ops"));
        assert_eq!(sub.write_lock(), Path::new("/g/docket/write.lock"));
        assert_eq!(sub.draft("k3x9q2"), Path::new("/g/docket/edit/k3x9q2.toml"));
        assert_eq!(sub.draft_base("k3x9q2"), Path::new("/g/docket/edit/k3x9q2.base"));
        assert_eq!(sub.scratch(), Path::new("/g/docket/tmp"));
    }

    #[test]
    fn a_file_where_a_folder_belongs_is_replaced() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("docket").join("history");
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, "abc\t1\n").expect("write");
        folder(&path).expect("a folder");
        assert!(path.is_dir());
        folder(&path).expect("again");
        // Even when a parent is the file.
        let deeper = dir.path().join("file").join("sub");
        fs::write(dir.path().join("file"), "x").expect("write");
        folder(&deeper).expect("a folder");
        assert!(deeper.is_dir());
    }

    #[test]
    fn a_folder_where_a_file_belongs_reads_as_absent_and_is_replaced() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("metrics.json");
        fs::create_dir_all(path.join("inner")).expect("mkdir");
        assert_eq!(read(&path), None);
        assert!(!path.exists(), "the foreign folder is removed");
        fs::create_dir_all(&path).expect("mkdir");
        write(&path, b"{}", Durability::Synced).expect("written over the folder");
        assert_eq!(read(&path).as_deref(), Some(&b"{}"[..]));
        write(&path, b"[1]", Durability::Atomic).expect("rewritten");
        assert_eq!(read(&path).as_deref(), Some(&b"[1]"[..]));
        let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("metrics.json")], "no temporary file is left");
    }

    #[test]
    fn a_lock_file_replaces_a_folder() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("a").join("write.lock");
        fs::create_dir_all(&path).expect("mkdir");
        let file = lock_file(&path).expect("a lock file");
        file.lock().expect("locked");
        assert!(path.is_file());
    }
}
