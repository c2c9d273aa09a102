//! Importing git-bug's tracker: its bugs (`refs/bugs/*`, each a chain of commits whose `ops`
//! blob holds a pack of JSON operations) and identities (`refs/identities/*`), turned into
//! issues. The git-bug id is kept in each record (`git_bug_id`) and the record's id is derived
//! from it, so a second import updates rather than duplicates. [`prepare`] works an import
//! out against a tracker (and judges it as the hooks will), [`apply`] commits it in one commit
//! straight to the object store and brings those files into the work tree.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::format::canonical::canonical;
use crate::model::Kind;
use crate::store::{Repo, StoreError};
use crate::time;
use crate::workflow::Workflow;

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{reference} (commit {commit}): the operation pack is not what git-bug writes: {message}")]
    Format { reference: String, commit: String, message: String },
    #[error("there are no git-bug bugs (refs/bugs/*) in {0}")]
    Empty(String),
    /// The workflow refuses some of the records ([`Prepared::problems`]): nothing is written.
    #[error("the workflow refuses these records")]
    Refused,
    /// The commit is made, but its files could not be brought into the work tree.
    #[error("the records are committed, but `git checkout` could not bring them into the work tree: {0}")]
    Checkout(StoreError),
}

impl ImportError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            ImportError::Format { .. } | ImportError::Empty(_) => {
                Some("point docket at a repository git-bug wrote: `docket import git-bug PATH`")
            }
            ImportError::Checkout(_) => Some(
                "wait for any other git command to finish, then run `docket import git-bug` again: it restores them",
            ),
            ImportError::Refused => Some("fix the workflow, or the records in git-bug, and import again"),
            ImportError::Store(_) => None,
        }
    }
}

/// An import worked out against a tracker; nothing written yet.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// The files to write: (path from the tracker root, text).
    pub changes: Vec<(String, String)>,
    /// Which of `changes` create a file (the others update one).
    pub new_paths: std::collections::BTreeSet<String>,
    /// Files (from the repository's top) committed but absent from the work tree, or in the
    /// work tree as committed but not in the index: what an import killed between its commit
    /// and the end of its checkout leaves. Applying restores them.
    pub missing: Vec<String>,
    /// What the hooks would say of these records arriving, at the time given.
    pub problems: Vec<crate::diagnostic::Diagnostic>,
    /// How many issues the source holds.
    pub total: usize,
}

impl Prepared {
    /// How many files the import creates.
    pub fn created(&self) -> usize {
        self.new_paths.len()
    }

    /// How many files the import updates.
    pub fn updated(&self) -> usize {
        self.changes.len() - self.new_paths.len()
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The tracker already held every issue as the source has it.
    UpToDate,
    /// `HEAD` held them, but an interrupted import had left this many files out of the work
    /// tree: they are back.
    Restored(usize),
    /// The issues are in this new commit, and in the work tree.
    Committed(String),
}

/// Works out what importing `issues` changes in `tracker`: for each issue, the work tree's file,
/// else the committed one, is compared with the imported text; the changes are judged at `now`
/// as the hooks will judge them.
pub fn prepare(
    tracker: &crate::tracker::Tracker,
    issues: &[ImportedIssue],
    now: crate::time::Timestamp,
) -> Result<Prepared, ImportError> {
    let head = tracker.repo.head();
    // The index entries that differ from HEAD, with HEAD's blob: a `git checkout` killed after
    // writing the files but before writing the index leaves the committed records out of it.
    let staged: BTreeMap<String, Option<String>> = match &head {
        Some(_) => tracker
            .repo
            .staged_changes(&[format!("{}{}/", tracker.prefix, Kind::Issue.folder())])?
            .into_iter()
            .map(|change| (change.path, change.old))
            .collect(),
        None => BTreeMap::new(),
    };
    let mut existing = BTreeMap::new();
    let mut missing = Vec::new();
    for issue in issues {
        let path = tracker.path_for(Kind::Issue, &issue.id);
        let top = format!("{}{path}", tracker.prefix);
        if let Ok(text) = std::fs::read_to_string(tracker.absolute(&path)) {
            // In the work tree as committed, but not so in the index.
            if staged.get(&top).is_some_and(|old| old.as_deref() == Some(Repo::blob_id(text.as_bytes()).as_str())) {
                missing.push(top);
            }
            existing.insert(path, text);
        } else if let Some(head) = &head
            && let Some(text) = tracker.repo.file_at(head, &top)?
        {
            missing.push(top);
            existing.insert(path, text);
        }
    }
    let changes = changes(issues, &|id| tracker.path_for(Kind::Issue, id), &existing);
    let new_paths =
        changes.iter().filter(|(path, _)| !existing.contains_key(path)).map(|(path, _)| path.clone()).collect();
    let mut problems = Vec::new();
    for (path, text) in &changes {
        let before = existing.get(path).map(String::as_str);
        problems.extend(crate::check::check_edit(tracker, path, before, text, now));
    }
    Ok(Prepared { changes, new_paths, missing, problems, total: issues.len() })
}

/// Writes a prepared import: one commit of its files on top of `HEAD` (by `docket`, when git
/// knows no user), then `git checkout` of those files and of the missing ones. Refused, with
/// nothing written, when the workflow refuses any record.
pub fn apply(tracker: &crate::tracker::Tracker, prepared: &Prepared) -> Result<Applied, ImportError> {
    if crate::diagnostic::has_errors(&prepared.problems) {
        return Err(ImportError::Refused);
    }
    let checkout = |paths: &[String]| tracker.repo.checkout_from_head(paths).map_err(ImportError::Checkout);
    if prepared.changes.is_empty() {
        if prepared.missing.is_empty() {
            return Ok(Applied::UpToDate);
        }
        checkout(&prepared.missing)?;
        return Ok(Applied::Restored(prepared.missing.len()));
    }
    let files: Vec<(String, String)> =
        prepared.changes.iter().map(|(path, text)| (format!("{}{path}", tracker.prefix), text.clone())).collect();
    let message = format!(
        "Import {} issues from git-bug\n\nCreated {}, updated {} (docket import git-bug).",
        prepared.changes.len(),
        prepared.created(),
        prepared.updated()
    );
    let commit = tracker.repo.commit_files(&files, &message, "docket")?;
    // The index and the work tree follow the new commit for these files only.
    let paths: Vec<String> = files.into_iter().map(|(path, _)| path).chain(prepared.missing.iter().cloned()).collect();
    checkout(&paths)?;
    Ok(match commit {
        Some(commit) => Applied::Committed(commit),
        // HEAD already held these records: an interrupted import left the work tree behind.
        None => Applied::Restored(paths.len()),
    })
}

/// One issue made from a bug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedIssue {
    pub id: String,
    pub git_bug_id: String,
    /// The file's text, in the canonical layout.
    pub text: String,
}

#[derive(Deserialize)]
struct Pack<'a> {
    author: AuthorRef,
    #[serde(borrow)]
    ops: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct AuthorRef {
    id: String,
}

#[derive(Deserialize)]
struct Op {
    #[serde(rename = "type")]
    kind: u8,
    timestamp: i64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<u8>,
    #[serde(default)]
    added: Option<Vec<String>>,
    #[serde(default)]
    removed: Option<Vec<String>>,
    #[serde(default)]
    target: Option<String>,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    login: Option<String>,
}

/// The state of a bug as its operations leave it.
#[derive(Default)]
struct Bug {
    title: String,
    description: String,
    created: i64,
    author: String,
    open: bool,
    labels: Vec<String>,
    /// (op id, date, author, text)
    comments: Vec<(String, i64, String, String)>,
    create_op: String,
}

/// The names of git-bug's identities, by id: the login, else the name.
fn identities(repo: &Repo) -> Result<HashMap<String, String>, ImportError> {
    let mut names = HashMap::new();
    for (reference, commit) in repo.refs_under("refs/identities/")? {
        let id = reference.rsplit('/').next().unwrap_or("").to_owned();
        if let Some(text) = repo.file_at(&commit, "version")?
            && let Ok(identity) = serde_json::from_str::<Identity>(&text)
            && let Some(name) = identity.login.or(identity.name)
        {
            names.insert(id, name);
        }
    }
    Ok(names)
}

/// Reads every bug of the git-bug repository `repo` and makes an issue of each for a tracker
/// whose issues follow `workflow`. `progress` is told (done, total).
pub fn git_bug(
    repo: &Repo,
    workflow: &Workflow,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<ImportedIssue>, ImportError> {
    let bugs = repo.refs_under("refs/bugs/")?;
    if bugs.is_empty() {
        return Err(ImportError::Empty(repo.git_dir.display().to_string()));
    }
    let names = identities(repo)?;
    let mut issues = Vec::new();
    for (done, (reference, tip)) in bugs.iter().enumerate() {
        let git_bug_id = reference.rsplit('/').next().unwrap_or("").to_owned();
        // git-bug names bugs by a hexadecimal hash; anything else would make a record id no
        // command reads (an uppercase or hostile ref name).
        if git_bug_id.len() < 7 || !git_bug_id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(ImportError::Format {
                reference: reference.clone(),
                commit: tip.clone(),
                message: format!("`{git_bug_id}` is not a git-bug id (lowercase hexadecimal, at least 7 digits)"),
            });
        }
        let mut bug = Bug { open: true, ..Bug::default() };
        for commit in repo.range(None, tip)? {
            let Some(text) = repo.file_at(&commit.id, "ops")? else { continue };
            let format = |message: String| ImportError::Format {
                reference: reference.clone(),
                commit: commit.id.clone(),
                message,
            };
            let pack: Pack<'_> = serde_json::from_str(&text).map_err(|e| format(e.to_string()))?;
            let author =
                names.get(&pack.author.id).cloned().unwrap_or_else(|| pack.author.id.chars().take(8).collect());
            for raw in pack.ops {
                let op: Op = serde_json::from_str(raw.get()).map_err(|e| format(e.to_string()))?;
                // git-bug names an operation by the SHA-256 of its JSON, as stored.
                let op_id = format!("{:x}", Sha256::digest(raw.get().as_bytes()));
                apply_op(&mut bug, op, op_id, &author);
            }
        }
        issues.push(make_issue(&git_bug_id, &bug, workflow));
        progress(done + 1, bugs.len());
    }
    Ok(issues)
}

fn apply_op(bug: &mut Bug, op: Op, op_id: String, author: &str) {
    match op.kind {
        // Create
        1 => {
            bug.title = op.title.unwrap_or_default();
            bug.description = op.message.unwrap_or_default();
            bug.created = op.timestamp;
            author.clone_into(&mut bug.author);
            bug.create_op = op_id;
        }
        // SetTitle
        2 => bug.title = op.title.unwrap_or_default(),
        // AddComment
        3 => bug.comments.push((op_id, op.timestamp, author.to_owned(), op.message.unwrap_or_default())),
        // SetStatus: 1 open, 2 closed
        4 => bug.open = op.status != Some(2),
        // LabelChange
        5 => {
            for label in op.removed.unwrap_or_default() {
                bug.labels.retain(|l| *l != label);
            }
            for label in op.added.unwrap_or_default() {
                if !bug.labels.contains(&label) {
                    bug.labels.push(label);
                }
            }
        }
        // EditComment: the target is the create operation (the description) or a comment.
        6 => {
            let target = op.target.unwrap_or_default();
            let message = op.message.unwrap_or_default();
            if target == bug.create_op {
                bug.description = message;
            } else if let Some(comment) = bug.comments.iter_mut().find(|c| c.0 == target) {
                comment.3 = message;
            }
        }
        // NoOp, SetMetadata and anything newer change nothing docket keeps.
        _ => {}
    }
}

fn make_issue(git_bug_id: &str, bug: &Bug, workflow: &Workflow) -> ImportedIssue {
    let id = format!("gb{}", &git_bug_id[..git_bug_id.len().min(7)]);
    let closed_state = ["closed", "done", "completed"].into_iter().find(|s| workflow.state(s).is_some()).map_or_else(
        || workflow.states.iter().find(|s| s.terminal).map_or_else(|| workflow.initial.clone(), |s| s.name.clone()),
        str::to_owned,
    );
    let state = if bug.open { workflow.initial.clone() } else { closed_state };
    let issue_type = if bug.labels.iter().any(|l| l.eq_ignore_ascii_case("bug")) { "bug" } else { "feature" };
    let mut document = DocumentMut::new();
    let table = document.as_table_mut();
    let mut set = |key: &str, value: Value| {
        table.insert(key, Item::Value(value));
    };
    set("title", Value::from(if bug.title.trim().is_empty() { "(untitled)" } else { bug.title.as_str() }));
    set("type", Value::from(issue_type));
    set(&workflow.field, Value::from(state.as_str()));
    let mut labels = toml_edit::Array::new();
    for label in bug.labels.iter().filter(|l| !l.trim().is_empty()) {
        labels.push(label.as_str());
    }
    set("labels", Value::Array(labels));
    set("requester", Value::from(bug.author.as_str()));
    set("created", Value::from(time::datetime_of(bug.created)));
    if !bug.description.trim().is_empty() {
        set("description", Value::from(bug.description.as_str()));
    }
    set("git_bug_id", Value::from(git_bug_id));
    let mut comments = ArrayOfTables::new();
    let mut entries: Vec<(i64, String, String)> =
        bug.comments.iter().map(|c| (c.1, c.2.clone(), c.3.clone())).collect();
    // A bug closed without a word gets one, so the record says why it is closed.
    if !bug.open && entries.is_empty() {
        entries.push((bug.created, "docket".to_owned(), "Closed in git-bug (imported).".to_owned()));
    }
    entries.sort_by_key(|c| c.0);
    for (date, author, text) in entries {
        let mut comment = Table::new();
        comment.insert("date", Item::Value(Value::from(time::datetime_of(date))));
        comment.insert("author", Item::Value(Value::from(author)));
        comment.insert(
            "text",
            Item::Value(Value::from(if text.trim().is_empty() { "(empty comment)".to_owned() } else { text })),
        );
        comments.push(comment);
    }
    if !comments.is_empty() {
        document.as_table_mut().insert("comments", Item::ArrayOfTables(comments));
    }
    let raw = document.to_string();
    let text = canonical(Kind::Issue, &raw).unwrap_or(raw);
    ImportedIssue { id, git_bug_id: git_bug_id.to_owned(), text }
}

/// The imported issues whose files would change: (path from the tracker root, text), against
/// what `existing` (path → text) holds now.
pub fn changes(
    issues: &[ImportedIssue],
    path_for: &dyn Fn(&str) -> String,
    existing: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    issues
        .iter()
        .map(|issue| (path_for(&issue.id), issue.text.clone()))
        .filter(|(path, text)| existing.get(path) != Some(text))
        .collect()
}
