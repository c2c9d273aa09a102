//! `docket plan --apply`: a plan's Deliverables labelled `Deliverable` and its Stretch issues
//! `Stretch` (the other label taken off), every edit judged by the workflow before any file is
//! written, so a plan is written whole or not at all.

use crate::diagnostic::Diagnostic;
use crate::format::edit::{self, Assignment, EditError, Op};
use crate::model::same_label;
use crate::plan::{Plan, Settings};
use crate::time::Timestamp;
use crate::tracker::{Tracker, TrackerError};

/// The label of work over capacity (seed 003).
pub const STRETCH: &str = "Stretch";

/// One record's edit: its path and text before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelEdit {
    pub path: String,
    pub before: String,
    pub after: String,
}

/// Why a plan cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    #[error("cannot edit {path}: {error}")]
    Edit { path: String, error: EditError },
    /// The workflow refuses some of the edits: nothing is written.
    #[error("the workflow refuses {} of the edits", .0.len())]
    Refused(Vec<Diagnostic>),
}

/// The edits that label `plan`'s issues, judged (at `now`) as `docket set` would judge each;
/// none written. Records already labelled as planned need no edit.
pub fn prepare(
    tracker: &Tracker,
    plan: &Plan,
    settings: &Settings,
    now: Timestamp,
) -> Result<Vec<LabelEdit>, ApplyError> {
    let deliverable = settings.deliverable_label.as_str();
    let labelled = plan
        .deliverables
        .iter()
        .map(|item| (item, deliverable, STRETCH))
        .chain(plan.stretch.iter().map(|item| (item, STRETCH, deliverable)));
    let mut edits = Vec::new();
    let mut refused = Vec::new();
    for (item, add, remove) in labelled {
        let file = tracker.resolve(&item.id)?;
        let (record, _, source) = tracker.load(&file)?;
        let Some(record) = record else { continue };
        let mut assignments = Vec::new();
        if !record.labels().iter().any(|l| same_label(l, add)) {
            assignments.push(Assignment { path: vec!["labels".into()], op: Op::Append, value: add.to_owned() });
        }
        if record.labels().iter().any(|l| same_label(l, remove)) {
            assignments.push(Assignment { path: vec!["labels".into()], op: Op::Remove, value: remove.to_owned() });
        }
        if assignments.is_empty() {
            continue;
        }
        let after = edit::apply(&source, file.kind, &assignments, now)
            .map_err(|error| ApplyError::Edit { path: file.path.clone(), error })?;
        refused.extend(crate::check::edit_breaks(tracker, &file.path, Some(&source), &after, now));
        edits.push(LabelEdit { path: file.path, before: source, after });
    }
    if refused.is_empty() { Ok(edits) } else { Err(ApplyError::Refused(refused)) }
}

/// Writes prepared edits, each file atomically.
pub fn write(tracker: &Tracker, edits: &[LabelEdit]) -> Result<(), TrackerError> {
    for edit in edits {
        tracker.write(&edit.path, &edit.after)?;
    }
    Ok(())
}
