//! Selecting and ordering records for `docket list`: filters on kind, state, type, labels,
//! assignee and milestone, and sort keys. Pure: works on loaded records.

use std::cmp::Ordering;

use crate::model::{Body, Kind, Record};

/// Which records to keep. Every given criterion must hold; within one list, any value may.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kinds: Vec<Kind>,
    /// The value of the state field (`stage`, or `status` for MIR bugs).
    pub states: Vec<String>,
    /// A MIR bug's derived process state (`assigned_mir`, `undefined`…).
    pub mir_states: Vec<String>,
    pub types: Vec<String>,
    /// Every label must be present; `scope::*` matches any value of the scope.
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    /// Only issues and MIR bugs with no assignee.
    pub unassigned: bool,
    pub milestones: Vec<String>,
}

/// How to order records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Kind, then id.
    #[default]
    Id,
    Title,
    Created,
    /// The state's position in its workflow.
    Stage,
    Weight,
}

impl SortKey {
    pub const NAMES: &'static [&'static str] = &["id", "title", "created", "stage", "weight"];

    pub fn from_name(name: &str) -> Option<Self> {
        [SortKey::Id, SortKey::Title, SortKey::Created, SortKey::Stage, SortKey::Weight]
            .into_iter()
            .find(|key| key.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Title => "title",
            SortKey::Created => "created",
            SortKey::Stage => "stage",
            SortKey::Weight => "weight",
        }
    }
}

impl Filter {
    /// Whether `record` passes every criterion.
    pub fn matches(&self, record: &Record) -> bool {
        let any = |wanted: &[String], value: Option<&str>| {
            wanted.is_empty() || value.is_some_and(|v| wanted.iter().any(|w| w == v))
        };
        let (issue_type, milestone) = match &record.body {
            Body::Issue(issue) => (Some(issue.issue_type.name()), issue.milestone.as_deref()),
            _ => (None, None),
        };
        let mir_state = match &record.body {
            Body::Mir(bug) => Some(bug.state().name()),
            _ => None,
        };
        (self.kinds.is_empty() || self.kinds.contains(&record.kind()))
            && any(&self.states, Some(record.state()))
            && any(&self.mir_states, mir_state)
            && any(&self.types, issue_type)
            && any(&self.assignees, record.assignee())
            && (!self.unassigned || (record.kind() != Kind::Milestone && record.assignee().is_none()))
            && any(&self.milestones, milestone)
            && self.labels.iter().all(|wanted| has_label(record.labels(), wanted))
    }
}

/// Whether `labels` hold `wanted` (`scope::*`: any label of that scope), without case as the
/// index compares them.
fn has_label(labels: &[String], wanted: &str) -> bool {
    match wanted.strip_suffix("::*") {
        Some(scope) => labels.iter().any(|label| crate::model::label_scope(label) == Some(scope.to_lowercase())),
        None => labels.iter().any(|label| crate::model::same_label(label, wanted)),
    }
}

/// The records passing `filter`, ordered by `key` (ties broken by kind and id).
/// `state_rank` gives a record's state's position in its workflow, for [`SortKey::Stage`].
pub fn select<'a>(
    records: &'a [Record],
    filter: &Filter,
    key: SortKey,
    reverse: bool,
    state_rank: &dyn Fn(&Record) -> usize,
) -> Vec<&'a Record> {
    let mut selected: Vec<&Record> = records.iter().filter(|record| filter.matches(record)).collect();
    let by_id = |a: &&Record, b: &&Record| a.kind().cmp(&b.kind()).then_with(|| a.id.cmp(&b.id));
    selected.sort_by(|a, b| {
        let primary = match key {
            SortKey::Id => Ordering::Equal,
            SortKey::Title => a.title().to_lowercase().cmp(&b.title().to_lowercase()),
            SortKey::Created => a.created().cmp(&b.created()),
            SortKey::Stage => state_rank(a).cmp(&state_rank(b)),
            SortKey::Weight => weight(a).cmp(&weight(b)),
        };
        primary.then_with(|| by_id(a, b))
    });
    if reverse {
        selected.reverse();
    }
    selected
}

fn weight(record: &Record) -> Option<u8> {
    match &record.body {
        Body::Issue(issue) => issue.weight,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Issue, IssueType};

    fn issue(id: &str, stage: &str, labels: &[&str], weight: Option<u8>) -> Record {
        Record {
            id: id.to_owned(),
            path: format!("issues/{id}.toml"),
            body: Body::Issue(Issue {
                title: id.to_uppercase(),
                issue_type: IssueType::Bug,
                stage: stage.to_owned(),
                labels: labels.iter().map(|l| (*l).to_owned()).collect(),
                weight,
                ..Issue::default()
            }),
            fields: toml::Table::new(),
        }
    }

    #[test]
    fn filters_combine() {
        let records = [
            issue("a1", "triage", &["customer::enterprise", "priority::1"], Some(3)),
            issue("b2", "planning", &["customer::smb"], None),
            issue("c3", "triage", &["priority::2"], Some(1)),
        ];
        let ids = |filter: &Filter, key: SortKey| -> Vec<String> {
            select(&records, filter, key, false, &|r| usize::from(r.state() != "triage"))
                .iter()
                .map(|r| r.id.clone())
                .collect()
        };
        assert_eq!(ids(&Filter { states: vec!["triage".into()], ..Filter::default() }, SortKey::Id), ["a1", "c3"]);
        assert_eq!(ids(&Filter { labels: vec!["customer::*".into()], ..Filter::default() }, SortKey::Id), ["a1", "b2"]);
        assert_eq!(
            ids(&Filter { labels: vec!["customer::*".into(), "priority::1".into()], ..Filter::default() }, SortKey::Id),
            ["a1"]
        );
        assert_eq!(
            ids(&Filter { types: vec!["feature".into()], ..Filter::default() }, SortKey::Id),
            Vec::<String>::new()
        );
        assert_eq!(ids(&Filter::default(), SortKey::Weight), ["b2", "c3", "a1"]);
        assert_eq!(ids(&Filter::default(), SortKey::Stage), ["a1", "c3", "b2"]);
    }
}
