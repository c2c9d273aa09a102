//! The board's columns, found through the index: a column is the records of one kind in one
//! workflow state that pass the board's filters (and its search, when there is one), in the
//! order `docket next` uses (weight, RICE score, age). Only the cards a column shows are read
//! from disk, so a column of ten thousand costs a pass over the index's fast fields and the
//! reading of one page. The records decide: a file the index places in the column but whose
//! content says otherwise (changed since the index was refreshed) is left out.

use serde_json::{Value, json};

use crate::index::query::Expr;
use crate::index::{SearchIndex, weight_rice_and_age};
use crate::model::{Body, Kind, Record};
use crate::query::Filter;
use crate::select::SelectError;
use crate::tracker::{RecordFile, Tracker};

/// The board's filters. Empty ones filter nothing.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub milestone: Option<String>,
    pub assignee: Option<String>,
    pub label: Option<String>,
    pub issue_type: Option<String>,
    /// Free text, in `docket search`'s query language.
    pub q: Option<String>,
}

impl Filters {
    fn filter(&self, kind: Kind) -> Filter {
        let one = |value: &Option<String>| value.iter().filter(|v| !v.is_empty()).cloned().collect::<Vec<_>>();
        Filter {
            kinds: vec![kind],
            types: one(&self.issue_type),
            labels: one(&self.label),
            assignees: one(&self.assignee),
            milestones: one(&self.milestone),
            ..Filter::default()
        }
    }
}

/// One page of a column.
pub struct Page {
    pub total: usize,
    pub cards: Vec<Value>,
}

/// Which cards of a column: those from `offset`, at most `limit` of them.
#[derive(Debug, Clone, Copy)]
pub struct Slice<'a> {
    pub state: &'a str,
    pub offset: usize,
    pub limit: usize,
}

/// A page of the column of records of `kind` in `slice.state`. `uncommitted`: the files whose
/// work-tree version is not `HEAD`'s.
pub fn column(
    tracker: &Tracker,
    index: &SearchIndex,
    kind: Kind,
    filters: &Filters,
    slice: &Slice<'_>,
    uncommitted: &super::Changes,
) -> Result<Page, SelectError> {
    let Slice { state, offset, limit } = *slice;
    let filter = filters.filter(kind);
    let mut parts = vec![Expr::keyword("state", state)];
    parts.extend(crate::select::list_narrowing(&filter));
    if let Some(q) = filters.q.as_deref().filter(|q| !q.trim().is_empty()) {
        parts.push(crate::index::query::parse(q).map_err(crate::index::IndexError::from)?);
    }
    let expr = Expr::And(parts);
    let (mut matches, total) = index.first_by_weight_rice_and_age(&expr, offset.saturating_add(limit))?;
    matches.sort_by_key(weight_rice_and_age);
    let shown: Vec<_> = matches.into_iter().skip(offset).collect();
    let files: Vec<RecordFile> = index
        .hits_of(&shown)?
        .into_iter()
        .filter_map(|hit| {
            crate::check::record_at(&hit.path).map(|(kind, _)| RecordFile { kind, id: hit.id, path: hit.path })
        })
        .collect();
    let loaded = tracker.load_files(&files);
    let workflow = tracker.workflow(kind);
    // Loaded in parallel, in any order: back to the index's.
    let mut cards = Vec::with_capacity(files.len());
    for file in &files {
        let Some(record) = loaded.records.iter().find(|r| r.path == file.path) else { continue };
        if workflow.state_of(record) == state && filter.matches(record) {
            let changed = uncommitted.iter().any(|(path, _)| *path == record.path);
            cards.push(card(record, &workflow.state_of(record), changed));
        }
    }
    Ok(Page { total, cards })
}

/// A card: what the board shows of a record.
pub fn card(record: &Record, state: &str, uncommitted: bool) -> Value {
    let (issue_type, weight) = match &record.body {
        Body::Issue(issue) => (Some(issue.issue_type.name()), issue.weight),
        _ => (None, None),
    };
    json!({
        "id": record.id,
        "path": record.path,
        "kind": record.kind().name(),
        "title": record.title(),
        "type": issue_type,
        "state": state,
        "assignee": record.assignee(),
        "weight": weight,
        "labels": record.labels(),
        "milestone": record.milestone(),
        "uncommitted": uncommitted,
    })
}
