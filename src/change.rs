//! The changes people make to one record — `move`, `set`, `comment`, `update` — as one library
//! operation each, so that the command line and the web board (`docket serve`) make the same
//! edit, judged by the same workflow engine as the hooks, and cannot answer differently.
//!
//! Each operation reads the record under the tracker's write lock, edits it in place
//! ([`crate::format::edit`], formatting kept), parses the result, judges it
//! ([`crate::check::check_edit`], [`crate::check::edit_breaks`]) and writes it only when every
//! check passes: a refused change leaves the file byte for byte as it was. Nothing is printed;
//! the caller renders a [`Changed`] or a [`ChangeError`].

use crate::context::Context;
use crate::diagnostic::{Diagnostic, has_errors};
use crate::format::edit::{self, Assignment};
use crate::model::{Health, Kind, Record};
use crate::tracker::{RecordFile, Tracker, TrackerError};

/// A change that was written (or that found nothing to change).
#[derive(Debug)]
pub struct Changed {
    pub file: RecordFile,
    /// The text before and after; equal when nothing changed.
    pub before: String,
    pub after: String,
    /// The record as written.
    pub record: Option<Record>,
    /// Warnings the workflow gave about the change, which did not stop it.
    pub warnings: Vec<Diagnostic>,
    /// What happened, in words, e.g. ``moved issues/k3x9.toml from `triage` to `planning` ``.
    pub summary: String,
}

/// Why a change was not made. In every case the record's file is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    /// The request cannot be met as asked: an unknown state, a malformed assignment, a file
    /// that cannot be edited.
    #[error("{message}")]
    Usage { message: String, hint: String },
    /// The move does not reach the state asked for: a derived state (MIR) is made of fields
    /// the move does not set, named in `missing` when known.
    #[error("{message}")]
    Incomplete { message: String, hint: String, missing: Vec<String> },
    /// The record's file cannot be read as a record: fix it first.
    #[error("the record has problems to fix first")]
    Unreadable(Vec<Diagnostic>),
    /// The result would not be a valid record.
    #[error("{path} was not changed: {why}")]
    Invalid { path: String, why: &'static str, diagnostics: Vec<Diagnostic> },
    /// The workflow refuses the change, for the reasons in `diagnostics`.
    #[error("{summary}")]
    Refused {
        diagnostics: Vec<Diagnostic>,
        /// More on why, when the refusal is not what the person may expect.
        note: Option<String>,
        summary: String,
    },
}

impl ChangeError {
    fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        ChangeError::Usage { message: message.into(), hint: hint.into() }
    }

    /// The fields a refused change lacks, in the order the diagnostics name them: what a
    /// person must give for the change to be made.
    pub fn missing(&self) -> Vec<String> {
        let mut missing: Vec<String> = Vec::new();
        if let ChangeError::Incomplete { missing, .. } = self {
            return missing.clone();
        }
        if let ChangeError::Refused { diagnostics, .. } = self {
            for field in diagnostics.iter().flat_map(|d| &d.missing) {
                if !missing.contains(field) {
                    missing.push(field.clone());
                }
            }
        }
        missing
    }
}

/// Who writes a comment or an update: `given`, else git's author (`GIT_AUTHOR_NAME`,
/// `user.name`), else the login name.
pub fn author(tracker: &Tracker, context: &Context, given: Option<&str>) -> Option<String> {
    given
        .map(str::to_owned)
        .or_else(|| context.git_author().map(str::to_owned))
        .or_else(|| tracker.repo.author().map(str::to_owned))
        .or_else(|| context.login().map(str::to_owned))
}

/// Parses `FIELD=VALUE` arguments.
pub fn assignments(texts: &[String], hint: &str) -> Result<Vec<Assignment>, ChangeError> {
    texts
        .iter()
        .map(|text| Assignment::parse(text).map_err(|error| ChangeError::usage(error.to_string(), hint)))
        .collect()
}

/// What `move` takes.
#[derive(Debug, Default)]
pub struct Move {
    pub state: String,
    /// `FIELD=VALUE` the move sets too (a blocked reason, an iteration).
    pub assignments: Vec<String>,
    /// A comment to add with the move.
    pub message: Option<String>,
    /// Who writes the comment.
    pub author: Option<String>,
}

/// `docket move`: `id`'s record moved to `request.state` through its workflow, filling what
/// the workflow fills (`previous_stage`). Judged like the hook judges the next commit: against
/// the committed version, so moves made one after another before a commit are judged as the
/// one move they add up to.
pub fn move_record(tracker: &Tracker, context: &Context, id: &str, request: &Move) -> Result<Changed, ChangeError> {
    let _lock = tracker.lock_writes()?;
    let file = tracker.resolve(id)?;
    let (record, diagnostics, source) = tracker.load(&file)?;
    let Some(record) = record else {
        return Err(ChangeError::Unreadable(diagnostics));
    };
    let workflow = tracker.workflow(file.kind);
    let target = &request.state;
    if workflow.state(target).is_none() {
        let names: Vec<&str> = workflow.states.iter().map(|s| s.name.as_str()).collect();
        let near = crate::format::fields::closest(target, names.iter().copied());
        let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        return Err(ChangeError::usage(
            format!("the `{}` workflow has no state `{target}`", workflow.name),
            match near {
                Some(near) => format!("did you mean `{near}`? (the states: {list})"),
                None => format!("the states: {list}"),
            },
        ));
    }
    let current = workflow.state_of(&record);
    if current == *target && request.assignments.is_empty() {
        let summary = format!("{} is already in `{current}`; nothing changed", file.path);
        return Ok(Changed {
            file,
            after: source.clone(),
            before: source,
            record: Some(record),
            warnings: Vec::new(),
            summary,
        });
    }
    let committed = tracker
        .repo
        .head()
        .and_then(|head| tracker.repo.file_at(&head, &format!("{}{}", tracker.prefix, file.path)).ok().flatten());
    let committed_state = committed
        .as_deref()
        .and_then(|text| tracker.parse(&file, text).record)
        .map(|r| workflow.state_of(&r))
        .filter(|s| *s != current);
    let mut edits = crate::workflow::engine::move_edits(workflow, &record, target);
    edits.extend(assignments(
        &request.assignments,
        "write FIELD=VALUE, e.g. `blocked_reason=\"waiting for the sandbox\"`",
    )?);
    let cannot = |error: edit::EditError| {
        ChangeError::usage(format!("cannot edit {}: {error}", file.path), "see `docket move --help`")
    };
    let mut moved = edit::apply(&source, file.kind, &edits, context.now()).map_err(cannot)?;
    if let Some(message) = &request.message {
        moved = edit::append_comment(&moved, file.kind, context.now(), request.author.as_deref(), message)
            .map_err(cannot)?;
    }
    let parsed = valid(tracker, &file, &moved, "the result would be invalid")?;
    // A derived state (MIR) may need more than the move sets: say what.
    if let Some(reached) = parsed.as_ref().map(|r| workflow.state_of(r)).filter(|s| s != target) {
        let (hint, missing) = match target.as_str() {
            "assigned_mir" => ("give the MIR team member: `assignee=<name>`", vec!["assignee"]),
            "in_progress" | "fix_committed" | "invalid_unpromoted" => {
                ("record the ACK: `verdict=ack`", vec!["verdict"])
            }
            _ => ("set the fields that state is made of in the same command (FIELD=VALUE)", Vec::new()),
        };
        return Err(ChangeError::Incomplete {
            message: format!("these changes leave {} in `{reached}`, not `{target}`", file.path),
            hint: hint.to_owned(),
            missing: missing.into_iter().map(str::to_owned).collect(),
        });
    }
    let before = committed.as_deref().unwrap_or(&source);
    let verdict = crate::check::check_edit(tracker, &file.path, Some(before), &moved, context.commit_time());
    if has_errors(&verdict) {
        return Err(ChangeError::Refused {
            diagnostics: verdict,
            note: committed_state.map(|committed_state| {
                format!(
                    "{} is in `{committed_state}` in the last commit, so the next commit moves it `{committed_state}` → `{target}` in one step; commit the move to `{current}` first",
                    file.path
                )
            }),
            summary: format!("`{current}` → `{target}` refused; {} is unchanged", file.path),
        });
    }
    tracker.write(&file.path, &moved)?;
    let summary = format!("moved {} from `{current}` to `{target}`", file.path);
    Ok(Changed { file, before: source, after: moved, record: parsed, warnings: verdict, summary })
}

/// The edits `set` makes of its `FIELD=VALUE` arguments and the fields it unsets.
pub fn set_edits(set: &[String], unset: &[String]) -> Result<Vec<Assignment>, ChangeError> {
    if set.is_empty() && unset.is_empty() {
        return Err(ChangeError::usage(
            "nothing to set",
            "give FIELD=VALUE arguments or --unset FIELD, e.g. `docket set k3x9 weight=3`",
        ));
    }
    let mut edits = assignments(set, "write FIELD=VALUE, FIELD+=VALUE or FIELD-=VALUE, e.g. `weight=3`")?;
    edits.extend(unset.iter().map(|field| Assignment::unset(field)));
    Ok(edits)
}

/// `docket set`: fields changed in place. Changing the state is `move`'s job, so a change that
/// would is refused with the `move` command to run; a change is refused only for what it
/// breaks, not for what was already wrong.
pub fn set_fields(
    tracker: &Tracker,
    context: &Context,
    id: &str,
    set: &[String],
    unset: &[String],
) -> Result<Changed, ChangeError> {
    let edits = set_edits(set, unset)?;
    let _lock = tracker.lock_writes()?;
    let file = tracker.resolve(id)?;
    let (_, _, source) = tracker.load(&file)?;
    let edited = edit::apply(&source, file.kind, &edits, context.now()).map_err(|error| {
        ChangeError::usage(
            format!("cannot edit {}: {error}", file.path),
            "see `docket set --help` for the forms a change may take",
        )
    })?;
    let record = valid(tracker, &file, &edited, "the result would be invalid")?;
    if let (Some(old), Some(new)) = (tracker.parse(&file, &source).record, &record) {
        let workflow = tracker.workflow(file.kind);
        let (from, to) = (workflow.state_of(&old), workflow.state_of(new));
        if from != to && workflow.state(&to).is_none() {
            let states = workflow.states.iter().map(|s| format!("`{}`", s.name)).collect::<Vec<_>>().join(", ");
            return Err(ChangeError::usage(
                format!(
                    "this would put {} in `{to}`, which is not a state of the `{}` workflow",
                    file.path, workflow.name
                ),
                format!("the states: {states}; move between them with `docket move {} STATE`", file.id),
            ));
        }
        if from != to {
            // The move, with the other fields of this change (those `move` takes too).
            let field = &workflow.field;
            let mut command = format!("docket move {} {to}", file.id);
            for text in set.iter().filter(|a| !a.starts_with(&format!("{field}="))) {
                let quoted = if text.contains(char::is_whitespace) { format!("'{text}'") } else { text.clone() };
                command.push(' ');
                command.push_str(&quoted);
            }
            return Err(ChangeError::usage(
                format!("this would move {} from `{from}` to `{to}`, which is `docket move`'s job", file.path),
                format!("run `{command}` (it checks the workflow and fills what it can)"),
            ));
        }
        let introduced = crate::check::edit_breaks(tracker, &file.path, Some(&source), &edited, context.commit_time());
        if !introduced.is_empty() {
            return Err(ChangeError::Refused {
                diagnostics: introduced,
                note: None,
                summary: format!("{} was not changed: the `{}` workflow would refuse it", file.path, workflow.name),
            });
        }
    }
    let summary = if edited == source {
        format!("{} already has these values; nothing changed", file.path)
    } else {
        tracker.write(&file.path, &edited)?;
        format!("updated {}", file.path)
    };
    Ok(Changed { file, before: source, after: edited, record, warnings: Vec::new(), summary })
}

/// `docket comment`: a `[[comments]]` entry appended with the date and author. The record is
/// read under the lock, so a comment another process wrote meanwhile is kept.
pub fn comment(
    tracker: &Tracker,
    context: &Context,
    file: &RecordFile,
    author: Option<&str>,
    text: &str,
) -> Result<Changed, ChangeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ChangeError::usage(
            "the comment is empty; nothing was added",
            "pass -m \"text\", -F FILE, or write the comment in the editor",
        ));
    }
    let _lock = tracker.lock_writes()?;
    let (_, _, source) = tracker.load(file)?;
    let edited = edit::append_comment(&source, file.kind, context.now(), author, text).map_err(|error| {
        ChangeError::usage(
            format!("cannot edit {}: {error}", file.path),
            "fix the file first (`docket show` reports its problems)",
        )
    })?;
    let record = valid(tracker, file, &edited, "it has problems to fix first")?;
    tracker.write(&file.path, &edited)?;
    let summary = format!("commented on {}", file.path);
    Ok(Changed { file: file.clone(), before: source, after: edited, record, warnings: Vec::new(), summary })
}

/// `docket update`: an issue's weekly update (seed 000), appended as an `[[updates]]` entry
/// with the issue's `health` set to match.
pub fn update(
    tracker: &Tracker,
    context: &Context,
    id: &str,
    author: Option<&str>,
    health: Option<Health>,
    text: &str,
) -> Result<Changed, ChangeError> {
    let file = tracker.resolve(id)?;
    if file.kind != Kind::Issue {
        return Err(ChangeError::usage(
            format!("`{}` is a {}; weekly updates are for issues", file.id, file.kind.noun()),
            "post a comment instead (`docket comment`)",
        ));
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(ChangeError::usage("the update is empty; nothing was added", "pass -m \"what moved this week\""));
    }
    let _lock = tracker.lock_writes()?;
    let (_, _, source) = tracker.load(&file)?;
    let edited = edit::append_update(&source, file.kind, context.now(), author, health, text).map_err(|error| {
        ChangeError::usage(
            format!("cannot edit {}: {error}", file.path),
            "fix the file first (`docket show` reports its problems)",
        )
    })?;
    let record = valid(tracker, &file, &edited, "it has problems to fix first")?;
    let breaks = crate::check::edit_breaks(tracker, &file.path, Some(&source), &edited, context.commit_time());
    if !breaks.is_empty() {
        return Err(ChangeError::Refused {
            diagnostics: breaks,
            note: None,
            summary: format!("{} was not changed: its workflow would refuse it", file.path),
        });
    }
    tracker.write(&file.path, &edited)?;
    let summary = format!("posted an update on {}", file.path);
    Ok(Changed { file, before: source, after: edited, record, warnings: Vec::new(), summary })
}

/// The record `text` holds, when it is a valid record file.
fn valid(tracker: &Tracker, file: &RecordFile, text: &str, why: &'static str) -> Result<Option<Record>, ChangeError> {
    let parsed = tracker.parse(file, text);
    if has_errors(&parsed.diagnostics) {
        return Err(ChangeError::Invalid { path: file.path.clone(), why, diagnostics: parsed.diagnostics });
    }
    Ok(parsed.record)
}
