//! The fields of each record kind, as data: names, types, whether required, and a line of
//! documentation.
//!
//! One table drives validation, typo detection, the conversion of `docket set` values and the
//! field list in `docket set --help`; a test checks it against the JSON Schemas in `schema/`.

use crate::model::{Health, IssueType, Kind, MirStatus, Verdict};

/// The fields of long Markdown text, which `show` prints as paragraphs and the board renders
/// (rather than offering them as one-line values).
pub const LONG_TEXT: &[&str] = &["description", "gameplan", "blueprint", "review"];

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// A string.
    Text,
    /// A string from a fixed list.
    Enum(&'static [&'static str]),
    /// A string naming a state of the record's workflow.
    State,
    /// An integer in `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    /// An integer or a float, at least `min` (or above it when `exclusive`), at most `max`.
    Number {
        min: f64,
        max: Option<f64>,
        exclusive: bool,
    },
    Bool,
    /// A TOML local date.
    Date,
    /// A TOML date or offset datetime.
    DateOrDatetime,
    /// An array of non-empty strings.
    TextList,
    /// An array of record ids.
    IdList,
    /// A record id.
    Id,
    /// A table with these fields.
    Table(&'static [FieldSpec]),
    /// An array of tables with these fields.
    TableList(&'static [FieldSpec]),
    /// A table of name → non-negative number (milestone capacity).
    NumberMap,
    /// Anything (reserved tables such as `mirror`).
    Any,
}

/// One field of a record kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub field_type: FieldType,
    pub required: bool,
    pub doc: &'static str,
}

const fn field(name: &'static str, field_type: FieldType, doc: &'static str) -> FieldSpec {
    FieldSpec { name, field_type, required: false, doc }
}

const fn required(name: &'static str, field_type: FieldType, doc: &'static str) -> FieldSpec {
    FieldSpec { name, field_type, required: true, doc }
}

const HEALTH: FieldType = FieldType::Enum(Health::NAMES);
const NON_NEGATIVE: FieldType = FieldType::Number { min: 0.0, max: None, exclusive: false };

const RICE: &[FieldSpec] = &[
    field("reach", NON_NEGATIVE, "how many people or events it reaches per period"),
    field("impact", NON_NEGATIVE, "impact per person (e.g. 0.25, 0.5, 1, 2, 3)"),
    field("confidence", FieldType::Number { min: 0.0, max: Some(1.0), exclusive: false }, "confidence, 0 to 1"),
    field("effort", FieldType::Number { min: 0.0, max: None, exclusive: true }, "effort, above 0"),
];

const UPDATE: &[FieldSpec] = &[
    required("date", FieldType::DateOrDatetime, "when the update was written"),
    field("author", FieldType::Text, "who wrote it"),
    field("health", HEALTH, "health status at the time"),
    required("text", FieldType::Text, "progress, plan and any help needed"),
];

const COMMENT: &[FieldSpec] = &[
    required("date", FieldType::DateOrDatetime, "when the comment was written"),
    field("author", FieldType::Text, "who wrote it"),
    required("text", FieldType::Text, "the comment"),
];

const SERIES: &[FieldSpec] = &[
    required("name", FieldType::Text, "the release series, e.g. noble"),
    required("status", FieldType::Enum(MirStatus::NAMES), "the series task's Launchpad status"),
];

const PARKING_LOT: &[FieldSpec] = &[
    required("issue", FieldType::Id, "the candidate issue's id"),
    field("why", FieldType::Text, "why it would be good to include"),
];

const RETRO: &[FieldSpec] = &[
    field("author", FieldType::Text, "who wrote it"),
    required("text", FieldType::Text, "what went well, what did not, what to change"),
    field("date", FieldType::DateOrDatetime, "when it was written"),
];

/// The fields of an issue (PRODUCT.md §3).
pub const ISSUE: &[FieldSpec] = &[
    required("title", FieldType::Text, "one line saying what the issue is"),
    required("type", FieldType::Enum(IssueType::NAMES), "bug, feature or administrative"),
    required("stage", FieldType::State, "the workflow stage"),
    field("previous_stage", FieldType::State, "the stage left for blocked or backlogged"),
    field("blocked_reason", FieldType::Text, "what blocks the issue"),
    field("blocked_by", FieldType::IdList, "ids of the records this one waits for"),
    field("labels", FieldType::TextList, "labels; `scope::value` labels hold one value per scope"),
    field("requester", FieldType::Text, "who asked for it"),
    field("assignee", FieldType::Text, "who works on it now"),
    field("milestone", FieldType::Id, "id of a file in milestones/"),
    field("iteration", FieldType::Text, "name of an iteration in docket.toml"),
    field("weight", FieldType::Integer { min: 1, max: 5 }, "effort estimate, 1 to 5"),
    field("health", HEALTH, "on_track, needs_attention or at_risk"),
    field("created", FieldType::DateOrDatetime, "when the issue was opened"),
    field("approval_required", FieldType::Bool, "whether support leadership must approve it"),
    field("approved_by", FieldType::Text, "who approved it"),
    field("description", FieldType::Text, "the request, in Markdown"),
    field("gameplan", FieldType::Text, "the plan written in planning"),
    field("blueprint", FieldType::Text, "the technical blueprint written in implementation"),
    field("rice", FieldType::Table(RICE), "the RICE score's parts"),
    field("updates", FieldType::TableList(UPDATE), "weekly updates"),
    field("comments", FieldType::TableList(COMMENT), "comments"),
    field("mirror", FieldType::Any, "remote ids kept by the mirrors"),
];

/// The fields of a MIR bug (seed 004).
pub const MIR: &[FieldSpec] = &[
    required("title", FieldType::Text, "`[MIR] <package>`"),
    required("package", FieldType::Text, "the Ubuntu source package"),
    required("status", FieldType::Enum(MirStatus::NAMES), "the Launchpad bug task status"),
    field("assignee", FieldType::Text, "a MIR team member, or ~ubuntu-security for a security review"),
    field("subscribers", FieldType::TextList, "subscribed people and teams, e.g. ~ubuntu-mir"),
    field("tags", FieldType::TextList, "Launchpad tags"),
    field("security_review", FieldType::Bool, "whether the MIR reviewer asked for a security review"),
    field("verdict", FieldType::Enum(Verdict::NAMES), "the MIR team's verdict: \"\", ack or nack"),
    field("security_verdict", FieldType::Enum(Verdict::NAMES), "the security team's verdict"),
    field("created", FieldType::DateOrDatetime, "when the bug was filed"),
    field("description", FieldType::Text, "the MIR request, following the reporter template"),
    field("review", FieldType::Text, "the review report"),
    field("series", FieldType::TableList(SERIES), "per-series tasks (re-reviews), as Launchpad has them"),
    field("comments", FieldType::TableList(COMMENT), "bug comments"),
    field("mirror", FieldType::Any, "remote ids kept by the mirrors"),
];

/// The fields of a milestone (seeds 001, 003).
pub const MILESTONE: &[FieldSpec] = &[
    required("title", FieldType::Text, "the milestone's name, e.g. 16.7"),
    required("stage", FieldType::State, "planning, finalized, active or closed"),
    field("start", FieldType::Date, "first day"),
    field("end", FieldType::Date, "last day"),
    field("description", FieldType::Text, "goals and notes"),
    field("capacity", FieldType::NumberMap, "person = working days in the milestone, after PTO"),
    field("parking_lot", FieldType::TableList(PARKING_LOT), "candidate work and why"),
    field("retro", FieldType::TableList(RETRO), "the retrospective"),
    field("mirror", FieldType::Any, "remote ids kept by the mirrors"),
];

/// The fields of a record kind.
pub fn fields_of(kind: Kind) -> &'static [FieldSpec] {
    match kind {
        Kind::Issue => ISSUE,
        Kind::Mir => MIR,
        Kind::Milestone => MILESTONE,
    }
}

/// The spec of field `name` of `kind`.
pub fn find(kind: Kind, name: &str) -> Option<&'static FieldSpec> {
    fields_of(kind).iter().find(|spec| spec.name == name)
}

/// The known field that `key` is probably a misspelling of: the same name in another case,
/// or within a small edit distance (one edit for short names, two for longer ones).
pub fn likely_typo(key: &str, specs: &'static [FieldSpec]) -> Option<&'static str> {
    closest(key, specs.iter().map(|spec| spec.name))
}

/// The name among `names` that `text` probably means: the same words in another case or with
/// spaces, `-` or `'` (`In Progress`, `Won't-Fix`), or within a small edit distance.
pub fn closest<'a>(text: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|&c| c != '\'')
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    names
        .into_iter()
        .filter(|name| !name.is_empty())
        .map(|name| (name, if normal == name { 0 } else { edit_distance(&normal, name) + 1 }))
        .filter(|&(name, distance)| distance <= if name.len() <= 4 { 2 } else { 3 })
        .min_by_key(|&(_, distance)| distance)
        .map(|(name, _)| name)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_recognised() {
        assert_eq!(likely_typo("stge", ISSUE), Some("stage"));
        assert_eq!(likely_typo("tpye", ISSUE), Some("type"));
        assert_eq!(likely_typo("Title", ISSUE), Some("title"));
        assert_eq!(likely_typo("assignees", ISSUE), Some("assignee"));
        assert_eq!(likely_typo("lables", ISSUE), Some("labels"));
        assert_eq!(likely_typo("customer_tier", ISSUE), None);
        assert_eq!(likely_typo("sla", ISSUE), None);
        assert_eq!(likely_typo("epic", ISSUE), None);
        assert_eq!(closest("In Progress", MirStatus::NAMES.iter().copied()), Some("in_progress"));
        assert_eq!(closest("Won't Fix", MirStatus::NAMES.iter().copied()), Some("wont_fix"));
        assert_eq!(closest("ACK", Verdict::NAMES.iter().copied()), Some("ack"));
        assert_eq!(closest("planing", ["triage", "planning"]), Some("planning"));
        assert_eq!(closest("shipping", ["triage", "planning"]), None);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
