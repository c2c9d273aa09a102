//! Mirrors: keeping the tracker and a remote service (GitLab, Launchpad) in step, in either
//! direction, without duplicates, lost changes or silent overwrites.
//!
//! This module owns what every service shares: the last synced state (the *base*, a commit on
//! `refs/docket/mirror/<service>` beside the branches, so `git push`/`git fetch` of that ref
//! carry it between clones), the three-way comparison of each field (base, local, remote), the
//! journal that makes a killed run resumable without duplicates, and the writing of pulled
//! changes as one commit judged by the same checks as the pre-commit hook. A service
//! ([`Service`], e.g. [`gitlab::Gitlab`]) only maps records to its API and back.
//!
//! Records are read from `HEAD` (what is committed is what is mirrored), and only those
//! changed since the base's commit, or changed on the remote since the base's remote time,
//! are compared: a run costs what changed, not the tracker's size.

mod base;
mod credentials;
pub mod gitlab;
pub mod http;
pub mod launchpad;
mod section;
mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::model::{Kind, Record};
use crate::store::StoreError;
use crate::time::Timestamp;
use crate::tracker::{RecordFile, Tracker, TrackerError};

use base::{Base, Entry, Journal, Reader, key_of, kind_of_folder};
pub use credentials::{credential, store as store_credentials};
pub use text::local_comments;
use text::{apply_view, new_record_text, remote_number_of, with_remote_number};

/// A record as a service sees it: docket field names → JSON values (`null` for unset). Lists
/// are sorted, so two views are equal when the records agree on everything mirrored.
pub type View = BTreeMap<String, Value>;

/// Why a mirror run failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error(transparent)]
    Http(#[from] http::HttpError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `docket.toml` does not configure the service, or configures it wrongly.
    #[error("{0}")]
    Config(String),
    /// No credentials were found.
    #[error("no {service} token: set {variable} or add it to {file}")]
    NoToken { service: &'static str, variable: &'static str, file: String },
    /// The service rejected the credentials.
    #[error("{service} refused the token ({status}): {message}")]
    Unauthorized { service: &'static str, status: u16, message: String },
    /// Mirroring one record failed; the records before it are done.
    #[error("{id}: {error}")]
    Record { id: String, error: Box<MirrorError> },
    /// A create made the item, then failed in a request that followed (a bug task's status):
    /// the next run finds the item by its marker instead of making another. The engine reports
    /// the inner error; this never reaches the user.
    #[error("{error}")]
    Made { error: Box<MirrorError> },
    /// The base (the last synced state) is not readable.
    #[error("the last synced state in {reference} is damaged: {message}")]
    Base { reference: String, message: String },
}

impl MirrorError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            MirrorError::Http(error) if error.status() == Some(404) => Some(
                "check the mirror's `url` in docket.toml and what it names ([mirror.gitlab] `project`, [mirror.launchpad] `distribution`)"
                    .to_owned(),
            ),
            MirrorError::Http(error) if error.is_ambiguous() => Some(
                "the service or the network failed after every retry; run the command again: it resumes where it stopped, without duplicates".to_owned(),
            ),
            MirrorError::NoToken { service: "Launchpad", .. } => Some(
                "run `docket mirror login launchpad` (it stores the token in the credentials file), or export LAUNCHPAD_TOKEN and LAUNCHPAD_TOKEN_SECRET"
                    .to_owned(),
            ),
            MirrorError::NoToken { variable, .. } => Some(format!(
                "make an access token with the `api` scope (GitLab: Preferences → Access tokens) and `export {variable}=…`, or put it in the credentials file"
            )),
            MirrorError::Unauthorized { service: "Launchpad", .. } => Some(
                "the token was revoked or never authorized with write access: run `docket mirror login launchpad` again".to_owned(),
            ),
            MirrorError::Unauthorized { .. } => {
                Some("the token expired, was revoked or lacks the `api` scope: make a new one and set it in the environment or the credentials file".to_owned())
            }
            MirrorError::Record { error, .. } => error.hint().or_else(|| match error.as_ref() {
                MirrorError::Http(http) if http.status().is_some_and(|status| (400..500).contains(&status)) => Some(
                    "the service refused this record as it is: change what it names above, then run again (the records before it are done)"
                        .to_owned(),
                ),
                _ => None,
            }),
            MirrorError::Base { reference, .. } => Some(format!(
                "delete it with `git update-ref -d {reference}`; the next run compares every record afresh"
            )),
            _ => None,
        }
    }
}

/// Which sides a run may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Write the remote only.
    Push,
    /// Write the tracker only.
    Pull,
    /// Write both.
    Sync,
}

impl Direction {
    fn pushes(self) -> bool {
        matches!(self, Direction::Push | Direction::Sync)
    }

    fn pulls(self) -> bool {
        matches!(self, Direction::Pull | Direction::Sync)
    }
}

/// Which side wins a conflict, when the user says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    Local,
    Remote,
}

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub direction: Direction,
    pub dry_run: bool,
    /// Only these records (full ids); all when empty.
    pub ids: Vec<String>,
    pub prefer: Option<Prefer>,
    /// The time of the run, for judging pulled changes and dating pulled records.
    pub now: Timestamp,
}

/// A field changed on both sides since the base, to different values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub id: String,
    pub field: String,
    pub base: Value,
    pub local: Value,
    pub remote: Value,
}

/// One field a run changes (or, in a dry run, would change).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub id: String,
    /// `remote` or `local`: the side written.
    pub side: &'static str,
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// A record left as it was, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub id: String,
    pub reason: String,
}

/// What a run did (or would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub service: String,
    pub dry_run: bool,
    /// Records created on the remote, by id.
    pub created_remote: Vec<String>,
    /// Records updated on the remote.
    pub updated_remote: Vec<String>,
    /// Records created in the tracker from remote items.
    pub created_local: Vec<String>,
    /// Records updated in the tracker.
    pub updated_local: Vec<String>,
    /// Records compared and found equal.
    pub unchanged: usize,
    pub comments_pushed: usize,
    pub comments_pulled: usize,
    pub conflicts: Vec<Conflict>,
    /// Pulled changes the workflow refuses: nothing written for these records.
    #[serde(skip)]
    pub refused: Vec<(String, Vec<Diagnostic>)>,
    pub skipped: Vec<Skipped>,
    /// Every field written, or that would be.
    pub changes: Vec<FieldChange>,
    /// The commit holding the pulled changes.
    pub commit: Option<String>,
    /// Requests made, and how many of them asked to change something.
    pub requests: usize,
    pub writes: usize,
}

impl Report {
    /// Whether the run left something for the user to decide (conflicts, refusals).
    pub fn needs_attention(&self) -> bool {
        !self.conflicts.is_empty() || !self.refused.is_empty()
    }
}

/// A comment or weekly update of a record, as the mirrors post it.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalComment {
    /// Stable across runs: a hash of what the entry says.
    pub key: String,
    pub author: Option<String>,
    pub date: Option<Timestamp>,
    pub text: String,
    /// For a weekly update: its health (`None` for a comment).
    pub update: Option<Option<String>>,
}

/// A remote item (issue, milestone, bug) as a service reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteItem {
    /// The service's number for it (GitLab's iid, a milestone's id).
    pub remote: u64,
    /// The docket id found in the mirror's marker, when docket created it.
    pub marker: Option<String>,
    pub view: View,
    /// When it last changed, as the service writes it.
    pub updated: String,
    /// How many people's comments it has (system notes excluded), when the service says.
    pub comment_count: Option<u64>,
    /// When it was made (RFC 3339), for a record made from it.
    pub created: Option<String>,
}

/// A remote comment.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteComment {
    pub id: u64,
    pub author: Option<String>,
    pub date: Option<Timestamp>,
    pub text: String,
    /// The key of the local comment it was posted from, when docket posted it.
    pub marker: Option<String>,
}

/// The remote numbers of linked records, both ways.
#[derive(Debug, Clone, Default)]
pub struct Links {
    by_local: BTreeMap<(Kind, String), u64>,
    by_remote: HashMap<(Kind, u64), String>,
}

impl Links {
    pub fn remote(&self, kind: Kind, id: &str) -> Option<u64> {
        self.by_local.get(&(kind, id.to_owned())).copied()
    }

    pub fn local(&self, kind: Kind, remote: u64) -> Option<&str> {
        self.by_remote.get(&(kind, remote)).map(String::as_str)
    }

    fn insert(&mut self, kind: Kind, id: &str, remote: u64) {
        self.by_local.insert((kind, id.to_owned()), remote);
        self.by_remote.insert((kind, remote), id.to_owned());
    }
}

/// What a service does; the engine ([`run`]) decides when.
pub trait Service {
    /// The service's name: in the base's reference, the records' `[mirror.<name>]` table and
    /// messages.
    fn name(&self) -> &'static str;
    /// The kinds mirrored, in the order they are synced (what others refer to first).
    fn kinds(&self) -> &'static [Kind];
    /// Fields read from the service but never written to it.
    fn pull_only(&self) -> &'static [&'static str];
    /// The view of a local record.
    fn view(&self, tracker: &Tracker, record: &Record) -> View;
    /// The items of `kind` changed since `since` (a time from [`RemoteItem::updated`]; every
    /// item when `None`).
    fn changed(&mut self, kind: Kind, since: Option<&str>, links: &Links) -> Result<Vec<RemoteItem>, MirrorError>;
    /// The item docket created for record `id`, found by the marker it carries.
    fn find(&mut self, kind: Kind, id: &str, links: &Links) -> Result<Option<RemoteItem>, MirrorError>;
    /// Item `remote` as it is now; `None` when it no longer exists.
    fn get(&mut self, kind: Kind, remote: u64, links: &Links) -> Result<Option<RemoteItem>, MirrorError>;
    /// Creates the item for record `id`, with the marker. A failure after the item was made is
    /// [`MirrorError::Made`].
    fn create(&mut self, kind: Kind, id: &str, view: &View, links: &Links) -> Result<RemoteItem, MirrorError>;
    /// Writes the fields of `changed` (the new values) to item `remote`, whose last known
    /// view is `before`. A service that can tell (an `ETag`) answers [`Written::Stale`] when
    /// someone changed those fields since `before`, and writes nothing over them.
    fn update(
        &mut self,
        kind: Kind,
        remote: u64,
        changed: &View,
        before: &View,
        links: &Links,
    ) -> Result<Written, MirrorError>;
    /// The fields a create sets with later requests, not the create itself (a bug task's
    /// status after `createBug`): after a run killed between them, their base is the remote's
    /// value, so the next run writes them again rather than taking the remote's default.
    fn set_after_create(&self) -> &'static [&'static str] {
        &[]
    }
    /// The comments of item `remote`.
    fn comments(&mut self, kind: Kind, remote: u64) -> Result<Vec<RemoteComment>, MirrorError>;
    /// Posts `comment` of record `id` on item `remote`, with its marker; returns its number.
    fn comment(&mut self, kind: Kind, remote: u64, id: &str, comment: &LocalComment) -> Result<u64, MirrorError>;
    /// The remote comment made from the local one with `key`, found by its marker.
    fn find_comment(&mut self, kind: Kind, remote: u64, key: &str) -> Result<Option<u64>, MirrorError> {
        Ok(self.comments(kind, remote)?.into_iter().find(|c| c.marker.as_deref() == Some(key)).map(|c| c.id))
    }
    /// Requests made so far, and how many of them were writes.
    fn cost(&self) -> (usize, usize);
}

/// What an update came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The item changed since it was read, in the fields to write: nothing was written over
    /// them; the record is compared again next run (where a field changed on both sides is a
    /// conflict).
    Stale,
}

/// A record read from `HEAD`: its text and, when valid, the record.
struct Committed {
    path: String,
    text: String,
    record: Option<Record>,
}

/// Runs a mirror: compares every record changed on either side since the base and writes what
/// `options` allow. `progress` is told (done, total) as records are handled.
pub fn run(
    tracker: &Tracker,
    service: &mut dyn Service,
    options: &Options,
    new_id: &mut dyn FnMut() -> Result<String, TrackerError>,
    progress: &dyn Fn(usize, usize),
) -> Result<Report, MirrorError> {
    let _lock = if options.dry_run { None } else { Some(tracker.lock_writes()?) };
    let name = service.name();
    let mut base = Base::load(tracker, name)?;
    let mut links = base.links();
    let journal = Journal::new(tracker, name);
    let mut report = Report { service: name.to_owned(), dry_run: options.dry_run, ..Report::default() };
    let head = tracker.repo.head();

    // Items a killed run created without recording them: found by their marker.
    if !options.dry_run {
        recover(tracker, service, &mut base, &mut links, &journal.left())?;
        // The commit this run reads records from: what a recovery after a kill compares with.
        if let Some(head) = &head {
            journal.note(&format!("head {head}"))?;
        }
    }

    // What changed locally since the base.
    let folders: Vec<String> = service.kinds().iter().map(|k| format!("{}{}/", tracker.prefix, k.folder())).collect();
    let mut ids: BTreeSet<(Kind, String)> = BTreeSet::new();
    if let Some(head) = &head {
        let old_tree =
            base.meta.local.as_deref().filter(|c| tracker.repo.has_commit(c)).map(|c| tracker.repo.tree_of(c));
        let old_tree = match old_tree {
            Some(tree) => Some(tree?),
            None => None,
        };
        let new_tree = tracker.repo.tree_of(head)?;
        for change in tracker.repo.tree_changes(old_tree.as_deref(), Some(&new_tree), &folders)? {
            if let Some(path) = change.path.strip_prefix(&tracker.prefix)
                && let Some((kind, id)) = crate::check::record_at(path)
            {
                ids.insert((kind, id));
            }
        }
    }
    let mut pending_keys = Vec::new();
    for key in &base.meta.pending {
        if let Some((folder, id)) = key.split_once('/')
            && let Some(kind) = kind_of_folder(folder)
        {
            ids.insert((kind, id.to_owned()));
            pending_keys.push((kind, id.to_owned()));
        }
    }

    // What changed on the remote since the base.
    let mut remote: BTreeMap<(Kind, String), RemoteItem> = BTreeMap::new();
    let mut unknown: Vec<(Kind, RemoteItem)> = Vec::new();
    let mut since = BTreeMap::new();
    for &kind in service.kinds() {
        let items = service.changed(kind, base.meta.since.get(kind.name()).map(String::as_str), &links)?;
        let latest = items.iter().map(|item| item.updated.clone()).max();
        if let Some(latest) = latest {
            since.insert(kind.name().to_owned(), latest);
        }
        for item in items {
            let id = links.local(kind, item.remote).map(str::to_owned).or_else(|| item.marker.clone());
            match id {
                Some(id) => {
                    if links.remote(kind, &id).is_none() {
                        links.insert(kind, &id, item.remote);
                    }
                    ids.insert((kind, id.clone()));
                    remote.insert((kind, id), item);
                }
                None => unknown.push((kind, item)),
            }
        }
    }
    // Records left undecided last time are compared with the remote as it is now.
    for (kind, id) in pending_keys {
        if let Some(number) = links.remote(kind, &id)
            && !remote.contains_key(&(kind, id.clone()))
            && let Some(item) = service.get(kind, number, &links)?
        {
            remote.insert((kind, id), item);
        }
    }
    if !options.ids.is_empty() {
        ids.retain(|(_, id)| options.ids.contains(id));
        unknown.clear();
        // Records asked for by name are compared even when nothing changed.
        for id in &options.ids {
            if let Some(head) = &head {
                for &kind in service.kinds() {
                    let path = format!("{}{}", tracker.prefix, tracker.path_for(kind, id));
                    if tracker.repo.blob_at(head, &path)?.is_some() {
                        ids.insert((kind, id.clone()));
                    }
                }
            }
        }
    }

    let total = ids.len() + unknown.len();
    let mut done = 0;
    let mut local_writes: Vec<LocalWrite> = Vec::new();
    let mut head_reader = head.as_deref().map(Reader::new);
    let mut pending = BTreeSet::new();
    for &kind in service.kinds() {
        let keys: Vec<(Kind, String)> = ids.iter().filter(|(k, _)| *k == kind).cloned().collect();
        for key in keys {
            let id = key.1.clone();
            let committed = read_committed(tracker, head_reader.as_mut(), kind, &id)?;
            let item = remote.remove(&key);
            let item = item.as_ref();
            let outcome = sync_one(
                tracker,
                service,
                options,
                &mut base,
                &mut links,
                &journal,
                &mut report,
                kind,
                &id,
                committed.as_ref(),
                item,
            );
            let outcome = match outcome {
                Ok(outcome) => outcome,
                Err(error) => {
                    // What was linked so far is kept, so the next run need not look it up; the
                    // commit compared and the remote time stay, so everything else is compared
                    // again.
                    if !options.dry_run {
                        let _ = base.save(tracker, &format!("docket mirror {name} (interrupted)"));
                    }
                    return Err(match error {
                        // Whole-run failures read as they are.
                        MirrorError::Unauthorized { .. } | MirrorError::NoToken { .. } => error,
                        error => MirrorError::Record { id, error: Box::new(error) },
                    });
                }
            };
            let (write, undecided) = match outcome {
                Outcome::Write(new, entry) => (Some((new, entry)), false),
                Outcome::WritePending(new) => (Some((new, None)), true),
                Outcome::Pending => (None, true),
                Outcome::Done => (None, false),
            };
            if undecided {
                pending.insert(key_of(kind, &id));
            }
            if let Some((new, entry)) = write {
                let committed = committed.as_ref().expect("a write edits a committed record");
                local_writes.push(LocalWrite {
                    kind,
                    id: id.clone(),
                    path: committed.path.clone(),
                    old: Some(committed.text.clone()),
                    new,
                    entry,
                });
            }
            done += 1;
            progress(done, total);
        }
        // Remote items docket does not know: new records, on a pull.
        for (item_kind, item) in unknown.iter().filter(|(k, _)| *k == kind) {
            done += 1;
            progress(done, total);
            if !options.direction.pulls() {
                report.skipped.push(Skipped {
                    id: format!("{name}:{}", item.remote),
                    reason: format!("on {name} only; `docket mirror pull {name}` brings it in"),
                });
                continue;
            }
            let id = new_id()?;
            let created = item.created.as_deref().and_then(crate::time::parse_timestamp).unwrap_or(options.now);
            let mut text = new_record_text(tracker, *item_kind, &item.view, name, item.remote, created);
            let mut entry = Entry {
                remote: item.remote,
                view: item.view.clone(),
                comment_count: item.comment_count,
                ..Entry::default()
            };
            let mut pulled = Vec::new();
            if item.comment_count != Some(0) {
                for comment in service.comments(*item_kind, item.remote)? {
                    if comment.marker.is_none() {
                        text = crate::format::edit::append_comment(
                            &text,
                            *item_kind,
                            comment.date.unwrap_or(created),
                            comment.author.as_deref(),
                            &comment.text,
                        )
                        .unwrap_or(text);
                        report.comments_pulled += 1;
                        pulled.push(comment.clone());
                    }
                    entry.seen.insert(comment.id);
                }
            }
            let path = tracker.path_for(*item_kind, &id);
            link_pulled_comments(tracker, &path, *item_kind, &id, &text, &BTreeSet::new(), &pulled, &mut entry);
            for (field, value) in &item.view {
                if !value.is_null() {
                    report.changes.push(FieldChange {
                        id: id.clone(),
                        side: "local",
                        field: field.clone(),
                        before: Value::Null,
                        after: value.clone(),
                    });
                }
            }
            report.created_local.push(id.clone());
            links.insert(*item_kind, &id, item.remote);
            local_writes.push(LocalWrite { kind: *item_kind, id, path, old: None, new: text, entry: Some(entry) });
        }
    }

    // The pulled changes: judged as the hook judges them, then one commit.
    if !local_writes.is_empty() {
        write_local(tracker, options, &mut base, &mut report, &mut pending, local_writes)?;
    }

    // Our own writes moved the remote's clock: what changed since the run began is listed
    // once more, so the next run starts after them, and whatever someone else changed meanwhile
    // is compared again next run rather than skipped.
    let wrote = !report.created_remote.is_empty() || !report.updated_remote.is_empty() || report.comments_pushed > 0;
    if wrote && !options.dry_run {
        for &kind in service.kinds() {
            let start = base.meta.since.get(kind.name()).cloned();
            let items = service.changed(kind, start.as_deref(), &links)?;
            let (hold, latest) = reconcile(tracker, &mut base, &links, &mut pending, kind, &items)?;
            if let Some(next) = hold.or(latest) {
                since.insert(kind.name().to_owned(), next);
            }
        }
    } else {
        // Items on the remote only, left by a push: the next run lists them again.
        for (kind, item) in &unknown {
            if !options.direction.pulls() {
                let earliest = since.entry(kind.name().to_owned()).or_insert_with(|| item.updated.clone());
                if item.updated < *earliest {
                    earliest.clone_from(&item.updated);
                }
            }
        }
    }

    let (requests, writes) = service.cost();
    report.requests = requests;
    report.writes = writes;
    if options.dry_run {
        return Ok(report);
    }
    if options.ids.is_empty() {
        // A refused pull is listed again next time: the remote time moves on only when all
        // landed.
        if report.refused.is_empty() {
            base.meta.since.extend(since);
        }
        base.meta.local = tracker.repo.head();
        base.meta.pending = pending;
    } else {
        // A run limited to some records leaves the others' changes, on both sides, for the
        // next full run: neither the commit compared nor the remote time moves.
        let asked: BTreeSet<String> =
            service.kinds().iter().flat_map(|kind| options.ids.iter().map(|id| key_of(*kind, id))).collect();
        base.meta.pending.retain(|key| !asked.contains(key));
        base.meta.pending.extend(pending);
    }
    base.save(tracker, &format!("docket mirror {name}"))?;
    journal.clear();
    Ok(report)
}

/// Compares the items a listing after the run's writes returns with the base: an item that
/// differs from what the run left was changed by someone else meanwhile, and is compared again
/// next run. Returns the earliest change of an item docket does not know (the next run must
/// list it again) and the latest change seen.
fn reconcile(
    tracker: &Tracker,
    base: &mut Base,
    links: &Links,
    pending: &mut BTreeSet<String>,
    kind: Kind,
    items: &[RemoteItem],
) -> Result<(Option<String>, Option<String>), MirrorError> {
    let mut hold: Option<String> = None;
    let mut latest: Option<String> = None;
    for item in items {
        if latest.as_ref().is_none_or(|l| item.updated > *l) {
            latest = Some(item.updated.clone());
        }
        let id = links.local(kind, item.remote).map(str::to_owned).or_else(|| item.marker.clone());
        let Some(id) = id else {
            if hold.as_ref().is_none_or(|h| item.updated < *h) {
                hold = Some(item.updated.clone());
            }
            continue;
        };
        let agrees = base
            .entry(tracker, kind, &id)?
            .is_some_and(|entry| entry.view == item.view && entry.comment_count == item.comment_count);
        if !agrees {
            pending.insert(key_of(kind, &id));
        }
    }
    Ok((hold, latest))
}

/// Links the items a killed run created, found by their markers, and the comments it posted.
fn recover(
    tracker: &Tracker,
    service: &mut dyn Service,
    base: &mut Base,
    links: &mut Links,
    journal_lines: &[String],
) -> Result<(), MirrorError> {
    // A create followed by a `none` line for the same record was refused for sure; one that
    // came after it again may have been made.
    let mut maybe_made: BTreeMap<&str, bool> = BTreeMap::new();
    for line in journal_lines {
        if let Some(record) = line.strip_prefix("create ") {
            maybe_made.insert(record, true);
        } else if let Some(record) = line.strip_prefix("none ") {
            maybe_made.insert(record, false);
        }
    }
    let mut head: Option<Reader> = None;
    for line in journal_lines {
        if line.strip_prefix("create ").is_some_and(|record| maybe_made.insert(record, false) != Some(true)) {
            continue;
        }
        let words: Vec<&str> = line.split(' ').collect();
        match words[..] {
            ["head", commit] => head = tracker.repo.has_commit(commit).then(|| Reader::new(commit)),
            ["create", folder, id] => {
                let Some(kind) = kind_of_folder(folder) else { continue };
                if links.remote(kind, id).is_some() {
                    continue;
                }
                if let Some(item) = service.find(kind, id, links)? {
                    links.insert(kind, id, item.remote);
                    // Its base is what the killed run sent: the record as that run read it (so
                    // a change made on the remote since is the remote's), with the remote's
                    // values of the fields it only reads.
                    let sent = read_committed(tracker, head.as_mut(), kind, id)?
                        .and_then(|committed| committed.record)
                        .map(|record| {
                            let mut view = merged_base(&service.view(tracker, &record), &item.view, service);
                            for field in service.set_after_create() {
                                let remote = item.view.get(*field).cloned().unwrap_or(Value::Null);
                                view.insert((*field).to_owned(), remote);
                            }
                            view
                        });
                    let view = sent.unwrap_or(item.view);
                    base.set(kind, id, Entry { remote: item.remote, view, ..Entry::default() });
                }
            }
            ["comment", folder, id, key] => {
                let Some(kind) = kind_of_folder(folder) else { continue };
                let Some(remote) = links.remote(kind, id) else { continue };
                let Some(mut entry) = base.entry(tracker, kind, id)?.cloned() else { continue };
                if entry.comments.contains_key(key) {
                    continue;
                }
                if let Some(note) = service.find_comment(kind, remote, key)? {
                    entry.comments.insert(key.to_owned(), note);
                    entry.seen.insert(note);
                    base.set(kind, id, entry);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_committed(
    tracker: &Tracker,
    head: Option<&mut Reader>,
    kind: Kind,
    id: &str,
) -> Result<Option<Committed>, MirrorError> {
    let Some(head) = head else { return Ok(None) };
    let path = tracker.path_for(kind, id);
    let Some(text) = head.text(&tracker.repo, &format!("{}{path}", tracker.prefix))? else { return Ok(None) };
    let file = RecordFile { kind, id: id.to_owned(), path: path.clone() };
    let record = tracker.parse(&file, &text).record;
    Ok(Some(Committed { path, text, record }))
}

/// What handling one record left to do.
enum Outcome {
    Done,
    /// Something undecided: compare it again next run.
    Pending,
    /// The record's new text, to be judged and committed; with the base entry to keep once it
    /// is, when the text carries pulled changes (`None` when it only records the remote number).
    Write(String, Option<Entry>),
    /// The record's remote number to write, and something undecided besides.
    WritePending(String),
}

/// A record text to write, with what it came from.
struct LocalWrite {
    kind: Kind,
    id: String,
    path: String,
    /// `HEAD`'s text (`None` for a new record).
    old: Option<String>,
    new: String,
    /// The base entry the write brings, kept only if it is accepted.
    entry: Option<Entry>,
}

#[allow(clippy::too_many_arguments)]
fn sync_one(
    tracker: &Tracker,
    service: &mut dyn Service,
    options: &Options,
    base: &mut Base,
    links: &mut Links,
    journal: &Journal,
    report: &mut Report,
    kind: Kind,
    id: &str,
    committed: Option<&Committed>,
    item: Option<&RemoteItem>,
) -> Result<Outcome, MirrorError> {
    let name = service.name();
    let Some(committed) = committed else {
        if links.remote(kind, id).is_some() {
            report.skipped.push(Skipped {
                id: id.to_owned(),
                reason: format!("deleted here but not on {name}; docket never deletes remote items"),
            });
        }
        return Ok(Outcome::Done);
    };
    let Some(record) = &committed.record else {
        report.skipped.push(Skipped {
            id: id.to_owned(),
            reason: format!("{} is not valid in HEAD; `docket check` says why", committed.path),
        });
        return Ok(Outcome::Pending);
    };
    let local = service.view(tracker, record);
    let entry = base.entry(tracker, kind, id)?.cloned();
    let Some(remote_number) = links.remote(kind, id) else {
        // Never mirrored: create it (a pull leaves it for the next push).
        if !options.direction.pushes() {
            return Ok(Outcome::Pending);
        }
        report.created_remote.push(id.to_owned());
        for (field, value) in &local {
            let empty = value.is_null() || value.as_array().is_some_and(Vec::is_empty);
            if !empty && !service.pull_only().contains(&field.as_str()) {
                report.changes.push(FieldChange {
                    id: id.to_owned(),
                    side: "remote",
                    field: field.clone(),
                    before: Value::Null,
                    after: value.clone(),
                });
            }
        }
        if options.dry_run {
            report.comments_pushed += local_comments(record).len();
            return Ok(Outcome::Done);
        }
        journal.note(&format!("create {} {id}", kind.folder()))?;
        let created = match service.create(kind, id, &local, links) {
            Ok(created) => created,
            Err(MirrorError::Made { error }) => return Err(*error),
            Err(error) => {
                // Refused for sure (not a failure that may have made it): nothing to look for.
                if !matches!(&error, MirrorError::Http(http) if http.is_ambiguous()) {
                    journal.note(&format!("none {} {id}", kind.folder()))?;
                }
                return Err(error);
            }
        };
        links.insert(kind, id, created.remote);
        let mut entry =
            Entry { remote: created.remote, view: merged_base(&local, &created.view, service), ..Entry::default() };
        entry.comment_count = created.comment_count;
        // Linked at once, so a failure posting the comments does not lose the link.
        base.set(kind, id, entry.clone());
        push_comments(service, journal, report, kind, id, record, &mut entry)?;
        base.set(kind, id, entry);
        return Ok(Outcome::Write(with_remote_number(&committed.text, name, kind, created.remote)?, None));
    };
    let mut entry = match entry {
        Some(entry) => entry,
        // Linked (by a marker) but with no base, as after the base was deleted or not fetched:
        // the comments docket posted before are found by their markers, never posted again.
        None => {
            let mut entry = Entry { remote: remote_number, ..Entry::default() };
            if options.direction.pushes() && !options.dry_run {
                for comment in service.comments(kind, remote_number)? {
                    if let Some(key) = comment.marker {
                        entry.comments.insert(key, comment.id);
                    }
                    entry.seen.insert(comment.id);
                }
            }
            entry
        }
    };
    let remote_view = item.as_ref().map_or_else(|| entry.view.clone(), |item| item.view.clone());
    let base_view = if entry.view.is_empty() { remote_view.clone() } else { entry.view.clone() };

    let mut to_remote = View::new();
    let mut to_local = View::new();
    let mut new_base = base_view.clone();
    let mut undecided = false;
    let fields: BTreeSet<&String> = local.keys().chain(remote_view.keys()).chain(base_view.keys()).collect();
    for field in fields {
        let b = base_view.get(field).cloned().unwrap_or(Value::Null);
        let l = local.get(field).cloned().unwrap_or(Value::Null);
        let mut r = remote_view.get(field).cloned().unwrap_or(Value::Null);
        // A required field the remote does not carry (an issue without a `workflow::` label)
        // is unknown there, not unset.
        if r.is_null() && crate::format::fields::find(kind, field).is_some_and(|spec| spec.required) {
            r = b.clone();
        }
        let decision = decide(&b, &l, &r, service.pull_only().contains(&field.as_str()), options);
        let change = |side, before: &Value, after: &Value| FieldChange {
            id: id.to_owned(),
            side,
            field: field.clone(),
            before: before.clone(),
            after: after.clone(),
        };
        match decision {
            Decision::Agree => {
                new_base.insert(field.clone(), r);
            }
            Decision::Push => {
                report.changes.push(change("remote", &r, &l));
                to_remote.insert(field.clone(), l.clone());
                new_base.insert(field.clone(), l);
            }
            Decision::Pull => {
                report.changes.push(change("local", &l, &r));
                to_local.insert(field.clone(), r.clone());
                new_base.insert(field.clone(), r);
            }
            Decision::Hold => undecided = true,
            Decision::Conflict => {
                undecided = true;
                report.conflicts.push(Conflict {
                    id: id.to_owned(),
                    field: field.clone(),
                    base: b,
                    local: l,
                    remote: r,
                });
            }
        }
    }

    // New comments on either side.
    let mut new_comments = Vec::new();
    let mut comments_held = false;
    if options.direction.pulls()
        && let Some(item) = &item
        && (item.comment_count.is_none() || item.comment_count != entry.comment_count)
    {
        for comment in service.comments(kind, remote_number)? {
            if entry.seen.contains(&comment.id) || comment.marker.is_some() {
                continue;
            }
            new_comments.push(comment);
        }
    } else if let Some(item) = item
        && item.comment_count != entry.comment_count
    {
        // Comments a push leaves for a pull: the count stays as it was, so the pull reads them.
        undecided = true;
        comments_held = true;
    }

    if !to_remote.is_empty() {
        report.updated_remote.push(id.to_owned());
        if !options.dry_run && service.update(kind, remote_number, &to_remote, &remote_view, links)? == Written::Stale {
            // Someone changed the item meanwhile: its base keeps what it was, so the next run
            // sees both changes.
            report.updated_remote.retain(|updated| updated != id);
            report.changes.retain(|change| !(change.id == id && change.side == "remote"));
            report.skipped.push(Skipped {
                id: id.to_owned(),
                reason: format!("changed on {name} while this run wrote it; compared again next run"),
            });
            for field in to_remote.keys() {
                new_base.insert(field.clone(), base_view.get(field).cloned().unwrap_or(Value::Null));
            }
            undecided = true;
        }
    }
    if options.direction.pushes() && !options.dry_run {
        push_comments(service, journal, report, kind, id, record, &mut entry)?;
    } else if options.direction.pushes() {
        report.comments_pushed +=
            local_comments(record).iter().filter(|c| !entry.comments.contains_key(&c.key)).count();
    }
    if to_local.is_empty() && new_comments.is_empty() {
        if to_remote.is_empty() && !undecided {
            report.unchanged += 1;
        }
        entry.view = new_base;
        if let Some(item) = &item
            && !comments_held
        {
            entry.comment_count = item.comment_count;
        }
        if !options.dry_run {
            base.set(kind, id, entry);
        }
        // A record linked by a recovery, or whose number could not be written before, gets it
        // now, undecided fields or not.
        if remote_number_of(record, name).is_none() && !options.dry_run {
            let text = with_remote_number(&committed.text, name, kind, remote_number)?;
            return Ok(if undecided { Outcome::WritePending(text) } else { Outcome::Write(text, None) });
        }
        return Ok(if undecided { Outcome::Pending } else { Outcome::Done });
    }
    // The local side changes: the new text, judged later with the others.
    let mut text = apply_view(tracker, &committed.text, record, &to_local, options.now);
    for comment in &new_comments {
        text = crate::format::edit::append_comment(
            &text,
            kind,
            comment.date.unwrap_or(options.now),
            comment.author.as_deref(),
            &comment.text,
        )
        .unwrap_or(text.clone());
        entry.seen.insert(comment.id);
    }
    let before: BTreeSet<String> = local_comments(record).into_iter().map(|c| c.key).collect();
    link_pulled_comments(tracker, &committed.path, kind, id, &text, &before, &new_comments, &mut entry);
    report.comments_pulled += new_comments.len();
    entry.view = new_base;
    if let Some(item) = &item {
        entry.comment_count = item.comment_count;
    }
    if remote_number_of(record, name).is_none() {
        text = with_remote_number(&text, name, kind, remote_number)?;
    }
    // Saved only if the write is accepted (see `write_local`).
    Ok(Outcome::Write(text, Some(entry)))
}

/// Records the pulled comments, now in `text`, as the remote's: each new local comment's key
/// is linked to the note it came from, so a push never posts it back.
#[allow(clippy::too_many_arguments)]
fn link_pulled_comments(
    tracker: &Tracker,
    path: &str,
    kind: Kind,
    id: &str,
    text: &str,
    before: &BTreeSet<String>,
    pulled: &[RemoteComment],
    entry: &mut Entry,
) {
    let file = RecordFile { kind, id: id.to_owned(), path: path.to_owned() };
    let Some(record) = tracker.parse(&file, text).record else { return };
    let added = local_comments(&record).into_iter().filter(|c| c.update.is_none() && !before.contains(&c.key));
    for (comment, remote) in added.zip(pulled) {
        entry.comments.insert(comment.key, remote.id);
    }
}

/// What a run does with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    /// Nothing to write: the sides agree (or the field is only read and did not change there);
    /// the base takes the remote value.
    Agree,
    /// Write the local value to the remote.
    Push,
    /// Write the remote value to the record.
    Pull,
    /// A change this run may not write (a remote change on a push, a local one on a pull): the
    /// base keeps its value, and the record is compared again next run.
    Hold,
    /// Changed on both sides to different values, and no side preferred.
    Conflict,
}

/// The three-way decision for one field from its base, local and remote values. A field the
/// service only reads (`pull_only`) is never pushed.
fn decide(b: &Value, l: &Value, r: &Value, pull_only: bool, options: &Options) -> Decision {
    let (pushes, pulls) = (options.direction.pushes(), options.direction.pulls());
    if l == r || (pull_only && r == b) {
        return Decision::Agree;
    }
    if pull_only || l == b {
        return if pulls { Decision::Pull } else { Decision::Hold };
    }
    if r == b {
        return if pushes { Decision::Push } else { Decision::Hold };
    }
    match options.prefer {
        Some(Prefer::Local) if pushes => Decision::Push,
        Some(Prefer::Remote) if pulls => Decision::Pull,
        _ => Decision::Conflict,
    }
}

/// The base of a record just created: what was sent, and the service's values of the fields it
/// only reads.
fn merged_base(local: &View, created: &View, service: &dyn Service) -> View {
    let mut view = local.clone();
    for field in service.pull_only() {
        view.insert((*field).to_owned(), created.get(*field).cloned().unwrap_or(Value::Null));
    }
    view
}

/// Posts the record's comments the remote does not have yet.
fn push_comments(
    service: &mut dyn Service,
    journal: &Journal,
    report: &mut Report,
    kind: Kind,
    id: &str,
    record: &Record,
    entry: &mut Entry,
) -> Result<(), MirrorError> {
    for comment in local_comments(record) {
        if entry.comments.contains_key(&comment.key) {
            continue;
        }
        journal.note(&format!("comment {} {id} {}", kind.folder(), comment.key))?;
        let note = service.comment(kind, entry.remote, id, &comment)?;
        entry.comments.insert(comment.key.clone(), note);
        entry.seen.insert(note);
        entry.comment_count = entry.comment_count.map(|count| count + 1);
        report.comments_pushed += 1;
    }
    Ok(())
}

/// Judges the pulled texts as the pre-commit hook would and commits those accepted in one
/// commit (records with uncommitted edits in the work tree are left alone).
fn write_local(
    tracker: &Tracker,
    options: &Options,
    base: &mut Base,
    report: &mut Report,
    pending: &mut BTreeSet<String>,
    writes: Vec<LocalWrite>,
) -> Result<(), MirrorError> {
    let mut files = Vec::new();
    for write in writes {
        let LocalWrite { kind, id, path, old, new, entry } = write;
        let pulled = entry.is_some();
        // The work tree must hold what HEAD holds, or the user's edits would be overwritten.
        let on_disk = std::fs::read_to_string(tracker.absolute(&path)).ok();
        if on_disk != old {
            if pulled {
                report.created_local.retain(|created| *created != id);
                report.changes.retain(|change| !(change.id == id && change.side == "local"));
                report.skipped.push(Skipped {
                    id: id.clone(),
                    reason: format!("{path} has uncommitted changes; commit or stash them and run again"),
                });
            }
            pending.insert(key_of(kind, &id));
            continue;
        }
        let problems = crate::check::check_edit(tracker, &path, old.as_deref(), &new, options.now);
        if crate::diagnostic::has_errors(&problems) {
            report.created_local.retain(|created| *created != id);
            report.changes.retain(|change| !(change.id == id && change.side == "local"));
            report.refused.push((id.clone(), problems));
            // The base keeps the old remote view, so the refused change shows again.
            pending.insert(key_of(kind, &id));
            continue;
        }
        if pulled && old.is_some() && !report.updated_local.contains(&id) {
            report.updated_local.push(id.clone());
        }
        if let Some(entry) = entry {
            base.set(kind, &id, entry);
        }
        files.push((format!("{}{path}", tracker.prefix), new));
    }
    if files.is_empty() || options.dry_run {
        return Ok(());
    }
    let message = format!(
        "docket mirror {}: {} records\n\nCreated {}, updated {} from the remote; remote numbers recorded.",
        report.service,
        files.len(),
        report.created_local.len(),
        report.updated_local.len()
    );
    report.commit = tracker.repo.commit_files(&files, &message, "docket")?;
    let paths: Vec<String> = files.into_iter().map(|(path, _)| path).collect();
    tracker.repo.checkout_from_head(&paths)?;
    Ok(())
}

/// What a service's base says: how far the last run got.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub service: String,
    /// The reference holding the base.
    pub reference: String,
    /// The commit whose records were last compared (`None`: never synced).
    pub local: Option<String>,
    /// When the last run finished (RFC 3339).
    pub synced_at: Option<String>,
    /// Per kind, the latest remote change seen.
    pub remote_since: BTreeMap<String, String>,
    /// Per kind, how many records are linked to a remote item.
    pub linked: BTreeMap<String, usize>,
    /// Records left undecided (`kind/id`).
    pub pending: Vec<String>,
    /// Whether a run was killed before it finished (the next run resumes it).
    pub interrupted: bool,
}

/// The status of `service`'s mirror, from its base alone (no request is made).
pub fn status(tracker: &Tracker, service: &str) -> Result<Status, MirrorError> {
    let base = Base::load(tracker, service)?;
    let mut linked = BTreeMap::new();
    for key in base.meta.links.keys() {
        if let Some((folder, _)) = key.split_once('/')
            && let Some(kind) = kind_of_folder(folder)
        {
            *linked.entry(kind.name().to_owned()).or_insert(0) += 1;
        }
    }
    Ok(Status {
        service: service.to_owned(),
        reference: base.reference.clone(),
        local: base.meta.local.clone(),
        synced_at: match &base.commit {
            Some(commit) => Some(crate::time::datetime_of(tracker.repo.commit_time(commit)?).to_string()),
            None => None,
        },
        remote_since: base.meta.since.clone(),
        linked,
        pending: base.meta.pending.iter().cloned().collect(),
        interrupted: !Journal::new(tracker, service).left().is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options(direction: Direction, prefer: Option<Prefer>) -> Options {
        Options { direction, dry_run: false, ids: Vec::new(), prefer, now: 0 }
    }

    /// Every case of the three-way decision, in every direction.
    #[test]
    fn each_field_is_decided_from_base_local_and_remote() {
        let (old, mine, theirs) = (json!("old"), json!("mine"), json!("theirs"));
        let sync = options(Direction::Sync, None);
        let push = options(Direction::Push, None);
        let pull = options(Direction::Pull, None);
        // Unchanged, or changed alike on both sides.
        assert_eq!(decide(&old, &old, &old, false, &sync), Decision::Agree);
        assert_eq!(decide(&old, &mine, &mine, false, &push), Decision::Agree);
        // Changed here only.
        assert_eq!(decide(&old, &mine, &old, false, &sync), Decision::Push);
        assert_eq!(decide(&old, &mine, &old, false, &push), Decision::Push);
        assert_eq!(decide(&old, &mine, &old, false, &pull), Decision::Hold);
        // Changed there only.
        assert_eq!(decide(&old, &old, &theirs, false, &sync), Decision::Pull);
        assert_eq!(decide(&old, &old, &theirs, false, &pull), Decision::Pull);
        assert_eq!(decide(&old, &old, &theirs, false, &push), Decision::Hold);
        // Changed on both sides.
        assert_eq!(decide(&old, &mine, &theirs, false, &sync), Decision::Conflict);
        assert_eq!(decide(&old, &mine, &theirs, false, &options(Direction::Sync, Some(Prefer::Local))), Decision::Push);
        assert_eq!(
            decide(&old, &mine, &theirs, false, &options(Direction::Sync, Some(Prefer::Remote))),
            Decision::Pull
        );
        // A preference for the side a run may not write is no resolution.
        assert_eq!(
            decide(&old, &mine, &theirs, false, &options(Direction::Pull, Some(Prefer::Local))),
            Decision::Conflict
        );
        assert_eq!(
            decide(&old, &mine, &theirs, false, &options(Direction::Push, Some(Prefer::Remote))),
            Decision::Conflict
        );
    }

    #[test]
    fn a_field_only_read_is_pulled_when_it_changes_there_and_never_pushed() {
        let (old, mine, theirs) = (json!("on_track"), json!("at_risk"), json!("needs_attention"));
        let sync = options(Direction::Sync, None);
        assert_eq!(decide(&old, &mine, &old, true, &sync), Decision::Agree, "a local change is not pushed");
        assert_eq!(decide(&old, &old, &theirs, true, &sync), Decision::Pull);
        assert_eq!(decide(&old, &mine, &theirs, true, &sync), Decision::Pull, "the service's value wins");
        assert_eq!(decide(&old, &theirs, &theirs, true, &sync), Decision::Agree);
        assert_eq!(decide(&old, &old, &theirs, true, &options(Direction::Push, None)), Decision::Hold);
    }
}
