//! Records through time, from git history: for every record file, the versions its
//! first-parent history holds, oldest first, with each commit's time and author.
//!
//! One pass over the history reads each commit's changes to the record folders (git skips
//! unchanged subtrees), so the cost is the number of commits plus the number of changes, not
//! commits × records. The result is cached under the git directory, keyed by the commit it
//! reflects; a later run reads only the commits since. The cache is split into small files
//! (about 16 records each, up to 65,536 files) by a hash of the record's path, so that a
//! command about a few records (`plan`, `log`) reads only theirs, however large the tracker:
//! [`History::load_paths`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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

/// The versions of record files (path relative to the tracker root), oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The commit the history reaches.
    pub head: Option<String>,
    pub records: BTreeMap<String, Vec<Version>>,
}

const CACHE_VERSION: u32 = 3;

/// What the cache reflects; written last, so that a cache cut short is brought up to date
/// (appending is idempotent) rather than trusted.
#[derive(Serialize, Deserialize, Default)]
struct CacheState {
    version: u32,
    prefix: String,
    head: Option<String>,
    /// How many bits of the path's hash name its cache file: chosen when the cache is built,
    /// for about 16 records a file, and chosen again when it has grown fourfold.
    bits: u32,
    /// How many records the cache holds.
    #[serde(default)]
    records: usize,
}

type Bucket = BTreeMap<String, Vec<Version>>;

impl History {
    /// The history of every record of the tracker at `prefix` up to `HEAD`, reading only the
    /// commits the cache has not seen.
    pub fn load(repo: &Repo, prefix: &str) -> Result<Self, StoreError> {
        Self::load_with(repo, prefix, None, true)
    }

    /// The history of the records at `paths` (relative to the tracker root) only: the cache
    /// files holding them are read, not the whole history.
    pub fn load_paths(repo: &Repo, prefix: &str, paths: &[String]) -> Result<Self, StoreError> {
        Self::load_with(repo, prefix, Some(paths), true)
    }

    /// [`Self::load`] or [`Self::load_paths`]; `retry` rebuilds a damaged cache once.
    fn load_with(repo: &Repo, prefix: &str, paths: Option<&[String]>, retry: bool) -> Result<Self, StoreError> {
        let Some(head) = repo.head() else { return Ok(Self::default()) };
        let dir = cache_dir(repo, prefix);
        // One process brings the cache up to date at a time; the lock goes with the process.
        let _ = std::fs::create_dir_all(&dir);
        let lock = std::fs::File::create(dir.join("lock")).ok();
        if let Some(lock) = &lock {
            let _ = lock.lock();
        }
        let mut state: CacheState = std::fs::read(dir.join("state.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .filter(|s: &CacheState| s.version == CACHE_VERSION && s.prefix == prefix)
            .unwrap_or_default();
        if state.head.as_deref() != Some(head.as_str()) {
            state = update(repo, prefix, &dir, state, &head)?;
        }
        let wanted: Option<BTreeSet<&str>> = paths.map(|p| p.iter().map(String::as_str).collect());
        let buckets: Vec<PathBuf> = match &wanted {
            Some(paths) => {
                let numbers: BTreeSet<u16> = paths.iter().map(|p| bucket_of(p, state.bits)).collect();
                numbers.into_iter().map(|n| bucket_path(&dir, n)).collect()
            }
            None => all_buckets(&dir),
        };
        let mut records = BTreeMap::new();
        for bucket in read_buckets(&buckets, wanted.as_ref()) {
            let Some(bucket) = bucket else { continue };
            let Ok(bucket) = bucket else {
                // A damaged cache is rebuilt from git, once; then it is read around.
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

/// The cache files at `paths`, read and parsed on all cores: `None` for one that does not
/// exist, an error for one that is damaged. With `wanted`, only those records' versions are
/// decoded; the others sharing their files are skipped over.
fn read_buckets(paths: &[PathBuf], wanted: Option<&BTreeSet<&str>>) -> Vec<Option<Result<Bucket, serde_json::Error>>> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(8);
    let chunk = paths.len().div_ceil(threads).max(1);
    let parse = |bytes: &[u8]| -> Result<Bucket, serde_json::Error> {
        let Some(wanted) = wanted else { return serde_json::from_slice(bytes) };
        let raw: BTreeMap<String, &serde_json::value::RawValue> = serde_json::from_slice(bytes)?;
        raw.into_iter()
            .filter(|(record, _)| wanted.contains(record.as_str()))
            .map(|(record, versions)| Ok((record, serde_json::from_str(versions.get())?)))
            .collect()
    };
    let read = |path: &PathBuf| std::fs::read(path).ok().map(|bytes| parse(&bytes));
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            paths.chunks(chunk).map(|chunk| scope.spawn(move || chunk.iter().map(read).collect::<Vec<_>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("reading a file does not panic")).collect()
    })
}

/// Reads the commits after the cache's head up to `head` (all of them when it has none, or it
/// is no longer an ancestor, as after a rewrite of history) into the cache at `dir`; its new
/// state.
fn update(repo: &Repo, prefix: &str, dir: &Path, state: CacheState, head: &str) -> Result<CacheState, StoreError> {
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
    let folders: Vec<String> = Kind::ALL.iter().map(|k| format!("{prefix}{}/", k.folder())).collect();
    let mut new: Bucket = BTreeMap::new();
    for commit in commits {
        for change in repo.commit_changes(&commit.id, &folders)? {
            let Some(relative) = change.path.strip_prefix(prefix) else { continue };
            let Some((kind, id)) = record_at(relative) else { continue };
            let text = match &change.new {
                Some(blob) => repo.blob_text(blob)?,
                None => None,
            };
            let parsed = text.and_then(|text| parse_record(kind, &id, relative, &text, &RecordRules::default()).record);
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
            new.entry(relative.to_owned()).or_default().push(Version {
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
    let reflects = |bits: u32, records: usize| CacheState {
        version: CACHE_VERSION,
        prefix: prefix.to_owned(),
        head: Some(head.to_owned()),
        bits,
        records,
    };
    if known.is_none() {
        let records = new.len();
        let bits = write_fresh(dir, new);
        return Ok(finish(dir, reflects(bits, records)));
    }
    let mut by_bucket: BTreeMap<u16, Bucket> = BTreeMap::new();
    for (record, versions) in new {
        by_bucket.entry(bucket_of(&record, state.bits)).or_default().insert(record, versions);
    }
    // The cache is derived: failing to write it only costs time next run.
    let mut records = state.records;
    for (number, additions) in by_bucket {
        let path = bucket_path(dir, number);
        let mut bucket: Bucket =
            std::fs::read(&path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default();
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
        write_atomically(&path, &serde_json::to_vec(&bucket).unwrap_or_default());
    }
    // Grown fourfold past its files: spread it over more.
    if state.bits < 16 && records > 64 << state.bits {
        let _ = std::fs::remove_file(dir.join("state.json"));
        let mut all = Bucket::new();
        for bucket in read_buckets(&all_buckets(dir), None).into_iter().flatten().flatten() {
            all.extend(bucket);
        }
        let records = all.len();
        let bits = write_fresh(dir, all);
        return Ok(finish(dir, reflects(bits, records)));
    }
    Ok(finish(dir, reflects(state.bits, records)))
}

/// Records `state` as what the cache at `dir` reflects, and returns it.
fn finish(dir: &Path, state: CacheState) -> CacheState {
    write_atomically(&dir.join("state.json"), &serde_json::to_vec(&state).unwrap_or_default());
    state
}

/// Writes `records` as a new cache at `dir`, about 16 records a file; how many bits of the
/// hash name a file. Until the new state is written, no run trusts these files.
fn write_fresh(dir: &Path, records: Bucket) -> u32 {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let bits = (records.len() / 16).max(1).next_power_of_two().trailing_zeros().min(16);
    let mut by_bucket: BTreeMap<u16, Bucket> = BTreeMap::new();
    for (record, versions) in records {
        by_bucket.entry(bucket_of(&record, bits)).or_default().insert(record, versions);
    }
    for (number, bucket) in by_bucket {
        let path = bucket_path(dir, number);
        // Written in place, not aside and renamed: that costs file systems dearly by the
        // thousand, and these files are not trusted before the state is written.
        if let Some(parent) = path.parent() {
            let bytes = serde_json::to_vec(&bucket).unwrap_or_default();
            let _ = std::fs::create_dir_all(parent).and_then(|()| std::fs::write(&path, bytes));
        }
    }
    bits
}

/// Writes a derived file so that a reader sees the old content or the new, never half: best
/// effort, since a derived file that cannot be written only costs time next run.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let temporary = path.with_extension("tmp");
    if std::fs::write(&temporary, bytes).is_ok() {
        let _ = std::fs::rename(&temporary, path);
    }
}

/// The cache file holding a record's history: `bits` (at most 16) bits of the FNV-1a hash of
/// its path, which does not change between versions or machines.
fn bucket_of(path: &str, bits: u32) -> u16 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    u16::try_from(hash & ((1 << bits.min(16)) - 1)).expect("16 bits")
}

fn bucket_path(dir: &Path, number: u16) -> PathBuf {
    dir.join(format!("{:02x}", number >> 8)).join(format!("{:02x}.json", number & 0xff))
}

fn all_buckets(dir: &Path) -> Vec<PathBuf> {
    let mut buckets: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten().map(|f| f.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    buckets.sort();
    buckets
}

fn cache_dir(repo: &Repo, prefix: &str) -> PathBuf {
    derived_path(repo, prefix, "history", "")
}

/// Where a file derived from the tracker at `prefix` is kept: `.git/docket/<name><extension>`,
/// with the tracker's folder in the name when it is not at the repository's top.
pub(crate) fn derived_path(repo: &Repo, prefix: &str, name: &str, extension: &str) -> PathBuf {
    let name = if prefix.is_empty() {
        format!("{name}{extension}")
    } else {
        format!("{name}-{}{extension}", prefix.trim_end_matches('/').replace('/', "-"))
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
