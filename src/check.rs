//! Checking changes against the workflows, wherever they happen: the change being committed
//! (`--staged`, the pre-commit hook), every commit of a range (`--range`, CI, pre-push,
//! pre-receive), a single edit (`docket move`), and the whole work tree.
//!
//! Records are read from the object store for staged and range checks, never from the work
//! tree, so what is judged is exactly what is committed. The policy (docket.toml and workflows)
//! is read from the same place as the records.

use crate::diagnostic::{Diagnostic, Severity};
use crate::format::{self, parse_record};
use crate::id;
use crate::model::{Kind, Record};
use crate::plan;
use crate::policy::{Policy, PolicyError};
use crate::store::{CommitInfo, FileChange, Repo, StoreError};
use crate::time::Timestamp;
use crate::tracker::Tracker;
use crate::workflow::engine::{self, Env, Violation};
use crate::workflow::{Facts, Workflow};

/// What a check found.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Record files judged.
    pub files: usize,
    /// Commits judged (range checks).
    pub commits: usize,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        crate::diagnostic::has_errors(&self.diagnostics)
    }

    /// Adds what `other` found that this report does not already say of the same file (a
    /// deletion refused both by its commit and by the update's result is said once).
    pub fn absorb(&mut self, other: Report) {
        for diagnostic in other.diagnostics {
            if !self.diagnostics.iter().any(|d| d.path == diagnostic.path && d.rule == diagnostic.rule) {
                self.diagnostics.push(diagnostic);
            }
        }
        self.files += other.files;
        self.commits += other.commits;
    }
}

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tracker(#[from] crate::tracker::TrackerError),
}

/// Where files are read from.
#[derive(Clone, Copy)]
enum At<'a> {
    /// The index being committed; files it does not change are read from `HEAD`.
    Index {
        head: Option<&'a str>,
        changes: &'a [FileChange],
    },
    Commit(&'a str),
}

/// The folders of a tracker at `prefix` that checks look at.
fn folders(prefix: &str) -> Vec<String> {
    let mut folders: Vec<String> = Kind::ALL.iter().map(|kind| format!("{prefix}{}/", kind.folder())).collect();
    folders.push(format!("{prefix}docket.toml"));
    folders.push(format!("{prefix}workflows/"));
    folders
}

fn read_at(repo: &Repo, at: At<'_>, path: &str) -> Result<Option<String>, StoreError> {
    match at {
        At::Index { head, changes } => match changes.iter().find(|change| change.path == path) {
            Some(change) => match &change.new {
                Some(blob) => repo.blob_text(blob),
                None => Ok(None),
            },
            None => match head {
                Some(head) => repo.file_at(head, path),
                None => Ok(None),
            },
        },
        At::Commit(commit) => repo.file_at(commit, path),
    }
}

/// Whether a file is at `path` (from the top) at `at`: its blob id is looked up, its text
/// is not read.
fn exists_at(repo: &Repo, at: At<'_>, path: &str) -> Result<bool, StoreError> {
    match at {
        At::Index { head, changes } => match changes.iter().find(|change| change.path == path) {
            Some(change) => Ok(change.new.is_some()),
            None => head.map_or(Ok(false), |head| repo.blob_at(head, path).map(|blob| blob.is_some())),
        },
        At::Commit(commit) => repo.blob_at(commit, path).map(|blob| blob.is_some()),
    }
}

fn policy_at(repo: &Repo, prefix: &str, at: At<'_>) -> Result<Policy, PolicyError> {
    Policy::load(&|path: &str| read_at(repo, at, &format!("{prefix}{path}")).map_err(|e| e.to_string()))
}

/// Which record a path (relative to the tracker root) holds, if any: `issues/<id>.toml` or
/// `issues/<shard>/<id>.toml`.
pub fn record_at(path: &str) -> Option<(Kind, String)> {
    let (folder, rest) = path.split_once('/')?;
    let kind = Kind::ALL.into_iter().find(|kind| kind.folder() == folder)?;
    let name = rest.rsplit('/').next()?;
    let stem = name.strip_suffix(".toml")?;
    let depth = rest.matches('/').count();
    (depth <= 1 && id::validate(stem).is_ok()).then(|| (kind, stem.to_owned()))
}

/// History and cross-record facts from git, as of one commit.
struct GitFacts<'a> {
    repo: &'a Repo,
    /// The commit the old version of the record is in; `None` before the first commit.
    commit: Option<&'a str>,
    prefix: &'a str,
    /// The policy the change is judged by, and the workflow of the record judged.
    policy: &'a Policy,
    workflow: &'a Workflow,
    /// The records of a kind where the change is judged (the milestone rules).
    records: &'a dyn Fn(Kind) -> Vec<Record>,
    now: Timestamp,
}

impl<'a> GitFacts<'a> {
    /// The facts of `tracker`'s repository as of `commit`.
    fn at(
        tracker: &'a Tracker,
        commit: Option<&'a str>,
        workflow: &'a Workflow,
        records: &'a dyn Fn(Kind) -> Vec<Record>,
        now: Timestamp,
    ) -> Self {
        Self { repo: &tracker.repo, commit, prefix: &tracker.prefix, policy: &tracker.policy, workflow, records, now }
    }
}

impl Facts for GitFacts<'_> {
    fn entered(&self, record: &Record, field: &str, value: &str) -> Option<Timestamp> {
        let commit = self.commit?;
        let path = format!("{}{}", self.prefix, record.path);
        let kind = record.kind();
        let holds = |text: &str| {
            let Some(record) = parse_record(kind, "history", &path, text, &format::RecordRules::default()).record
            else {
                return false;
            };
            if field == "$state" {
                self.workflow.state_of(&record) == value
            } else {
                crate::workflow::condition::lookup(&record, field).and_then(toml::Value::as_str) == Some(value)
            }
        };
        crate::history::since(self.repo, self.prefix, commit, &record.path, &holds).ok().flatten()
    }

    /// The finalize gate, with the capacity `docket plan` counts: velocity from the history as
    /// of the commit judged, of the issues of the milestones it is measured over.
    fn milestone_ready(&self, milestone: &Record) -> Result<(), Vec<String>> {
        let crate::model::Body::Milestone(body) = &milestone.body else { return Ok(()) };
        let config = &self.policy.config;
        let (settings, done) = (plan::Settings::from_config(config), plan::done_stages(config));
        let issues = (self.records)(Kind::Issue);
        let others = (self.records)(Kind::Milestone);
        let mut milestones: Vec<(&str, &crate::model::Milestone)> = others
            .iter()
            .filter(|other| other.id != milestone.id)
            .filter_map(|other| match &other.body {
                crate::model::Body::Milestone(m) => Some((other.id.as_str(), m)),
                _ => None,
            })
            .collect();
        milestones.push((milestone.id.as_str(), body));
        let measured: Vec<&str> = plan::velocity_milestones(&milestones, plan::velocity_before(body, self.now))
            .iter()
            .map(|(id, _)| *id)
            .collect();
        let paths: Vec<String> = issues
            .iter()
            .filter(|r| r.milestone().is_some_and(|m| measured.contains(&m)))
            .map(|r| r.path.clone())
            .collect();
        let history = match self.commit {
            Some(commit) => crate::history::History::load_paths_at(self.repo, self.prefix, commit, &paths)
                .map_err(|error| vec![format!("cannot read the history velocity is measured from: {error}")])?,
            None => crate::history::History::default(),
        };
        let open = |record: &Record| self.policy.is_open(&done, record);
        let inputs = plan::Inputs {
            milestones: &milestones,
            issues: &issues,
            history: &history,
            done: &done,
            open: &open,
            now: self.now,
            settings: &settings,
        };
        plan::readiness(&milestone.id, body, &inputs)
    }
}

/// One record file's change, as texts.
struct FileTexts {
    path: String,
    kind: Kind,
    id: String,
    old: Option<String>,
    new: Option<String>,
    /// The new version exists but is not UTF-8 text.
    unreadable: bool,
    /// The id the record had before the change, when the change renames it (`docket rename`):
    /// the file went away under that id and came back, byte for byte, under this one.
    renamed_from: Option<String>,
}

/// Judges one file's change under `policy`, as of `now`, with history as of `history`, and
/// what it names through `exists` (a path relative to the tracker root exists where the new
/// version is read) and `records` (the records of a kind there).
#[allow(clippy::too_many_arguments)]
fn judge(
    repo: &Repo,
    prefix: &str,
    policy: &Policy,
    file: &FileTexts,
    now: Timestamp,
    history: Option<&str>,
    others: &Others<'_>,
    commit: Option<&CommitInfo>,
) -> Vec<Diagnostic> {
    let rules = policy.rules(file.kind);
    let shown_path = format!("{prefix}{}", file.path);
    let mut diagnostics = Vec::new();
    let new = match &file.new {
        Some(text) => {
            let parsed = parse_record(file.kind, &file.id, &shown_path, text, &rules);
            diagnostics.extend(parsed.diagnostics);
            match parsed.record {
                Some(record) => Some(record),
                None => return annotate(diagnostics, commit),
            }
        }
        None => None,
    };
    // An old version docket cannot read (written before a rule existed, or by hand) is judged
    // only for what the new version is, not for the move.
    let old = file
        .old
        .as_deref()
        .and_then(|text| parse_record(file.kind, &file.id, &file.path, text, &format::RecordRules::default()).record);
    let workflow = policy.workflow(file.kind);
    let facts = GitFacts { repo, commit: history, prefix, policy, workflow, records: others.records, now };
    let env = Env { now, config: &policy.config, facts: &facts };
    let violations = match (&old, &new, file.old.is_some()) {
        (None, Some(new), true) => engine::check_record(workflow, new, &env),
        _ => engine::check_change(workflow, old.as_ref(), new.as_ref(), &env),
    };
    let source = file.new.as_deref().or(file.old.as_deref()).unwrap_or("");
    for violation in violations {
        diagnostics.push(to_diagnostic(violation, &shown_path, &file.id, source, workflow));
    }
    if let Some(new) = &new {
        let mir_bugs = || (others.records)(Kind::Mir);
        let lookup = crate::reference::Lookup {
            exists: others.exists,
            mir_bugs: &mir_bugs,
            mir_workflow: policy.workflow(Kind::Mir),
        };
        for problem in crate::reference::problems(new, old.as_ref(), &policy.config, &lookup) {
            diagnostics.push(reference_diagnostic(problem, &shown_path, &file.id, source));
        }
    }
    annotate(diagnostics, commit)
}

/// How a judge sees the records beside the one it judges.
struct Others<'a> {
    /// Whether a file exists at a path relative to the tracker root.
    exists: &'a dyn Fn(&str) -> bool,
    /// The records of a kind.
    records: &'a dyn Fn(Kind) -> Vec<Record>,
}

fn reference_diagnostic(problem: crate::reference::Problem, path: &str, id: &str, source: &str) -> Diagnostic {
    Diagnostic::error(path, "record.reference", problem.message)
        .with_id(id)
        .at(source, format::locate(source, problem.field))
        .with_hint(problem.hint)
}

fn annotate(mut diagnostics: Vec<Diagnostic>, commit: Option<&CommitInfo>) -> Vec<Diagnostic> {
    if let Some(commit) = commit {
        for diagnostic in &mut diagnostics {
            diagnostic.commit = Some(commit.id.clone());
        }
    }
    diagnostics
}

/// A violation as a diagnostic located in `source`.
pub fn to_diagnostic(violation: Violation, path: &str, id: &str, source: &str, workflow: &Workflow) -> Diagnostic {
    let field = violation.field.clone().unwrap_or_else(|| workflow.field.clone());
    let span = format::locate(source, &field).or_else(|| format::locate(source, &workflow.field));
    let mut diagnostic = match violation.severity {
        Severity::Error => Diagnostic::error(path, violation.rule, violation.message),
        Severity::Warning => Diagnostic::warning(path, violation.rule, violation.message),
    }
    .with_id(id);
    if !source.is_empty() {
        diagnostic = diagnostic.at(source, span.or(Some(0..0)));
    }
    let mut hint = violation.hint.unwrap_or_default();
    if !violation.allowed.is_empty() && !hint.contains("may go to") {
        let allowed: Vec<String> = violation.allowed.iter().map(|s| format!("`{s}`")).collect();
        let sep = if hint.is_empty() { "" } else { "; " };
        hint = format!("{hint}{sep}allowed next: {}", allowed.join(", "));
    }
    if !hint.is_empty() {
        diagnostic = diagnostic.with_hint(hint);
    }
    diagnostic.allowed = violation.allowed;
    diagnostic.missing = violation.missing;
    diagnostic
}

/// The record files `changes` touch, as texts, and the problems of entries in record folders
/// that are not record files (a bad name, a link, a submodule: see [`crate::entry`]).
fn texts(repo: &Repo, prefix: &str, changes: &[FileChange]) -> Result<(Vec<FileTexts>, Vec<Diagnostic>), StoreError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for change in changes {
        let Some(relative) = change.path.strip_prefix(prefix) else { continue };
        if change.new.is_some()
            && let Some(mut problem) = crate::entry::problem(relative, crate::entry::Entry::of_git_mode(change.mode))
        {
            problem.path.clone_from(&change.path);
            problems.push(problem);
            continue;
        }
        let Some((kind, id)) = record_at(relative) else { continue };
        let read = |blob: &Option<String>| blob.as_ref().map(|b| repo.blob_text(b)).transpose().map(Option::flatten);
        let new = read(&change.new)?;
        let unreadable = change.new.is_some() && new.is_none();
        // What was a link or a submodule held no record.
        let was_file = crate::entry::Entry::of_git_mode(change.old_mode) == crate::entry::Entry::File;
        let old = if was_file { read(&change.old)? } else { None };
        files.push(FileTexts { path: relative.to_owned(), kind, id, old, new, unreadable, renamed_from: None });
    }
    // A record moved between folders (`docket fmt --relayout`, a new shard) is one record
    // changing, not one deleted and another created.
    let mut merged: Vec<FileTexts> = Vec::with_capacity(files.len());
    for file in files {
        let partner = merged.iter_mut().find(|other| {
            other.kind == file.kind
                && other.id == file.id
                && (other.old.is_none() != file.old.is_none())
                && (other.new.is_none() != file.new.is_none())
        });
        match partner {
            Some(other) if file.new.is_some() => {
                other.path.clone_from(&file.path);
                other.new = file.new;
            }
            Some(other) => other.old = file.old,
            None => merged.push(file),
        }
    }
    // A record deleted under one id and created, the same bytes, under another is renamed:
    // one record changing (its references are judged by `still_named`), not a deletion.
    let mut renames: Vec<(usize, usize)> = Vec::new();
    for (arrived_at, arrived) in merged.iter().enumerate() {
        if arrived.old.is_some() || arrived.new.is_none() {
            continue;
        }
        let gone = merged.iter().enumerate().position(|(gone_at, gone)| {
            !renames.iter().any(|(_, used)| *used == gone_at)
                && gone.kind == arrived.kind
                && gone.id != arrived.id
                && gone.new.is_none()
                && gone.old.is_some()
                && gone.old == arrived.new
        });
        if let Some(gone_at) = gone {
            renames.push((arrived_at, gone_at));
        }
    }
    for &(arrived_at, gone_at) in &renames {
        let (old, id) = (merged[gone_at].old.take(), merged[gone_at].id.clone());
        merged[arrived_at].old = old;
        merged[arrived_at].renamed_from = Some(id);
    }
    let gone: Vec<usize> = renames.iter().map(|(_, gone_at)| *gone_at).collect();
    let merged: Vec<FileTexts> =
        merged.into_iter().enumerate().filter(|(at, _)| !gone.contains(at)).map(|(_, file)| file).collect();
    Ok((merged, problems))
}

/// Drops the changes a merge takes unchanged from one of the `merged` commits: their history
/// is judged commit by commit, and judging the jump from the first parent would refuse a
/// record that moved legally in several steps on the other branch.
fn drop_merged(repo: &Repo, changes: &mut Vec<FileChange>, merged: &[String]) -> Result<Vec<FileChange>, StoreError> {
    let mut dropped = Vec::new();
    if merged.is_empty() {
        return Ok(dropped);
    }
    let mut kept = Vec::with_capacity(changes.len());
    for change in changes.drain(..) {
        let mut from_merged = false;
        for commit in merged {
            if repo.blob_at(commit, &change.path)? == change.new {
                from_merged = true;
                break;
            }
        }
        if from_merged {
            dropped.push(change);
        } else {
            kept.push(change);
        }
    }
    *changes = kept;
    Ok(dropped)
}

/// Of the changes a merge makes that differ from every side (a record edited on both), takes
/// out those that are a legal step from one of the `merged` commits: the record's history on
/// that side was judged commit by commit, so a record moved in several steps there and edited
/// here too is judged by the last step, not as one jump from the first parent. One that is no
/// legal step from anywhere, but is in the state a merged side has it in, is judged against
/// that side (its problems are then what the merge changed, not a jump it did not make): those
/// problems are returned. The rest stay to be judged against the first parent. Costs a
/// judgement per such record and merged side.
fn legal_from_merged(
    repo: &Repo,
    prefix: &str,
    changes: &mut Vec<FileChange>,
    merged: &[String],
    new_at: At<'_>,
    now: Timestamp,
) -> Result<(Vec<FileChange>, Vec<Diagnostic>), CheckError> {
    let mut taken = Vec::new();
    let mut judged = Vec::new();
    if merged.is_empty() {
        return Ok((taken, judged));
    }
    let moves = |d: &Diagnostic| matches!(d.rule, "workflow.transition" | "workflow.require");
    let mut kept = Vec::with_capacity(changes.len());
    for change in changes.drain(..) {
        let mut legal = false;
        let mut same_state: Option<Vec<Diagnostic>> = None;
        for commit in merged {
            let old = repo.blob_at(commit, &change.path)?;
            // Only records the other side has: a record that side deleted is no step of its own.
            let Some(old) = old else { continue };
            let step = FileChange { old: Some(old), old_mode: 0o100_644, ..change.clone() };
            let set = ChangeSet {
                changes: std::slice::from_ref(&step),
                new_at,
                old_at: Some(At::Commit(commit)),
                now,
                history: Some(commit),
                commit: None,
            };
            let mut report = Report::default();
            judge_changes(repo, prefix, &set, &mut report)?;
            if !report.has_errors() {
                legal = true;
                break;
            }
            if same_state.is_none() && !report.diagnostics.iter().any(moves) {
                same_state = Some(report.diagnostics);
            }
        }
        match (legal, same_state) {
            (true, _) => taken.push(change),
            (false, Some(diagnostics)) => {
                judged.extend(diagnostics);
                taken.push(change);
            }
            (false, None) => kept.push(change),
        }
    }
    *changes = kept;
    Ok((taken, judged))
}

/// Loads every record of `kind` under `prefix` at `commit` (git's index when `None`), for the
/// milestone rules and the MIR package check.
fn records_at(repo: &Repo, prefix: &str, commit: Option<&str>, kind: Kind) -> Vec<Record> {
    let folder = format!("{prefix}{}/", kind.folder());
    let Ok(files) = repo.files_under(commit, &folder) else { return Vec::new() };
    files
        .into_iter()
        .filter_map(|(path, blob)| {
            let relative = path.strip_prefix(prefix)?.to_owned();
            let (kind, id) = record_at(&relative)?;
            let text = repo.blob_text(&blob).ok()??;
            parse_record(kind, &id, &relative, &text, &format::RecordRules::default()).record
        })
        .collect()
}

/// Checks what `git commit` is about to record: every record the index changes against `HEAD`
/// ([`Repo::staged_changes`]) under the tracker at `prefix`, judged at `now` (the commit's time).
pub fn check_staged(repo: &Repo, prefix: &str, now: Timestamp) -> Result<Report, CheckError> {
    let mut changes = repo.staged_changes(&folders(prefix))?;
    // Concluding a merge: what the merged branch brings was checked commit by commit where it
    // was made; only what differs from every side (a conflict resolved by hand) is judged here,
    // as a step from the side it is a legal step from.
    let merge_heads = repo.merge_heads();
    let mut taken = drop_merged(repo, &mut changes, &merge_heads)?;
    let head = repo.head();
    let staged = changes.clone();
    let index_at = At::Index { head: head.as_deref(), changes: &staged };
    let (stepped, judged) = legal_from_merged(repo, prefix, &mut changes, &merge_heads, index_at, now)?;
    taken.extend(stepped);
    let mut report = Report::default();
    report.diagnostics.extend(judged);
    // But where what it takes leaves each record is judged: a conflict resolved to a stale
    // version cannot take a record back.
    if let Some(head) = head.as_deref() {
        let at_index = At::Index { head: Some(head), changes: &taken };
        let mut result = judge_results(repo, prefix, At::Commit(head), at_index, &taken, None, now)?;
        result.files = 0;
        report.absorb(result);
    }
    let change_set = ChangeSet {
        changes: &changes,
        new_at: At::Index { head: head.as_deref(), changes: &changes },
        old_at: head.as_deref().map(At::Commit),
        now,
        history: head.as_deref(),
        commit: None,
    };
    judge_changes(repo, prefix, &change_set, &mut report)?;
    Ok(report)
}

/// Checks each commit of `commits` against its first parent, at the commit's own time.
pub fn check_commits(repo: &Repo, prefix: &str, commits: &[CommitInfo]) -> Result<Report, CheckError> {
    let mut report = Report::default();
    for commit in commits {
        report.commits += 1;
        let mut changes = repo.commit_changes(&commit.id, &folders(prefix))?;
        let mut taken = drop_merged(repo, &mut changes, &commit.merged)?;
        let (stepped, judged) =
            legal_from_merged(repo, prefix, &mut changes, &commit.merged, At::Commit(&commit.id), commit.time)?;
        taken.extend(stepped);
        report.diagnostics.extend(annotate(judged, Some(commit)));
        let change_set = ChangeSet {
            changes: &changes,
            new_at: At::Commit(&commit.id),
            old_at: commit.parent.as_deref().map(At::Commit),
            now: commit.time,
            history: commit.parent.as_deref(),
            commit: Some(commit),
        };
        judge_changes(repo, prefix, &change_set, &mut report)?;
        // What a merge takes from the other side was judged there, step by step; where it
        // leaves each record against the first parent is judged here (a conflict resolved
        // to a stale version, `-s ours` the other way round).
        if let Some(parent) = commit.parent.as_deref() {
            let mut result = judge_results(
                repo,
                prefix,
                At::Commit(parent),
                At::Commit(&commit.id),
                &taken,
                Some(&commit.id),
                commit.time,
            )?;
            result.files = 0;
            report.absorb(result);
        }
    }
    Ok(report)
}

/// One ref a push updates: its name (`refs/heads/main`), and its tip before and after
/// (`None`: the push creates it, or deletes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Judges what ref updates do, besides their new commits ([`check_commits`]): a protected
/// branch (`[branches] protected` in `docket.toml` at its old tip) may not be deleted or
/// rewound, and every update is judged by its result ([`check_result`]). An old tip this
/// repository does not have (a pre-push to a remote not fetched) is left to the server.
pub fn check_updates(repo: &Repo, prefix: &str, updates: &[RefUpdate], now: Timestamp) -> Result<Report, CheckError> {
    let mut report = Report::default();
    for update in updates {
        let Some(old) = update.old.as_deref().filter(|old| repo.has_commit(old)) else { continue };
        let protected = policy_at(repo, prefix, At::Commit(old)).is_ok_and(|p| p.config.is_protected(&update.name));
        let refused = match update.new.as_deref() {
            None => Some(("branch.delete", "deletes")),
            Some(new) if !repo.is_ancestor(old, new) => Some(("branch.rewind", "rewinds (a force-push)")),
            Some(_) => None,
        };
        if let Some((rule, what)) = refused.filter(|_| protected) {
            report.diagnostics.push(
                Diagnostic::error(&update.name, rule, format!("the push {what} the protected branch `{}`", update.name))
                    .with_hint(
                        "push commits on top of it instead; to allow this, take the branch out of `[branches] protected` in docket.toml",
                    ),
            );
        }
        if let Some(new) = update.new.as_deref() {
            let result = check_result(repo, prefix, old, new, now)?;
            report.diagnostics.extend(result.diagnostics);
            report.files += result.files;
        }
    }
    Ok(report)
}

/// Judges what going from commit `old` to commit `new` does to each record, whatever commits
/// or merges lie between: no record is deleted where its workflow keeps records, and none is
/// taken to a state no series of moves leads to (a rewind, a merge that kept an old version).
/// Records are judged under the policy at `old`; the diagnostics name `new`.
pub fn check_result(repo: &Repo, prefix: &str, old: &str, new: &str, now: Timestamp) -> Result<Report, CheckError> {
    let changes = repo.tree_changes(Some(&repo.tree_of(old)?), Some(&repo.tree_of(new)?), &folders(prefix))?;
    judge_results(repo, prefix, At::Commit(old), At::Commit(new), &changes, Some(new), now)
}

/// Judges where `changes` leave each record (see [`check_result`]), under the policy at
/// `old_at` (or, unreadable, at `new_at`); `label` is the commit the diagnostics name.
fn judge_results(
    repo: &Repo,
    prefix: &str,
    old_at: At<'_>,
    new_at: At<'_>,
    changes: &[FileChange],
    label: Option<&str>,
    now: Timestamp,
) -> Result<Report, CheckError> {
    // Entries that are not records are judged with the changes that bring them.
    let (files, _) = texts(repo, prefix, changes)?;
    let mut report = Report { files: files.len(), ..Report::default() };
    if files.is_empty() {
        return Ok(report);
    }
    let policy = match policy_at(repo, prefix, old_at).or_else(|_| policy_at(repo, prefix, new_at)) {
        Ok(policy) => policy,
        Err(error) => {
            let mut diagnostic = unjudged(prefix, &error, files.len());
            diagnostic.commit = label.map(str::to_owned);
            report.diagnostics.push(diagnostic);
            return Ok(report);
        }
    };
    let no_records = |_: Kind| Vec::new();
    for file in &files {
        let parse = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| parse_record(file.kind, &file.id, &file.path, t, &format::RecordRules::default()).record)
        };
        let Some(old_record) = parse(&file.old) else { continue };
        let new_record = parse(&file.new);
        if file.new.is_some() && new_record.is_none() {
            continue; // unreadable: its commit is refused for that
        }
        let workflow = policy.workflow(file.kind);
        let facts = GitFacts { repo, commit: label, prefix, policy: &policy, workflow, records: &no_records, now };
        let env = Env { now, config: &policy.config, facts: &facts };
        let source = file.new.as_deref().or(file.old.as_deref()).unwrap_or("");
        for violation in engine::check_result(workflow, &old_record, new_record.as_ref(), &env) {
            let mut diagnostic =
                to_diagnostic(violation, &format!("{prefix}{}", file.path), &file.id, source, workflow);
            diagnostic.commit = label.map(str::to_owned);
            report.diagnostics.push(diagnostic);
        }
    }
    Ok(report)
}

/// One commit's (or the index's) changes and where to read them.
struct ChangeSet<'a> {
    changes: &'a [FileChange],
    /// Where the changed files are read.
    new_at: At<'a>,
    /// Where the files were before (the parent, or `HEAD`).
    old_at: Option<At<'a>>,
    now: Timestamp,
    /// The commit whose history says when states were entered.
    history: Option<&'a str>,
    commit: Option<&'a CommitInfo>,
}

fn is_policy_path(prefix: &str, path: &str) -> bool {
    path.strip_prefix(prefix).is_some_and(|rest| rest == crate::config::CONFIG_FILE || rest.starts_with("workflows/"))
}

/// Judges a set of changes. A change to `docket.toml` or a workflow must leave them valid;
/// records are judged by the policy in force before the change, so that one commit cannot
/// loosen a workflow and pass a record through the looser one.
fn judge_changes(repo: &Repo, prefix: &str, set: &ChangeSet<'_>, report: &mut Report) -> Result<(), CheckError> {
    let policy_changed = set.changes.iter().any(|c| is_policy_path(prefix, &c.path));
    let (files, problems) = texts(repo, prefix, set.changes)?;
    report.files += files.len();
    report.diagnostics.extend(annotate(problems, set.commit));
    report.diagnostics.extend(annotate(duplicates(repo, prefix, set.new_at, &files)?, set.commit));
    report.diagnostics.extend(annotate(still_named(repo, prefix, set.new_at, &files)?, set.commit));
    if !policy_changed && files.is_empty() {
        return Ok(());
    }
    let new_policy = policy_at(repo, prefix, set.new_at);
    if policy_changed && let Err(error) = &new_policy {
        report.diagnostics.extend(annotate(policy_diagnostics(prefix, error), set.commit));
        return Ok(());
    }
    if files.is_empty() {
        return Ok(());
    }
    let old_policy = set.old_at.map(|at| policy_at(repo, prefix, at)).and_then(Result::ok);
    let policy = match (old_policy, new_policy) {
        (Some(old), _) => old,
        (None, Ok(new)) => new,
        (None, Err(error)) => {
            report.diagnostics.extend(annotate(vec![unjudged(prefix, &error, files.len())], set.commit));
            return Ok(());
        }
    };
    let at_commit = match set.new_at {
        At::Commit(id) => Some(id),
        At::Index { .. } => None,
    };
    let exists = |path: &str| exists_at(repo, set.new_at, &format!("{prefix}{path}")).unwrap_or(false);
    let records = |kind: Kind| records_at(repo, prefix, at_commit, kind);
    let others = Others { exists: &exists, records: &records };
    for file in &files {
        if file.unreadable {
            let diagnostic =
                Diagnostic::error(&file.path, "file.unreadable", "cannot read the file: it is not UTF-8 text")
                    .with_id(&file.id)
                    .with_hint("record files must be readable UTF-8 text; re-save the file as UTF-8");
            report.diagnostics.extend(annotate(vec![diagnostic], set.commit));
            continue;
        }
        report.diagnostics.extend(judge(repo, prefix, &policy, file, set.now, set.history, &others, set.commit));
    }
    Ok(())
}

/// The records `files` bring in (new, or moved) whose id another record file already has at
/// `at`, in any folder or layout: every id command would call them ambiguous.
fn duplicates(repo: &Repo, prefix: &str, at: At<'_>, files: &[FileTexts]) -> Result<Vec<Diagnostic>, StoreError> {
    let mut found = Vec::new();
    for file in files.iter().filter(|f| f.new.is_some() && (f.old.is_none() || f.renamed_from.is_some())) {
        for other in crate::entry::paths_of(&file.id) {
            if other != file.path && exists_at(repo, at, &format!("{prefix}{other}"))? {
                found.push(
                    Diagnostic::error(
                        format!("{prefix}{}", file.path),
                        "id.duplicate",
                        format!("the id `{}` is also used by {prefix}{other}", file.id),
                    )
                    .with_id(&file.id)
                    .with_hint("rename one of the files; ids are unique across issues, MIR bugs and milestones"),
                );
            }
        }
    }
    Ok(found)
}

/// The records `files` delete that another record still names at `at` (an issue's milestone,
/// a `blocked_by` id, a parking-lot issue): the reference would dangle. Who names them is found
/// by `git grep` for the quoted ids, then read and judged, so a deletion costs one scan in C,
/// and other changes nothing.
fn still_named(repo: &Repo, prefix: &str, at: At<'_>, files: &[FileTexts]) -> Result<Vec<Diagnostic>, StoreError> {
    // (id gone, path it was at, the id it was renamed to)
    let deleted: Vec<(&str, &str, Option<&str>)> = files
        .iter()
        .filter_map(|f| match (&f.old, &f.new, &f.renamed_from) {
            (Some(_), None, _) => Some((f.id.as_str(), f.path.as_str(), None)),
            (Some(_), Some(_), Some(from)) => Some((from.as_str(), f.path.as_str(), Some(f.id.as_str()))),
            _ => None,
        })
        .collect();
    if deleted.is_empty() {
        return Ok(Vec::new());
    }
    let needles: Vec<String> = deleted.iter().map(|(id, _, _)| format!("\"{id}\"")).collect();
    let folders = [format!("{prefix}{}/", Kind::Issue.folder()), format!("{prefix}{}/", Kind::Milestone.folder())];
    let commit = match at {
        At::Commit(commit) => Some(commit),
        At::Index { .. } => None,
    };
    let mut found = Vec::new();
    for path in repo.grep(commit, &needles, &folders)? {
        let Some(relative) = path.strip_prefix(prefix) else { continue };
        let Some((kind, id)) = record_at(relative) else { continue };
        let Some(text) = read_at(repo, at, &path)? else { continue };
        let Some(record) = parse_record(kind, &id, relative, &text, &format::RecordRules::default()).record else {
            continue;
        };
        for (field, named) in crate::reference::names(&record) {
            if let Some((gone, path, renamed)) = deleted.iter().find(|(id, _, _)| *id == named && *id != record.id) {
                let diagnostic = match renamed {
                    Some(new) => Diagnostic::error(
                        format!("{prefix}{path}"),
                        "record.reference",
                        format!("`{gone}` is renamed to `{new}`, but {relative} still names `{gone}` (`{field}`)"),
                    )
                    .with_id(*new)
                    .with_hint(format!(
                        "update the reference in the same change; `docket rename {gone} {new}` does it for every record"
                    )),
                    None => Diagnostic::error(
                        format!("{prefix}{path}"),
                        "record.reference",
                        format!("`{gone}` is deleted, but {relative} still names it (`{field}`)"),
                    )
                    .with_id(*gone)
                    .with_hint(format!(
                        "remove the reference from {relative} in the same change ({}), or keep the record",
                        match field {
                            "milestone" => format!("`docket set {} --unset milestone`", record.id),
                            "blocked_by" => format!("`docket set {} blocked_by-={gone}`", record.id),
                            _ => format!("`docket edit {}`", record.id),
                        }
                    )),
                };
                found.push(diagnostic);
            }
        }
    }
    Ok(found)
}

/// A broken `docket.toml` or workflow as diagnostics of the change that broke it.
/// The records a change touches cannot be judged when the policy is broken before it and after
/// it (a change before broke it, and is refused for that): the change is refused too.
fn unjudged(prefix: &str, error: &PolicyError, files: usize) -> Diagnostic {
    let files = if files == 1 { "the record file".to_owned() } else { format!("the {files} record files") };
    Diagnostic::error(
        format!("{prefix}{}", crate::config::CONFIG_FILE),
        "policy.unreadable",
        format!("{files} this change touches cannot be judged: {error}"),
    )
    .with_hint("fix docket.toml, or the workflow it names, first; the change that broke it is refused as well")
}

fn policy_diagnostics(prefix: &str, error: &PolicyError) -> Vec<Diagnostic> {
    let mut diagnostics = match error {
        PolicyError::Config(list) | PolicyError::Workflow { diagnostics: list, .. } => list.clone(),
        other => vec![
            Diagnostic::error(crate::config::CONFIG_FILE, "policy.invalid", other.to_string())
                .with_hint("fix docket.toml [workflows] or add the workflow file in the same change"),
        ],
    };
    for diagnostic in &mut diagnostics {
        diagnostic.path = format!("{prefix}{}", diagnostic.path);
    }
    diagnostics
}

/// Judges an edit of one record in the work tree (`move`, `set`, `edit`, `new`): `old` is the
/// file before (none for a new record), `new` after; history is read from `HEAD`.
pub fn check_edit(tracker: &Tracker, path: &str, old: Option<&str>, new: &str, now: Timestamp) -> Vec<Diagnostic> {
    let Some((kind, id)) = record_at(path) else { return Vec::new() };
    let file = FileTexts {
        path: path.to_owned(),
        kind,
        id,
        old: old.map(str::to_owned),
        new: Some(new.to_owned()),
        unreadable: false,
        renamed_from: None,
    };
    let head = tracker.repo.head();
    let exists = |path: &str| in_work_tree(tracker, path);
    let records = |kind: Kind| {
        tracker.load_all().map(|l| l.records).unwrap_or_default().into_iter().filter(|r| r.kind() == kind).collect()
    };
    let others = Others { exists: &exists, records: &records };
    let mut diagnostics = judge(&tracker.repo, "", &tracker.policy, &file, now, head.as_deref(), &others, None);
    // Paths are shown relative to the tracker root, as everywhere else in the CLI.
    for diagnostic in &mut diagnostics {
        path.clone_into(&mut diagnostic.path);
    }
    diagnostics
}

/// The errors `check_edit` finds in `old` → `new` that were not already there before the edit:
/// what the edit breaks, not what it inherits.
pub fn edit_breaks(tracker: &Tracker, path: &str, old: Option<&str>, new: &str, now: Timestamp) -> Vec<Diagnostic> {
    let before = old.map(|old| check_edit(tracker, path, Some(old), old, now)).unwrap_or_default();
    check_edit(tracker, path, old, new, now)
        .into_iter()
        .filter(|d| d.is_error() && !before.iter().any(|b| b.rule == d.rule && b.message == d.message))
        .collect()
}

/// Checks the whole work tree: every record valid, in a defined state, holding what its state
/// requires, and holding the artifacts of the states before it.
pub fn check_tree(tracker: &Tracker, now: Timestamp) -> Result<Report, CheckError> {
    let loaded = tracker.load_all()?;
    let mut report = Report { files: loaded.records.len(), diagnostics: loaded.diagnostics, commits: 0 };
    let head = tracker.repo.head();
    let records = loaded.records;
    let of_kind = |kind: Kind| records.iter().filter(|r| r.kind() == kind).cloned().collect();
    for record in &records {
        let workflow = tracker.workflow(record.kind());
        let facts = GitFacts::at(tracker, head.as_deref(), workflow, &of_kind, now);
        let env = Env { now, config: tracker.config(), facts: &facts };
        // Its state defined, its requirements and the artifacts of the states before it
        // present; and a warning for a move whose time has come (an expired Incomplete).
        let mut violations = engine::check_standing(workflow, record, &env);
        for target in engine::due_moves(workflow, record, &env) {
            violations.push(Violation {
                severity: Severity::Warning,
                rule: "workflow.due",
                message: format!("the time to move from `{}` to `{target}` has come", workflow.state_of(record)),
                field: Some(workflow.field.clone()),
                allowed: Vec::new(),
                missing: Vec::new(),
                hint: Some(format!("docket move {} {target}", record.id)),
            });
        }
        if violations.is_empty() {
            continue;
        }
        let source = std::fs::read_to_string(tracker.absolute(&record.path)).unwrap_or_default();
        for violation in violations {
            report.diagnostics.push(to_diagnostic(violation, &record.path, &record.id, &source, workflow));
        }
    }
    report.diagnostics.extend(dangling_references(tracker, &records));
    Ok(report)
}

/// A move whose time has come (an Incomplete MIR bug past 60 days, an ACK unpromoted after two
/// years).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Due {
    pub id: String,
    pub path: String,
    pub from: String,
    pub to: String,
    /// The command that makes the move.
    pub command: String,
}

/// Every move whose time has come, judged at `now` with history from `HEAD`.
pub fn due_moves(tracker: &Tracker, records: &[Record], now: Timestamp) -> Vec<Due> {
    let head = tracker.repo.head();
    let of_kind = |kind: Kind| records.iter().filter(|r| r.kind() == kind).cloned().collect();
    let mut due = Vec::new();
    for record in records {
        let workflow = tracker.workflow(record.kind());
        let facts = GitFacts::at(tracker, head.as_deref(), workflow, &of_kind, now);
        let env = Env { now, config: tracker.config(), facts: &facts };
        for to in engine::due_moves(workflow, record, &env) {
            due.push(Due {
                id: record.id.clone(),
                path: record.path.clone(),
                from: workflow.state_of(record),
                command: format!("docket move {} {to}", record.id),
                to,
            });
        }
    }
    due
}

/// What the records name that does not hold ([`crate::reference`], the judge `set` and the
/// hooks ask too), every reference judged.
fn dangling_references(tracker: &Tracker, records: &[Record]) -> Vec<Diagnostic> {
    let exists = |path: &str| in_work_tree(tracker, path);
    let mir_bugs = || records.iter().filter(|r| r.kind() == Kind::Mir).cloned().collect();
    let lookup =
        crate::reference::Lookup { exists: &exists, mir_bugs: &mir_bugs, mir_workflow: tracker.workflow(Kind::Mir) };
    let mut problems = Vec::new();
    for record in records {
        let found = crate::reference::problems(record, None, tracker.config(), &lookup);
        if found.is_empty() {
            continue;
        }
        let source = std::fs::read_to_string(tracker.absolute(&record.path)).unwrap_or_default();
        for problem in found {
            problems.push(reference_diagnostic(problem, &record.path, &record.id, &source));
        }
    }
    problems
}

/// Whether a regular file is at `path` (relative to the root) in the work tree.
fn in_work_tree(tracker: &Tracker, path: &str) -> bool {
    std::fs::symlink_metadata(tracker.absolute(path)).is_ok_and(|m| m.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Absorbing a report keeps what it adds, drops what is already said of the same file by
    /// the same rule, and adds up the counts.
    #[test]
    fn absorbing_a_report() {
        let diagnostic = |path: &str, rule: &'static str| Diagnostic::error(path, rule, "m");
        let mut report = Report { diagnostics: vec![diagnostic("p", "a")], files: 2, commits: 3 };
        report.absorb(Report {
            diagnostics: vec![diagnostic("p", "b"), diagnostic("p", "a"), diagnostic("q", "a")],
            files: 5,
            commits: 7,
        });
        let said: Vec<(&str, &str)> = report.diagnostics.iter().map(|d| (d.path.as_str(), d.rule)).collect();
        assert_eq!(said, [("p", "a"), ("p", "b"), ("q", "a")]);
        assert_eq!((report.files, report.commits), (7, 10));
    }

    #[test]
    fn record_paths() {
        assert_eq!(record_at("issues/k3x9q2.toml"), Some((Kind::Issue, "k3x9q2".into())));
        assert_eq!(record_at("issues/k3/k3x9q2.toml"), Some((Kind::Issue, "k3x9q2".into())));
        assert_eq!(record_at("mir/ab.toml"), Some((Kind::Mir, "ab".into())));
        assert_eq!(record_at("issues/.gitkeep"), None);
        assert_eq!(record_at("issues/README.md"), None);
        assert_eq!(record_at("issues/a/b/c.toml"), None);
        assert_eq!(record_at("docs/a.toml"), None);
        assert_eq!(record_at("issues/Bad.toml"), None);
    }
}
