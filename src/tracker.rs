//! A tracker on disk: finding it, creating it, listing and resolving its record files, loading
//! records, and writing them back atomically.
//!
//! The files are the truth. Everything here reads the work tree; what git has committed is the
//! business of [`crate::store`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE, Config, DEFAULT_CONFIG, Layout};
use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::entry::Entry;
use crate::format::{self, RecordRules};
use crate::id::{self, InvalidId};
use crate::model::{Kind, Record};
use crate::policy::{Policy, PolicyError};
use crate::store::{Repo, StoreError};
use crate::workflow::Workflow;

/// An open tracker.
#[derive(Debug)]
pub struct Tracker {
    /// The folder holding `docket.toml`.
    pub root: PathBuf,
    pub repo: Repo,
    /// The tracker's configuration and workflows, from the work tree.
    pub policy: Policy,
    /// The tracker root relative to the repository's top (`""` or `"tracker/"`).
    pub prefix: String,
}

/// A record file found in the tracker, not yet read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RecordFile {
    pub kind: Kind,
    pub id: String,
    /// Relative to the tracker root, with `/` separators.
    pub path: String,
}

/// Every readable record of a tracker, and every problem found while reading.
#[derive(Debug, Default)]
pub struct Loaded {
    pub records: Vec<Record>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A candidate for an ambiguous id prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub kind: Kind,
    pub title: String,
    pub path: String,
}

/// Why a tracker operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no docket tracker in {0} or any folder above it up to the repository's top")]
    NotATracker(PathBuf),
    #[error("cannot read {path}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {path}")]
    Write { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("`{prefix}` is not a valid id: {reason}")]
    InvalidId { prefix: String, reason: InvalidId },
    #[error("no record has an id starting with `{0}`")]
    NoSuchRecord(String),
    #[error("the id prefix `{prefix}` is ambiguous")]
    Ambiguous { prefix: String, candidates: Vec<Candidate> },
    #[error("{path} is outside the repository at {repo}")]
    OutsideRepository { path: PathBuf, repo: PathBuf },
}

/// What `docket init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    pub root: PathBuf,
    /// Paths created, relative to the tracker root; empty when the tracker was already complete.
    pub created: Vec<String>,
}

impl Tracker {
    /// Finds the tracker holding `start`: the nearest folder at or above it, up to the top of the
    /// repository, that holds `docket.toml`.
    pub fn discover(start: &Path) -> Result<Self, TrackerError> {
        let (repo, root) = Self::locate(start)?;
        Self::open(root, repo)
    }

    /// The repository and the tracker root holding `start`, without reading the policy.
    pub fn locate(start: &Path) -> Result<(Repo, PathBuf), TrackerError> {
        let repo = Repo::discover(start)?;
        let start = start.canonicalize().map_err(|source| TrackerError::Read { path: start.to_path_buf(), source })?;
        let root = Self::root_above(&start)
            .filter(|root| repo.workdir.as_ref().is_some_and(|top| root.starts_with(top)))
            .ok_or_else(|| TrackerError::NotATracker(start.clone()))?;
        Ok((repo, root))
    }

    /// The nearest folder from `start` up that holds a `docket.toml`, without opening the
    /// repository: [`Tracker::locate`]'s root when it is inside the work tree.
    pub fn root_above(start: &Path) -> Option<PathBuf> {
        let start = start.canonicalize().ok()?;
        start.ancestors().find(|folder| folder.join(CONFIG_FILE).is_file()).map(Path::to_path_buf)
    }

    /// The tracker root relative to the repository's top, with a trailing `/` unless empty.
    pub fn prefix_of(repo: &Repo, root: &Path) -> String {
        let top = repo.workdir.clone().unwrap_or_default();
        let prefix = root.strip_prefix(&top).map_or_else(|_| String::new(), |p| p.to_string_lossy().replace('\\', "/"));
        if prefix.is_empty() { prefix } else { format!("{prefix}/") }
    }

    fn open(root: PathBuf, repo: Repo) -> Result<Self, TrackerError> {
        let prefix = Self::prefix_of(&repo, &root);
        let read_root = root.clone();
        let policy = Policy::load(&|path: &str| match fs::read_to_string(read_root.join(path)) {
            Ok(text) => Ok(Some(text)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.to_string()),
        })?;
        Ok(Self { root, repo, policy, prefix })
    }

    /// The tracker's configuration.
    pub fn config(&self) -> &Config {
        &self.policy.config
    }

    /// Creates a tracker in `dir` (default: the repository's top), keeping whatever exists.
    pub fn init(start: &Path, dir: Option<&Path>) -> Result<InitReport, TrackerError> {
        let repo = Repo::discover(start)?;
        let workdir = repo.workdir.clone().expect("discover opens only repositories with a work tree");
        let root = match dir {
            Some(dir) if dir.is_absolute() => dir.to_path_buf(),
            Some(dir) => start.join(dir),
            // Inside an existing tracker (even one in a subfolder), `init` is about that one.
            None => Self::locate(start).map_or_else(|_| workdir.clone(), |(_, root)| root),
        };
        fs::create_dir_all(&root).map_err(|source| TrackerError::Write { path: root.clone(), source })?;
        let root = root.canonicalize().map_err(|source| TrackerError::Read { path: root.clone(), source })?;
        if !root.starts_with(&workdir) {
            return Err(TrackerError::OutsideRepository { path: root, repo: workdir });
        }
        let mut created = Vec::new();
        let config_path = root.join(CONFIG_FILE);
        if !config_path.exists() {
            write_atomically(&config_path, DEFAULT_CONFIG.as_bytes(), None)?;
            created.push(CONFIG_FILE.to_owned());
        }
        for folder in Kind::ALL.iter().map(|kind| kind.folder()).chain(["workflows"]) {
            let keep = root.join(folder).join(".gitkeep");
            if !root.join(folder).exists() {
                fs::create_dir_all(root.join(folder))
                    .map_err(|source| TrackerError::Write { path: root.join(folder), source })?;
                fs::write(&keep, "").map_err(|source| TrackerError::Write { path: keep.clone(), source })?;
                created.push(format!("{folder}/"));
            }
        }
        // The merge driver for record files (its command lives in git config: `docket setup`).
        let attributes = root.join(".gitattributes");
        let existing = fs::read_to_string(&attributes).unwrap_or_default();
        if let Some(text) = crate::hooks::with_lines(&existing, crate::hooks::ATTRIBUTES.lines()) {
            write_atomically(&attributes, text.as_bytes(), None)?;
            created.push(".gitattributes".to_owned());
        }
        // Check that what is there now is a tracker docket can open.
        Self::open(root.clone(), repo)?;
        Ok(InitReport { root, created })
    }

    /// The absolute path of a file given relative to the tracker root.
    pub fn absolute(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// The workflow governing `kind`.
    pub fn workflow(&self, kind: Kind) -> &Workflow {
        self.policy.workflow(kind)
    }

    /// Every record file, in both the flat and the sharded layout, sorted by kind and id, and
    /// the problems of every other entry in the record folders (a bad name, a link, a FIFO):
    /// errors, as in the hooks.
    pub fn record_files(&self) -> Result<(Vec<RecordFile>, Vec<Diagnostic>), TrackerError> {
        self.record_files_with("")
    }

    /// The record files whose id may start with `prefix`: in the sharded layout only the
    /// shard folders that can hold such ids are read, so finding one record costs one folder.
    pub fn record_files_with(&self, prefix: &str) -> Result<(Vec<RecordFile>, Vec<Diagnostic>), TrackerError> {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for kind in Kind::ALL {
            let folder = self.root.join(kind.folder());
            if !folder.is_dir() {
                continue;
            }
            Self::scan(kind, &folder, kind.folder(), Some(prefix), &mut files, &mut problems)?;
        }
        files.sort();
        Ok((files, problems))
    }

    /// Reads `folder`; `descend` (the id prefix wanted) when it is a record folder whose
    /// shard folders may be read, `None` inside a shard. Only regular files are records: a
    /// link, a FIFO or a folder named like a record is reported ([`crate::entry`]) and never
    /// opened, so no command follows a link out of the repository or waits on a FIFO.
    fn scan(
        kind: Kind,
        folder: &Path,
        relative: &str,
        descend: Option<&str>,
        files: &mut Vec<RecordFile>,
        problems: &mut Vec<Diagnostic>,
    ) -> Result<(), TrackerError> {
        let entries =
            fs::read_dir(folder).map_err(|source| TrackerError::Read { path: folder.to_path_buf(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| TrackerError::Read { path: folder.to_path_buf(), source })?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = format!("{relative}/{name}");
            let file_type = entry.file_type().map_err(|source| TrackerError::Read { path: entry.path(), source })?;
            let what = Entry::of_file_type(file_type);
            // Only a whole scan reports what it finds; one for an id prefix skips the rest.
            let whole = descend.is_none_or(str::is_empty);
            if let Some(problem) = crate::entry::problem(&path, what) {
                if whole {
                    problems.push(problem);
                }
                continue;
            }
            if what == Entry::Folder {
                // A shard folder: the first two characters of the ids inside it.
                let wanted = descend.is_some_and(|prefix| {
                    let n = prefix.len().min(2);
                    name[..n.min(name.len())] == prefix[..n]
                });
                if wanted {
                    Self::scan(kind, &entry.path(), &path, None, files, problems)?;
                }
                continue;
            }
            if let Some(stem) = name.strip_suffix(".toml") {
                files.push(RecordFile { kind, id: stem.to_owned(), path });
            }
        }
        Ok(())
    }

    /// The record file whose id is `prefix` or, failing that, the one whose id starts with it.
    /// Ids are lowercase, so `K3X` finds `k3x9q2`. Two files with the same id are ambiguous too.
    pub fn resolve(&self, prefix: &str) -> Result<RecordFile, TrackerError> {
        let prefix = prefix.to_lowercase();
        let prefix = prefix.as_str();
        id::validate(prefix).map_err(|reason| TrackerError::InvalidId { prefix: prefix.to_owned(), reason })?;
        let (files, _) = self.record_files_with(prefix)?;
        let exact: Vec<&RecordFile> = files.iter().filter(|file| file.id == prefix).collect();
        let matches: Vec<RecordFile> = match exact.as_slice() {
            [one] => return Ok((*one).clone()),
            [] => files.iter().filter(|file| file.id.starts_with(prefix)).cloned().collect(),
            several => several.iter().map(|file| (*file).clone()).collect(),
        };
        match matches.len() {
            0 => Err(TrackerError::NoSuchRecord(prefix.to_owned())),
            1 => Ok(matches.into_iter().next().expect("one match")),
            _ => {
                let candidates = matches
                    .into_iter()
                    .map(|file| {
                        let title =
                            self.load(&file).ok().and_then(|(record, _, _)| record).map(|r| r.title().to_owned());
                        Candidate {
                            id: file.id,
                            kind: file.kind,
                            title: title.unwrap_or_else(|| "(unreadable)".to_owned()),
                            path: file.path,
                        }
                    })
                    .collect();
                Err(TrackerError::Ambiguous { prefix: prefix.to_owned(), candidates })
            }
        }
    }

    /// Reads and validates one record file: the record if valid, its problems, and its text.
    pub fn load(&self, file: &RecordFile) -> Result<(Option<Record>, Vec<Diagnostic>, String), TrackerError> {
        let source = read(&self.absolute(&file.path))?;
        let parsed = self.parse(file, &source);
        Ok((parsed.record, parsed.diagnostics, source))
    }

    /// Validates `source` as the content of `file`.
    pub fn parse(&self, file: &RecordFile, source: &str) -> format::Parsed {
        format::parse_record(file.kind, &file.id, &file.path, source, &self.policy.rules(file.kind))
    }

    /// Reads every record, on all cores, collecting every problem in every file.
    pub fn load_all(&self) -> Result<Loaded, TrackerError> {
        let (files, diagnostics) = self.record_files()?;
        let mut loaded = self.load_files(&files);
        loaded.diagnostics.splice(0..0, diagnostics);
        report_duplicate_ids(&files, &mut loaded.diagnostics);
        Ok(loaded)
    }

    /// Reads the record `files`, on all cores: the valid records in the files' order, and every
    /// problem of every file (an unreadable file is one).
    pub fn load_files(&self, files: &[RecordFile]) -> Loaded {
        let mut diagnostics = Vec::new();
        let rules: Vec<(Kind, RecordRules)> =
            Kind::ALL.into_iter().map(|kind| (kind, self.policy.rules(kind))).collect();
        let root = &self.root;
        let results: Vec<format::Parsed> = crate::cores::map_chunks(files, |chunk| {
            chunk
                .iter()
                .map(|file| {
                    let rules = &rules.iter().find(|(kind, _)| *kind == file.kind).expect("every kind has rules").1;
                    match read(&root.join(&file.path)) {
                        Ok(source) => format::parse_record(file.kind, &file.id, &file.path, &source, rules),
                        Err(error) => unreadable(file, &error),
                    }
                })
                .collect()
        });
        let mut records = Vec::with_capacity(files.len());
        for parsed in results {
            diagnostics.extend(parsed.diagnostics);
            records.extend(parsed.record);
        }
        Loaded { records, diagnostics }
    }

    /// Whether `record` is still open: its state is neither one of the `done` stages
    /// ([`crate::plan::done_stages`]) nor terminal in its workflow.
    pub fn is_open(&self, done: &[String], record: &Record) -> bool {
        self.policy.is_open(done, record)
    }

    /// Whether `record` is parked: in a state that records where it came from (blocked,
    /// backlogged).
    pub fn is_parked(&self, record: &Record) -> bool {
        let workflow = self.workflow(record.kind());
        workflow.state(&workflow.state_of(record)).is_some_and(|s| s.previous.is_some())
    }

    /// Where a new record of `kind` with `id` is written, relative to the root.
    pub fn path_for(&self, kind: Kind, id: &str) -> String {
        path_in(self.policy.config.layout, kind, id)
    }

    /// The record `id` of `kind` where either layout puts it, the tracker's own first: a
    /// tracker between layouts (or whose milestones stayed flat) costs two `stat`s, not a
    /// listing of its folders as [`Tracker::resolve`] makes. `None` when neither place holds a
    /// regular file.
    pub fn file_of(&self, kind: Kind, id: &str) -> Option<RecordFile> {
        let own = self.policy.config.layout;
        let other = match own {
            Layout::Flat => Layout::Sharded,
            Layout::Sharded => Layout::Flat,
        };
        [own, other].into_iter().map(|layout| path_in(layout, kind, id)).find_map(|path| {
            fs::symlink_metadata(self.absolute(&path)).is_ok_and(|m| m.is_file()).then(|| RecordFile {
                kind,
                id: id.to_owned(),
                path,
            })
        })
    }

    /// Moves every record to where the layout `layout` (`flat` or `sharded`) puts it, writes
    /// the layout in `docket.toml`, removes the emptied shard folders, and stages all of it, so
    /// the move is one commit (which the hooks judge as records changing path). Returns the
    /// moves, (from, to) relative to the root. Holds the write lock throughout.
    pub fn relayout(&self, layout: &str) -> Result<Vec<(String, String)>, TrackerError> {
        let _lock = self.lock_writes()?;
        let config_path = self.absolute(CONFIG_FILE);
        let read = |source| TrackerError::Read { path: config_path.clone(), source };
        let text = fs::read_to_string(&config_path).map_err(read)?;
        let mut document: toml_edit::DocumentMut =
            text.parse().map_err(|e: toml_edit::TomlError| read(io::Error::other(e.message().to_owned())))?;
        crate::format::edit::replace_value(document.as_table_mut(), "layout", toml_edit::Value::from(layout));
        fs::write(&config_path, document.to_string())
            .map_err(|source| TrackerError::Write { path: config_path.clone(), source })?;
        // Opened again with the new layout, to learn where each record goes.
        let moved_tracker = Self::open(self.root.clone(), Repo::discover(&self.root)?)?;
        let mut moved = Vec::new();
        for file in moved_tracker.record_files()?.0 {
            let target = moved_tracker.path_for(file.kind, &file.id);
            if target == file.path {
                continue;
            }
            let (from, to) = (self.absolute(&file.path), self.absolute(&target));
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent)
                    .map_err(|source| TrackerError::Write { path: parent.to_path_buf(), source })?;
            }
            fs::rename(&from, &to).map_err(|source| TrackerError::Write { path: from.clone(), source })?;
            moved.push((file.path, target));
        }
        // Empty shard folders of the old layout go (a folder still holding anything stays).
        for kind in Kind::ALL {
            if let Ok(entries) = fs::read_dir(self.root.join(kind.folder())) {
                for entry in entries.flatten().filter(|e| e.path().is_dir()) {
                    let _ = fs::remove_dir(entry.path());
                }
            }
        }
        let mut paths: Vec<String> = Kind::ALL.iter().map(|k| k.folder().to_owned()).collect();
        paths.push(CONFIG_FILE.to_owned());
        paths.retain(|path| self.root.join(path).exists());
        let paths: Vec<String> = paths.into_iter().map(|path| format!("{}{path}", self.prefix)).collect();
        self.repo.stage(&paths)?;
        Ok(moved)
    }

    /// A new random id that no record has and that is not a prefix of any record's id.
    pub fn new_id(&self, context: &mut Context) -> Result<String, TrackerError> {
        loop {
            let candidate = id::generate(context.next_random());
            let (files, _) = self.record_files_with(&candidate)?;
            if !files.iter().any(|file| file.id.starts_with(&candidate) || candidate.starts_with(&file.id)) {
                return Ok(candidate);
            }
        }
    }

    /// Takes the tracker's write lock (`.git/docket/write.lock`), waiting for another docket
    /// process that holds it. A command holds it from reading a record to writing it back, so
    /// two commands editing one record at once both land, one after the other. The lock goes
    /// with the returned file (or the process).
    pub fn lock_writes(&self) -> Result<fs::File, TrackerError> {
        let path = crate::derived::Derived::of(&self.repo, &self.prefix).write_lock();
        let io = |source| TrackerError::Write { path: path.clone(), source };
        let file = crate::derived::lock_file(&path).map_err(io)?;
        file.lock().map_err(io)?;
        Ok(file)
    }

    /// Writes `text` to the record file at `path` (relative to the root) atomically: a reader
    /// sees the old file or the new one, never half of it. The file keeps what the text does
    /// not say: its byte-order mark, its line endings (CRLF stays CRLF) and its permissions. The
    /// text is prepared under the git directory and renamed into place, so a write cut short
    /// leaves nothing in the work tree for `git add -A` to take.
    /// Moves the file at `from` to `to` (paths relative to the root), byte for byte, making
    /// `to`'s folder if needed; refuses to replace a file already at `to`.
    pub fn rename_file(&self, from: &str, to: &str) -> Result<(), TrackerError> {
        let (source, target) = (self.absolute(from), self.absolute(to));
        let error = |source| TrackerError::Write { path: target.clone(), source };
        if fs::symlink_metadata(&target).is_ok() {
            return Err(error(std::io::Error::from(std::io::ErrorKind::AlreadyExists)));
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(error)?;
        }
        fs::rename(&source, &target).map_err(error)
    }

    pub fn write(&self, path: &str, text: &str) -> Result<(), TrackerError> {
        let absolute = self.absolute(path);
        let old = fs::read(&absolute).ok();
        let bytes = keep_conventions(old.as_deref(), text);
        let scratch = crate::derived::Derived::of(&self.repo, &self.prefix).scratch();
        write_atomically(&absolute, &bytes, Some(&scratch))
    }
}

/// A file that could not be read (permissions, invalid UTF-8) as a problem of that file.
fn unreadable(file: &RecordFile, error: &TrackerError) -> format::Parsed {
    let reason = match error {
        TrackerError::Read { source, .. } => source.to_string(),
        other => other.to_string(),
    };
    let diagnostic = Diagnostic::error(&file.path, "file.unreadable", format!("cannot read the file: {reason}"))
        .with_id(&file.id)
        .with_hint("record files must be readable UTF-8 text");
    format::Parsed { record: None, diagnostics: vec![diagnostic] }
}

fn report_duplicate_ids(files: &[RecordFile], diagnostics: &mut Vec<Diagnostic>) {
    let mut by_id: Vec<&RecordFile> = files.iter().collect();
    by_id.sort_by(|a, b| a.id.cmp(&b.id));
    for pair in by_id.windows(2) {
        if pair[0].id == pair[1].id {
            diagnostics.push(
                Diagnostic::error(
                    &pair[1].path,
                    "id.duplicate",
                    format!("the id `{}` is also used by {}", pair[1].id, pair[0].path),
                )
                .with_id(&pair[1].id)
                .with_hint("rename one of the files; ids are unique across issues, MIR bugs and milestones"),
            );
        }
    }
}

fn read(path: &Path) -> Result<String, TrackerError> {
    let io = |source| TrackerError::Read { path: path.to_path_buf(), source };
    let mut text = String::new();
    io::Read::read_to_string(&mut open_regular(path).map_err(io)?, &mut text).map_err(io)?;
    Ok(text)
}

/// Opens the record file at `path` for reading, only if it is a regular file: a symbolic link
/// is not followed (`O_NOFOLLOW`) and a FIFO or device is not waited on (`O_NONBLOCK`), both
/// an error that says so.
pub fn open_regular(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path);
    let file = match file {
        Err(error) if error.raw_os_error() == Some(libc::ELOOP) => {
            return Err(io::Error::other("it is a symbolic link, which docket does not follow"));
        }
        other => other?,
    };
    if file.metadata()?.is_file() { Ok(file) } else { Err(io::Error::other("it is not a regular file")) }
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// `text` as the bytes of a file that replaces `old`: with `old`'s byte-order mark, and with
/// CRLF line endings when every line of `old` ended so.
fn keep_conventions(old: Option<&[u8]>, text: &str) -> Vec<u8> {
    let Some(old) = old else { return text.as_bytes().to_vec() };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Every line feed follows a carriage return (and there is at least one).
    let crlf =
        old.contains(&b'\n') && old.iter().enumerate().all(|(at, &b)| b != b'\n' || at > 0 && old[at - 1] == b'\r');
    let mut bytes = Vec::with_capacity(text.len() + text.len() / 16 + BOM.len());
    if old.starts_with(BOM) {
        bytes.extend_from_slice(BOM);
    }
    if crlf {
        for line in text.split_inclusive('\n') {
            match line.strip_suffix('\n') {
                Some(body) => {
                    bytes.extend_from_slice(body.strip_suffix('\r').unwrap_or(body).as_bytes());
                    bytes.extend_from_slice(b"\r\n");
                }
                None => bytes.extend_from_slice(line.as_bytes()),
            }
        }
    } else {
        bytes.extend_from_slice(text.as_bytes());
    }
    bytes
}

/// Writes through a temporary file and a rename, keeping the permissions of the file it
/// replaces. The temporary file is made in `scratch` (under the git directory, out of `git add
/// -A`'s reach) when given, else — or when `scratch` is on another file system — beside the
/// file.
fn write_atomically(path: &Path, bytes: &[u8], scratch: Option<&Path>) -> Result<(), TrackerError> {
    let error = |source| TrackerError::Write { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(error)?;
    }
    let permissions = fs::metadata(path).ok().map(|m| m.permissions());
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("record");
    let put = |temporary: &Path| -> std::io::Result<()> {
        fs::write(temporary, bytes)?;
        if let Some(permissions) = &permissions {
            fs::set_permissions(temporary, permissions.clone())?;
        }
        fs::rename(temporary, path)
    };
    if let Some(scratch) = scratch
        && crate::derived::folder(scratch).is_ok()
    {
        let temporary = scratch.join(format!("{file_name}.{}.tmp", std::process::id()));
        match put(&temporary) {
            Ok(()) => return Ok(()),
            // Another file system: the rename cannot cross it; write beside the file instead.
            Err(source) if source.kind() == std::io::ErrorKind::CrossesDevices => {
                let _ = fs::remove_file(&temporary);
            }
            Err(source) => {
                let _ = fs::remove_file(&temporary);
                return Err(error(source));
            }
        }
    }
    let temporary = path.with_file_name(format!(".{file_name}.docket-tmp"));
    put(&temporary).map_err(|source| {
        let _ = fs::remove_file(&temporary);
        error(source)
    })
}

/// A new tracker in a fresh git repository at `dir`, for the tests of the modules that need one.
/// Where `layout` puts the record `id` of `kind`, relative to the tracker root.
fn path_in(layout: Layout, kind: Kind, id: &str) -> String {
    match layout {
        Layout::Flat => format!("{}/{id}.toml", kind.folder()),
        Layout::Sharded => format!("{}/{}/{id}.toml", kind.folder(), id.get(..2).unwrap_or(id)),
    }
}

#[cfg(test)]
pub(crate) fn in_fresh_repository(dir: &Path) -> Tracker {
    let status = std::process::Command::new("git").args(["init", "-q"]).current_dir(dir).status().expect("git");
    assert!(status.success());
    Tracker::init(dir, None).expect("init");
    Tracker::discover(dir).expect("tracker")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewrite_keeps_the_files_byte_order_mark_and_line_endings() {
        type Row<'a> = (Option<&'a [u8]>, &'a str, &'a [u8]);
        let table: [Row<'_>; 8] = [
            // old file                      new text             bytes written
            (None, "a = 1\n", b"a = 1\n"),
            (Some(b"a = 0\n"), "a = 1\nb = 2\n", b"a = 1\nb = 2\n"),
            (Some(b"a = 0\r\n"), "a = 1\nb = 2\n", b"a = 1\r\nb = 2\r\n"),
            (Some(b"\xef\xbb\xbfa = 0\n"), "a = 1\n", b"\xef\xbb\xbfa = 1\n"),
            (Some(b"\xef\xbb\xbfa = 0\r\nb = 0\r\n"), "\u{feff}a = 1\nb = 2", b"\xef\xbb\xbfa = 1\r\nb = 2"),
            // Mixed endings are not CRLF: the text is written as it is.
            (Some(b"a = 0\r\nb = 0\n"), "a = 1\n", b"a = 1\n"),
            // No line at all: nothing says CRLF.
            (Some(b"a = 0"), "a = 1\n", b"a = 1\n"),
            // A text that already has CRLF keeps it once.
            (Some(b"a = 0\r\n"), "a = 1\r\n", b"a = 1\r\n"),
        ];
        for (old, text, expected) in table {
            assert_eq!(keep_conventions(old, text), expected, "{old:?} {text:?}");
        }
    }

    /// A record is found where either layout puts it, the tracker's own layout first; a link,
    /// a folder or nothing there is no record.
    #[test]
    fn a_record_is_found_where_either_layout_puts_it() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = in_fresh_repository(dir.path());
        let write = |path: &str| {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
            fs::write(path, "title = \"m\"\n").expect("write");
        };
        write("milestones/m1.toml");
        write("milestones/m2/m2.toml");
        write("milestones/m2.toml");
        write("issues/ab/abcd.toml");
        write("milestones/x.toml");
        std::os::unix::fs::symlink(dir.path().join("milestones/m1.toml"), dir.path().join("milestones/m3.toml"))
            .expect("a link");
        fs::create_dir_all(dir.path().join("milestones/m4.toml")).expect("a folder named as a record");
        let path = |tracker: &Tracker, kind, id| tracker.file_of(kind, id).map(|file| (file.kind, file.id, file.path));
        let found = |kind, id: &str, path: &str| Some((kind, id.to_owned(), path.to_owned()));
        // Flat, the default: the flat place first, then the sharded one.
        assert_eq!(path(&tracker, Kind::Milestone, "m1"), found(Kind::Milestone, "m1", "milestones/m1.toml"));
        assert_eq!(path(&tracker, Kind::Milestone, "m2"), found(Kind::Milestone, "m2", "milestones/m2.toml"));
        assert_eq!(path(&tracker, Kind::Issue, "abcd"), found(Kind::Issue, "abcd", "issues/ab/abcd.toml"));
        assert_eq!(path(&tracker, Kind::Milestone, "x"), found(Kind::Milestone, "x", "milestones/x.toml"));
        for missing in ["m3", "m4", "m5"] {
            assert_eq!(path(&tracker, Kind::Milestone, missing), None, "{missing}");
        }
        assert_eq!(path(&tracker, Kind::Issue, "m1"), None, "another kind's folder");
        // Sharded: the shard first.
        fs::write(dir.path().join("docket.toml"), "layout = \"sharded\"\n").expect("write the layout");
        let sharded = Tracker::discover(dir.path()).expect("tracker");
        assert_eq!(path(&sharded, Kind::Milestone, "m2"), found(Kind::Milestone, "m2", "milestones/m2/m2.toml"));
        assert_eq!(path(&sharded, Kind::Milestone, "m1"), found(Kind::Milestone, "m1", "milestones/m1.toml"));
        assert_eq!(path(&sharded, Kind::Milestone, "x"), found(Kind::Milestone, "x", "milestones/x.toml"));
    }
}
