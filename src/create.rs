//! `docket new` as an operation: a new record's text built from what the user gave (its id
//! checked, or drawn at random), then judged as the hooks will judge it before anything is
//! written. The binary decides whether an editor is involved and renders the outcome.

use toml_edit::{Array, Value};

use crate::context::Context;
use crate::diagnostic::{Diagnostic, has_errors};
use crate::format::new::{NewRecord, description_template};
use crate::model::Kind;
use crate::time::{self, Timestamp};
use crate::tracker::{RecordFile, Tracker, TrackerError};

/// What the user asked for: the flags of `docket new`, none of them checked yet.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub title: Option<String>,
    pub issue_type: Option<String>,
    pub stage: Option<String>,
    pub labels: Vec<String>,
    pub requester: Option<String>,
    pub assignee: Option<String>,
    pub milestone: Option<String>,
    pub iteration: Option<String>,
    pub weight: Option<i64>,
    pub description: Option<String>,
    pub package: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub id: Option<String>,
}

/// Why a record cannot be built from a [`Spec`]; [`CreateError::hint`] says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("`{id}` cannot be an id: {why}")]
    BadId { id: String, why: String },
    #[error("a record with the id `{0}` already exists")]
    Taken(String),
    #[error("a new MIR bug needs the package it asks to promote")]
    NoPackage,
    #[error("a new {0} needs a title")]
    NoTitle(&'static str),
    #[error("--{flag} `{value}` is not a date")]
    BadDate { flag: &'static str, value: String },
    #[error("{flag} does not apply to {noun}")]
    Foreign { flag: &'static str, noun: &'static str, owners: String },
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

impl CreateError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            CreateError::BadId { .. } => "use lowercase letters, digits and `-`, e.g. `16-7`".to_owned(),
            CreateError::Taken(id) => format!("see it with `docket show {id}`, or pick another id"),
            CreateError::NoPackage => {
                "pass --package NAME (the title defaults to `[MIR] NAME`), or --edit to write it in $EDITOR".to_owned()
            }
            CreateError::NoTitle(_) => {
                "pass --title \"…\" (or --package for a MIR bug), or --edit to write it in $EDITOR".to_owned()
            }
            CreateError::BadDate { .. } => "write dates as YYYY-MM-DD, e.g. 2026-12-01".to_owned(),
            CreateError::Foreign { flag, owners, .. } => format!("{flag} is for {owners}"),
            CreateError::Tracker(_) => return None,
        })
    }
}

/// A new record, built and not yet written: where it goes and its fields.
#[derive(Debug, Clone)]
pub struct Draft {
    pub file: RecordFile,
    pub record: NewRecord,
}

/// The title a spec gives: `--title`, else a MIR bug's `[MIR] <package>`.
pub fn title(kind: Kind, spec: &Spec) -> Option<String> {
    spec.title.clone().or_else(|| spec.package.as_ref().filter(|_| kind == Kind::Mir).map(|p| format!("[MIR] {p}")))
}

/// Builds the new record of `kind` that `spec` asks for, created at `now`. `in_editor`: the
/// user will finish it in an editor, so a title may still be missing and the description
/// starts from the kind's template. The id is checked (or drawn) here; nothing is written.
pub fn draft(
    tracker: &Tracker,
    context: &mut Context,
    kind: Kind,
    spec: &Spec,
    in_editor: bool,
) -> Result<Draft, CreateError> {
    refuse_foreign_flags(kind, spec)?;
    let title = title(kind, spec);
    if kind == Kind::Mir && spec.package.is_none() && !in_editor {
        // A MIR bug is about a package before anything else; its title follows from it.
        return Err(CreateError::NoPackage);
    }
    if title.is_none() && !in_editor {
        return Err(CreateError::NoTitle(kind.noun()));
    }
    let id = match &spec.id {
        Some(id) => {
            crate::id::validate(id).map_err(|why| CreateError::BadId { id: id.clone(), why: why.to_string() })?;
            // Only the files whose id starts with this one are listed: O(what matches).
            if tracker.record_files_with(id)?.0.iter().any(|file| file.id == *id) {
                return Err(CreateError::Taken(id.clone()));
            }
            id.clone()
        }
        None => tracker.new_id(context)?,
    };
    let file = RecordFile { kind, id: id.clone(), path: tracker.path_for(kind, &id) };
    let workflow = tracker.workflow(kind);
    let mut record = NewRecord::default();
    record.set("title", title.unwrap_or_default());
    let stage = spec.stage.clone().unwrap_or_else(|| workflow.initial.clone());
    let now = context.now();
    match kind {
        Kind::Issue => {
            record.set("type", spec.issue_type.clone().unwrap_or_else(|| "feature".to_owned()));
            record.set("stage", stage);
            // Labels the workflow requires of every new record are added for the user.
            let mut labels = spec.labels.clone();
            for label in &workflow.create.labels {
                if !labels.contains(label) {
                    labels.push(label.clone());
                }
            }
            record.set("labels", strings(&labels));
            for (key, value) in [
                ("requester", &spec.requester),
                ("assignee", &spec.assignee),
                ("milestone", &spec.milestone),
                ("iteration", &spec.iteration),
            ] {
                if let Some(value) = value {
                    record.set(key, value.clone());
                }
            }
            if let Some(weight) = spec.weight {
                record.set("weight", weight);
            }
            record.set("created", time::datetime_of(now));
        }
        Kind::Mir => {
            // MIR states are derived: the state to start in says which status (and assignee)
            // to write.
            let set = workflow.state(&stage).map(|state| &state.set);
            let preset =
                |field: &str| set.and_then(|set| set.get(field)).and_then(toml::Value::as_str).map(str::to_owned);
            record.set("package", spec.package.clone().unwrap_or_default());
            record.set("status", preset("status").unwrap_or(stage));
            record.set("assignee", spec.assignee.clone().or_else(|| preset("assignee")).unwrap_or_default());
            record.set("subscribers", strings(&["~ubuntu-mir".to_owned()]));
            record.set("security_review", false);
            record.set("verdict", "");
            if !spec.labels.is_empty() {
                record.set("tags", strings(&spec.labels));
            }
            record.set("created", time::datetime_of(now));
        }
        Kind::Milestone => {
            record.set("stage", stage);
            for (flag, value) in [("start", &spec.start), ("end", &spec.end)] {
                if let Some(value) = value {
                    let date = value
                        .parse::<toml_edit::Datetime>()
                        .ok()
                        .filter(|d| d.date.is_some() && d.time.is_none())
                        .ok_or_else(|| CreateError::BadDate { flag, value: value.clone() })?;
                    record.set(flag, date);
                }
            }
        }
    }
    match (&spec.description, in_editor) {
        (Some(description), _) => record.set("description", description.clone()),
        (None, true) => record.set("description", description_template(kind, &workflow.name)),
        (None, false) => {}
    }
    Ok(Draft { file, record })
}

/// Why a new record's text is not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The text is not a valid record (its problems, located in the text).
    Invalid(Vec<Diagnostic>),
    /// The workflow refuses the record arriving (as the hooks would).
    Refused(Vec<Diagnostic>),
}

/// Judges `text` as the new record `file`, at `now`, as the pre-commit hook will: the parse,
/// then the workflow. Warnings do not refuse.
pub fn judge(tracker: &Tracker, file: &RecordFile, text: &str, now: Timestamp) -> Result<(), Refusal> {
    let parsed = tracker.parse(file, text);
    if has_errors(&parsed.diagnostics) {
        return Err(Refusal::Invalid(parsed.diagnostics));
    }
    let breaks = crate::check::edit_breaks(tracker, &file.path, None, text, now);
    if has_errors(&breaks) {
        return Err(Refusal::Refused(breaks));
    }
    Ok(())
}

fn strings(items: &[String]) -> Value {
    let mut array = Array::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        array.push(item);
    }
    Value::Array(array)
}

/// Flags that make no sense for `kind` are refused rather than silently ignored.
fn refuse_foreign_flags(kind: Kind, spec: &Spec) -> Result<(), CreateError> {
    let given = [
        ("--type", spec.issue_type.is_some(), [true, false, false]),
        ("--requester", spec.requester.is_some(), [true, false, false]),
        ("--milestone", spec.milestone.is_some(), [true, false, false]),
        ("--iteration", spec.iteration.is_some(), [true, false, false]),
        ("--weight", spec.weight.is_some(), [true, false, false]),
        ("--assignee", spec.assignee.is_some(), [true, true, false]),
        ("--label", !spec.labels.is_empty(), [true, true, false]),
        ("--package", spec.package.is_some(), [false, true, false]),
        ("--start", spec.start.is_some(), [false, false, true]),
        ("--end", spec.end.is_some(), [false, false, true]),
    ];
    let index = Kind::ALL.iter().position(|k| *k == kind).expect("every kind is in ALL");
    for (flag, set, applies) in given {
        if set && !applies[index] {
            let owners: Vec<&str> = Kind::ALL.iter().zip(applies).filter(|(_, a)| *a).map(|(k, _)| k.noun()).collect();
            return Err(CreateError::Foreign {
                flag,
                noun: kind.a_noun(),
                owners: format!("{}s", owners.join("s and ")),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec { title: Some("A title".into()), ..Spec::default() }
    }

    #[test]
    fn flags_of_another_kind_are_named_with_their_owners() {
        let cases = [
            (
                Kind::Mir,
                Spec { weight: Some(2), ..spec() },
                "--weight does not apply to a MIR bug",
                "--weight is for issues",
            ),
            (
                Kind::Milestone,
                Spec { assignee: Some("ana".into()), ..spec() },
                "--assignee does not apply to a milestone",
                "--assignee is for issues and MIR bugs",
            ),
            (
                Kind::Issue,
                Spec { start: Some("2026-12-01".into()), ..spec() },
                "--start does not apply to an issue",
                "--start is for milestones",
            ),
        ];
        for (kind, spec, message, hint) in cases {
            let error = refuse_foreign_flags(kind, &spec).expect_err("refused");
            assert_eq!(error.to_string(), message);
            assert_eq!(error.hint().as_deref(), Some(hint));
        }
        assert!(
            refuse_foreign_flags(Kind::Issue, &Spec { weight: Some(2), labels: vec!["a".into()], ..spec() }).is_ok()
        );
    }

    #[test]
    fn a_mir_title_follows_from_the_package() {
        let mir = Spec { package: Some("libfoo".into()), ..Spec::default() };
        assert_eq!(title(Kind::Mir, &mir).as_deref(), Some("[MIR] libfoo"));
        assert_eq!(title(Kind::Issue, &mir), None, "only a MIR bug takes its title from a package");
        assert_eq!(title(Kind::Mir, &Spec { title: Some("Own".into()), ..mir }).as_deref(), Some("Own"));
    }

    #[test]
    fn empty_labels_are_dropped() {
        let value = strings(&[" a ".into(), String::new(), "b".into()]);
        assert_eq!(value.to_string(), r#"["a", "b"]"#);
    }
}
