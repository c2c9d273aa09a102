//! The full-text index behind `docket search`: the only module that uses tantivy.
//!
//! It lives under the repository's git directory (`git rev-parse --git-path docket/index`),
//! is derived from the files, and can be deleted at any time. Each commit of the index records
//! the `HEAD` tree it reflects and the modification times of the record folders, and each
//! document the stamp (modification time and size) of the file it was read from. One rule
//! keeps it fresh, at every size: before answering, a search re-reads every file whose stamp
//! differs from its document's — files in folders whose time moved, files the `HEAD` tree
//! diff names, and every other file's own stamp too, since a program that rewrites a file in
//! place (VS Code, `vim` with `backupcopy=yes`, `echo >>`) does not move its folder's time.
//! Comparing every stamp costs one `stat` a file, taken folder by folder as each is listed (on
//! all cores, as `git status` does), which in large trackers is most of a search; a running `docket watch` saves it ([`watch`]): it holds a lock, keeps the
//! paths it is told of until it has committed them, and answers a cookie the search leaves for
//! it with those paths, so a vouched search compares only them, the folders and the tree diff.
//! A stamp within two seconds of now is never trusted (the file may change again within the
//! same tick): such files are read again by the next search.
//!
//! A few changed files are indexed in memory for the search at hand (an overlay), which costs
//! far less than committing to the index. They are committed when they grow past
//! [`Limits::fold_at`] files, or when finding them meant reading settled folders of more than
//! [`Limits::rescan_at`] files (at a million records, one shard folder holds a thousand): the
//! next search would read those again, so the first one after a `git pull` pays once.
//! Committing needs tantivy's writer lock: a process that finds it taken answers from the last
//! commit plus its own overlay, so it is still fresh.
//!
//! Besides ranked search, it answers the questions other commands narrow by
//! ([`crate::select`]): how many records match ([`SearchIndex::count`]), every match with its
//! weight, age and dates from the fast fields ([`SearchIndex::matching`]), or only the first
//! few by weight and age ([`SearchIndex::first_by_weight_rice_and_age`]); and the values a keyword
//! field holds ([`SearchIndex::values`]).

pub mod document;
pub mod live;
pub mod query;
pub mod watch;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, Value};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument, Term};

use self::document::{Fields, KEYWORD, SCHEMA_VERSION, Stamp};
use self::query::{Compiler, Expr, QueryError};
use crate::derived::{self, Derived};
use crate::model::Kind;
use crate::store::Repo;
use crate::tracker::Tracker;

/// The sizes at which the index changes how it works. Each is a matter of speed only, never
/// of what a search answers; tests set them (`DOCKET_INDEX_FOLD_AT`, `DOCKET_INDEX_RESCAN_AT`,
/// `DOCKET_INDEX_PARALLEL_AT`, read by [`crate::context`]) to run on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How many changed files a search indexes in memory before it commits them to the index.
    pub fold_at: usize,
    /// When the settled folders a search has to read anew hold more files than this, it
    /// commits what it found, so the next search need not read them again: reading that many
    /// stamps and indexing the changes in memory again on every search soon costs more than one
    /// small commit (10–20 ms). At a million records one shard folder holds a thousand files.
    pub rescan_at: usize,
    /// Stamps of more files than this are compared on all cores.
    pub parallel_at: usize,
    /// A search of a tracker of more records than this starts `docket watch` in the
    /// background (unless `[index] watch = "never"`), so that later searches need not compare
    /// every stamp.
    pub watch_at: usize,
    /// How long a search waits for a running watcher's answer before comparing every stamp
    /// itself, in milliseconds ([`watch::WAIT`] unless a test sets it).
    pub watch_wait_ms: usize,
    /// How many documents a rebuild lets wait for tantivy's indexing threads
    /// ([`MOST_WAITING`]).
    pub rebuild_waiting: usize,
    /// Segments of at most this many documents are merged by an ordinary commit
    /// ([`MERGED_AT_MOST`]); larger ones, a rebuild's, are left as they are.
    pub merged_at_most: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let watch_wait_ms = usize::try_from(watch::WAIT.as_millis()).unwrap_or(usize::MAX);
        Self {
            fold_at: 64,
            rescan_at: 500,
            parallel_at: 2_048,
            watch_at: 10_000,
            watch_wait_ms,
            rebuild_waiting: MOST_WAITING,
            merged_at_most: MERGED_AT_MOST,
        }
    }
}

/// How much of the work tree a refresh compares with the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every file's stamp: the rule, when no watcher vouches for the index.
    Every,
    /// Folders whose time moved, the `HEAD` tree diff and the paths given: enough when a
    /// running `docket watch` has folded every other change.
    Changed,
}
/// Stamps this close to now are not trusted: the file may change again within the same tick.
const RACY_NS: u64 = 2_000_000_000;
/// How many documents a rebuild hands tantivy's indexing threads at a time: one channel
/// message per document costs more in wake-ups than the indexing threads gain (a batch of 4
/// made a rebuild of a million records three times slower).
const BATCH: usize = 256;

/// How many documents a rebuild lets wait for tantivy's indexing threads (a reader sends its
/// batch once fewer wait, so a batch a reader more at most). Its queue holds up to 10,000
/// messages, each a batch, so when reading outpaces indexing (a large vocabulary makes
/// indexing slower) nearly the whole tracker could wait in memory: 1.5 GiB at a million records.
const MOST_WAITING: usize = 8_192;

/// A document of a rebuild, counted from when its batch is sent until tantivy's indexing thread
/// is done with it and drops it.
struct Queued {
    doc: TantivyDocument,
    waiting: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for Queued {
    fn drop(&mut self) {
        // Saturating: a document dropped before it was sent (a reader's panic) was never
        // counted, and must not make the count wrap around and hold the others forever.
        let _ = self.waiting.fetch_update(
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
            |n| Some(n.saturating_sub(1)),
        );
    }
}

impl tantivy::Document for Queued {
    type Value<'a> = <TantivyDocument as tantivy::Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as tantivy::Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }

    fn into_tantivy_document(mut self) -> TantivyDocument {
        std::mem::replace(&mut self.doc, TantivyDocument::new())
    }
}

/// The memory each indexing thread of a rebuild fills before writing a segment. Writing one
/// out takes about as much again for a moment; with two threads, a rebuild of a million records
/// peaked at 1.0 GiB with 200 MB each.
const REBUILD_BUDGET: usize = 100_000_000;
/// An ordinary commit (a search's, the watcher's) merges segments of at most this many
/// documents, and nothing larger. A rebuild writes its documents in segments of about 120,000
/// at a million records; with tantivy's default policy the first commit after it merged eight
/// of them while the command waited (a search after 70 edits at a million records: 9.1 s, of
/// which 5 s the merge). Small commits' segments are still merged among themselves, at most
/// eight times this many documents at once.
const MERGED_AT_MOST: usize = 20_000;

/// Why the index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the search index at {path} cannot be used: {message}")]
    Tantivy { path: PathBuf, message: String },
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What the index's last commit reflects, stored as the commit's payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    version: u32,
    /// The tracker's folder in the repository, to tell two trackers' indexes apart.
    prefix: String,
    /// The `HEAD` tree the work tree was compared with.
    tree: Option<String>,
    /// Record folders (relative to the tracker root) and their modification times (ns).
    dirs: BTreeMap<String, u64>,
}

/// How to order search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Created,
    Updated,
    Weight,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub path: String,
    pub id: String,
    pub kind: String,
    /// The git blob id of the text the result was found in.
    pub blob: String,
    /// The relevance score (0 when results are ordered by a field).
    pub score: f32,
    /// The value results are ordered by, exactly (`created`, `updated` in seconds; `weight`);
    /// `None` for relevance, or when the record has no such value.
    pub key: Option<i64>,
}

/// The results of a search.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// How many records match in all.
    pub total: usize,
    /// Whether the index was being written by another process (results are still fresh).
    pub busy: bool,
}

/// What bringing the index up to date did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    /// Files re-read (relative to the tracker root).
    pub updated: Vec<String>,
    /// Files gone from the work tree.
    pub removed: Vec<String>,
    /// Whether the whole index was rebuilt.
    pub rebuilt: bool,
    /// Whether the changes were committed to the index (else they live in memory for one search).
    pub committed: bool,
    /// Whether another process held the writer, so nothing could be committed.
    pub busy: bool,
    /// Whether a running `docket watch` did not answer in time, so every stamp was compared.
    pub watcher_silent: bool,
}

/// The index's status, for `docket index`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub path: PathBuf,
    pub documents: u64,
    pub tree: Option<String>,
    pub folders: usize,
    pub bytes: u64,
    pub schema_version: u32,
    /// Whether a running `docket watch` vouches for the index (searches then compare only
    /// what it was told of).
    pub watched: bool,
}

/// Changes found in the work tree since the last commit of the index.
#[derive(Default)]
struct Delta {
    updated: Vec<(String, String, Stamp)>,
    removed: Vec<String>,
    dirs: BTreeMap<String, u64>,
    tree: Option<String>,
    /// How many files settled folders whose time moved hold: the work of reading them anew,
    /// which the next search repeats unless the changes are committed.
    rescanned: usize,
}

impl Delta {
    /// Reads the file at `path` again unless its `stamp` is the settled one it was indexed
    /// with (`old`) and it need not be read again whatever its stamp (`reread`: git changed
    /// it); a file with no stamp (gone, or not a file) is removed if it was indexed.
    fn judge(
        &mut self,
        root: &Path,
        path: String,
        (stamp, old): (Option<Stamp>, Option<Stamp>),
        reread: bool,
        now: u64,
    ) -> Result<(), IndexError> {
        match stamp {
            Some(stamp) if !reread && old.is_some_and(|old| old == stamp && stamp.mtime != 0) => {}
            Some(_) => {
                let absolute = root.join(&path);
                let (text, stamp) =
                    read_stamped(&absolute, now).map_err(|source| IndexError::Io { path: absolute.clone(), source })?;
                self.updated.push((path, text, stamp));
            }
            None if old.is_some() => self.removed.push(path),
            None => {}
        }
        Ok(())
    }

    /// What a refresh that found this delta reports, before it commits anything.
    fn report(&self) -> Refresh {
        Refresh {
            updated: self.updated.iter().map(|(path, _, _)| path.clone()).collect(),
            removed: self.removed.clone(),
            ..Refresh::default()
        }
    }
}

/// An open index of one tracker.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    schema: Schema,
    path: PathBuf,
    prefix: String,
    /// Changed files indexed in memory for this process.
    overlay: Option<(Index, Vec<String>)>,
    limits: Limits,
}

fn tantivy_error(path: &Path) -> impl Fn(tantivy::TantivyError) -> IndexError + '_ {
    move |error| IndexError::Tantivy { path: path.to_path_buf(), message: error.to_string() }
}

fn register(index: &Index) {
    index.tokenizers().register(KEYWORD, document::keyword_analyzer());
    index.tokenizers().register(document::TEXT, document::text_analyzer());
}

/// A path's stamp, or none when it does not exist.
/// The stamp of the regular file at `path`; `None` for no file, and for a link, a folder or a
/// FIFO, which are never records (see [`crate::entry`]).
fn stamp_of(path: &Path, now_ns: u64) -> Option<Stamp> {
    file_stamp(fs::symlink_metadata(path), now_ns)
}

/// The stamp of what `metadata` (not following a link) describes: only a file has one.
fn file_stamp(metadata: std::io::Result<fs::Metadata>, now_ns: u64) -> Option<Stamp> {
    metadata.ok().filter(fs::Metadata::is_file).map(|metadata| stamp_from(&metadata, now_ns))
}

fn stamp_from(metadata: &fs::Metadata, now_ns: u64) -> Stamp {
    let mtime = mtime_ns(metadata);
    Stamp { mtime: if now_ns.saturating_sub(mtime) < RACY_NS { 0 } else { mtime }, size: metadata.len() }
}

/// A file's text and stamp, from one open.
fn read_stamped(path: &Path, now_ns: u64) -> std::io::Result<(String, Stamp)> {
    use std::io::Read;
    let mut file = crate::tracker::open_regular(path)?;
    let metadata = file.metadata()?;
    let stamp = stamp_from(&metadata, now_ns);
    // A settled file is read in one call of the size just looked up (`read_to_end` alone would
    // look the size up again and read once more to find the end: four system calls a file
    // instead of seven); one that may still be changing is read on to its end.
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    (&mut file).take(metadata.len()).read_to_end(&mut bytes)?;
    if stamp.mtime == 0 {
        file.read_to_end(&mut bytes)?;
    }
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok((text, stamp))
}

fn mtime_ns(metadata: &fs::Metadata) -> u64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl SearchIndex {
    /// Opens the index of `tracker`, creating it (empty) when missing or of another schema.
    pub fn open(tracker: &Tracker) -> Result<Self, IndexError> {
        let derived = Derived::of(&tracker.repo, &tracker.prefix);
        let path = derived.index();
        let (schema, fields) = document::schema();
        let io = |source| IndexError::Io { path: path.clone(), source };
        // Opening, creating and wiping happen one process at a time, so that one process never
        // wipes an index another is creating. (Writing is serialised by tantivy's own lock.)
        // The folder is made under the lock: made before it, it could race with another
        // process wiping a foreign index (`remove_dir_all` under way makes `mkdir` fail).
        let guard = derived::lock_file(&derived.index_lock()).map_err(io)?;
        guard.lock().map_err(io)?;
        derived::folder(&path).map_err(io)?;
        let existing = Index::open_in_dir(&path).ok().filter(|index| {
            let state =
                index.load_metas().ok().and_then(|m| m.payload).and_then(|p| serde_json::from_str::<State>(&p).ok());
            // An empty, never-committed index is fine too; another schema is rebuilt.
            index.schema() == schema && state.is_none_or(|s| s.version == SCHEMA_VERSION)
        });
        let index = match existing {
            Some(index) => index,
            None => {
                // Derived data: wipe and start again.
                let _ = fs::remove_dir_all(&path);
                derived::folder(&path).map_err(|source| IndexError::Io { path: path.clone(), source })?;
                Index::create_in_dir(&path, schema.clone()).map_err(tantivy_error(&path))?
            }
        };
        drop(guard);
        register(&index);
        let reader =
            index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(tantivy_error(&path))?;
        Ok(Self {
            index,
            reader,
            fields,
            schema,
            path,
            prefix: tracker.prefix.clone(),
            overlay: None,
            limits: Limits::default(),
        })
    }

    /// How many records the index holds.
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether a search should start `docket watch` in the background: the tracker holds more
    /// than [`Limits::watch_at`] records, its `docket.toml` allows it, and none runs.
    pub fn wants_watcher(&self, tracker: &Tracker) -> bool {
        tracker.config().index_watch && self.documents() > self.limits.watch_at as u64 && !watch::running(tracker)
    }

    /// The same index, working with other [`Limits`].
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    fn state(&self) -> Option<State> {
        let payload = self.index.load_metas().ok()?.payload?;
        serde_json::from_str(&payload).ok().filter(|s: &State| s.version == SCHEMA_VERSION && s.prefix == self.prefix)
    }

    /// The stamps of the indexed files under `dir` (or of all files).
    fn indexed(&self, searcher: &Searcher, dir: Option<&str>) -> Result<HashMap<String, Stamp>, IndexError> {
        let Some(dir) = dir else { return self.all_stamps(searcher) };
        let query: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_text(self.fields.dir, &dir.to_lowercase()),
            IndexRecordOption::Basic,
        ));
        let addresses = searcher.search(&query, &DocSetCollector).map_err(tantivy_error(&self.path))?;
        let mut stamps = HashMap::new();
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(tantivy_error(&self.path))?;
            let text = |f| doc.get_first(f).and_then(|v| v.as_str()).map(str::to_owned);
            let number = |f| doc.get_first(f).and_then(|v| v.as_u64()).unwrap_or(0);
            if let Some(path) = text(self.fields.path) {
                stamps.insert(path, Stamp { mtime: number(self.fields.mtime), size: number(self.fields.size) });
            }
        }
        Ok(stamps)
    }

    /// The stamps of the indexed files at `paths` (those that are indexed).
    fn indexed_paths(&self, searcher: &Searcher, paths: &[String]) -> Result<HashMap<String, Stamp>, IndexError> {
        let error = tantivy_error(&self.path);
        let mut stamps = HashMap::new();
        for path in paths {
            let query =
                TermQuery::new(Term::from_field_text(self.fields.path, &path.to_lowercase()), IndexRecordOption::Basic);
            for address in searcher.search(&query, &DocSetCollector).map_err(&error)? {
                let doc: TantivyDocument = searcher.doc(address).map_err(&error)?;
                let number = |f| doc.get_first(f).and_then(|v| v.as_u64()).unwrap_or(0);
                if doc.get_first(self.fields.path).and_then(|v| v.as_str()) == Some(path.as_str()) {
                    stamps.insert(
                        path.clone(),
                        Stamp { mtime: number(self.fields.mtime), size: number(self.fields.size) },
                    );
                }
            }
        }
        Ok(stamps)
    }

    /// The stamps of every indexed file, from the fast columns (a stored document read per
    /// file would cost more than comparing the stamps). Each document's stamp is put under its
    /// path's number in the column's dictionary, then the dictionary is read once, in order:
    /// looking each path up by its number decoded part of a block every time (at a million
    /// records, a fifth of a search that compared every stamp).
    fn all_stamps(&self, searcher: &Searcher) -> Result<HashMap<String, Stamp>, IndexError> {
        let error = tantivy_error(&self.path);
        let mut stamps = HashMap::with_capacity(usize::try_from(searcher.num_docs()).unwrap_or(0));
        for segment in searcher.segment_readers() {
            let columns = segment.fast_fields();
            let Some(paths) = columns.str("path").map_err(&error)? else { continue };
            let (mtimes, sizes) = (columns.u64("mtime").map_err(&error)?, columns.u64("size").map_err(&error)?);
            let mut by_number: Vec<Option<Stamp>> = vec![None; paths.num_terms()];
            for doc in segment.doc_ids_alive() {
                let Some(number) = paths.term_ords(doc).next() else { continue };
                if let Some(slot) = usize::try_from(number).ok().and_then(|n| by_number.get_mut(n)) {
                    *slot = Some(Stamp { mtime: mtimes.first(doc).unwrap_or(0), size: sizes.first(doc).unwrap_or(0) });
                }
            }
            let mut terms = paths.dictionary().stream().map_err(|e| error(e.into()))?;
            while terms.advance() {
                let stamp = usize::try_from(terms.term_ord()).ok().and_then(|n| by_number.get(n).copied().flatten());
                if let (Some(stamp), Ok(path)) = (stamp, std::str::from_utf8(terms.key())) {
                    stamps.insert(path.to_owned(), stamp);
                }
            }
        }
        Ok(stamps)
    }

    /// Every record folder of the tracker and its modification time.
    fn folders(tracker: &Tracker, now: u64) -> BTreeMap<String, u64> {
        let mut dirs = BTreeMap::new();
        for kind in Kind::ALL {
            let top = tracker.root.join(kind.folder());
            let Ok(metadata) = fs::metadata(&top) else { continue };
            let stamp = |m: &fs::Metadata| {
                let t = mtime_ns(m);
                if now.saturating_sub(t) < RACY_NS { 0 } else { t }
            };
            dirs.insert(kind.folder().to_owned(), stamp(&metadata));
            let Ok(entries) = fs::read_dir(&top) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.len() == 2
                    && crate::id::validate(&name).is_ok()
                    && let Some(metadata) = entry.metadata().ok().filter(fs::Metadata::is_dir)
                {
                    dirs.insert(format!("{}/{name}", kind.folder()), stamp(&metadata));
                }
            }
        }
        dirs
    }

    /// What changed in the work tree since the index's last commit, looking at `scope` and at
    /// `paths` (relative to the tracker root), which a watcher saw change.
    fn delta(&self, tracker: &Tracker, state: &State, scope: Scope, paths: &[String]) -> Result<Delta, IndexError> {
        let now = now_ns();
        let searcher = self.reader.searcher();
        let mut delta = Delta { dirs: Self::folders(tracker, now), tree: tracker.repo.head_tree(), ..Delta::default() };
        // Files looked at by their path, whatever their folder: those given, those of folders
        // that disappeared, those git changed, and indexed files no listed folder holds.
        let mut candidates: Vec<String> = paths.to_vec();
        let mut known: HashMap<String, Stamp> = self.indexed_paths(&searcher, paths)?;
        let sweep = scope == Scope::Every;
        if sweep {
            known = self.indexed(&searcher, None)?;
        }
        // The folders listed: every one in a sweep, else those whose time moved.
        let mut listing = Vec::new();
        for (dir, mtime) in &delta.dirs {
            let unchanged = state.dirs.get(dir).is_some_and(|old| *old == *mtime && *mtime != 0);
            if unchanged && !sweep {
                continue;
            }
            if !sweep {
                known.extend(self.indexed(&searcher, Some(dir))?);
            }
            listing.push((dir.clone(), !unchanged && *mtime != 0));
        }
        // Folders that disappeared take their files with them.
        for dir in state.dirs.keys().filter(|d| !delta.dirs.contains_key(*d)) {
            known.extend(self.indexed(&searcher, Some(dir))?);
            let prefix = format!("{dir}/");
            candidates.extend(known.keys().filter(|p| p.starts_with(&prefix)).cloned());
        }
        // What git says changed between the tree the index saw and HEAD: read again whatever
        // their stamps say (a checkout can leave a file's size, and its time, as they were).
        let mut from_git = std::collections::BTreeSet::new();
        if state.tree != delta.tree {
            let folders: Vec<String> = Kind::ALL.iter().map(|k| format!("{}{}/", self.prefix, k.folder())).collect();
            for change in tracker.repo.tree_changes(state.tree.as_deref(), delta.tree.as_deref(), &folders)? {
                if let Some(path) = change.path.strip_prefix(&self.prefix) {
                    if !known.contains_key(path) {
                        known.extend(self.indexed_paths(&searcher, &[path.to_owned()])?);
                    }
                    candidates.push(path.to_owned());
                    from_git.insert(path.to_owned());
                }
            }
        }
        candidates.sort();
        candidates.dedup();
        // The listed folders' files, with stamps taken as they are listed.
        let folders: Vec<&str> = listing.iter().map(|(dir, _)| dir.as_str()).collect();
        let listed = Self::listed(&tracker.root, &folders, now);
        for ((_, settled), files) in listing.iter().zip(listed) {
            delta.rescanned += if *settled { files.len() } else { 0 };
            for (path, stamp) in files {
                if crate::check::record_at(&path).is_none() || candidates.binary_search(&path).is_ok() {
                    continue;
                }
                let old = known.remove(&path);
                delta.judge(&tracker.root, path, (stamp, old), false, now)?;
            }
        }
        // Indexed files no listed folder holds (in a listed folder: gone), looked at by path.
        candidates.extend(known.keys().cloned());
        candidates.sort();
        candidates.dedup();
        candidates.retain(|path| crate::check::record_at(path).is_some());
        let stamps = self.stamps(&tracker.root, &candidates, now);
        for (path, stamp) in candidates.into_iter().zip(stamps) {
            // A file git changed is read again whatever its stamp says.
            let (old, reread) = (known.get(&path).copied(), from_git.contains(&path));
            delta.judge(&tracker.root, path, (stamp, old), reread, now)?;
        }
        delta.updated.sort_by(|a, b| a.0.cmp(&b.0));
        delta.removed.sort();
        Ok(delta)
    }

    /// The `.toml` files of each of `folders` under `root` with their stamps, folder by folder
    /// (each file's stamp taken relative to its folder as it is listed: looking a million paths
    /// up from the root again cost a third of a search that compared every stamp), on all cores
    /// when there are several folders.
    fn listed(root: &Path, folders: &[&str], now: u64) -> Vec<Vec<(String, Option<Stamp>)>> {
        let list = |dir: &&str| {
            let Ok(entries) = fs::read_dir(root.join(dir)) else { return Vec::new() };
            entries
                .flatten()
                .filter_map(|entry| {
                    let name = entry.file_name();
                    let name = name.to_string_lossy();
                    // The entry's metadata does not follow a link, as `stamp_of`.
                    Path::new(name.as_ref())
                        .extension()
                        .is_some_and(|x| x == "toml")
                        .then(|| (format!("{dir}/{name}"), file_stamp(entry.metadata(), now)))
                })
                .collect()
        };
        if folders.len() < 2 || crate::cores::threads() == 1 {
            return folders.iter().map(list).collect();
        }
        crate::cores::map_chunks(folders, |chunk| chunk.iter().map(list).collect())
    }

    /// The stamps of `paths` under `root` (`None` for a path with no file), on all cores when
    /// there are many.
    fn stamps(&self, root: &Path, paths: &[String], now: u64) -> Vec<Option<Stamp>> {
        let stamp = |path: &String| stamp_of(&root.join(path), now);
        if paths.len() <= self.limits.parallel_at || crate::cores::threads() == 1 {
            return paths.iter().map(stamp).collect();
        }
        crate::cores::map_chunks(paths, |chunk| chunk.iter().map(stamp).collect())
    }

    /// Brings the index up to date with the work tree, comparing every file's stamp unless a
    /// running `docket watch` vouches for the index ([`watch::vouched`]). Few changes are kept in
    /// memory for this process's searches; more are committed (when the writer is free).
    pub fn refresh(
        &mut self,
        tracker: &Tracker,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Refresh, IndexError> {
        let Some(state) = self.state() else {
            let rebuilt = self.rebuild(tracker, progress)?;
            if !rebuilt.busy {
                return Ok(rebuilt);
            }
            // Another process is building the index: answer from memory, from every file.
            let delta = self.delta(tracker, &State::default(), Scope::Every, &[])?;
            self.overlay = Some(self.build_overlay(&delta)?);
            return Ok(Refresh { busy: true, ..delta.report() });
        };
        let wait = std::time::Duration::from_millis(u64::try_from(self.limits.watch_wait_ms).unwrap_or(u64::MAX));
        let answer = watch::vouched(tracker, wait);
        let delta = match &answer {
            watch::Answer::Vouched(pending) => self.delta(tracker, &state, Scope::Changed, pending)?,
            _ => self.delta(tracker, &state, Scope::Every, &[])?,
        };
        let mut refresh = Refresh { watcher_silent: answer == watch::Answer::Silent, ..delta.report() };
        let changed = delta.updated.len() + delta.removed.len();
        if changed == 0 {
            self.overlay = None;
            return Ok(refresh);
        }
        // Committed when there are many, or when finding them meant reading settled folders
        // of more files than a commit costs (a `git pull` that touched folders of a thousand
        // files each): the next search would read them again. Else they stay in memory.
        if changed > self.limits.fold_at || delta.rescanned > self.limits.rescan_at {
            match self.commit(&delta, progress) {
                Ok(()) => {
                    refresh.committed = true;
                    self.overlay = None;
                    return Ok(refresh);
                }
                Err(Busy) => refresh.busy = true,
            }
        }
        self.overlay = Some(self.build_overlay(&delta)?);
        Ok(refresh)
    }

    /// Commits what changed since the index's last commit in `scope` (for `docket index` and
    /// `watch`), looking also at `paths`, which a watcher saw change.
    pub fn fold(&mut self, tracker: &Tracker, scope: Scope, paths: &[String]) -> Result<Refresh, IndexError> {
        let Some(state) = self.state() else { return self.rebuild(tracker, &|_, _| {}) };
        let delta = self.delta(tracker, &state, scope, paths)?;
        let mut refresh = delta.report();
        // Commit even with no file changes when the folders' stamps or the tree moved, so the
        // next search has less to compare.
        if refresh.updated.is_empty()
            && refresh.removed.is_empty()
            && state.dirs == delta.dirs
            && state.tree == delta.tree
        {
            return Ok(refresh);
        }
        match self.commit(&delta, &|_, _| {}) {
            Ok(()) => refresh.committed = true,
            Err(Busy) => refresh.busy = true,
        }
        self.overlay = None;
        Ok(refresh)
    }

    /// A writer with `budget` bytes of memory per thread: small for a few documents, large
    /// for a rebuild (fewer, larger segments to flush and merge).
    fn writer<D: tantivy::Document>(&self, threads: usize, budget: usize) -> Result<IndexWriter<D>, Busy> {
        // Another process holding the lock is the only failure worth waiting out; any other
        // error shows up again when the process that holds it commits.
        self.index.writer_with_num_threads(threads, budget * threads).map_err(|_| Busy)
    }

    fn commit(&mut self, delta: &Delta, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<(), Busy> {
        let mut writer: IndexWriter = self.writer(1, 20_000_000)?;
        let mut policy = tantivy::indexer::LogMergePolicy::default();
        policy.set_max_docs_before_merge(self.limits.merged_at_most);
        writer.set_merge_policy(Box::new(policy));
        let total = delta.updated.len();
        for path in delta.removed.iter().chain(delta.updated.iter().map(|(p, _, _)| p)) {
            writer.delete_term(Term::from_field_text(self.fields.path, &path.to_lowercase()));
        }
        for (done, (path, text, stamp)) in delta.updated.iter().enumerate() {
            writer.add_document(document::build(&self.fields, path, text, *stamp, None)).map_err(|_| Busy)?;
            progress(done + 1, total);
        }
        let state = State {
            version: SCHEMA_VERSION,
            prefix: self.prefix.clone(),
            tree: delta.tree.clone(),
            dirs: delta.dirs.clone(),
        };
        let mut prepared = writer.prepare_commit().map_err(|_| Busy)?;
        prepared.set_payload(&serde_json::to_string(&state).expect("the state serialises"));
        prepared.commit().map_err(|_| Busy)?;
        // Small commits add small segments; let the merges they start finish (tens of
        // milliseconds, every eighth commit or so), or short processes would leave them piling up.
        let _ = writer.wait_merging_threads();
        let _ = self.reader.reload();
        Ok(())
    }

    fn build_overlay(&self, delta: &Delta) -> Result<(Index, Vec<String>), IndexError> {
        // One segment in memory, written without threads: a few documents cost a millisecond.
        let tokenizers = tantivy::tokenizer::TokenizerManager::default();
        tokenizers.register(KEYWORD, document::keyword_analyzer());
        tokenizers.register(document::TEXT, document::text_analyzer());
        let mut writer = Index::builder()
            .schema(self.schema.clone())
            .tokenizers(tokenizers)
            .single_segment_index_writer(tantivy::directory::RamDirectory::create(), 4_000_000)
            .map_err(tantivy_error(&self.path))?;
        for (path, text, stamp) in &delta.updated {
            writer
                .add_document(document::build(&self.fields, path, text, *stamp, None))
                .map_err(tantivy_error(&self.path))?;
        }
        let overlay = writer.finalize().map_err(tantivy_error(&self.path))?;
        register(&overlay);
        let shadowed = delta.updated.iter().map(|(p, _, _)| p.clone()).chain(delta.removed.iter().cloned()).collect();
        Ok((overlay, shadowed))
    }

    /// Reads every record file again and replaces the index's content with it, in one commit.
    /// Each indexing thread writes a segment out whenever its documents take [`REBUILD_BUDGET`]
    /// of memory, so the peak does not follow the tracker's size or its vocabulary.
    pub fn rebuild(
        &mut self,
        tracker: &Tracker,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Refresh, IndexError> {
        let now = now_ns();
        // Git has hashed every committed, unchanged file already: a file whose stamp matches
        // its entry in git's index takes the blob id from there. Read while the folders are listed.
        let (index_file, prefix) = (tracker.repo.index_file(), tracker.prefix.clone());
        let (staged, files) = std::thread::scope(|scope| {
            let staged = scope.spawn(move || Repo::staged_blob_ids(&index_file, &prefix));
            let files = tracker.record_files();
            (staged.join().expect("reading git's index does not panic"), files)
        });
        let (files, _) = files.map_err(|e| IndexError::Tantivy { path: self.path.clone(), message: e.to_string() })?;
        let threads = crate::cores::threads();
        let Ok(writer) = self.writer::<Queued>(threads, REBUILD_BUDGET) else {
            return Ok(Refresh { busy: true, ..Refresh::default() });
        };
        // Its segments are merged by no one: tantivy started merges of them in the background
        // that the end of the rebuild abandoned (at a million records the index was left in
        // nine segments either way, and the rebuild took a few percent longer), and finishing
        // them took 23 s.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        writer.delete_all_documents().map_err(tantivy_error(&self.path))?;
        let total = files.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let chunk = total.div_ceil(threads).max(1);
        let fields = self.fields;
        let root = &tracker.root;
        let (writer_ref, staged) = (&writer, &staged);
        let waiting = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let failures: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|chunk| {
                    let (done, waiting, most_waiting) = (&done, &waiting, self.limits.rebuild_waiting.max(1));
                    scope.spawn(move || {
                        let mut failures = Vec::new();
                        // Handed to the writer in batches: one channel message per document
                        // costs more in wake-ups than the indexing threads gain.
                        let mut batch = Vec::with_capacity(BATCH);
                        let flush = |batch: &mut Vec<_>, failures: &mut Vec<String>| {
                            let sent = batch.len();
                            // Counted when sent, so a reader never waits for what it holds.
                            while waiting.load(std::sync::atomic::Ordering::Relaxed) >= most_waiting {
                                std::thread::sleep(std::time::Duration::from_millis(1));
                            }
                            waiting.fetch_add(sent, std::sync::atomic::Ordering::Relaxed);
                            if let Err(error) = writer_ref.run(std::mem::take(batch)) {
                                failures.push(error.to_string());
                            }
                            let n = done.fetch_add(sent, std::sync::atomic::Ordering::Relaxed) + sent;
                            progress(n, total);
                        };
                        for file in chunk {
                            match read_stamped(&root.join(&file.path), now) {
                                Ok((text, stamp)) => {
                                    let blob = staged
                                        .get(&file.path)
                                        .filter(|(mtime, size, _)| *mtime == stamp.mtime && *size == stamp.size)
                                        .map(|(_, _, blob)| blob.as_str());
                                    let doc = document::build(&fields, &file.path, &text, stamp, blob);
                                    let doc = Queued { doc, waiting: std::sync::Arc::clone(waiting) };
                                    batch.push(tantivy::indexer::UserOperation::Add(doc));
                                }
                                Err(error) => failures.push(format!("cannot read {}: {error}", file.path)),
                            }
                            if batch.len() == BATCH {
                                flush(&mut batch, &mut failures);
                            }
                        }
                        flush(&mut batch, &mut failures);
                        failures
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().expect("an indexing thread does not panic")).collect()
        });
        if let Some(first) = failures.first() {
            return Err(IndexError::Tantivy { path: self.path.clone(), message: first.clone() });
        }
        let state = State {
            version: SCHEMA_VERSION,
            prefix: self.prefix.clone(),
            tree: tracker.repo.head_tree(),
            dirs: Self::folders(tracker, now),
        };
        let mut writer = writer;
        let mut prepared = writer.prepare_commit().map_err(tantivy_error(&self.path))?;
        prepared.set_payload(&serde_json::to_string(&state).expect("the state serialises"));
        prepared.commit().map_err(tantivy_error(&self.path))?;
        let _ = self.reader.reload();
        self.overlay = None;
        Ok(Refresh {
            updated: files.into_iter().map(|f| f.path).collect(),
            rebuilt: true,
            committed: true,
            ..Refresh::default()
        })
    }

    /// Runs `query` against the index and this process's overlay.
    pub fn search(&self, query: &str, sort: Sort, limit: Option<usize>) -> Result<Results, IndexError> {
        let expr = query::parse(query)?;
        self.search_expr(&expr, sort, limit)
    }

    /// Runs a parsed query.
    pub fn search_expr(&self, expr: &Expr, sort: Sort, limit: Option<usize>) -> Result<Results, IndexError> {
        let compiled = self.compiler()?.compile(expr)?;
        let searcher = self.reader.searcher();
        let main = self.main_query(compiled.as_ref());
        let mut results = Results::default();
        self.collect(&searcher, main.as_ref(), sort, limit, &mut results)?;
        if let Some((overlay, _)) = &self.overlay {
            let reader = overlay.reader().map_err(tantivy_error(&self.path))?;
            self.collect(&reader.searcher(), compiled.as_ref(), sort, limit, &mut results)?;
        }
        // Merge the index's results with the overlay's: by score, or by the exact key (records
        // without one last), then by id.
        match sort {
            Sort::Relevance => results.hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id))),
            _ => results.hits.sort_by(|a, b| b.key.cmp(&a.key).then_with(|| a.id.cmp(&b.id))),
        }
        if let Some(limit) = limit {
            results.hits.truncate(limit);
        }
        Ok(results)
    }

    /// The searchers to ask, each with the query to ask it: the committed index with
    /// `compiled` less what the overlay replaces, then the overlay with `compiled`.
    fn searchers(&self, compiled: &dyn Query) -> Result<Vec<Asked>, IndexError> {
        let mut searchers = vec![(self.reader.searcher(), self.main_query(compiled))];
        if let Some((overlay, _)) = &self.overlay {
            let reader = overlay.reader().map_err(tantivy_error(&self.path))?;
            searchers.push((reader.searcher(), compiled.box_clone()));
        }
        Ok(searchers)
    }

    /// How many records match `expr`.
    pub fn count(&self, expr: &Expr) -> Result<usize, IndexError> {
        let compiled = self.compiler()?.compile(expr)?;
        let mut total = 0;
        for (searcher, query) in self.searchers(compiled.as_ref())? {
            total += searcher.search(query.as_ref(), &Count).map_err(tantivy_error(&self.path))?;
        }
        Ok(total)
    }

    /// Every record matching `expr`, with its weight, creation time and dates from the fast
    /// fields: no stored document is read, so a million matches cost milliseconds.
    pub fn matching(&self, expr: &Expr) -> Result<Vec<Match>, IndexError> {
        let compiled = self.compiler()?.compile(expr)?;
        let mut matches = Vec::new();
        for (source, (searcher, query)) in self.searchers(compiled.as_ref())?.into_iter().enumerate() {
            let found = searcher.search(query.as_ref(), &FastValues).map_err(tantivy_error(&self.path))?;
            matches.extend(found.into_iter().map(|(address, [weight, created, start, end])| Match {
                weight,
                rice: None,
                created,
                start,
                end,
                overlay: source == 1,
                address,
            }));
        }
        Ok(matches)
    }

    /// The `n` records matching `expr` that come first by weight (smallest first, none last),
    /// then RICE score (highest first, none last), then creation time (oldest first, none
    /// first), in that order, and how many match in all. Only `n` matches are kept while the
    /// rest are counted, so a million matches cost a pass over three fast fields.
    pub fn first_by_weight_rice_and_age(&self, expr: &Expr, n: usize) -> Result<(Vec<Match>, usize), IndexError> {
        let compiled = self.compiler()?.compile(expr)?;
        let mut first = Vec::new();
        let mut total = 0;
        for (source, (searcher, query)) in self.searchers(compiled.as_ref())?.into_iter().enumerate() {
            let (found, count) = searcher.search(query.as_ref(), &Lightest(n)).map_err(tantivy_error(&self.path))?;
            total += count;
            first.extend(found.into_iter().map(|(_, address, [weight, rice, created])| Match {
                weight,
                rice,
                created,
                start: None,
                end: None,
                overlay: source == 1,
                address,
            }));
        }
        first.sort_by_key(weight_rice_and_age);
        first.truncate(n);
        Ok((first, total))
    }

    /// The path, id and kind of each match (its `score` is 0).
    pub fn hits_of(&self, matches: &[Match]) -> Result<Vec<Hit>, IndexError> {
        let searchers = self.searchers(&tantivy::query::AllQuery)?;
        matches
            .iter()
            .map(|m| {
                let searcher = &searchers[usize::from(m.overlay)].0;
                let doc: TantivyDocument = searcher.doc(m.address).map_err(tantivy_error(&self.path))?;
                let text = |f| doc.get_first(f).and_then(|v| v.as_str()).unwrap_or("").to_owned();
                Ok(Hit {
                    path: text(self.fields.path),
                    id: text(self.fields.id),
                    kind: text(self.fields.kind),
                    blob: text(self.fields.blob),
                    score: 0.0,
                    key: None,
                })
            })
            .collect()
    }

    /// Every value a keyword field holds in the index (lowercased, as indexed).
    pub fn values(&self, field: &str) -> Result<std::collections::BTreeSet<String>, IndexError> {
        let error = tantivy_error(&self.path);
        let field = self.schema.get_field(field).map_err(&error)?;
        let mut values = std::collections::BTreeSet::new();
        for (searcher, _) in self.searchers(&tantivy::query::AllQuery)? {
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(field).map_err(&error)?;
                let mut terms = inverted.terms().stream().map_err(|e| error(e.into()))?;
                while terms.advance() {
                    values.insert(String::from_utf8_lossy(terms.key()).into_owned());
                }
            }
        }
        Ok(values)
    }

    /// `compiled` against the committed index, less what this process's overlay replaces or
    /// removes.
    fn main_query(&self, compiled: &dyn Query) -> Box<dyn Query> {
        match &self.overlay {
            Some((_, shadowed)) if !shadowed.is_empty() => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, compiled.box_clone())];
                for path in shadowed {
                    clauses.push((
                        Occur::MustNot,
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.fields.path, &path.to_lowercase()),
                            IndexRecordOption::Basic,
                        )),
                    ));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            _ => compiled.box_clone(),
        }
    }

    fn collect(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        sort: Sort,
        limit: Option<usize>,
        results: &mut Results,
    ) -> Result<(), IndexError> {
        let error = tantivy_error(&self.path);
        let total = searcher.search(query, &Count).map_err(&error)?;
        results.total += total;
        let wanted = limit.unwrap_or(total).min(total);
        if wanted == 0 {
            return Ok(());
        }
        let top = TopDocs::with_limit(wanted);
        let addresses: Vec<(f32, Option<i64>, DocAddress)> = match sort {
            Sort::Relevance => searcher
                .search(query, &top.order_by_score())
                .map_err(&error)?
                .into_iter()
                .map(|(score, address)| (score, None, address))
                .collect(),
            other => {
                let field = match other {
                    Sort::Created => "created",
                    Sort::Updated => "updated",
                    _ => "weight",
                };
                // The key is kept as the exact i64 (seconds): an f32 holds only 24 bits, so
                // dates a minute or two apart would compare equal.
                let found: Vec<(Option<i64>, DocAddress)> =
                    searcher.search(query, &top.order_by_fast_field::<i64>(field, Order::Desc)).map_err(&error)?;
                found.into_iter().map(|(key, address)| (0.0, key, address)).collect()
            }
        };
        for (score, key, address) in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(&error)?;
            let text = |f| doc.get_first(f).and_then(|v| v.as_str()).unwrap_or("").to_owned();
            results.hits.push(Hit {
                path: text(self.fields.path),
                id: text(self.fields.id),
                kind: text(self.fields.kind),
                blob: text(self.fields.blob),
                score,
                key,
            });
        }
        Ok(())
    }

    fn compiler(&self) -> Result<Compiler<'_>, IndexError> {
        let text = self.index.tokenizer_for_field(self.fields.title).map_err(tantivy_error(&self.path))?;
        Ok(Compiler { fields: &self.fields, schema: &self.schema, text, keyword: document::keyword_analyzer() })
    }

    /// A snippet of `text` around the words of `query`, with the byte ranges to highlight.
    pub fn snippet(&self, query: &str, text: &str) -> Option<(String, Vec<std::ops::Range<usize>>)> {
        let expr = query::parse(query).ok()?;
        let compiled = self.compiler().ok()?.compile(&expr).ok()?;
        let searcher = self.reader.searcher();
        let mut generator =
            tantivy::snippet::SnippetGenerator::create(&searcher, compiled.as_ref(), self.fields.description).ok()?;
        generator.set_max_num_chars(160);
        let snippet = generator.snippet(text);
        (!snippet.fragment().is_empty()).then(|| (snippet.fragment().to_owned(), snippet.highlighted().to_vec()))
    }

    /// The paths of indexed files that are not valid records.
    pub fn invalid_paths(&self) -> Result<Vec<String>, IndexError> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(Term::from_field_u64(self.fields.valid, 0), IndexRecordOption::Basic);
        let mut results = Results::default();
        self.collect(&searcher, &query, Sort::Relevance, None, &mut results)?;
        let mut paths: Vec<String> = results.hits.into_iter().map(|h| h.path).collect();
        if let Some((overlay, shadowed)) = &self.overlay {
            paths.retain(|p| !shadowed.contains(p));
            let mut more = Results::default();
            let reader = overlay.reader().map_err(tantivy_error(&self.path))?;
            self.collect(&reader.searcher(), &query, Sort::Relevance, None, &mut more)?;
            paths.extend(more.hits.into_iter().map(|h| h.path));
        }
        Ok(paths)
    }

    /// The index's status.
    pub fn status(&self, tracker: &Tracker) -> Status {
        let state = self.state().unwrap_or_default();
        let bytes = fs::read_dir(&self.path)
            .map_or(0, |entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum());
        Status {
            path: self.path.clone(),
            documents: self.reader.searcher().num_docs(),
            tree: state.tree,
            folders: state.dirs.len(),
            bytes,
            schema_version: SCHEMA_VERSION,
            watched: watch::running(tracker),
        }
    }
}

/// Another process holds the index's writer.
struct Busy;

/// A searcher and the query to ask it.
type Asked = (Searcher, Box<dyn Query>);

/// A record the index matched, with the fast fields that order records without reading
/// them (`docket next`, `docket plan`), and where it is: in the committed index or in this
/// process's overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    pub weight: Option<i64>,
    /// The RICE score's sort key ([`crate::model::Rice::order`]), when the issue has a score.
    pub rice: Option<i64>,
    pub created: Option<i64>,
    /// A milestone's dates.
    pub start: Option<i64>,
    pub end: Option<i64>,
    overlay: bool,
    address: DocAddress,
}

/// The fast fields a [`Match`] carries, in its order.
const MATCH_FIELDS: [&str; 4] = ["weight", "created", "start", "end"];

/// The order of [`SearchIndex::first_by_weight_rice_and_age`] (and `docket next`'s within a
/// priority): smallest weight first (none last), then the highest RICE score (none last), then
/// oldest (none first).
pub fn weight_rice_and_age(m: &Match) -> (u8, i64, i64) {
    (
        m.weight.and_then(|w| u8::try_from(w).ok()).unwrap_or(u8::MAX),
        m.rice.unwrap_or(i64::MAX),
        m.created.unwrap_or(i64::MIN),
    )
}

/// Keeps the `n` matching documents first by weight, RICE score and age, and counts them all.
struct Lightest(usize);

/// A kept document: its key, where it is, and its weight, RICE key and creation time.
type Light = ((u8, i64, i64), DocAddress, [Option<i64>; 3]);

struct SegmentLightest {
    segment: u32,
    n: usize,
    weight: Option<tantivy::columnar::Column<i64>>,
    rice: Option<tantivy::columnar::Column<i64>>,
    created: Option<tantivy::columnar::Column<i64>>,
    kept: std::collections::BinaryHeap<(u8, i64, i64, u32)>,
    count: usize,
}

impl tantivy::collector::Collector for Lightest {
    type Fruit = (Vec<Light>, usize);
    type Child = SegmentLightest;

    fn for_segment(&self, segment: u32, reader: &tantivy::SegmentReader) -> tantivy::Result<SegmentLightest> {
        let fast = reader.fast_fields();
        Ok(SegmentLightest {
            segment,
            n: self.0,
            weight: fast.i64("weight").ok(),
            rice: fast.i64("rice").ok(),
            created: fast.i64("created").ok(),
            kept: std::collections::BinaryHeap::with_capacity(self.0.saturating_add(1).min(1 << 16)),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(Vec<Light>, usize)>) -> tantivy::Result<(Vec<Light>, usize)> {
        let total = fruits.iter().map(|(_, count)| count).sum();
        let mut all: Vec<Light> = fruits.into_iter().flat_map(|(found, _)| found).collect();
        all.sort_by_key(|(key, address, _)| (*key, address.segment_ord, address.doc_id));
        all.truncate(self.0);
        Ok((all, total))
    }
}

impl tantivy::collector::SegmentCollector for SegmentLightest {
    type Fruit = (Vec<Light>, usize);

    fn collect(&mut self, doc: u32, _score: tantivy::Score) {
        self.count += 1;
        let weight = self.weight.as_ref().and_then(|c| c.first(doc));
        let rice = self.rice.as_ref().and_then(|c| c.first(doc));
        let created = self.created.as_ref().and_then(|c| c.first(doc));
        let key = weight_rice_and_age(&Match {
            weight,
            rice,
            created,
            start: None,
            end: None,
            overlay: false,
            address: DocAddress::new(0, doc),
        });
        if self.kept.len() == self.n && self.kept.peek().is_some_and(|top| *top <= (key.0, key.1, key.2, doc)) {
            return;
        }
        self.kept.push((key.0, key.1, key.2, doc));
        if self.kept.len() > self.n {
            self.kept.pop();
        }
    }

    fn harvest(self) -> (Vec<Light>, usize) {
        let segment = self.segment;
        // The key holds the values: a weight is at most 5, a RICE key at most 0, and no date is
        // the earliest time.
        let found = self
            .kept
            .into_iter()
            .map(|(weight, rice, created, doc)| {
                let values = [
                    (weight != u8::MAX).then_some(i64::from(weight)),
                    (rice != i64::MAX).then_some(rice),
                    (created != i64::MIN).then_some(created),
                ];
                ((weight, rice, created), DocAddress::new(segment, doc), values)
            })
            .collect();
        (found, self.count)
    }
}

/// Collects every matching document with its [`MATCH_FIELDS`].
struct FastValues;

type Found = (DocAddress, [Option<i64>; 4]);

struct SegmentFastValues {
    segment: u32,
    columns: Vec<Option<tantivy::columnar::Column<i64>>>,
    found: Vec<Found>,
}

impl tantivy::collector::Collector for FastValues {
    type Fruit = Vec<Found>;
    type Child = SegmentFastValues;

    fn for_segment(&self, segment: u32, reader: &tantivy::SegmentReader) -> tantivy::Result<SegmentFastValues> {
        let fast = reader.fast_fields();
        Ok(SegmentFastValues {
            segment,
            columns: MATCH_FIELDS.iter().map(|field| fast.i64(field).ok()).collect(),
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Found>>) -> tantivy::Result<Vec<Found>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl tantivy::collector::SegmentCollector for SegmentFastValues {
    type Fruit = Vec<Found>;

    fn collect(&mut self, doc: u32, _score: tantivy::Score) {
        let value = |i: usize| self.columns[i].as_ref().and_then(|c| c.first(doc));
        let values = [value(0), value(1), value(2), value(3)];
        self.found.push((DocAddress::new(self.segment, doc), values));
    }

    fn harvest(self) -> Vec<Found> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tracker::in_fresh_repository as tracker;

    /// A stamp is trusted only once the file is [`RACY_NS`] old: younger, it may still change
    /// within the clock's resolution, and is read again every time. Both sides of the limit.
    #[test]
    fn a_stamp_is_trusted_from_the_racy_limit_on() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("r.toml");
        fs::write(&path, "title = \"x\"\n").expect("write");
        let metadata = fs::metadata(&path).expect("stat");
        let mtime = mtime_ns(&metadata);
        assert!(mtime > 0);
        assert_eq!(stamp_from(&metadata, mtime + RACY_NS - 1), Stamp { mtime: 0, size: 12 }, "just inside");
        assert_eq!(stamp_from(&metadata, mtime + RACY_NS), Stamp { mtime, size: 12 }, "at the limit");
        assert_eq!(stamp_of(&path, mtime + RACY_NS), Some(Stamp { mtime, size: 12 }));
        assert_eq!(stamp_of(dir.path(), mtime + RACY_NS), None, "a folder is no record");
        let (text, stamp) = read_stamped(&path, mtime).expect("read");
        assert_eq!((text.as_str(), stamp), ("title = \"x\"\n", Stamp { mtime: 0, size: 12 }));
    }

    /// A record folder's time is trusted only once it is [`RACY_NS`] old, as a file's stamp:
    /// younger, a second change within the clock's resolution would leave it as it was, so
    /// the folder is recorded as 0 and looked into every time. Both sides of the limit.
    #[test]
    fn a_folder_time_is_trusted_from_the_racy_limit_on() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        fs::create_dir_all(dir.path().join("issues/k3")).expect("a shard folder");
        let mtime = |path: &str| mtime_ns(&fs::metadata(dir.path().join(path)).expect("stat"));
        let (issues, shard) = (mtime("issues"), mtime("issues/k3"));
        let newest = issues.max(shard);
        let young = SearchIndex::folders(&tracker, newest + RACY_NS - 1);
        assert_eq!(young.get("issues/k3"), Some(&if shard == newest { 0 } else { shard }));
        assert_eq!(young.get("issues"), Some(&if issues == newest { 0 } else { issues }));
        let settled = SearchIndex::folders(&tracker, newest + RACY_NS);
        assert_eq!(settled.get("issues"), Some(&issues));
        assert_eq!(settled.get("issues/k3"), Some(&shard));
        assert_eq!(settled.get("milestones").copied(), Some(mtime("milestones")));
    }

    /// The index keeps the `n` records first by weight (none last), then RICE score (highest
    /// first, none last), then age (oldest first), and counts every match; `count` agrees.
    /// Both hold with this process's in-memory changes, which replace what the index has.
    #[test]
    fn the_first_by_weight_rice_and_age_are_kept_and_every_match_counted() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        let write = |id: &str, extra: &str| {
            let text = format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"triage\"\n{extra}");
            fs::write(dir.path().join(format!("issues/{id}.toml")), text).expect("write");
        };
        let rice = |reach: u32| format!("[rice]\nreach = {reach}\nimpact = 1\nconfidence = 1.0\neffort = 1\n");
        write("aaaa01", "weight = 1\ncreated = 2026-01-03T00:00:00Z\n");
        write("aaaa02", &format!("weight = 1\ncreated = 2026-01-05T00:00:00Z\n{}", rice(100)));
        write("aaaa03", &format!("weight = 1\ncreated = 2026-01-09T00:00:00Z\n{}", rice(400)));
        write("aaaa04", &format!("weight = 2\ncreated = 2026-01-01T00:00:00Z\n{}", rice(1000)));
        write("aaaa05", "created = 2026-01-01T00:00:00Z\n");
        write("aaaa06", &format!("weight = 1\ncreated = 2026-01-02T00:00:00Z\n{}", rice(100)));
        let mut index = SearchIndex::open(&tracker).expect("open");
        let built = index.refresh(&tracker, &|_, _| {}).expect("refresh");
        assert!(built.rebuilt && built.committed && !built.busy, "{built:?}");
        assert_eq!(built.updated.len(), 6);
        let all = Expr::And(vec![]);
        let first = |index: &SearchIndex, n: usize| {
            let (first, total) = index.first_by_weight_rice_and_age(&all, n).expect("first");
            let ids: Vec<String> = index.hits_of(&first).expect("hits").into_iter().map(|hit| hit.id).collect();
            (ids, total)
        };
        assert_eq!(first(&index, 3), (vec!["aaaa03".into(), "aaaa06".into(), "aaaa02".into()], 6));
        let order = ["aaaa03", "aaaa06", "aaaa02", "aaaa01", "aaaa04", "aaaa05"];
        assert_eq!(first(&index, 10), (order.map(String::from).to_vec(), 6));
        assert_eq!(index.count(&all).expect("count"), 6);
        // Two changes, kept in memory: the last comes first, and one is gone.
        write("aaaa05", &format!("weight = 1\ncreated = 2026-01-01T00:00:00Z\n{}", rice(2000)));
        fs::remove_file(dir.path().join("issues/aaaa01.toml")).expect("remove");
        let refresh = index.refresh(&tracker, &|_, _| {}).expect("refresh");
        assert!(!refresh.committed && !refresh.rebuilt, "kept in memory: {refresh:?}");
        assert!(refresh.updated.contains(&"issues/aaaa05.toml".to_owned()), "{refresh:?}");
        assert_eq!(refresh.removed, ["issues/aaaa01.toml"]);
        assert_eq!(first(&index, 2), (vec!["aaaa05".into(), "aaaa03".into()], 5));
        assert_eq!(index.count(&all).expect("count"), 5);
    }

    /// A sweep lists each folder and takes its files' stamps there: a file edited, added,
    /// removed, replaced by a link or by a folder, left alone, in the top folder and in a shard
    /// folder, each found as it is; the stamps read back from the index's columns are the
    /// files' own, over two segments; and indexed files no listed folder holds (a shard folder
    /// gone, with no folder times to say so) are found removed.
    #[test]
    fn a_sweep_finds_each_change_in_each_folder() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        fs::create_dir_all(dir.path().join("issues/k3")).expect("a shard folder");
        let text = |id: &str| format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"triage\"\n");
        let path = |name: &str| dir.path().join(name);
        // Settled: written ten seconds ago, so their stamps are trusted.
        let settle = |name: &str| {
            let past = std::time::SystemTime::now() - std::time::Duration::from_secs(10);
            fs::File::options().write(true).open(path(name)).expect("open").set_modified(past).expect("set time");
        };
        let names = [
            "issues/aaaa01.toml",
            "issues/aaaa02.toml",
            "issues/aaaa03.toml",
            "issues/aaaa04.toml",
            "issues/aaaa05.toml",
            "issues/k3/k3aaa1.toml",
            "issues/k3/k3aaa2.toml",
        ];
        for name in names {
            let id = name.rsplit('/').next().and_then(|n| n.strip_suffix(".toml")).expect("an id");
            fs::write(path(name), text(id)).expect("write");
            settle(name);
        }
        let mut index = SearchIndex::open(&tracker).expect("open");
        assert!(index.refresh(&tracker, &|_, _| {}).expect("build").rebuilt);
        let state = index.state().expect("a state");
        let sweep_with = |index: &SearchIndex, state: &State, paths: &[String]| {
            let delta = index.delta(&tracker, state, Scope::Every, paths).expect("delta");
            let updated: Vec<String> = delta.updated.iter().map(|(p, _, _)| p.clone()).collect();
            (updated, delta.removed, delta.rescanned)
        };
        let sweep = |index: &SearchIndex, state: &State| {
            let (updated, removed, _) = sweep_with(index, state, &[]);
            (updated, removed)
        };
        // A file named as no record is never read.
        fs::write(path("issues/Notes.toml"), "not = \"a record\"\n").expect("write");
        assert_eq!(sweep(&index, &state), (vec![], vec![]), "nothing changed");

        fs::write(path("issues/aaaa01.toml"), text("aaaa01") + "weight = 3\n").expect("edit");
        settle("issues/aaaa01.toml");
        fs::remove_file(path("issues/aaaa02.toml")).expect("remove");
        fs::remove_file(path("issues/aaaa03.toml")).expect("remove");
        std::os::unix::fs::symlink(path("issues/aaaa01.toml"), path("issues/aaaa03.toml")).expect("a link");
        fs::remove_file(path("issues/aaaa04.toml")).expect("remove");
        fs::create_dir(path("issues/aaaa04.toml")).expect("a folder named as a record");
        fs::write(path("issues/k3/k3aaa3.toml"), text("k3aaa3")).expect("a new record");
        fs::write(path("issues/k3/k3aaa2.toml"), text("k3aaa9")).expect("edit");
        // A path also given (as a watcher gives them) is read once; one that names no file
        // and was never indexed is not counted as removed.
        let given = ["issues/aaaa01.toml".to_owned(), "issues/aaaa09.toml".to_owned()];
        let (updated, removed, rescanned) = sweep_with(&index, &state, &given);
        assert_eq!(updated, ["issues/aaaa01.toml", "issues/k3/k3aaa2.toml", "issues/k3/k3aaa3.toml"]);
        assert_eq!(removed, ["issues/aaaa02.toml", "issues/aaaa03.toml", "issues/aaaa04.toml"]);
        // The folders' times just moved, so not trusted: no settled folder was listed again.
        assert_eq!(rescanned, 0);
        // Settled, they were: every `.toml` entry they hold counts as read again (`issues`:
        // aaaa01, the link aaaa03, the folder aaaa04, aaaa05, Notes; `issues/k3`: three).
        for folder in ["issues", "issues/k3"] {
            let past = std::time::SystemTime::now() - std::time::Duration::from_secs(10);
            fs::File::open(path(folder)).expect("open").set_modified(past).expect("set time");
        }
        assert_eq!(sweep_with(&index, &state, &[]).2, 8);

        // Committed: a second segment; every stamp read back is the file's.
        let delta = index.delta(&tracker, &state, Scope::Every, &[]).expect("delta");
        assert!(index.commit(&delta, &|_, _| {}).is_ok(), "committed");
        let _ = index.reader.reload();
        assert!(index.reader.searcher().segment_readers().len() >= 2, "two segments");
        let known = index.indexed(&index.reader.searcher(), None).expect("stamps");
        let now = now_ns();
        let mut expected = HashMap::new();
        for name in ["issues/aaaa01.toml", "issues/aaaa05.toml", "issues/k3/k3aaa1.toml"] {
            expected.insert(name.to_owned(), stamp_of(&path(name), now).expect("a stamp"));
        }
        for name in ["issues/k3/k3aaa2.toml", "issues/k3/k3aaa3.toml"] {
            expected.insert(name.to_owned(), Stamp { mtime: 0, size: fs::metadata(path(name)).expect("stat").len() });
        }
        assert_eq!(known, expected);

        // The shard folder gone, and no folder times recorded (a search while another
        // process builds the index): its files are found removed all the same.
        fs::remove_dir_all(path("issues/k3")).expect("remove the shard folder");
        let (updated, removed) = sweep(&index, &State::default());
        assert!(updated.is_empty(), "{updated:?}");
        assert_eq!(removed, ["issues/k3/k3aaa1.toml", "issues/k3/k3aaa2.toml", "issues/k3/k3aaa3.toml"]);
    }

    /// What git changed between the tree the index saw and `HEAD` is read again whatever its
    /// stamp says (a file rewritten with the same size and time), and a file git removed is
    /// removed from the index.
    #[test]
    fn a_sweep_reads_again_what_git_changed() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        let path = |name: &str| dir.path().join(name);
        let write = |name: &str, stage: &str, when: std::time::SystemTime| {
            let id = name.rsplit('/').next().and_then(|n| n.strip_suffix(".toml")).expect("an id");
            fs::write(path(name), format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"{stage}\"\n")).expect("write");
            fs::File::options().write(true).open(path(name)).expect("open").set_modified(when).expect("set time");
        };
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(10);
        for name in ["issues/aaaa01.toml", "issues/aaaa02.toml", "issues/aaaa03.toml"] {
            write(name, "triage", past);
        }
        crate::store::run_git_at(dir.path(), &["add", "-A"], 1_700_000_000);
        crate::store::run_git_at(dir.path(), &["commit", "-qm", "three"], 1_700_000_000);
        let mut index = SearchIndex::open(&tracker).expect("open");
        assert!(index.refresh(&tracker, &|_, _| {}).expect("build").rebuilt);
        let state = index.state().expect("a state");
        assert!(state.tree.is_some());

        // Other text of the same size, committed, then its time put back: the stamp the index
        // holds. And a file removed by git.
        write("issues/aaaa01.toml", "review", std::time::SystemTime::now());
        crate::store::run_git_at(dir.path(), &["rm", "-q", "issues/aaaa02.toml"], 1_700_000_100);
        crate::store::run_git_at(dir.path(), &["commit", "-qam", "one changed, one gone"], 1_700_000_100);
        fs::File::options()
            .write(true)
            .open(path("issues/aaaa01.toml"))
            .expect("open")
            .set_modified(past)
            .expect("time");
        let indexed = index.indexed(&index.reader.searcher(), None).expect("stamps");
        assert_eq!(indexed.get("issues/aaaa01.toml").copied(), stamp_of(&path("issues/aaaa01.toml"), now_ns()));
        let delta = index.delta(&tracker, &state, Scope::Every, &[]).expect("delta");
        let updated: Vec<&str> = delta.updated.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(updated, ["issues/aaaa01.toml"]);
        assert!(delta.updated[0].1.contains("review"));
        assert_eq!(delta.removed, ["issues/aaaa02.toml"]);
    }

    /// While another process builds the index (it holds the writer), a search answers from
    /// every file, in memory, and says the index was busy.
    #[test]
    fn a_search_while_another_process_builds_the_index_answers_from_the_files() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        for id in ["aaaa01", "aaaa02"] {
            let text = format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"triage\"\n");
            fs::write(dir.path().join(format!("issues/{id}.toml")), text).expect("write");
        }
        let mut index = SearchIndex::open(&tracker).expect("open");
        let other = Index::open_in_dir(Derived::of(&tracker.repo, &tracker.prefix).index()).expect("the same index");
        let held: IndexWriter = other.writer_with_num_threads(1, 15_000_000).expect("the writer");
        let refresh = index.refresh(&tracker, &|_, _| {}).expect("refresh");
        assert!(refresh.busy && !refresh.rebuilt && !refresh.committed, "{refresh:?}");
        let mut updated = refresh.updated.clone();
        updated.sort();
        assert_eq!(updated, ["issues/aaaa01.toml", "issues/aaaa02.toml"]);
        assert_eq!(index.count(&Expr::And(vec![])).expect("count"), 2);
        drop(held);
    }

    /// An index of another schema where docket keeps its own (a foreign or older tool's, even
    /// one never committed) is wiped and created afresh, never written into.
    #[test]
    fn an_index_of_another_schema_is_replaced() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        let path = Derived::of(&tracker.repo, &tracker.prefix).index();
        fs::create_dir_all(&path).expect("folder");
        let mut foreign = tantivy::schema::Schema::builder();
        foreign.add_text_field("body", tantivy::schema::TEXT);
        Index::create_in_dir(&path, foreign.build()).expect("a foreign index, never committed");
        let index = SearchIndex::open(&tracker).expect("open");
        assert_eq!(index.schema, document::schema().0);
        assert_eq!(Index::open_in_dir(&path).expect("reopen").schema(), document::schema().0);
    }
}
