//! Importing git-bug's tracker: its bugs (`refs/bugs/*`, each a chain of commits whose `ops`
//! blob holds a pack of JSON operations) and identities (`refs/identities/*`), turned into
//! issues. The git-bug id is kept in each record (`git_bug_id`) and the record's id is derived
//! from it, so a second import updates rather than duplicates.

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
                apply(&mut bug, op, op_id, &author);
            }
        }
        issues.push(make_issue(&git_bug_id, &bug, workflow));
        progress(done + 1, bugs.len());
    }
    Ok(issues)
}

fn apply(bug: &mut Bug, op: Op, op_id: String, author: &str) {
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
