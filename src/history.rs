//! Records through time, from git history: for every record file, the versions its
//! first-parent history holds, oldest first, with each commit's time and author.
//!
//! One pass over the history reads each commit's changes to the record folders (git skips
//! unchanged subtrees), so the cost is the number of commits plus the number of changes, not
//! commits × records. The result is cached under the git directory, keyed by the commit it
//! reflects; a later run reads only the commits since. The cache is split into buckets
//! (about 16 records each, up to 65,536) by a hash of the record's path, kept 256 to a pack
//! file with a table of where each starts, so that a command about a few records (`plan`,
//! `log`) reads only their buckets, however large the tracker: [`History::load_paths`]. (One
//! small file per bucket cost more to create than everything else together at a million
//! records: the file system's inode allocation.) With no cache yet and a short history, such a
//! command walks the history of its records alone rather than build the cache for all of them.
//! Building the cache reads the versions' blobs on every core.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::check::record_at;
use crate::derived::{self, Derived, Durability};
use crate::format::{RecordRules, parse_record};
use crate::model::{Body, Kind};
use crate::store::packs::Packs;
use crate::store::{Repo, StoreError};
use crate::time::Timestamp;

mod bucket;

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

/// The versions of record files (path relative to the tracker root), oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The commit the history reaches.
    pub head: Option<String>,
    pub records: BTreeMap<String, Vec<Version>>,
}

const CACHE_VERSION: u32 = 7;

/// With no cache, [`History::load_paths`] walks the history of its paths by looking each up in
/// each commit when that takes at most this many (commit, path) lookups (about a microsecond
/// each); beyond, by reading every commit's changes. `0` builds the cache instead.
pub const WALK_AT: usize = 1_000_000;

/// What the cache reflects; written last, so that a cache cut short is brought up to date
/// (appending is idempotent) rather than trusted.
#[derive(Serialize, Deserialize, Default)]
struct CacheState {
    version: u32,
    prefix: String,
    head: Option<String>,
    /// How many bits of the path's hash name its bucket: chosen when the cache is built, for
    /// about 16 records a bucket, and chosen again when it has grown fourfold.
    bits: u32,
    /// How many records the cache holds.
    records: usize,
    /// Which buckets exist: a bitmap over their numbers, so that a bucket gone missing is seen
    /// (and the cache rebuilt) rather than read as "no history".
    present: Present,
}

/// A set of bucket numbers (at most 2^16), kept as a bitmap in hexadecimal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Present(Vec<u64>);

impl Present {
    fn insert(&mut self, number: u16) {
        let word = usize::from(number / 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (number % 64);
    }

    fn contains(&self, number: u16) -> bool {
        self.0.get(usize::from(number / 64)).is_some_and(|word| word & (1 << (number % 64)) != 0)
    }
}

impl Serialize for Present {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use std::fmt::Write as _;
        let mut text = String::with_capacity(self.0.len() * 16);
        for word in &self.0 {
            let _ = write!(text, "{word:016x}");
        }
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let words = text
            .as_bytes()
            .chunks(16)
            .map(|chunk| std::str::from_utf8(chunk).ok().and_then(|hex| u64::from_str_radix(hex, 16).ok()));
        words.collect::<Option<Vec<u64>>>().map(Present).ok_or_else(|| serde::de::Error::custom("not a bitmap"))
    }
}

type Bucket = BTreeMap<String, Vec<Version>>;

impl History {
    /// The history of every record of the tracker at `prefix` up to `HEAD`, reading only the
    /// commits the cache has not seen.
    pub fn load(repo: &Repo, prefix: &str) -> Result<Self, StoreError> {
        Self::load_with(repo, prefix, None, true)
    }

    /// The history of the records at `paths` (relative to the tracker root) only: the cache's
    /// buckets holding them are read, not the whole history. With no cache that leads to HEAD
    /// (none yet, or one left by a rewritten or switched history) the history of these paths
    /// alone is walked instead, and no cache built: building it reads every record of every
    /// commit, a cost out of all proportion to a plan's thousand records in a tracker of a
    /// million. A short history ([`WALK_AT`] lookups at most) is walked by looking each path up
    /// in each commit; a longer one by each commit's changes.
    pub fn load_paths(repo: &Repo, prefix: &str, paths: &[String]) -> Result<Self, StoreError> {
        Self::load_paths_with(repo, prefix, paths, WALK_AT)
    }

    /// [`Self::load_paths`] with the largest number of (commit, path) lookups worth a walk by
    /// lookups rather than by changes (`0`: build the cache, walk nothing).
    pub fn load_paths_with(repo: &Repo, prefix: &str, paths: &[String], walk_at: usize) -> Result<Self, StoreError> {
        let Some(head) = repo.head() else { return Ok(Self::default()) };
        // A cache that leads to HEAD is brought forward by the commits since; one that does not
        // (none yet, or a history rewritten or switched under it) would be rebuilt from every
        // record of every commit.
        let leads_to_head = cached_state(&Derived::of(repo, prefix).history(), prefix)
            .and_then(|state| state.head)
            .is_some_and(|cached| repo.is_ancestor(&cached, &head));
        if !leads_to_head && walk_at > 0 {
            let cap = walk_at / paths.len().max(1);
            if repo.first_parent_count(&head, cap)? <= cap {
                return Self::walk(repo, prefix, &head, paths);
            }
            return Self::walk_changes(repo, prefix, &head, paths);
        }
        Self::load_with(repo, prefix, Some(paths), true)
    }

    /// The history of the records at `paths` up to `commit`: [`Self::load_paths`] when `commit`
    /// is `HEAD`; otherwise (a range or a push judged at a commit the cache has not seen) its
    /// first-parent history is walked for those paths alone.
    pub fn load_paths_at(repo: &Repo, prefix: &str, commit: &str, paths: &[String]) -> Result<Self, StoreError> {
        if repo.head().as_deref() == Some(commit) {
            return Self::load_paths(repo, prefix, paths);
        }
        Self::walk(repo, prefix, commit, paths)
    }

    /// The history of `paths` up to `commit`, from its first-parent chain, reading each
    /// commit's blob of each path: commits × paths lookups, for the few records planning reads.
    /// The versions are those a cache would hold: a version where the file appeared, changed
    /// or went away (a link or a submodule counts as absent).
    fn walk(repo: &Repo, prefix: &str, commit: &str, paths: &[String]) -> Result<Self, StoreError> {
        let wanted: Vec<(&String, Kind, String)> =
            paths.iter().filter_map(|path| record_at(path).map(|(kind, id)| (path, kind, id))).collect();
        let in_repository: Vec<String> = wanted.iter().map(|(path, _, _)| format!("{prefix}{path}")).collect();
        let mut records: BTreeMap<String, Vec<Version>> = BTreeMap::new();
        let mut blobs = crate::store::FileBlobs::new(repo, &in_repository);
        for info in repo.first_parent_range(None, commit)? {
            for ((path, kind, id), blob) in wanted.iter().zip(blobs.at(&info.id)?.iter().cloned()) {
                let versions = records.entry((*path).clone()).or_default();
                let last = versions.last().map(|v| v.blob.clone());
                // A version where the blob changed: it appeared, changed or went away.
                if last.as_ref().map_or(blob.is_some(), |last| *last != blob) {
                    versions.push(version(|blob| repo.blob_text(blob), *kind, id, path, &info, blob)?);
                }
            }
        }
        records.retain(|_, versions| !versions.is_empty());
        Ok(Self { head: Some(commit.to_owned()), records })
    }

    /// The history of `paths` up to `commit` from every first-parent commit's changes (git
    /// skips the subtrees a commit left alone), reading the blobs of these paths only: for a
    /// history too long to look each path up in each commit. It costs the commits and their
    /// changes, never every record's versions, and gives what the cache would hold: the same
    /// changes, read the same way ([`update`]).
    fn walk_changes(repo: &Repo, prefix: &str, commit: &str, paths: &[String]) -> Result<Self, StoreError> {
        let wanted: std::collections::HashMap<String, (&String, Kind, String)> = paths
            .iter()
            .filter_map(|path| record_at(path).map(|(kind, id)| (format!("{prefix}{path}"), (path, kind, id))))
            .collect();
        let folders = record_folders(prefix);
        let mut records: BTreeMap<String, Vec<Version>> = BTreeMap::new();
        for info in repo.first_parent_range(None, commit)? {
            for change in repo.commit_changes(&info.id, &folders)? {
                let Some((path, kind, id)) = wanted.get(&change.path) else { continue };
                let is_file = crate::entry::Entry::of_git_mode(change.mode) == crate::entry::Entry::File;
                let blob = change.new.filter(|_| is_file);
                let version = version(|blob| repo.blob_text(blob), *kind, id, path, &info, blob)?;
                records.entry((*path).clone()).or_default().push(version);
            }
        }
        Ok(Self { head: Some(commit.to_owned()), records })
    }

    /// [`Self::load`] or [`Self::load_paths`]; `retry` rebuilds a damaged cache once.
    fn load_with(repo: &Repo, prefix: &str, paths: Option<&[String]>, retry: bool) -> Result<Self, StoreError> {
        let Some(head) = repo.head() else { return Ok(Self::default()) };
        let dir = Derived::of(repo, prefix).history();
        // One process brings the cache up to date at a time; the lock goes with the process.
        let lock = derived::lock_file(&dir.join("lock")).ok();
        if let Some(lock) = &lock {
            let _ = lock.lock();
        }
        let mut state = cached_state(&dir, prefix).unwrap_or_default();
        let wanted: Option<BTreeSet<&str>> = paths.map(|p| p.iter().map(String::as_str).collect());
        if state.head.as_deref() != Some(head.as_str()) {
            let (updated, built) = update(repo, prefix, &dir, state, &head)?;
            // Built afresh: the records are at hand, not read back from the files just written.
            if let Some(mut records) = built {
                if let Some(wanted) = &wanted {
                    records.retain(|record, _| wanted.contains(record.as_str()));
                }
                return Ok(Self { head: Some(head), records });
            }
            state = updated;
        }
        // The buckets that hold the records asked for (or all); a record whose bucket the state
        // does not list has no history.
        let numbers: BTreeSet<u16> = match &wanted {
            Some(paths) => {
                paths.iter().map(|p| bucket_of(p, state.bits)).filter(|n| state.present.contains(*n)).collect()
            }
            None => (0..=u16::MAX).take(1 << state.bits.min(16)).filter(|n| state.present.contains(*n)).collect(),
        };
        let mut records = BTreeMap::new();
        for bucket in read_buckets(&dir, &numbers.into_iter().collect::<Vec<_>>(), wanted.as_ref()) {
            let Some(bucket) = bucket else {
                // A bucket the state lists is missing or damaged: the cache is rebuilt from git,
                // once; then it is read around.
                if !retry {
                    continue;
                }
                let _ = std::fs::remove_file(dir.join("state.json"));
                drop(lock);
                return Self::load_with(repo, prefix, paths, false);
            };
            for (record, versions) in bucket {
                if wanted.as_ref().is_none_or(|w| w.contains(record.as_str())) {
                    records.insert(record, versions);
                }
            }
        }
        Ok(Self { head: Some(head), records })
    }

    /// The versions of the record at `path`, oldest first.
    pub fn of(&self, path: &str) -> &[Version] {
        self.records.get(path).map_or(&[], Vec::as_slice)
    }
}

/// How one version of a record differs from the one before it (`docket log`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The first version, or the first after a deletion.
    Created,
    Deleted,
    Fields(Vec<FieldChange>),
}

/// One field's change, as text. In a list of tables (`[[comments]]`, `[[updates]]`) each entry
/// added or removed is one change, shown as its date, author and text (`entry`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub entry: bool,
}

/// The change from `previous` to `current` (`None`: the record did not exist).
pub fn change(previous: Option<&toml::Table>, current: Option<&toml::Table>) -> Change {
    let (old, new) = match (previous, current) {
        (_, None) => return Change::Deleted,
        (None, Some(_)) => return Change::Created,
        (Some(old), Some(new)) => (old, new),
    };
    let mut changes = Vec::new();
    for key in old.keys().chain(new.keys().filter(|k| !old.contains_key(*k))) {
        let (before, after) = (old.get(key), new.get(key));
        if before == after {
            continue;
        }
        let entries = |value: Option<&toml::Value>| -> Option<Vec<toml::Value>> {
            match value {
                None => Some(Vec::new()),
                Some(toml::Value::Array(items)) if items.iter().all(toml::Value::is_table) => Some(items.clone()),
                Some(_) => None,
            }
        };
        match (entries(before), entries(after)) {
            (Some(before_entries), Some(after_entries)) if before.is_some() || after.is_some() => {
                for entry in before_entries.iter().filter(|e| !after_entries.contains(e)) {
                    changes.push(FieldChange {
                        field: key.clone(),
                        old: Some(entry_text(entry)),
                        new: None,
                        entry: true,
                    });
                }
                for entry in after_entries.iter().filter(|e| !before_entries.contains(e)) {
                    changes.push(FieldChange {
                        field: key.clone(),
                        old: None,
                        new: Some(entry_text(entry)),
                        entry: true,
                    });
                }
            }
            _ => changes.push(FieldChange {
                field: key.clone(),
                old: before.map(value_text),
                new: after.map(value_text),
                entry: false,
            }),
        }
    }
    Change::Fields(changes)
}

fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A list entry as one text: its date, author and health, then its text (other fields as
/// `key = value`).
fn entry_text(entry: &toml::Value) -> String {
    let Some(table) = entry.as_table() else { return value_text(entry) };
    let mut head = Vec::new();
    for key in ["date", "author", "health", "issue"] {
        if let Some(value) = table.get(key) {
            head.push(value_text(value));
        }
    }
    let rest: Vec<String> = table
        .iter()
        .filter(|(key, _)| !["date", "author", "health", "issue", "text", "why"].contains(&key.as_str()))
        .map(|(key, value)| format!("{key} = {value}"))
        .collect();
    head.extend(rest);
    let text = table.get("text").or_else(|| table.get("why")).map(value_text).unwrap_or_default();
    if head.is_empty() { text } else { format!("{}: {text}", head.join(" ")) }
}

/// Since when, in the first-parent history of `commit`, the record at `path` (relative to the
/// tracker root) has continuously satisfied `holds`: the committer time of the commit that
/// began that run, or `None` when the record at `commit` does not satisfy it.
///
/// When `commit` is `HEAD` and the history cache exists, the answer comes from the record's
/// versions in the cache (brought up to date by the commits since, if any), reading only its
/// file. Otherwise — a pushed commit the cache has not seen, or no cache yet, which a hook must
/// not spend a whole history pass building — git's first-parent history is walked for that one
/// file. Nothing else is kept: the history cache is the one record of the past.
pub fn since(
    repo: &Repo,
    prefix: &str,
    commit: &str,
    path: &str,
    holds: &dyn Fn(&str) -> bool,
) -> Result<Option<Timestamp>, StoreError> {
    let cached = derived::read(&Derived::of(repo, prefix).history().join("state.json"))
        .and_then(|bytes| serde_json::from_slice::<CacheState>(&bytes).ok())
        .is_some_and(|s| s.version == CACHE_VERSION && s.prefix == prefix);
    if !cached || repo.head().as_deref() != Some(commit) {
        return repo.since(commit, &format!("{prefix}{path}"), holds);
    }
    let history = History::load_paths(repo, prefix, &[path.to_owned()])?;
    since_in(history.of(path), &|blob| Ok(holds(&repo.blob_text(blob)?.unwrap_or_default())))
}

/// [`since`] over a record's versions, oldest first: the time of the oldest version of the
/// newest run of versions that satisfy `holds`.
fn since_in(
    versions: &[Version],
    holds: &dyn Fn(&str) -> Result<bool, StoreError>,
) -> Result<Option<Timestamp>, StoreError> {
    let mut since = None;
    for version in versions.iter().rev() {
        let Some(blob) = &version.blob else { break };
        if !holds(blob)? {
            break;
        }
        since = Some(version.time);
    }
    Ok(since)
}

/// The record folders of the tracker at `prefix`, as git names them: where a commit's changes
/// to records are.
fn record_folders(prefix: &str) -> Vec<String> {
    Kind::ALL.iter().map(|k| format!("{prefix}{}/", k.folder())).collect()
}

/// The version of the record `relative` (of `kind`, named `id`) that `commit` holds: `blob`,
/// or `None` when the commit deleted it.
fn version(
    read: impl FnOnce(&str) -> Result<Option<String>, StoreError>,
    kind: Kind,
    id: &str,
    relative: &str,
    commit: &crate::store::CommitInfo,
    blob: Option<String>,
) -> Result<Version, StoreError> {
    let text = match &blob {
        Some(blob) => read(blob)?,
        None => None,
    };
    let parsed = text.and_then(|text| parse_record(kind, id, relative, &text, &RecordRules::default()).record);
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
    Ok(Version {
        commit: commit.id.clone(),
        time: commit.time,
        author: commit.author.clone(),
        state,
        weight,
        milestone,
        labels,
        blob,
    })
}

/// The buckets numbered `numbers`, read and parsed on all cores, in that order: `None` for one
/// that is missing or damaged. With `wanted`, only those records' versions are decoded; the
/// others sharing their buckets are skipped over.
fn read_buckets(dir: &Path, numbers: &[u16], wanted: Option<&BTreeSet<&str>>) -> Vec<Option<Bucket>> {
    let parse = |bytes: &[u8]| bucket::decode(bytes, wanted);
    // Each pack is opened once for all its buckets asked for.
    let packs = by_pack(numbers.iter().copied());
    let read_pack = |(pack, members): &(u8, Vec<u16>)| -> Vec<Option<Bucket>> {
        let slices = Pack::open(&pack_path(dir, *pack)).map(|mut file| {
            members.iter().map(|n| file.slot(slot_of(*n)).and_then(|bytes| parse(&bytes))).collect::<Vec<_>>()
        });
        slices.unwrap_or_else(|| vec![None; members.len()])
    };
    let mut by_number: BTreeMap<u16, Option<Bucket>> = crate::cores::map_chunks(&packs, |chunk| {
        chunk.iter().flat_map(|pack| pack.1.iter().copied().zip(read_pack(pack))).collect()
    })
    .into_iter()
    .collect();
    numbers.iter().map(|n| by_number.remove(n).flatten()).collect()
}

/// The state of the cache in `dir`, when it is one this version of docket wrote for `prefix`.
fn cached_state(dir: &Path, prefix: &str) -> Option<CacheState> {
    derived::read(&dir.join("state.json"))
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|s: &CacheState| s.version == CACHE_VERSION && s.prefix == prefix)
}

/// A record's version to be read from its blob: which record, in which commit.
struct Task {
    relative: String,
    kind: Kind,
    id: String,
    commit: usize,
    blob: Option<String>,
}

/// How many versions are read at a time: bounds the memory of the work in flight.
const TASKS_AT_ONCE: usize = 65_536;

/// How many versions to read make it worth reading the packs' indexes ([`crate::store::packs`]):
/// about 24 bytes of index an object in the repository, some 20 ms at a million objects,
/// against about 2.4 µs saved a blob. A commit or two (a pull, the state after every commit)
/// reads its few versions through libgit2 alone.
const PACKS_AT: usize = 4096;

/// Whether `tasks` versions are read through the packs (else through libgit2 alone).
fn reads_packs(tasks: usize) -> bool {
    tasks >= PACKS_AT
}

/// The packs to read a batch of `tasks` versions through: opened (by `open`) for the first
/// batch that [`reads_packs`], then kept for the batches after it, whatever their size.
fn packs_for(packs: &mut Option<Packs>, tasks: usize, open: impl FnOnce() -> Packs) -> Option<&Packs> {
    if packs.is_none() && reads_packs(tasks) {
        *packs = Some(open());
    }
    packs.as_ref()
}

/// The versions `tasks` name, in their order, reading the blobs on every core (each thread
/// with its own handle on the repository: libgit2's are not shared between threads), from
/// `packs` when given and they hold the blob whole.
fn versions_of(
    repo: &Repo,
    commits: &[crate::store::CommitInfo],
    tasks: Vec<Task>,
    packs: Option<&Packs>,
) -> Result<Vec<(String, Version)>, StoreError> {
    let read = |repo: &Repo, tasks: Vec<Task>| -> Result<Vec<(String, Version)>, StoreError> {
        let mut reader = packs.map(Packs::reader);
        tasks
            .into_iter()
            .map(|task| {
                let read = |blob: &str| match &mut reader {
                    Some(reader) => repo.blob_text_from(reader, blob),
                    None => repo.blob_text(blob),
                };
                let version = version(read, task.kind, &task.id, &task.relative, &commits[task.commit], task.blob)?;
                Ok((task.relative, version))
            })
            .collect()
    };
    let threads = crate::cores::threads();
    // A few are not worth a thread, nor opening the repository again.
    if threads == 1 || tasks.len() < 256 {
        return read(repo, tasks);
    }
    let chunk = tasks.len().div_ceil(threads);
    let mut chunks: Vec<Vec<Task>> = Vec::new();
    let mut tasks = tasks.into_iter().peekable();
    while tasks.peek().is_some() {
        chunks.push(tasks.by_ref().take(chunk).collect());
    }
    let mut first = chunks.remove(0);
    let others = chunks.iter().map(|_| repo.reopen()).collect::<Result<Vec<_>, _>>()?;
    std::thread::scope(|scope| {
        let read = &read;
        let handles: Vec<_> =
            chunks.into_iter().zip(others).map(|(chunk, other)| scope.spawn(move || read(&other, chunk))).collect();
        let mut all = read(repo, std::mem::take(&mut first))?;
        for handle in handles {
            all.extend(handle.join().expect("reading history does not panic")?);
        }
        Ok(all)
    })
}

/// Reads the commits after the cache's head up to `head` (all of them when it has none, or it
/// is no longer an ancestor, as after a rewrite of history) into the cache at `dir`; its new
/// state, and when it was built afresh, every record's versions.
fn update(
    repo: &Repo,
    prefix: &str,
    dir: &Path,
    state: CacheState,
    head: &str,
) -> Result<(CacheState, Option<Bucket>), StoreError> {
    // Versions are added from the commits after the cached head on `head`'s first-parent line,
    // as a fresh build would read them; a head off that line (another branch, merged in as a
    // second parent) or gone (a rewritten history) starts afresh.
    let mut commits = Vec::new();
    let mut known = state.head.filter(|h| repo.is_ancestor(h, head));
    if let Some(from) = &known {
        commits = repo.first_parent_range(Some(from), head)?;
        if commits.first().and_then(|c| c.parent.as_deref()) != Some(from.as_str()) {
            known = None;
        }
    }
    if known.is_none() {
        commits = repo.first_parent_range(None, head)?;
        // Built afresh: until the new state is written, no run trusts these files.
        let _ = std::fs::remove_file(dir.join("state.json"));
        // The single-file cache of earlier versions.
        let _ = std::fs::remove_file(dir.with_extension("json"));
    }
    let folders = record_folders(prefix);
    let mut new: Bucket = BTreeMap::new();
    let mut tasks = Vec::new();
    // Many versions to read: the packs' indexes are read once, for all of them.
    let mut packs: Option<Packs> = None;
    let mut add = |tasks: Vec<Task>, new: &mut Bucket| -> Result<(), StoreError> {
        let packs = packs_for(&mut packs, tasks.len(), || repo.packs());
        for (relative, version) in versions_of(repo, &commits, tasks, packs)? {
            // Most records have one version: room for one, not the four a first push makes.
            new.entry(relative).or_insert_with(|| Vec::with_capacity(1)).push(version);
        }
        Ok(())
    };
    for (at, commit) in commits.iter().enumerate() {
        for change in repo.commit_changes(&commit.id, &folders)? {
            let Some(relative) = change.path.strip_prefix(prefix) else { continue };
            let Some((kind, id)) = record_at(relative) else { continue };
            // A link or a submodule is no record (the hooks refuse them): the record is absent.
            let is_file = crate::entry::Entry::of_git_mode(change.mode) == crate::entry::Entry::File;
            let blob = change.new.clone().filter(|_| is_file);
            tasks.push(Task { relative: relative.to_owned(), kind, id, commit: at, blob });
            if tasks.len() == TASKS_AT_ONCE {
                add(std::mem::take(&mut tasks), &mut new)?;
            }
        }
    }
    add(tasks, &mut new)?;
    let reflects = |bits: u32, records: usize, present: Present| CacheState {
        version: CACHE_VERSION,
        prefix: prefix.to_owned(),
        head: Some(head.to_owned()),
        bits,
        records,
        present,
    };
    if known.is_none() {
        let (bits, present) = write_fresh(dir, &new);
        return Ok((finish(dir, reflects(bits, new.len(), present)), Some(new)));
    }
    let mut by_pack: BTreeMap<u8, BTreeMap<u16, Bucket>> = BTreeMap::new();
    for (record, versions) in new {
        let number = bucket_of(&record, state.bits);
        by_pack.entry(pack_of(number)).or_default().entry(number).or_default().insert(record, versions);
    }
    let mut records = state.records;
    let mut present = state.present;
    for (pack, additions) in by_pack {
        let path = pack_path(dir, pack);
        let mut file = Pack::open(&path);
        let mut slots: Vec<Vec<u8>> = match &mut file {
            Some(file) => (0..SLOTS).map(|slot| file.slot(slot).unwrap_or_default()).collect(),
            None => vec![Vec::new(); SLOTS],
        };
        for (number, additions) in additions {
            let slot = &mut slots[slot_of(number)];
            let mut bucket: Bucket = if present.contains(number) {
                match bucket::decode(slot, None) {
                    Some(bucket) => bucket,
                    // Missing or damaged: the cache starts afresh.
                    None => return update(repo, prefix, dir, CacheState::default(), head),
                }
            } else {
                Bucket::new()
            };
            for (record, versions) in additions {
                records += usize::from(!bucket.contains_key(&record));
                let known = bucket.entry(record).or_default();
                // A run cut short before its state was written left some of these already.
                for version in versions {
                    if !known.iter().any(|v| v.commit == version.commit) {
                        known.push(version);
                    }
                }
            }
            *slot = bucket::encode(bucket.iter());
            present.insert(number);
        }
        if derived::write(&path, &encode_pack(&slots), Durability::Atomic).is_err() {
            // The cache is derived: a file that cannot be written only costs time next run,
            // which starts afresh.
            let _ = std::fs::remove_file(dir.join("state.json"));
            return Ok((CacheState::default(), None));
        }
    }
    // Grown fourfold past its buckets: spread it over more.
    if state.bits < 16 && records > 64 << state.bits {
        let _ = std::fs::remove_file(dir.join("state.json"));
        let numbers: Vec<u16> = (0..=u16::MAX).take(1 << state.bits).filter(|n| present.contains(*n)).collect();
        let mut all = Bucket::new();
        for bucket in read_buckets(dir, &numbers, None).into_iter().flatten() {
            all.extend(bucket);
        }
        let (bits, present) = write_fresh(dir, &all);
        return Ok((finish(dir, reflects(bits, all.len(), present)), None));
    }
    Ok((finish(dir, reflects(state.bits, records, present)), None))
}

/// Records `state` as what the cache at `dir` reflects (on disk before the call returns: it
/// vouches for the other files), and returns it.
fn finish(dir: &Path, state: CacheState) -> CacheState {
    let _ =
        derived::write(&dir.join("state.json"), &serde_json::to_vec(&state).unwrap_or_default(), Durability::Synced);
    state
}

/// Writes `records` as a new cache at `dir`, about 16 records a bucket; how many bits of the
/// hash name a bucket, and which buckets were written. Until the new state is written, no run
/// trusts these files.
fn write_fresh(dir: &Path, records: &Bucket) -> (u32, Present) {
    let bits = (records.len() / 16).max(1).next_power_of_two().trailing_zeros().min(16);
    // The records grouped by bucket, each bucket's in path order: a counting sort (the records
    // come in path order), not maps of maps — inserting a million records into those took a
    // second on one core, a tenth of a fresh build at a million records.
    let numbers: Vec<u16> = records.keys().map(|record| bucket_of(record, bits)).collect();
    let mut starts = vec![0_usize; (1 << bits) + 1];
    for &number in &numbers {
        starts[usize::from(number) + 1] += 1;
    }
    for n in 1..starts.len() {
        starts[n] += starts[n - 1];
    }
    let mut next = starts.clone();
    let mut sorted: Vec<Option<(&String, &Vec<Version>)>> = vec![None; records.len()];
    for (record, &number) in records.iter().zip(&numbers) {
        sorted[next[usize::from(number)]] = Some(record);
        next[usize::from(number)] += 1;
    }
    let bucket = |number: u16| {
        let at = usize::from(number);
        sorted[starts[at]..starts[at + 1]].iter().flatten().copied()
    };
    // The packs written, each with its buckets that hold records.
    let packs = by_pack(
        (0..=u16::try_from((1_usize << bits) - 1).expect("16 bits at most"))
            .filter(|&number| starts[usize::from(number)] < starts[usize::from(number) + 1]),
    );
    // Folders of the one-file-per-bucket layout of earlier versions, and packs not rewritten
    // (a cache that had more buckets) go; the others are overwritten in place: creating files
    // by the thousand costs file systems dearly.
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let stale_pack = path.extension().is_some_and(|x| x == "pack")
            && path
                .file_stem()
                .and_then(|stem| u8::from_str_radix(&stem.to_string_lossy(), 16).ok())
                .is_none_or(|pack| !packs.iter().any(|(written, _)| *written == pack));
        if path.is_dir() {
            let _ = std::fs::remove_dir_all(&path);
        } else if stale_pack {
            let _ = std::fs::remove_file(&path);
        }
    }
    let mut present = Present::default();
    if derived::folder(dir).is_err() {
        return (bits, present);
    }
    let write = |(pack, numbers): &(u8, Vec<u16>)| -> Vec<u16> {
        let mut slots = vec![Vec::new(); SLOTS];
        for &number in numbers {
            slots[slot_of(number)] = bucket::encode(bucket(number));
        }
        // Written in place, not aside and renamed: these files are not trusted before the
        // state is written.
        match std::fs::write(pack_path(dir, *pack), encode_pack(&slots)) {
            Ok(()) => numbers.clone(),
            Err(_) => Vec::new(),
        }
    };
    // Encoded on every core.
    for number in crate::cores::map_chunks(&packs, |chunk| chunk.iter().flat_map(write).collect()) {
        present.insert(number);
    }
    (bits, present)
}

/// The bucket holding a record's history: `bits` (at most 16) bits of the FNV-1a hash of its
/// path, which does not change between versions or machines.
fn bucket_of(path: &str, bits: u32) -> u16 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    u16::try_from(hash & ((1 << bits.min(16)) - 1)).expect("16 bits")
}

/// Buckets per pack file.
const SLOTS: usize = 256;

/// A pack file begins with a table: for each slot, where its bucket starts after the table and
/// how many bytes it takes (two little-endian `u32`s; 0 bytes, no bucket). The buckets follow,
/// in the form of [`bucket`].
const TABLE: usize = SLOTS * 8;

/// Bucket numbers (in order) grouped by the pack file holding them, in order.
fn by_pack(numbers: impl Iterator<Item = u16>) -> Vec<(u8, Vec<u16>)> {
    let mut packs: Vec<(u8, Vec<u16>)> = Vec::new();
    for number in numbers {
        let pack = pack_of(number);
        match packs.last_mut() {
            Some((last, members)) if *last == pack => members.push(number),
            _ => packs.push((pack, vec![number])),
        }
    }
    packs
}

/// The pack file holding a bucket (its number's high byte), and its slot there (the low byte).
fn pack_of(number: u16) -> u8 {
    u8::try_from(number >> 8).expect("the high byte")
}

fn slot_of(number: u16) -> usize {
    usize::from(number & 0xff)
}

fn pack_path(dir: &Path, pack: u8) -> PathBuf {
    dir.join(format!("{pack:02x}.pack"))
}

/// A pack file's bytes for the buckets in `slots` (empty: none).
fn encode_pack(slots: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(TABLE + slots.iter().map(Vec::len).sum::<usize>());
    let mut at = 0_usize;
    for slot in slots {
        let offset = u32::try_from(at).unwrap_or(u32::MAX);
        let len = u32::try_from(slot.len()).unwrap_or(u32::MAX);
        bytes.extend_from_slice(&offset.to_le_bytes());
        bytes.extend_from_slice(&len.to_le_bytes());
        at += slot.len();
    }
    for slot in slots {
        bytes.extend_from_slice(slot);
    }
    bytes
}

/// An open pack file and its table, read bucket by bucket.
struct Pack {
    file: std::fs::File,
    table: Vec<(u64, usize)>,
    size: u64,
}

impl Pack {
    /// The pack at `path`; `None` when there is none, or its table is damaged.
    fn open(path: &Path) -> Option<Self> {
        use std::io::Read;
        let metadata = std::fs::symlink_metadata(path).ok().filter(std::fs::Metadata::is_file)?;
        let mut file = std::fs::File::open(path).ok()?;
        let mut table = vec![0_u8; TABLE];
        file.read_exact(&mut table).ok()?;
        let table = table
            .chunks_exact(8)
            .map(|entry| {
                let word = |at: usize| u32::from_le_bytes([entry[at], entry[at + 1], entry[at + 2], entry[at + 3]]);
                (u64::from(word(0)) + TABLE as u64, word(4) as usize)
            })
            .collect();
        Some(Self { file, table, size: metadata.len() })
    }

    /// The bytes of the bucket in `slot`; `None` when it holds none or they lie past the end.
    fn slot(&mut self, slot: usize) -> Option<Vec<u8>> {
        use std::io::{Read, Seek};
        let (offset, len) = self.table[slot];
        if len == 0 || offset + len as u64 > self.size {
            return None;
        }
        self.file.seek(std::io::SeekFrom::Start(offset)).ok()?;
        let mut bytes = vec![0_u8; len];
        self.file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }
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
        // A stay ends at the first version after it (a deletion ends it for good: a record
        // brought back later starts a new stay).
        if let Some(last) = stays.last_mut()
            && last.until.is_none()
        {
            last.until = Some(version.time);
        }
        if version.blob.is_some() && !version.state.is_empty() {
            stays.push(Stay { state: version.state.clone(), from: version.time, until: None });
        }
    }
    stays
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::run_git_at as git_at;

    /// `docket log`'s changes: created and deleted whole; a field added to an existing record is
    /// a change, not a creation; list entries one by one.
    #[test]
    fn changes_between_versions() {
        let table = |text: &str| -> toml::Table { toml::from_str(text).expect("toml") };
        let base = table("stage = \"triage\"\n[[comments]]\ndate = 2026-11-20\nauthor = \"ana\"\ntext = \"first\"\n");
        assert_eq!(change(None, Some(&base)), Change::Created);
        assert_eq!(change(Some(&base), None), Change::Deleted);
        let weighed = table(
            "stage = \"triage\"\nweight = 2\n[[comments]]\ndate = 2026-11-20\nauthor = \"ana\"\ntext = \"first\"\n",
        );
        assert_eq!(
            change(Some(&base), Some(&weighed)),
            Change::Fields(vec![FieldChange {
                field: "weight".into(),
                old: None,
                new: Some("2".into()),
                entry: false
            }])
        );
        let commented = table(
            "stage = \"triage\"\n[[comments]]\ndate = 2026-11-20\nauthor = \"ana\"\ntext = \"first\"\n[[comments]]\ndate = 2026-11-21\nauthor = \"bo\"\ntext = \"second\"\n",
        );
        assert_eq!(
            change(Some(&base), Some(&commented)),
            Change::Fields(vec![FieldChange {
                field: "comments".into(),
                old: None,
                new: Some("2026-11-21 bo: second".into()),
                entry: true
            }])
        );
        let redacted = table("stage = \"triage\"\n");
        assert_eq!(
            change(Some(&base), Some(&redacted)),
            Change::Fields(vec![FieldChange {
                field: "comments".into(),
                old: Some("2026-11-20 ana: first".into()),
                new: None,
                entry: true
            }])
        );
        assert_eq!(change(Some(&base), Some(&base)), Change::Fields(Vec::new()));
    }

    fn version(time: Timestamp, state: &str, blob: Option<&str>) -> Version {
        Version {
            commit: format!("c{time}"),
            time,
            author: "ana".into(),
            state: state.into(),
            weight: None,
            milestone: None,
            labels: Vec::new(),
            blob: blob.map(str::to_owned),
        }
    }

    /// Versions as (time, blob), and since when the newest run satisfies the test.
    type Row<'a> = (&'a [(i64, Option<&'a str>)], Option<i64>);

    /// Since when the newest run of versions satisfies the test: the oldest version of that
    /// run; a deletion or a version that fails ends the run.
    #[test]
    fn since_is_the_start_of_the_newest_run() {
        let holds = |blob: &str| -> Result<bool, StoreError> { Ok(blob.starts_with('y')) };
        let table: [Row<'_>; 7] = [
            (&[], None),
            (&[(1, Some("y1"))], Some(1)),
            (&[(1, Some("n1"))], None),
            (&[(1, Some("y1")), (2, Some("y2")), (3, Some("y3"))], Some(1)),
            (&[(1, Some("y1")), (2, Some("n2")), (3, Some("y3")), (4, Some("y4"))], Some(3)),
            (&[(1, Some("y1")), (2, None), (3, Some("y3"))], Some(3)),
            (&[(1, Some("y1")), (2, Some("y2")), (3, None)], None),
        ];
        for (versions, expected) in table {
            let versions: Vec<Version> = versions.iter().map(|(t, blob)| version(*t, "s", *blob)).collect();
            assert_eq!(since_in(&versions, &holds).expect("no error"), expected, "{versions:?}");
        }
    }

    #[test]
    fn the_present_bitmap_round_trips() {
        let mut present = Present::default();
        for number in [0, 1, 63, 64, 1000, u16::MAX] {
            assert!(!present.contains(number));
            present.insert(number);
            assert!(present.contains(number));
        }
        assert!(!present.contains(2) && !present.contains(65) && !present.contains(u16::MAX - 1));
        let text = serde_json::to_string(&present).expect("serialises");
        let back: Present = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, present);
        assert!(serde_json::from_str::<Present>("\"not hex at all!\"").is_err());
        assert_eq!(serde_json::from_str::<Present>("\"\"").expect("empty"), Present::default());
    }

    #[test]
    fn bucket_numbers_use_the_low_bits_of_the_path_hash() {
        // FNV-1a of "issues/a.toml" is 0x392d_3aa3_059c_1e85 (computed apart, in Python).
        for (bits, expected) in [(0, 0), (1, 1), (4, 5), (16, 0x1e85)] {
            assert_eq!(bucket_of("issues/a.toml", bits), expected, "{bits} bits");
        }
        assert_eq!(bucket_of("issues/a.toml", 40), bucket_of("issues/a.toml", 16), "at most 16 bits");
        assert_eq!(pack_path(Path::new("/h"), pack_of(0x1a2b)), Path::new("/h/1a.pack"));
        assert_eq!(slot_of(0x1a2b), 0x2b);
    }

    /// A pack gives back each bucket written into it, and none for an empty slot, a slot whose
    /// bytes lie past the end (a file cut short) or a file too short for its table.
    #[test]
    fn a_pack_gives_back_its_buckets_and_never_a_damaged_one() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("00.pack");
        let mut slots = vec![Vec::new(); SLOTS];
        slots[0] = b"{\"a\":[]}".to_vec();
        slots[7] = b"[1,2,3]".to_vec();
        slots[SLOTS - 1] = b"last".to_vec();
        let bytes = encode_pack(&slots);
        std::fs::write(&path, &bytes).expect("write");
        let mut pack = Pack::open(&path).expect("opens");
        for (slot, expected) in slots.iter().enumerate() {
            assert_eq!(pack.slot(slot), Some(expected.clone()).filter(|e| !e.is_empty()), "slot {slot}");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 1]).expect("cut short");
        let mut pack = Pack::open(&path).expect("the table is whole");
        assert_eq!(pack.slot(7), Some(b"[1,2,3]".to_vec()));
        assert_eq!(pack.slot(SLOTS - 1), None, "its bytes lie past the end");
        std::fs::write(&path, &bytes[..TABLE - 1]).expect("cut shorter");
        assert!(Pack::open(&path).is_none(), "no whole table");
        assert!(Pack::open(&dir.path().join("01.pack")).is_none(), "no file");
    }

    /// A cache of a few thousand records spans several packs, about 16 records a bucket; built
    /// afresh, it removes the packs of an earlier, larger cache and nothing else; a commit
    /// changing one record rewrites that record's pack alone.
    #[test]
    fn a_commit_rewrites_only_the_pack_it_changes() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path();
        git_at(root, &["init", "-q", "-b", "main"], 0);
        std::fs::create_dir_all(root.join("issues")).expect("folder");
        let write = |n: usize, state: &str| {
            let text = format!("title = \"r{n}\"\ntype = \"bug\"\nstage = \"{state}\"\n");
            std::fs::write(root.join(format!("issues/r{n:04}.toml")), text).expect("write");
        };
        for n in 0..4200 {
            write(n, "triage");
        }
        git_at(root, &["add", "-A"], 1_000);
        git_at(root, &["commit", "-qm", "many"], 1_000);
        let repo = Repo::discover(root).expect("repository");
        let cache = repo.git_path("docket/history");
        std::fs::create_dir_all(&cache).expect("cache folder");
        std::fs::write(cache.join("ff.pack"), "a pack of an earlier, larger cache").expect("write");
        std::fs::write(cache.join("keep.txt"), "not the cache's").expect("write");
        assert_eq!(History::load(&repo, "").expect("built").records.len(), 4200);
        let state = cached_state(&cache, "").expect("a state");
        assert_eq!(state.bits, 9, "4,200 records, about 16 a bucket: 512 buckets");
        assert!(!cache.join("ff.pack").exists(), "the earlier pack is gone");
        assert!(cache.join("keep.txt").exists() && cache.join("lock").exists(), "the rest stays");
        let packs = [pack_path(&cache, 0), pack_path(&cache, 1)];
        let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        for pack in &packs {
            std::fs::File::options().write(true).open(pack).expect("pack").set_modified(long_ago).expect("time");
        }
        let changed = "issues/r0042.toml";
        write(42, "done");
        git_at(root, &["commit", "-qam", "one"], 2_000);
        assert_eq!(History::load(&repo, "").expect("brought forward").of(changed).len(), 2);
        let rewritten: Vec<bool> = packs
            .iter()
            .map(|pack| std::fs::metadata(pack).and_then(|m| m.modified()).expect("time") != long_ago)
            .collect();
        let own = usize::from(pack_of(bucket_of(changed, 9)));
        assert_eq!(rewritten, (0..2).map(|pack| pack == own).collect::<Vec<_>>(), "only its own pack");
    }

    /// Buckets asked for across packs, in any order, come back in that order, each from its
    /// own pack and slot; a bucket whose pack or slot is missing comes back as none.
    #[test]
    fn buckets_are_read_from_their_own_packs() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let bucket = |number: u16| -> Bucket {
            let version = Version {
                commit: format!("c{number}"),
                time: i64::from(number),
                author: "ana".into(),
                state: "triage".into(),
                weight: None,
                milestone: None,
                labels: Vec::new(),
                blob: None,
            };
            BTreeMap::from([(format!("issues/r{number}.toml"), vec![version])])
        };
        for pack in [0_u8, 1, 2] {
            let mut slots = vec![Vec::new(); SLOTS];
            for slot in [1_u16, 2, 3] {
                let number = u16::from(pack) << 8 | slot;
                slots[slot_of(number)] = bucket::encode(bucket(number).iter());
            }
            std::fs::write(pack_path(dir.path(), pack), encode_pack(&slots)).expect("write");
        }
        let numbers = [0x0001, 0x0101, 0x0002, 0x0202, 0x0203, 0x0004, 0x0301];
        let read = read_buckets(dir.path(), &numbers, None);
        let expected: Vec<Option<Bucket>> =
            numbers.iter().map(|&n| (n >> 8 < 3 && (1..=3).contains(&(n & 0xff))).then(|| bucket(n))).collect();
        assert_eq!(read, expected);
        let wanted = BTreeSet::from(["issues/r257.toml"]);
        let few = read_buckets(dir.path(), &[0x0101, 0x0001], Some(&wanted));
        assert_eq!(few, vec![Some(bucket(0x0101)), Some(Bucket::new())], "only the records wanted");
    }

    /// A repository of `records` issues moved through states over many commits (one a merge,
    /// one deleting and re-creating a record), in git, and the versions docket must find: the
    /// cache read cold, brought forward commit by commit, spread over more files as it grows,
    /// read for a few paths, and rebuilt after damage, always equals what the script wrote.
    #[test]
    fn the_cache_always_says_what_git_holds() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path();
        let git = |args: &[&str], when: i64| git_at(root, args, when);
        git(&["init", "-q", "-b", "main"], 0);
        std::fs::create_dir_all(root.join("issues")).expect("folder");
        let write = |id: &str, state: &str| {
            let text = format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"{state}\"\n");
            std::fs::write(root.join(format!("issues/{id}.toml")), text).expect("write");
        };
        // What docket must find: path → (time, state, whether the file exists).
        let mut expected: BTreeMap<String, Vec<(i64, String, bool)>> = BTreeMap::new();
        let clock = std::cell::Cell::new(1_000_000_i64);
        let commit = |changes: &[(&str, &str)], expected: &mut BTreeMap<String, Vec<(i64, String, bool)>>| {
            clock.set(clock.get() + 60);
            let time = clock.get();
            for (id, state) in changes {
                if state.is_empty() {
                    std::fs::remove_file(root.join(format!("issues/{id}.toml"))).expect("remove");
                } else {
                    write(id, state);
                }
                expected.entry(format!("issues/{id}.toml")).or_default().push((
                    time,
                    (*state).to_owned(),
                    !state.is_empty(),
                ));
            }
            git(&["add", "-A"], time);
            git(&["commit", "-qm", "step"], time);
            time
        };
        commit(&[("a", "triage"), ("b", "triage")], &mut expected);
        commit(&[("a", "planning")], &mut expected);
        let repo = Repo::discover(root).expect("repository");
        let check = |history: &History, expected: &BTreeMap<String, Vec<(i64, String, bool)>>| {
            let got: BTreeMap<String, Vec<(i64, String, bool)>> = history
                .records
                .iter()
                .map(|(path, versions)| {
                    (path.clone(), versions.iter().map(|v| (v.time, v.state.clone(), v.blob.is_some())).collect())
                })
                .collect();
            assert_eq!(&got, expected);
        };
        check(&History::load(&repo, "").expect("loads"), &expected);
        // Brought forward: a move, a deletion, a re-creation, one commit at a time.
        commit(&[("b", "done")], &mut expected);
        check(&History::load(&repo, "").expect("loads"), &expected);
        commit(&[("a", "")], &mut expected);
        commit(&[("a", "triage"), ("c", "triage")], &mut expected);
        check(&History::load(&repo, "").expect("loads"), &expected);
        // A side branch merged in: its commits are not on the first-parent line, the merge is.
        let tick = || {
            clock.set(clock.get() + 60);
            clock.get()
        };
        git(&["checkout", "-q", "-b", "side"], tick());
        write("d", "triage");
        git(&["add", "-A"], tick());
        git(&["commit", "-qm", "side"], clock.get());
        git(&["checkout", "-q", "main"], clock.get());
        let merged = tick();
        git(&["merge", "-q", "--no-ff", "-m", "merge", "side"], merged);
        expected.entry("issues/d.toml".into()).or_default().push((merged, "triage".into(), true));
        check(&History::load(&repo, "").expect("loads"), &expected);
        // Grown past its files: spread over more, still the same.
        let many: Vec<(String, &str)> = (0..150).map(|n| (format!("m{n:03}"), "triage")).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(id, s)| (id.as_str(), *s)).collect();
        commit(&many, &mut expected);
        check(&History::load(&repo, "").expect("loads"), &expected);
        let state: CacheState =
            serde_json::from_slice(&std::fs::read(repo.git_path("docket/history/state.json")).expect("state"))
                .expect("json");
        assert_eq!(state.bits, 4, "154 records spread over 16 files");
        assert_eq!(state.head, repo.head());
        // A few paths: only theirs.
        let few = History::load_paths(
            &repo,
            "",
            &["issues/a.toml".into(), "issues/m007.toml".into(), "issues/zz.toml".into()],
        )
        .expect("loads");
        let mut wanted = expected.clone();
        wanted.retain(|path, _| path == "issues/a.toml" || path == "issues/m007.toml");
        check(&few, &wanted);
        assert_eq!(few.of("issues/a.toml").len(), 4);
        assert!(few.of("issues/zz.toml").is_empty());
        // A damaged file: rebuilt, never read as empty.
        let bucket = pack_path(&repo.git_path("docket/history"), pack_of(bucket_of("issues/a.toml", state.bits)));
        assert!(bucket.is_file(), "{}", bucket.display());
        std::fs::write(&bucket, "{ damaged").expect("damage");
        check(&History::load(&repo, "").expect("loads"), &expected);
        std::fs::remove_file(&bucket).expect("remove");
        check(&History::load_paths(&repo, "", &["issues/a.toml".into()]).expect("loads").clone(), &{
            let mut only = expected.clone();
            only.retain(|path, _| path == "issues/a.toml");
            only
        });
        // A record replaced by a symbolic link: no record (the hooks refuse links).
        std::fs::remove_file(root.join("issues/c.toml")).expect("remove");
        std::os::unix::fs::symlink("a.toml", root.join("issues/c.toml")).expect("link");
        let linked = clock.get() + 60;
        clock.set(linked);
        git(&["add", "-A"], linked);
        git(&["commit", "-qm", "link"], linked);
        expected.entry("issues/c.toml".into()).or_default().push((linked, String::new(), false));
        check(&History::load(&repo, "").expect("loads"), &expected);
        // No cache: a few paths over a short history are walked, the cache left unbuilt; one
        // lookup more than the limit allows builds it. The same answer either way. Eight
        // commits on the first-parent line, three paths: 24 lookups.
        let paths: Vec<String> = ["issues/a.toml", "issues/c.toml", "issues/m007.toml"].map(String::from).to_vec();
        let mut wanted = expected.clone();
        wanted.retain(|path, _| paths.contains(path));
        let state_file = repo.git_path("docket/history/state.json");
        std::fs::remove_dir_all(repo.git_path("docket/history")).expect("no cache");
        check(&History::load_paths_with(&repo, "", &paths, 24).expect("walked"), &wanted);
        assert!(!state_file.exists(), "walked, not built");
        // One lookup more than the limit allows: every commit's changes are walked instead,
        // still building nothing; `0` builds the cache.
        check(&History::load_paths_with(&repo, "", &paths, 23).expect("walked by changes"), &wanted);
        assert!(!state_file.exists(), "walked by changes, not built");
        check(&History::walk_changes(&repo, "", &repo.head().expect("head"), &paths).expect("walked"), &wanted);
        check(&History::load_paths_with(&repo, "", &paths, 0).expect("built"), &wanted);
        assert!(state_file.exists(), "built");
        // With a cache, it is read whatever the limit, and not written again.
        let written = || std::fs::metadata(&state_file).and_then(|m| m.modified()).expect("state");
        let built_at = written();
        check(&History::load_paths_with(&repo, "", &paths, usize::MAX).expect("read"), &wanted);
        check(&History::load_paths_with(&repo, "", &paths, 0).expect("read"), &wanted);
        assert_eq!(written(), built_at, "the cache was read, not rebuilt");
        // History rewritten under the cache (a reset, then a new commit): the cache no longer
        // leads to HEAD and would be rebuilt from every record, so the short history is walked.
        let cached_head = || -> Option<String> {
            serde_json::from_slice::<CacheState>(&std::fs::read(&state_file).expect("state")).expect("json").head
        };
        let before = cached_head();
        git(&["reset", "-q", "--hard", "HEAD~1"], clock.get());
        expected.get_mut("issues/c.toml").expect("c").pop();
        commit(&[("a", "done")], &mut expected);
        let mut wanted = expected.clone();
        wanted.retain(|path, _| paths.contains(path));
        check(&History::load_paths_with(&repo, "", &paths, usize::MAX).expect("walked"), &wanted);
        assert_eq!(cached_head(), before, "walked, the cache left as it was");
        check(&History::load_paths_with(&repo, "", &paths, 0).expect("rebuilt"), &wanted);
        assert_eq!(cached_head(), repo.head(), "rebuilt");
    }

    /// Building the cache reads the versions on every core once there are enough of them: the
    /// same versions, in the same order, as walking each record's history one lookup at a time.
    #[test]
    fn a_cache_built_on_every_core_equals_the_walk() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path();
        let git = |args: &[&str], when: i64| {
            git_at(root, args, when);
        };
        git(&["init", "-q", "-b", "main"], 0);
        std::fs::create_dir_all(root.join("issues")).expect("folder");
        let states = ["triage", "planning", "development", "done"];
        for (step, when) in [(0_usize, 1_000_i64), (1, 2_000), (2, 3_000)] {
            // 600 records, then every other one moved, then every third one.
            for n in (0..600).filter(|n| step == 0 || n % (step + 1) == 0) {
                let text = format!(
                    "title = \"r{n}\"\ntype = \"bug\"\nstage = \"{}\"\nweight = {}\nlabels = [\"l{}\"]\n",
                    states[(n + step) % states.len()],
                    1 + n % 5,
                    n % 7
                );
                std::fs::write(root.join(format!("issues/r{n:03}.toml")), text).expect("write");
            }
            git(&["add", "-A"], when);
            git(&["commit", "-qm", "step"], when);
        }
        let repo = Repo::discover(root).expect("repository");
        let head = repo.head().expect("a head");
        let paths: Vec<String> = (0..600).map(|n| format!("issues/r{n:03}.toml")).collect();
        let walked = History::walk(&repo, "", &head, &paths).expect("walked");
        assert_eq!(History::walk_changes(&repo, "", &head, &paths).expect("walked by changes"), walked);
        let built = History::load(&repo, "").expect("built");
        assert_eq!(built.records.len(), 600);
        assert_eq!(built, walked);
        assert_eq!(built.of("issues/r000.toml").len(), 3, "changed in every commit");
        assert_eq!(built.of("issues/r001.toml").len(), 1, "never changed");
        // Read back from the packs, the same.
        assert_eq!(History::load(&repo, "").expect("read"), walked);
    }

    /// Versions read through the packs are those libgit2 alone reads — blobs stored whole, as
    /// deltas and loose alike — and the packs are read from `PACKS_AT` versions on.
    #[test]
    fn versions_read_from_the_packs_equal_libgit2s() {
        assert!(!reads_packs(PACKS_AT - 1));
        assert!(reads_packs(PACKS_AT));
        // Opened once, for the first batch large enough, and kept for smaller ones after it.
        let mut opened = 0;
        let mut packs = None;
        let mut open = || {
            opened += 1;
            Packs::default()
        };
        assert!(packs_for(&mut packs, PACKS_AT - 1, &mut open).is_none());
        assert!(packs_for(&mut packs, PACKS_AT, &mut open).is_some());
        assert!(packs_for(&mut packs, 1, &mut open).is_some());
        assert!(packs_for(&mut packs, PACKS_AT, &mut open).is_some());
        assert_eq!(opened, 1);
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path();
        git_at(root, &["init", "-q", "-b", "main"], 0);
        std::fs::create_dir_all(root.join("issues")).expect("folder");
        let description = "a long description that git stores as a delta of its next version\n".repeat(40);
        for (step, when) in [(0_usize, 1_000_i64), (1, 2_000), (2, 3_000)] {
            for n in 0..300 {
                let stage = ["triage", "planning", "done"][(n + step) % 3];
                let text = format!(
                    "title = \"r{n}\"\ntype = \"bug\"\nstage = \"{stage}\"\ndescription = \"\"\"\n{description}\"\"\"\n"
                );
                std::fs::write(root.join(format!("issues/r{n:03}.toml")), text).expect("write");
            }
            git_at(root, &["add", "-A"], when);
            git_at(root, &["commit", "-qm", "step"], when);
            // The first two commits packed (with deltas), the last one's objects loose.
            if step == 1 {
                git_at(root, &["repack", "-adq"], when);
            }
        }
        let repo = Repo::discover(root).expect("repository");
        let commits = repo.first_parent_range(None, &repo.head().expect("a head")).expect("commits");
        let tasks = || {
            let mut tasks = Vec::new();
            for (at, commit) in commits.iter().enumerate() {
                for change in repo.commit_changes(&commit.id, &record_folders("")).expect("changes") {
                    let (kind, id) = record_at(&change.path).expect("a record");
                    tasks.push(Task { relative: change.path, kind, id, commit: at, blob: change.new });
                }
            }
            tasks
        };
        let packs = repo.packs();
        assert!(packs.objects() > 600, "the first two commits are packed");
        let through_libgit2 = versions_of(&repo, &commits, tasks(), None).expect("read");
        assert_eq!(through_libgit2.len(), 900);
        assert_eq!(versions_of(&repo, &commits, tasks(), Some(&packs)).expect("read"), through_libgit2);
        assert!(through_libgit2.iter().all(|(_, version)| !version.state.is_empty()), "every version read");
    }

    #[test]
    fn stays_follow_state_changes_and_deletions() {
        let versions = [
            version(10, "triage", Some("b1")),
            version(20, "triage", Some("b2")),
            version(30, "planning", Some("b3")),
            version(40, "", None),
            // Unreadable as a record: no stay.
            version(45, "", Some("bx")),
            version(50, "done", Some("b4")),
        ];
        let stays = stays(&versions);
        let got: Vec<(&str, i64, Option<i64>)> = stays.iter().map(|s| (s.state.as_str(), s.from, s.until)).collect();
        assert_eq!(got, [("triage", 10, Some(30)), ("planning", 30, Some(40)), ("done", 50, None)]);
    }
}
