//! The git repository: the only module that uses git2, and the `git` binary where git is
//! faster or libgit2 does not follow it (checking out and staging paths, `git grep`, listing
//! git's index, an index that [`staging`] leaves to git).
//!
//! It finds repositories (honouring `GIT_DIR`, `GIT_INDEX_FILE` and the object directories a
//! pre-receive hook is handed in quarantine), lists what a commit or the index changes, reads
//! blobs, walks ranges of commits, and answers "since when has this file had this value" from
//! history.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::time::Timestamp;

pub mod packs;
mod staging;

/// A git repository.
pub struct Repo {
    repository: git2::Repository,
    /// The top of the work tree; `None` for a bare repository (a server).
    pub workdir: Option<PathBuf>,
    /// The `.git` directory (a worktree's own one for linked worktrees).
    pub git_dir: PathBuf,
    author: Option<String>,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo").field("workdir", &self.workdir).field("git_dir", &self.git_dir).finish_non_exhaustive()
    }
}

/// One file a change touches: its path from the repository's top, and its blob before and
/// after (none when added or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// The git mode of the new side (`0o100644` for a file, `0o120000` for a symbolic link,
    /// `0o160000` for a submodule); 0 when the change deletes the path.
    pub mode: u32,
    /// The git mode of the old side; 0 when the change creates the path.
    pub old_mode: u32,
}

/// A commit, as range checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// The committer time: what time rules are judged at.
    pub time: Timestamp,
    pub summary: String,
    /// The author's name.
    pub author: String,
    /// The first parent: what the commit is judged against.
    pub parent: Option<String>,
    /// The other parents of a merge.
    pub merged: Vec<String>,
}

/// Why the repository could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not inside a git repository")]
    NotARepository(PathBuf),
    #[error("{0} is a bare git repository, which has no work tree for records")]
    Bare(PathBuf),
    #[error("git could not {action}: {message}")]
    Git { action: String, message: String },
    /// A revision the user named (`--range A..B`) that names no commit.
    #[error("`{0}` names no commit of this repository")]
    NoSuchRevision(String),
    /// A git lock file is in the way: another git process is at work, or one was killed and
    /// left it behind.
    #[error("git could not {action}: {} is locked (its lock file {} exists)", .path.with_extension("").display(), .path.display())]
    Locked { action: String, path: PathBuf },
}

fn git_error(action: impl Into<String>) -> impl FnOnce(git2::Error) -> StoreError {
    let action = action.into();
    move |error| match locked_path(&error) {
        Some(path) => StoreError::Locked { action, path },
        None => StoreError::Git { action, message: error.message().to_owned() },
    }
}

/// The lock file a git error is about, when it is about one: libgit2 says "failed to create
/// locked file '<path>.lock': …" (or the like) with the code `Locked`.
fn locked_path(error: &git2::Error) -> Option<PathBuf> {
    if error.code() != git2::ErrorCode::Locked {
        return None;
    }
    let message = error.message();
    let start = message.find('\'')? + 1;
    let end = start + message[start..].find('\'')?;
    Some(PathBuf::from(&message[start..end])).filter(|p| p.extension().is_some_and(|x| x == "lock"))
}

/// How much of the pack files libgit2 keeps mapped at once. Mapped pages count as the process's
/// memory: reading every record's history at a million records mapped the whole 700 MB pack
/// (libgit2 maps 1 GiB windows and keeps up to 8 GiB), 1.4 GiB at its peak; with 32 MiB windows
/// and at most 128 MiB mapped, 0.85 GiB, in the same time.
fn bound_pack_mappings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: the two calls store a size in libgit2's global settings. `Once` makes this the
        // only write, done before the first repository this process opens is handed out; the
        // windows already mapped (by the opening itself) stay valid under any limit.
        #[allow(unsafe_code)]
        unsafe {
            let _ = git2::opts::set_mwindow_size(32 << 20);
            let _ = git2::opts::set_mwindow_mapped_limit(128 << 20);
        }
    });
}

/// The blob id git uses for "no file".
const NULL_ID: &str = "0000000000000000000000000000000000000000";

impl Repo {
    /// Finds the repository holding `start`, like `git rev-parse`: from `GIT_DIR` when it is set
    /// (inside hooks), else by walking up from `start`. It must have a work tree.
    pub fn discover(start: &Path) -> Result<Self, StoreError> {
        let repository = if std::env::var_os("GIT_DIR").is_some() {
            git2::Repository::open_from_env()
        } else {
            git2::Repository::discover(start)
        }
        .map_err(|_| StoreError::NotARepository(start.to_path_buf()))?;
        if repository.workdir().is_none() {
            return Err(StoreError::Bare(repository.path().to_path_buf()));
        }
        Ok(Self::wrap(repository))
    }

    /// Finds the repository holding `start`, bare or not: a server's repository for its hooks.
    /// Inside a hook (`GIT_DIR` set) this is the repository git runs the hook for, with the
    /// pushed objects of a pre-receive quarantine.
    pub fn discover_any(start: &Path) -> Result<Self, StoreError> {
        let repository = if std::env::var_os("GIT_DIR").is_some() {
            git2::Repository::open_from_env()
        } else {
            git2::Repository::discover(start)
        }
        .map_err(|_| StoreError::NotARepository(start.to_path_buf()))?;
        Ok(Self::wrap(repository))
    }

    /// Another handle on the same repository (with a hook's quarantined objects too), for
    /// another thread: libgit2's handles are not shared between threads.
    pub fn reopen(&self) -> Result<Self, StoreError> {
        let repository = if std::env::var_os("GIT_DIR").is_some() {
            git2::Repository::open_from_env()
        } else {
            git2::Repository::open(&self.git_dir)
        }
        .map_err(git_error("open the repository again"))?;
        Ok(Self::wrap(repository))
    }

    fn wrap(repository: git2::Repository) -> Self {
        // libgit2 hashes every object it reads again to verify it; git itself already checked
        // each object when it entered the repository (index-pack checks pushed ones before any
        // hook runs), and the hashing was a third of the cost of reading history.
        git2::opts::strict_hash_verification(false);
        bound_pack_mappings();
        let workdir = repository.workdir().map(|w| w.canonicalize().unwrap_or_else(|_| w.to_path_buf()));
        let author = repository.config().ok().and_then(|config| config.get_string("user.name").ok());
        Self { git_dir: repository.path().to_path_buf(), workdir, repository, author }
    }

    /// Sets a value in the repository's own git config.
    pub fn set_config(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let config = self.repository.config().map_err(git_error("open git config"))?;
        let mut local =
            config.open_level(git2::ConfigLevel::Local).map_err(git_error("open the repository's git config"))?;
        local.set_str(key, value).map_err(git_error(format!("set {key} in git config")))
    }

    /// The user's name from git config (`user.name`), for comment authors.
    pub fn author(&self) -> Option<&str> {
        self.author.as_deref()
    }

    /// Where git wants a path under its directory (`git rev-parse --git-path NAME`): hooks follow
    /// `core.hooksPath` and live in the common directory of linked worktrees.
    pub fn git_path(&self, name: &str) -> PathBuf {
        if name == "hooks" {
            if let Ok(path) = self.repository.config().and_then(|c| c.get_path("core.hooksPath")) {
                return match (&self.workdir, path.is_absolute()) {
                    (Some(workdir), false) => workdir.join(path),
                    _ => path,
                };
            }
            return self.repository.commondir().join("hooks");
        }
        self.git_dir.join(name)
    }

    /// The commit `HEAD` points to, if any.
    pub fn head(&self) -> Option<String> {
        self.repository.head().ok()?.peel_to_commit().ok().map(|c| c.id().to_string())
    }

    /// The commits being merged into `HEAD`: from `MERGE_HEAD` when concluding a merge, or,
    /// during git's `pre-merge-commit` hook (run before `MERGE_HEAD` exists), from what
    /// `GIT_REFLOG_ACTION` names (`merge side`, or `pull`, which merges `FETCH_HEAD`).
    pub fn merge_heads(&self) -> Vec<String> {
        let lines = |name: &str| -> Vec<String> {
            std::fs::read_to_string(self.git_dir.join(name))
                .map(|text| {
                    text.lines()
                        .filter(|l| !l.contains("not-for-merge"))
                        .filter_map(|l| l.split_whitespace().next())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let merging = lines("MERGE_HEAD");
        if !merging.is_empty() {
            return merging;
        }
        let action = std::env::var("GIT_REFLOG_ACTION").unwrap_or_default();
        let mut words = action.split_whitespace();
        match words.next() {
            Some("merge") => words.filter(|w| !w.starts_with('-')).filter_map(|w| self.resolve(w).ok()).collect(),
            Some("pull") => lines("FETCH_HEAD"),
            _ => Vec::new(),
        }
    }

    /// The id of the commit `spec` names (`HEAD~2`, `main`, a hash).
    pub fn resolve(&self, spec: &str) -> Result<String, StoreError> {
        let unknown = |_| StoreError::NoSuchRevision(spec.to_owned());
        let object = self.repository.revparse_single(spec).map_err(unknown)?;
        let commit = object.peel_to_commit().map_err(unknown)?;
        Ok(commit.id().to_string())
    }

    /// A `git` command on this repository, run from the top of its work tree.
    fn git_in_workdir(&self) -> Command {
        let mut command = git_at(self.workdir.as_deref().unwrap_or(&self.git_dir));
        command.arg("--git-dir").arg(&self.git_dir);
        if let Some(workdir) = &self.workdir {
            command.arg("--work-tree").arg(workdir);
        }
        command
    }

    /// What the index changes against `HEAD` under `prefixes` (paths from the top; a folder
    /// ends in `/`): the changes `git commit` is about to record, from the index git hands a
    /// hook through `GIT_INDEX_FILE` (a relative one is relative to where docket started). Read
    /// from the index file itself ([`staging`]), or by git where that reader leaves it to git.
    pub fn staged_changes(&self, prefixes: &[String]) -> Result<Vec<FileChange>, StoreError> {
        if let Some(changes) = self.staged_by_reading(prefixes) {
            return Ok(changes);
        }
        let pathspecs: Vec<String> = prefixes.iter().map(|p| format!(":(top){p}")).collect();
        let mut command = self.git_in_workdir();
        command.args(["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff", "--"]);
        let output = command
            .args(&pathspecs)
            .output()
            .map_err(|e| StoreError::Git { action: "run `git diff --cached`".into(), message: e.to_string() })?;
        if !output.status.success() {
            return Err(StoreError::Git {
                action: "list the staged changes".into(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(parse_raw_diff(&output.stdout))
    }

    /// [`staging::changes`] of the index file; `None` where git must answer (and when there is
    /// no index file or `HEAD` cannot be read: git says why).
    fn staged_by_reading(&self, prefixes: &[String]) -> Option<Vec<FileChange>> {
        let index = match std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from) {
            Some(index) if index.is_relative() => std::env::current_dir().ok()?.join(index),
            Some(index) => index,
            None => self.git_dir.join("index"),
        };
        let file = std::fs::File::open(index).ok()?;
        let head = match self.repository.head() {
            Ok(head) => Some(head.peel_to_tree().ok()?),
            Err(error) if error.code() == git2::ErrorCode::UnbornBranch => None,
            Err(_) => return None,
        };
        staging::changes(&self.repository, &file, head.as_ref(), prefixes)
    }

    /// The tree `HEAD`'s commit records, if there is a commit.
    pub fn head_tree(&self) -> Option<String> {
        self.repository.head().ok()?.peel_to_tree().ok().map(|tree| tree.id().to_string())
    }

    /// The paths under `prefixes` that differ between two trees (either may be absent).
    pub fn tree_changes(
        &self,
        old: Option<&str>,
        new: Option<&str>,
        prefixes: &[String],
    ) -> Result<Vec<FileChange>, StoreError> {
        let tree = |id: Option<&str>| -> Result<Option<git2::Tree<'_>>, StoreError> {
            match id {
                Some(id) => Ok(Some(
                    self.repository.find_tree(self.oid(id)?).map_err(git_error(format!("read the tree {id}")))?,
                )),
                None => Ok(None),
            }
        };
        let (old, new) = (tree(old)?, tree(new)?);
        self.diff_trees(old.as_ref(), new.as_ref(), prefixes)
    }

    /// The files under `prefixes` (folders ending in `/`, relative to the top) whose work-tree
    /// version differs from `HEAD`'s, as `git status` lists them (untracked files included), with
    /// how: `added`, `modified` or `deleted`. What the web board shows as not yet committed.
    pub fn uncommitted(&self, prefixes: &[String]) -> Result<Vec<(String, &'static str)>, StoreError> {
        let mut options = git2::StatusOptions::new();
        options.include_untracked(true).recurse_untracked_dirs(true).include_ignored(false);
        for prefix in prefixes {
            options.pathspec(prefix);
        }
        let statuses = self.repository.statuses(Some(&mut options)).map_err(git_error("list the changed files"))?;
        let mut changed = Vec::new();
        for entry in statuses.iter() {
            let status = entry.status();
            let how = if status.intersects(git2::Status::WT_NEW | git2::Status::INDEX_NEW) {
                "added"
            } else if status.intersects(git2::Status::WT_DELETED | git2::Status::INDEX_DELETED) {
                "deleted"
            } else if status.intersects(
                git2::Status::WT_MODIFIED
                    | git2::Status::INDEX_MODIFIED
                    | git2::Status::WT_RENAMED
                    | git2::Status::INDEX_RENAMED
                    | git2::Status::WT_TYPECHANGE
                    | git2::Status::INDEX_TYPECHANGE,
            ) {
                "modified"
            } else {
                continue;
            };
            if let Ok(path) = entry.path() {
                changed.push((path.to_owned(), how));
            }
        }
        changed.sort();
        Ok(changed)
    }

    /// The git blob id of `content`, as `git hash-object` computes it.
    pub fn blob_id(content: &[u8]) -> String {
        git2::Oid::hash_object(git2::ObjectType::Blob, content).map(|oid| oid.to_string()).unwrap_or_default()
    }

    /// The file of git's index (the staging area): `GIT_INDEX_FILE` when set, as in a hook.
    pub fn index_file(&self) -> PathBuf {
        std::env::var_os("GIT_INDEX_FILE").map_or_else(|| self.git_dir.join("index"), PathBuf::from)
    }

    /// The blob ids git's index in `index_file` holds for files under `prefix` (from the top),
    /// keyed by path relative to `prefix`, with the modification time (ns) and size git
    /// recorded: a file with that stamp still has that blob. Git's own racy-clean rule applies:
    /// an entry not older than the index file itself is left out (hash the file instead).
    /// Standalone, so that another thread can read it while the repository is in use.
    pub fn staged_blob_ids(index_file: &Path, prefix: &str) -> HashMap<String, (u64, u64, String)> {
        let Ok(index) = git2::Index::open(index_file) else { return HashMap::new() };
        let index_mtime = std::fs::metadata(index_file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        index
            .iter()
            .filter_map(|entry| {
                let path = std::str::from_utf8(&entry.path).ok()?.strip_prefix(prefix)?.to_owned();
                let mtime =
                    u64::try_from(entry.mtime.seconds()).ok()? * 1_000_000_000 + u64::from(entry.mtime.nanoseconds());
                (mtime < index_mtime).then(|| (path, (mtime, u64::from(entry.file_size), entry.id.to_string())))
            })
            .collect()
    }

    /// What `commit` changes against its first parent (against nothing for a root commit) under
    /// the folders `prefixes` (relative to the top, ending in `/`).
    pub fn commit_changes(&self, commit: &str, prefixes: &[String]) -> Result<Vec<FileChange>, StoreError> {
        let commit = self.find_commit(commit)?;
        let new_tree = commit.tree().map_err(git_error("read a commit's tree"))?;
        let old_tree = match commit.parent(0) {
            Ok(parent) => Some(parent.tree().map_err(git_error("read a commit's tree"))?),
            Err(_) => None,
        };
        self.diff_trees(old_tree.as_ref(), Some(&new_tree), prefixes)
    }

    /// The files under `prefixes` (folders ending in `/`, or files) that differ between two
    /// trees. Subtrees with the same id are skipped, so the cost follows what changed, not the
    /// size of the trees.
    fn diff_trees(
        &self,
        old: Option<&git2::Tree<'_>>,
        new: Option<&git2::Tree<'_>>,
        prefixes: &[String],
    ) -> Result<Vec<FileChange>, StoreError> {
        let mut changes = Vec::new();
        for prefix in prefixes {
            let path = prefix.trim_end_matches('/');
            let entry = |tree: Option<&git2::Tree<'_>>| {
                tree.and_then(|t| t.get_path(Path::new(path)).ok()).map(|e| (e.id(), e.kind(), mode_of(&e)))
            };
            let (before, after) = (entry(old), entry(new));
            if before == after {
                continue;
            }
            self.diff_entries(path, before, after, &mut changes)?;
        }
        Ok(changes)
    }

    /// Compares one path's entries on both sides, recursing into trees. A path whose content
    /// or mode differs is a change; a submodule's commit counts as its content.
    fn diff_entries(
        &self,
        path: &str,
        before: Option<Side>,
        after: Option<Side>,
        changes: &mut Vec<FileChange>,
    ) -> Result<(), StoreError> {
        let is_tree = |e: Option<Side>| e.is_some_and(|(_, k, _)| k == Some(git2::ObjectType::Tree));
        let content = |e: Option<Side>| e.map(|(id, _, _)| id.to_string());
        let mode = |e: Option<Side>| e.map_or(0, |(_, _, mode)| mode);
        if !is_tree(before) && !is_tree(after) {
            changes.push(FileChange {
                path: path.to_owned(),
                old: content(before),
                new: content(after),
                mode: mode(after),
                old_mode: mode(before),
            });
            return Ok(());
        }
        // A file replaced by a folder (or the other way) counts as the file going or coming.
        if before.is_some() && !is_tree(before) {
            changes.push(FileChange {
                path: path.to_owned(),
                old: content(before),
                new: None,
                mode: 0,
                old_mode: mode(before),
            });
        }
        if after.is_some() && !is_tree(after) {
            changes.push(FileChange {
                path: path.to_owned(),
                old: None,
                new: content(after),
                mode: mode(after),
                old_mode: 0,
            });
        }
        let tree = |e: Option<Side>| -> Result<Option<git2::Tree<'_>>, StoreError> {
            match e {
                Some((id, Some(git2::ObjectType::Tree), _)) => {
                    Ok(Some(self.repository.find_tree(id).map_err(git_error("read a tree"))?))
                }
                _ => Ok(None),
            }
        };
        let (old, new) = (tree(before)?, tree(after)?);
        // Both sides list their entries in git's order: walk them together, allocating only
        // for the entries that differ.
        let mut left = old.as_ref().map(|t| t.iter().collect::<Vec<_>>()).unwrap_or_default().into_iter().peekable();
        let mut right = new.as_ref().map(|t| t.iter().collect::<Vec<_>>()).unwrap_or_default().into_iter().peekable();
        loop {
            let order = match (left.peek(), right.peek()) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(l), Some(r)) => git_order(l).cmp(git_order(r)),
            };
            let (l, r) = match order {
                std::cmp::Ordering::Less => (left.next(), None),
                std::cmp::Ordering::Greater => (None, right.next()),
                std::cmp::Ordering::Equal => (left.next(), right.next()),
            };
            let side = |e: &git2::TreeEntry<'_>| (e.id(), e.kind(), mode_of(e));
            let (l_side, r_side) = (l.as_ref().map(side), r.as_ref().map(side));
            if l_side == r_side {
                continue;
            }
            let name = l
                .as_ref()
                .or(r.as_ref())
                .map(|e| String::from_utf8_lossy(e.name_bytes()).into_owned())
                .unwrap_or_default();
            self.diff_entries(&format!("{path}/{name}"), l_side, r_side, changes)?;
        }
        Ok(())
    }

    /// The references under `prefix` (`refs/bugs/`) and the commits they point to.
    pub fn refs_under(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        let references =
            self.repository.references_glob(&format!("{prefix}*")).map_err(git_error("list references"))?;
        let mut found = Vec::new();
        for reference in references {
            let reference = reference.map_err(git_error("read a reference"))?;
            if let (Ok(name), Ok(commit)) = (reference.name(), reference.peel_to_commit()) {
                found.push((name.to_owned(), commit.id().to_string()));
            }
        }
        found.sort();
        Ok(found)
    }

    /// Commits `files` (path from the top → text) on top of `HEAD` in one commit, written
    /// straight to the object store (the work tree and the index are not read), and moves the
    /// current branch to it. Returns the new commit's id, or `None` when `HEAD` already holds
    /// exactly these files (nothing is committed).
    pub fn commit_files(
        &self,
        files: &[(String, String)],
        message: &str,
        author: &str,
    ) -> Result<Option<String>, StoreError> {
        self.commit_onto("HEAD", files, message, author)
    }

    /// Commits `files` on top of the commit the reference `name` points to (a new root
    /// commit when it does not exist yet) and moves the reference: a snapshot kept beside the
    /// branches, such as a mirror's last synced state. `None` when nothing changed.
    pub fn commit_to_ref(
        &self,
        name: &str,
        files: &[(String, String)],
        message: &str,
    ) -> Result<Option<String>, StoreError> {
        self.commit_onto(name, files, message, "docket")
    }

    /// The commit the reference `name` points to, if it exists.
    pub fn ref_commit(&self, name: &str) -> Option<String> {
        let reference = self.repository.find_reference(name).ok()?;
        Some(reference.peel_to_commit().ok()?.id().to_string())
    }

    fn commit_onto(
        &self,
        reference: &str,
        files: &[(String, String)],
        message: &str,
        author: &str,
    ) -> Result<Option<String>, StoreError> {
        let head = if reference == "HEAD" {
            self.repository.head().ok().and_then(|h| h.peel_to_commit().ok())
        } else {
            self.repository.find_reference(reference).ok().and_then(|r| r.peel_to_commit().ok())
        };
        let mut index = git2::Index::new().map_err(git_error("make an index"))?;
        if let Some(head) = &head {
            index
                .read_tree(&head.tree().map_err(git_error("read HEAD's tree"))?)
                .map_err(git_error("read HEAD's tree"))?;
        }
        for (path, text) in files {
            let blob = self.repository.blob(text.as_bytes()).map_err(git_error(format!("store {path}")))?;
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100_644,
                uid: 0,
                gid: 0,
                file_size: u32::try_from(text.len()).unwrap_or(u32::MAX),
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            index.add(&entry).map_err(git_error(format!("store {path}")))?;
        }
        let tree_id = index.write_tree_to(&self.repository).map_err(git_error("write the tree"))?;
        if head.as_ref().is_some_and(|head| head.tree_id() == tree_id) {
            return Ok(None);
        }
        let tree = self.repository.find_tree(tree_id).map_err(git_error("read the new tree"))?;
        let signature = self
            .repository
            .signature()
            .or_else(|_| git2::Signature::now(author, "docket@localhost"))
            .map_err(git_error("make a signature"))?;
        // Dated as git dates a commit: `GIT_COMMITTER_DATE` when set (scripts, tests), else now.
        let signature = match std::env::var("GIT_COMMITTER_DATE").ok().and_then(|d| crate::time::parse_git_date(&d)) {
            Some(seconds) => git2::Signature::new(
                signature.name().unwrap_or(author),
                signature.email().unwrap_or("docket@localhost"),
                &git2::Time::new(seconds, 0),
            )
            .map_err(git_error("make a signature"))?,
            None => signature,
        };
        let parents: Vec<&git2::Commit<'_>> = head.iter().collect();
        let id = self
            .repository
            .commit(Some(reference), &signature, &signature, message, &tree, &parents)
            .map_err(git_error("make the commit"))?;
        Ok(Some(id.to_string()))
    }

    /// `git <args> -- <paths>` in the work tree, the paths given on standard input (so any
    /// number of them, with any characters); `action` names it in an error.
    fn git_with_paths(&self, args: &[&str], paths: &[String], action: &str) -> Result<(), StoreError> {
        use std::io::Write as _;
        let failed = |message: String| StoreError::Git { action: action.to_owned(), message };
        let mut command = self.git_in_workdir();
        let mut child = command
            .args(args)
            .args(["--pathspec-from-file=-", "--pathspec-file-nul"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        if let Some(mut stdin) = child.stdin.take() {
            for path in paths {
                stdin
                    .write_all(path.as_bytes())
                    .and_then(|()| stdin.write_all(b"\0"))
                    .map_err(|e| failed(e.to_string()))?;
            }
        }
        let output = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
        if !output.status.success() {
            return Err(failed(String::from_utf8_lossy(&output.stderr).trim().to_owned()));
        }
        Ok(())
    }

    /// `git add -A` of `paths` (from the top): their additions, changes and removals staged.
    pub fn stage(&self, paths: &[String]) -> Result<(), StoreError> {
        self.git_with_paths(&["add", "-A"], paths, "stage the change")
    }

    /// `git checkout HEAD` of `paths` (from the top): the index and the work tree take these
    /// files from `HEAD`.
    pub fn checkout_from_head(&self, paths: &[String]) -> Result<(), StoreError> {
        self.git_with_paths(&["checkout", "HEAD"], paths, "bring the committed files into the work tree")
    }

    /// The commits of `from..to`, oldest first.
    pub fn range(&self, from: Option<&str>, to: &str) -> Result<Vec<CommitInfo>, StoreError> {
        let mut walk = self.repository.revwalk().map_err(git_error("walk the history"))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(git_error("walk the history"))?;
        walk.push(self.oid(&self.resolve(to)?)?).map_err(git_error("walk the history"))?;
        if let Some(from) = from {
            walk.hide(self.oid(&self.resolve(from)?)?).map_err(git_error("walk the history"))?;
        }
        self.collect(walk)
    }

    /// The first-parent chain from `to` back to (not including) `from`, oldest first.
    pub fn first_parent_range(&self, from: Option<&str>, to: &str) -> Result<Vec<CommitInfo>, StoreError> {
        let mut walk = self.repository.revwalk().map_err(git_error("walk the history"))?;
        walk.simplify_first_parent().map_err(git_error("walk the history"))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(git_error("walk the history"))?;
        walk.push(self.oid(to)?).map_err(git_error("walk the history"))?;
        if let Some(from) = from {
            walk.hide(self.oid(from)?).map_err(git_error("walk the history"))?;
        }
        self.collect(walk)
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        match (git2::Oid::from_str(ancestor), git2::Oid::from_str(descendant)) {
            (Ok(a), Ok(d)) => a == d || self.repository.graph_descendant_of(d, a).unwrap_or(false),
            _ => false,
        }
    }

    /// The commits reachable from `tip` and from no ref (a new branch pushed to a server: its
    /// own commits), or from no remote-tracking ref when `remotes_only` (a new branch in pre-push).
    pub fn new_commits(&self, tip: &str, remotes_only: bool) -> Result<Vec<CommitInfo>, StoreError> {
        let mut walk = self.repository.revwalk().map_err(git_error("walk the history"))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(git_error("walk the history"))?;
        walk.push(self.oid(tip)?).map_err(git_error("walk the history"))?;
        let glob = if remotes_only { "refs/remotes/*" } else { "refs/*" };
        walk.hide_glob(glob).map_err(git_error("walk the history"))?;
        self.collect(walk)
    }

    /// When `id` was committed (the committer's time).
    pub fn commit_time(&self, id: &str) -> Result<Timestamp, StoreError> {
        Ok(self.find_commit(id)?.committer().when().seconds())
    }

    fn collect(&self, walk: git2::Revwalk<'_>) -> Result<Vec<CommitInfo>, StoreError> {
        let mut commits = Vec::new();
        for id in walk {
            let id = id.map_err(git_error("walk the history"))?;
            let commit = self.repository.find_commit(id).map_err(git_error("read a commit"))?;
            commits.push(CommitInfo {
                id: id.to_string(),
                time: commit.committer().when().seconds(),
                summary: commit.summary().ok().flatten().unwrap_or("").to_owned(),
                author: commit.author().name().ok().unwrap_or("").to_owned(),
                parent: commit.parent_id(0).ok().map(|p| p.to_string()),
                merged: commit.parent_ids().skip(1).map(|p| p.to_string()).collect(),
            });
        }
        Ok(commits)
    }

    fn oid(&self, id: &str) -> Result<git2::Oid, StoreError> {
        git2::Oid::from_str(id).map_err(git_error(format!("read the id `{id}`")))
    }

    /// The tree `commit` records.
    pub fn tree_of(&self, commit: &str) -> Result<String, StoreError> {
        let commit = self.find_commit(commit)?;
        Ok(commit.tree_id().to_string())
    }

    /// The local branches (`refs/heads/…`) and their tips.
    pub fn branches(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.refs_under("refs/heads/")
    }

    /// The commits reachable from a local branch and from no remote-tracking ref of `remote`
    /// (what pushing every branch to it could bring), oldest first.
    pub fn unpushed(&self, remote: &str) -> Result<Vec<CommitInfo>, StoreError> {
        let mut walk = self.repository.revwalk().map_err(git_error("walk the history"))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE).map_err(git_error("walk the history"))?;
        walk.push_glob("refs/heads/*").map_err(git_error("walk the history"))?;
        walk.hide_glob(&format!("refs/remotes/{remote}/*")).map_err(git_error("walk the history"))?;
        self.collect(walk)
    }

    /// Whether `id` names a commit this repository has.
    pub fn has_commit(&self, id: &str) -> bool {
        self.find_commit(id).is_ok()
    }

    fn find_commit(&self, id: &str) -> Result<git2::Commit<'_>, StoreError> {
        self.repository.find_commit(self.oid(id)?).map_err(git_error(format!("find the commit {id}")))
    }

    /// A blob's text; `None` when it is not UTF-8.
    pub fn blob_text(&self, id: &str) -> Result<Option<String>, StoreError> {
        let blob = self.repository.find_blob(self.oid(id)?).map_err(git_error(format!("read the blob {id}")))?;
        Ok(std::str::from_utf8(blob.content()).ok().map(str::to_owned))
    }

    /// The repository's pack files, with their indexes read: for reading many blobs
    /// ([`Repo::blob_text_from`]); reading the indexes costs about as much as reading a few
    /// thousand blobs through libgit2.
    pub fn packs(&self) -> packs::Packs {
        let objects = std::env::var_os("GIT_OBJECT_DIRECTORY")
            .map_or_else(|| self.repository.commondir().join("objects"), PathBuf::from);
        packs::Packs::open(&objects)
    }

    /// A blob's text, as [`Repo::blob_text`] gives it: read by `packs` when a pack holds it
    /// whole, else through libgit2.
    pub fn blob_text_from(&self, packs: &mut packs::Reader<'_>, id: &str) -> Result<Option<String>, StoreError> {
        let oid = self.oid(id)?;
        match <&[u8; 20]>::try_from(oid.as_bytes()).ok().and_then(|name| packs.blob(name)) {
            Some(content) => Ok(String::from_utf8(content).ok()),
            None => self.blob_text(id),
        }
    }

    /// The blob id of `path` in `commit`, if it exists there.
    pub fn blob_at(&self, commit: &str, path: &str) -> Result<Option<String>, StoreError> {
        let tree = self.find_commit(commit)?.tree().map_err(git_error("read a commit's tree"))?;
        Ok(tree
            .get_path(Path::new(path))
            .ok()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| e.id().to_string()))
    }

    /// How many commits the first-parent chain ending at `to` holds, counting no further than
    /// `cap` (so a long history costs no more than `cap` steps).
    pub fn first_parent_count(&self, to: &str, cap: usize) -> Result<usize, StoreError> {
        let mut walk = self.repository.revwalk().map_err(git_error("walk the history"))?;
        walk.simplify_first_parent().map_err(git_error("walk the history"))?;
        walk.push(self.oid(to)?).map_err(git_error("walk the history"))?;
        Ok(walk.take(cap.saturating_add(1)).count())
    }

    /// The text of `path` in `commit`, if it exists there.
    pub fn file_at(&self, commit: &str, path: &str) -> Result<Option<String>, StoreError> {
        match self.blob_at(commit, path)? {
            Some(id) => self.blob_text(&id),
            None => Ok(None),
        }
    }

    /// The files under `folders` (from the top) in `commit` (in the index when `None`) whose
    /// text holds any of `needles`, found by `git grep` (fixed strings, all cores): the cost of
    /// a scan of the tracker in C, for questions only a scan answers.
    pub fn grep(
        &self,
        commit: Option<&str>,
        needles: &[String],
        folders: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if needles.is_empty() {
            return Ok(Vec::new());
        }
        let mut command = self.git_in_workdir();
        command.args(["grep", "-l", "-z", "-F"]);
        for needle in needles {
            command.arg("-e").arg(needle);
        }
        match commit {
            Some(commit) => command.arg(commit),
            None => command.arg("--cached"),
        };
        command.arg("--").args(folders.iter().map(|f| format!(":(top){f}")));
        let output = command
            .output()
            .map_err(|e| StoreError::Git { action: "run `git grep`".into(), message: e.to_string() })?;
        // 1: nothing found.
        if !output.status.success() && output.status.code() != Some(1) {
            return Err(StoreError::Git {
                action: "search the records".into(),
                message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        let strip = commit.map(|c| format!("{c}:"));
        Ok(output
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|path| {
                let path = String::from_utf8_lossy(path);
                strip.as_deref().and_then(|s| path.strip_prefix(s)).unwrap_or(&path).to_owned()
            })
            .collect())
    }

    /// Every file under the folder `prefix` in `commit` (or in the index when `commit` is
    /// `None`), with its blob id.
    pub fn files_under(&self, commit: Option<&str>, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        if let Some(commit) = commit {
            let tree = self.find_commit(commit)?.tree().map_err(git_error("read a commit's tree"))?;
            let mut files = Vec::new();
            let folder = prefix.trim_end_matches('/');
            let Ok(entry) = tree.get_path(Path::new(folder)) else { return Ok(files) };
            let Ok(sub) = self.repository.find_tree(entry.id()) else { return Ok(files) };
            sub.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(git2::ObjectType::Blob)
                    && let Ok(name) = entry.name()
                {
                    files.push((format!("{folder}/{dir}{name}"), entry.id().to_string()));
                }
                git2::TreeWalkResult::Ok
            })
            .map_err(git_error("walk a tree"))?;
            return Ok(files);
        }
        let output = self
            .git_in_workdir()
            .args(["ls-files", "-s", "-z", "--", &format!(":(top){prefix}")])
            .output()
            .map_err(|e| StoreError::Git { action: "run `git ls-files`".into(), message: e.to_string() })?;
        Ok(output
            .stdout
            .split(|&b| b == 0)
            .filter_map(|entry| {
                let entry = std::str::from_utf8(entry).ok()?;
                let (meta, path) = entry.split_once('\t')?;
                let id = meta.split_whitespace().nth(1)?;
                Some((path.to_owned(), id.to_owned()))
            })
            .collect())
    }

    /// Since when, in the first-parent history of `commit`, the file at `path` has continuously
    /// satisfied `holds` (a record's state having a value): the committer time of the oldest
    /// commit of that run. `None` when the file at `commit` does not satisfy it. Walks the
    /// history in git, keeping nothing: [`crate::history::since`] answers from the history
    /// cache when it reflects `commit`.
    pub fn since(
        &self,
        commit: &str,
        path: &str,
        holds: &dyn Fn(&str) -> bool,
    ) -> Result<Option<Timestamp>, StoreError> {
        let mut walk = self.repository.revwalk().map_err(git_error("walk the history"))?;
        walk.simplify_first_parent().map_err(git_error("walk the history"))?;
        walk.push(self.oid(commit)?).map_err(git_error("walk the history"))?;
        let mut since = None;
        let mut last_blob: Option<git2::Oid> = None;
        let mut last_verdict = false;
        for id in walk {
            let id = id.map_err(git_error("walk the history"))?;
            let commit = self.repository.find_commit(id).map_err(git_error("read a commit"))?;
            let tree = commit.tree().map_err(git_error("read a commit's tree"))?;
            let Ok(entry) = tree.get_path(Path::new(path)) else { break };
            let verdict = if Some(entry.id()) == last_blob {
                last_verdict
            } else {
                let text = self.blob_text(&entry.id().to_string())?.unwrap_or_default();
                holds(&text)
            };
            if !verdict {
                break;
            }
            last_blob = Some(entry.id());
            last_verdict = verdict;
            since = Some(commit.committer().when().seconds());
        }
        Ok(since)
    }
}

/// One side of a tree entry: its object, the object's kind and the entry's git mode.
type Side = (git2::Oid, Option<git2::ObjectType>, u32);

fn mode_of(entry: &git2::TreeEntry<'_>) -> u32 {
    u32::try_from(entry.filemode()).unwrap_or(0)
}

/// A `git` command run from `dir`.
fn git_at(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.current_dir(dir);
    // A relative index file (as git hands some hooks) is relative to where docket started.
    if let Some(index) = std::env::var_os("GIT_INDEX_FILE").map(PathBuf::from)
        && index.is_relative()
        && let Ok(here) = std::env::current_dir()
    {
        command.env("GIT_INDEX_FILE", here.join(index));
    }
    command
}

/// Parses `git diff --raw -z --no-abbrev` output.
fn parse_raw_diff(output: &[u8]) -> Vec<FileChange> {
    let mut changes = Vec::new();
    let mut fields = output.split(|&b| b == 0).filter(|f| !f.is_empty());
    while let (Some(meta), Some(path)) = (fields.next(), fields.next()) {
        let meta = String::from_utf8_lossy(meta);
        let parts: Vec<&str> = meta.trim_start_matches(':').split_whitespace().collect();
        let [old_mode, new_mode, old, new, _status] = parts.as_slice() else { continue };
        let id = |id: &str| (id != NULL_ID).then(|| id.to_owned());
        let mode = |mode: &str| u32::from_str_radix(mode, 8).unwrap_or(0);
        changes.push(FileChange {
            path: String::from_utf8_lossy(path).into_owned(),
            old: id(old),
            new: id(new),
            mode: mode(new_mode),
            old_mode: mode(old_mode),
        });
    }
    changes
}

/// The blob ids of a fixed set of files, commit after commit (`docket plan` walking the
/// history of its records): each folder holding some of them is looked up once a commit, and
/// read again only when its tree changed since the commit asked about before, so a commit
/// costs the folders it changed, not one lookup from the top for every file.
pub struct FileBlobs<'r> {
    repo: &'r Repo,
    /// Per folder (from the top, without `/`): the files wanted there, as (position in the
    /// paths given, name).
    folders: Vec<(String, Vec<(usize, String)>)>,
    /// Each folder's tree at the commit asked about before (the zero id: no such folder;
    /// `None`: not asked yet).
    last: Vec<Option<git2::Oid>>,
    /// The blob of each path (`None`: no regular file there).
    blobs: Vec<Option<String>>,
}

impl<'r> FileBlobs<'r> {
    pub fn new(repo: &'r Repo, paths: &[String]) -> Self {
        let mut folders: std::collections::BTreeMap<String, Vec<(usize, String)>> = std::collections::BTreeMap::new();
        for (at, path) in paths.iter().enumerate() {
            let (folder, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            folders.entry(folder.to_owned()).or_default().push((at, name.to_owned()));
        }
        let folders: Vec<_> = folders.into_iter().collect();
        Self { repo, last: vec![None; folders.len()], folders, blobs: vec![None; paths.len()] }
    }

    /// The blob of each path (in the order given) in `commit`, `None` where no regular file
    /// is there (absent, a folder, a symbolic link, a submodule).
    pub fn at(&mut self, commit: &str) -> Result<&[Option<String>], StoreError> {
        let repository = &self.repo.repository;
        let read_tree = |id: git2::Oid| repository.find_tree(id).map_err(git_error("read a tree"));
        let root = self.repo.find_commit(commit)?.tree().map_err(git_error("read a commit's tree"))?;
        // The trees of the folders met on the way down, read once for this commit.
        let mut trees: HashMap<String, Option<git2::Tree<'_>>> = HashMap::new();
        trees.insert(String::new(), Some(root));
        for (number, (folder, files)) in self.folders.iter().enumerate() {
            let id = folder_id(&mut trees, folder, &read_tree)?;
            let key = id.unwrap_or(git2::Oid::ZERO_SHA1);
            if self.last[number] == Some(key) {
                continue;
            }
            self.last[number] = Some(key);
            let tree = match id {
                Some(id) => Some(read_tree(id)?),
                None => None,
            };
            for (at, name) in files {
                self.blobs[*at] = tree
                    .as_ref()
                    .and_then(|tree| tree.get_name(name))
                    .filter(|entry| crate::entry::Entry::of_git_mode(mode_of(entry)) == crate::entry::Entry::File)
                    .map(|entry| entry.id().to_string());
            }
        }
        Ok(&self.blobs)
    }
}

/// The id of the tree at `folder` (from the top; `""` is the top), reading the trees above it
/// into `trees` as needed (not its own); `None` when there is no such folder.
fn folder_id<'r>(
    trees: &mut HashMap<String, Option<git2::Tree<'r>>>,
    folder: &str,
    read_tree: &dyn Fn(git2::Oid) -> Result<git2::Tree<'r>, StoreError>,
) -> Result<Option<git2::Oid>, StoreError> {
    if folder.is_empty() {
        return Ok(trees.get("").and_then(|t| t.as_ref().map(git2::Tree::id)));
    }
    let (parent, name) = folder.rsplit_once('/').unwrap_or(("", folder));
    if !trees.contains_key(parent) {
        let tree = match folder_id(trees, parent, read_tree)? {
            Some(id) => Some(read_tree(id)?),
            None => None,
        };
        trees.insert(parent.to_owned(), tree);
    }
    Ok(trees
        .get(parent)
        .and_then(Option::as_ref)
        .and_then(|tree| tree.get_name(name))
        .filter(|entry| entry.kind() == Some(git2::ObjectType::Tree))
        .map(|entry| entry.id()))
}

/// A tree entry's place in git's order: its name, with `/` after a folder's (so `a.toml`
/// comes before the folder `a`, whose key is `a/`, and after the file `a`).
fn git_order<'a>(entry: &'a git2::TreeEntry<'_>) -> impl Iterator<Item = u8> + 'a {
    let slash = (entry.kind() == Some(git2::ObjectType::Tree)).then_some(b'/');
    entry.name_bytes().iter().copied().chain(slash)
}

/// Runs git in `root` as ana, at the Unix time `when`; its output (tests of this crate).
#[cfg(test)]
pub(crate) fn run_git_at(root: &Path, args: &[&str], when: i64) -> String {
    let date = format!("@{when} +0000");
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_AUTHOR_NAME", "ana")
        .env("GIT_AUTHOR_EMAIL", "ana@example.com")
        .env("GIT_COMMITTER_NAME", "ana")
        .env("GIT_COMMITTER_EMAIL", "ana@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository in `dir` with one commit per step, each step's files (path, text) making
    /// the whole tree; returns the commits.
    fn commits(dir: &Path, steps: &[&[(&str, &str)]]) -> Vec<String> {
        let git = |args: &[&str]| {
            let output = Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(dir)
                .output()
                .expect("git");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        };
        git(&["init", "-q"]);
        let mut made = Vec::new();
        for files in steps {
            git(&["rm", "-rq", "--ignore-unmatch", "--cached", "."]);
            for entry in std::fs::read_dir(dir).expect("list") {
                let path = entry.expect("entry").path();
                if path.file_name().is_some_and(|n| n != ".git") {
                    if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) }
                        .expect("clear");
                }
            }
            for (path, text) in *files {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
                std::fs::write(path, text).expect("write");
            }
            git(&["add", "-A"]);
            git(&["commit", "-qm", "step", "--allow-empty"]);
            made.push(git(&["rev-parse", "HEAD"]));
        }
        made
    }

    /// (path, before?, after?) of each change between two commits under `issues/`.
    fn changed(dir: &Path, from: &str, to: &str) -> Vec<(String, bool, bool)> {
        let repo = Repo::discover(dir).expect("repo");
        let (from, to) = (repo.tree_of(from).expect("tree"), repo.tree_of(to).expect("tree"));
        let changes = repo.tree_changes(Some(&from), Some(&to), &["issues/".to_owned()]).expect("changes");
        changes.into_iter().map(|c| (c.path, c.old.is_some(), c.new.is_some())).collect()
    }

    /// [`FileBlobs`] answers what `git rev-parse COMMIT:PATH` says, commit after commit, as
    /// folders change, vanish and come back, for files at the top and two folders down.
    #[test]
    fn file_blobs_follow_each_commit() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let made = commits(
            dir.path(),
            &[
                &[("issues/k3/a.toml", "1"), ("issues/k3/b.toml", "2"), ("issues/m4/c.toml", "3"), ("top.toml", "t")],
                &[("issues/k3/a.toml", "1b"), ("issues/k3/b.toml", "2"), ("top.toml", "t")],
                &[("issues/m4/c.toml", "3"), ("issues/k3", "a file now")],
                &[("issues/k3/a.toml", "1"), ("issues/k3/b.toml", "2"), ("issues/m4/c.toml", "3b")],
            ],
        );
        let paths: Vec<String> =
            ["issues/k3/a.toml", "issues/k3/b.toml", "issues/m4/c.toml", "issues/zz/d.toml", "top.toml"]
                .map(String::from)
                .to_vec();
        let repo = Repo::discover(dir.path()).expect("repo");
        let mut blobs = FileBlobs::new(&repo, &paths);
        for commit in &made {
            let expected: Vec<Option<String>> = paths
                .iter()
                .map(|path| {
                    let output = Command::new("git")
                        .args(["rev-parse", "-q", "--verify", &format!("{commit}:{path}")])
                        .current_dir(dir.path())
                        .output()
                        .expect("git");
                    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
                })
                .collect();
            assert_eq!(blobs.at(commit).expect("blobs"), expected.as_slice(), "at {commit}");
        }
    }

    /// Entries are paired in git's order, where a folder sorts as its name with `/`: beside a
    /// file `16-7.toml` (`-` sorts before `/`), the folder `16` is still the same folder.
    #[test]
    fn tree_changes_pair_entries_in_gits_order() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let made = commits(
            dir.path(),
            &[
                &[("issues/16-7.toml", "a"), ("issues/16/k3.toml", "b"), ("issues/16/k4.toml", "c")],
                &[("issues/16/k3.toml", "b2"), ("issues/16/k4.toml", "c")],
            ],
        );
        assert_eq!(
            changed(dir.path(), &made[0], &made[1]),
            [("issues/16-7.toml".to_owned(), true, false), ("issues/16/k3.toml".to_owned(), true, true)]
        );
        assert_eq!(
            changed(dir.path(), &made[1], &made[0]),
            [("issues/16-7.toml".to_owned(), false, true), ("issues/16/k3.toml".to_owned(), true, true)]
        );
    }

    /// A file replaced by a folder of the same name (or the other way) is the file going or
    /// coming and the folder's files coming or going.
    #[test]
    fn a_file_replaced_by_a_folder_is_both_changes() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let made =
            commits(dir.path(), &[&[("issues", "not a folder")], &[("issues/k3.toml", "b"), ("issues/k4.toml", "c")]]);
        let both = |file: bool| {
            vec![
                ("issues".to_owned(), file, !file),
                ("issues/k3.toml".to_owned(), !file, file),
                ("issues/k4.toml".to_owned(), !file, file),
            ]
        };
        assert_eq!(changed(dir.path(), &made[0], &made[1]), both(true));
        assert_eq!(changed(dir.path(), &made[1], &made[0]), both(false));
    }

    #[test]
    fn raw_diff_output() {
        let old = "1".repeat(40);
        let new = "2".repeat(40);
        let raw = format!(
            ":100644 100644 {old} {new} M\0issues/a.toml\0:000000 120000 {NULL_ID} {new} A\0issues/b c.toml\0:100644 000000 {new} {NULL_ID} D\0issues/d.toml\0"
        );
        let changes = parse_raw_diff(raw.as_bytes());
        assert_eq!(
            changes,
            [
                FileChange {
                    path: "issues/a.toml".into(),
                    old: Some(old),
                    new: Some(new.clone()),
                    mode: 0o100_644,
                    old_mode: 0o100_644
                },
                FileChange {
                    path: "issues/b c.toml".into(),
                    old: None,
                    new: Some(new.clone()),
                    mode: 0o120_000,
                    old_mode: 0
                },
                FileChange { path: "issues/d.toml".into(), old: Some(new), new: None, mode: 0, old_mode: 0o100_644 },
            ]
        );
    }
}
