//! The records docket tracks, as plain data: issues, MIR bugs and milestones.
//!
//! No I/O here. A [`Record`] keeps both the typed view the rest of the core reasons with
//! ([`Body`]) and every field of the file in file order ([`Record::fields`]), so unknown fields
//! are kept, shown and written to JSON. Records are built by [`crate::format`], which validates
//! the file first: the typed constructors here assume valid input and fall back to defaults.

use std::fmt;

use toml_edit::Datetime;

use crate::time::{self, Timestamp};

/// The three kinds of record, each with its own folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Issue,
    Mir,
    Milestone,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Issue, Kind::Mir, Kind::Milestone];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Issue => "issue",
            Kind::Mir => "mir",
            Kind::Milestone => "milestone",
        }
    }

    /// The kind in words: "issue", "MIR bug", "milestone".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Issue => "issue",
            Kind::Mir => "MIR bug",
            Kind::Milestone => "milestone",
        }
    }

    /// The kind in words with its article: "an issue", "a MIR bug", "a milestone".
    pub fn a_noun(self) -> &'static str {
        match self {
            Kind::Issue => "an issue",
            Kind::Mir => "a MIR bug",
            Kind::Milestone => "a milestone",
        }
    }

    /// The folder, under the tracker root, holding records of this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Issue => "issues",
            Kind::Mir => "mir",
            Kind::Milestone => "milestones",
        }
    }

    /// The field holding the workflow state.
    pub fn state_field(self) -> &'static str {
        match self {
            Kind::Issue | Kind::Milestone => "stage",
            Kind::Mir => "status",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One record file, parsed and valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    /// Relative to the tracker root, with `/` separators.
    pub path: String,
    pub body: Body,
    /// Every top-level field of the file, in file order, unknown ones included.
    pub fields: toml::Table,
}

/// The typed part of a record. Issues are larger than the other kinds; records live in a
/// `Vec` either way, so boxing would only add an indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Issue(Issue),
    Mir(MirBug),
    Milestone(Milestone),
}

impl Record {
    pub fn kind(&self) -> Kind {
        match self.body {
            Body::Issue(_) => Kind::Issue,
            Body::Mir(_) => Kind::Mir,
            Body::Milestone(_) => Kind::Milestone,
        }
    }

    pub fn title(&self) -> &str {
        match &self.body {
            Body::Issue(issue) => &issue.title,
            Body::Mir(bug) => &bug.title,
            Body::Milestone(milestone) => &milestone.title,
        }
    }

    /// The value of the workflow's state field: `stage` for issues and milestones, `status`
    /// for MIR bugs.
    pub fn state(&self) -> &str {
        match &self.body {
            Body::Issue(issue) => &issue.stage,
            Body::Mir(bug) => bug.status.name(),
            Body::Milestone(milestone) => &milestone.stage,
        }
    }

    pub fn labels(&self) -> &[String] {
        match &self.body {
            Body::Issue(issue) => &issue.labels,
            Body::Mir(bug) => &bug.tags,
            Body::Milestone(_) => &[],
        }
    }

    pub fn assignee(&self) -> Option<&str> {
        match &self.body {
            Body::Issue(issue) => issue.assignee.as_deref(),
            Body::Mir(bug) => bug.assignee.as_deref(),
            Body::Milestone(_) => None,
        }
    }

    /// The milestone an issue is in.
    pub fn milestone(&self) -> Option<&str> {
        match &self.body {
            Body::Issue(issue) => issue.milestone.as_deref(),
            _ => None,
        }
    }

    pub fn created(&self) -> Option<Timestamp> {
        match &self.body {
            Body::Issue(issue) => issue.created,
            Body::Mir(bug) => bug.created,
            Body::Milestone(milestone) => milestone.start,
        }
    }
}

/// An issue (PRODUCT.md §3), governed by the `ops` workflow unless configured otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Issue {
    pub title: String,
    pub issue_type: IssueType,
    pub stage: String,
    pub labels: Vec<String>,
    pub requester: Option<String>,
    pub assignee: Option<String>,
    pub milestone: Option<String>,
    pub iteration: Option<String>,
    pub weight: Option<u8>,
    pub health: Option<Health>,
    pub created: Option<Timestamp>,
    pub description: Option<String>,
    pub gameplan: Option<String>,
    pub blueprint: Option<String>,
    pub previous_stage: Option<String>,
    pub blocked_reason: Option<String>,
    pub blocked_by: Vec<String>,
    pub approval_required: bool,
    pub approved_by: Option<String>,
    pub rice: Option<Rice>,
    pub updates: Vec<Update>,
    pub comments: Vec<Comment>,
}

/// The issue types of seed 000.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IssueType {
    Bug,
    #[default]
    Feature,
    Administrative,
}

impl IssueType {
    pub const NAMES: &'static [&'static str] = &["bug", "feature", "administrative"];

    pub fn name(self) -> &'static str {
        match self {
            IssueType::Bug => "bug",
            IssueType::Feature => "feature",
            IssueType::Administrative => "administrative",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [IssueType::Bug, IssueType::Feature, IssueType::Administrative].into_iter().find(|t| t.name() == name)
    }
}

/// Health status of an issue or of a weekly update (seed 000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Health {
    OnTrack,
    NeedsAttention,
    AtRisk,
}

impl Health {
    pub const NAMES: &'static [&'static str] = &["on_track", "needs_attention", "at_risk"];

    pub fn name(self) -> &'static str {
        match self {
            Health::OnTrack => "on_track",
            Health::NeedsAttention => "needs_attention",
            Health::AtRisk => "at_risk",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Health::OnTrack, Health::NeedsAttention, Health::AtRisk].into_iter().find(|h| h.name() == name)
    }
}

/// A RICE score: reach × impact × confidence ÷ effort.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rice {
    pub reach: Option<f64>,
    pub impact: Option<f64>,
    pub confidence: Option<f64>,
    pub effort: Option<f64>,
}

impl Rice {
    /// The score, when all four parts are present and the effort is positive.
    pub fn score(&self) -> Option<f64> {
        let (reach, impact, confidence, effort) = (self.reach?, self.impact?, self.confidence?, self.effort?);
        (effort > 0.0).then(|| reach * impact * confidence / effort)
    }

    /// The score as an ascending sort key: the highest score first (in thousandths), no score
    /// (or one that is not a number) last. `next` breaks ties of weight with it.
    pub fn order(rice: Option<&Rice>) -> i64 {
        match rice.and_then(Rice::score).filter(|s| s.is_finite()) {
            // `as` saturates, and a score is at least 0: the key is at most 0.
            #[allow(clippy::cast_possible_truncation)]
            Some(score) => -((score * 1000.0).round() as i64),
            None => i64::MAX,
        }
    }
}

/// A weekly update (seed 000).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub date: Option<Timestamp>,
    pub author: Option<String>,
    pub health: Option<Health>,
    pub text: String,
}

/// A comment on an issue or a MIR bug.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comment {
    pub date: Option<Timestamp>,
    pub author: Option<String>,
    pub text: String,
}

/// An Ubuntu Main Inclusion Request bug (seed 004).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MirBug {
    pub title: String,
    pub package: String,
    pub status: MirStatus,
    pub assignee: Option<String>,
    pub subscribers: Vec<String>,
    pub security_review: bool,
    pub verdict: Verdict,
    pub security_verdict: Verdict,
    pub review: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub created: Option<Timestamp>,
    pub comments: Vec<Comment>,
}

/// The Launchpad team that takes security reviews.
pub const SECURITY_TEAM: &str = "~ubuntu-security";

/// Launchpad bug task statuses, spelled lowercase with `_`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MirStatus {
    #[default]
    New,
    Incomplete,
    Opinion,
    Invalid,
    WontFix,
    Expired,
    Confirmed,
    Triaged,
    InProgress,
    Deferred,
    FixCommitted,
    FixReleased,
    DoesNotExist,
}

impl MirStatus {
    pub const ALL: [MirStatus; 13] = [
        MirStatus::New,
        MirStatus::Incomplete,
        MirStatus::Opinion,
        MirStatus::Invalid,
        MirStatus::WontFix,
        MirStatus::Expired,
        MirStatus::Confirmed,
        MirStatus::Triaged,
        MirStatus::InProgress,
        MirStatus::Deferred,
        MirStatus::FixCommitted,
        MirStatus::FixReleased,
        MirStatus::DoesNotExist,
    ];
    pub const NAMES: &'static [&'static str] = &[
        "new",
        "incomplete",
        "opinion",
        "invalid",
        "wont_fix",
        "expired",
        "confirmed",
        "triaged",
        "in_progress",
        "deferred",
        "fix_committed",
        "fix_released",
        "does_not_exist",
    ];

    pub fn name(self) -> &'static str {
        let index = MirStatus::ALL.iter().position(|&s| s == self).expect("every status is listed in ALL");
        MirStatus::NAMES[index]
    }

    pub fn from_name(name: &str) -> Option<Self> {
        MirStatus::NAMES.iter().position(|&n| n == name).map(|i| MirStatus::ALL[i])
    }
}

/// A review verdict: none yet, ACK or NACK.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    #[default]
    None,
    Ack,
    Nack,
}

impl Verdict {
    pub const NAMES: &'static [&'static str] = &["", "ack", "nack"];

    pub fn name(self) -> &'static str {
        match self {
            Verdict::None => "",
            Verdict::Ack => "ack",
            Verdict::Nack => "nack",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Verdict::None, Verdict::Ack, Verdict::Nack].into_iter().find(|v| v.name() == name)
    }
}

/// The ten process states of a MIR bug (seed 004), derived from status, assignee and verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MirState {
    Unassigned,
    AssignedMir,
    AssignedSecurity,
    InProgress,
    FixCommitted,
    FixReleased,
    WontFix,
    Incomplete,
    InvalidExpired,
    InvalidUnpromoted,
    /// Any combination outside the ten: `docket check` reports it.
    Undefined,
}

impl MirState {
    pub const NAMES: &'static [&'static str] = &[
        "unassigned",
        "assigned_mir",
        "assigned_security",
        "in_progress",
        "fix_committed",
        "fix_released",
        "wont_fix",
        "incomplete",
        "invalid_expired",
        "invalid_unpromoted",
        "undefined",
    ];

    pub fn name(self) -> &'static str {
        MirState::NAMES[self as usize]
    }

    /// The seed's words for the state.
    pub fn display(self) -> &'static str {
        match self {
            MirState::Unassigned => "New / Confirmed (unassigned)",
            MirState::AssignedMir => "New / Confirmed (assigned to MIR team member)",
            MirState::AssignedSecurity => "New / Confirmed (assigned to Security team)",
            MirState::InProgress => "In Progress",
            MirState::FixCommitted => "Fix Committed",
            MirState::FixReleased => "Fix Released",
            MirState::WontFix => "Won't Fix",
            MirState::Incomplete => "Incomplete",
            MirState::InvalidExpired => "Invalid (no response within 60 days in Incomplete)",
            MirState::InvalidUnpromoted => "Invalid (not promoted 2 years after MIR approval)",
            MirState::Undefined => "undefined: no state of the MIR process",
        }
    }

    /// The seed's number for the state (1–10), `None` for an undefined state.
    pub fn number(self) -> Option<usize> {
        (self != MirState::Undefined).then_some(self as usize + 1)
    }
}

impl MirBug {
    /// Which of the ten process states the bug is in.
    pub fn state(&self) -> MirState {
        match self.status {
            MirStatus::New | MirStatus::Confirmed => match self.assignee.as_deref() {
                None => MirState::Unassigned,
                Some(SECURITY_TEAM) => MirState::AssignedSecurity,
                Some(_) => MirState::AssignedMir,
            },
            MirStatus::InProgress if self.verdict == Verdict::Ack => MirState::InProgress,
            MirStatus::FixCommitted if self.verdict == Verdict::Ack => MirState::FixCommitted,
            MirStatus::FixReleased => MirState::FixReleased,
            MirStatus::WontFix => MirState::WontFix,
            MirStatus::Incomplete => MirState::Incomplete,
            MirStatus::Invalid if self.verdict == Verdict::Ack => MirState::InvalidUnpromoted,
            MirStatus::Invalid => MirState::InvalidExpired,
            _ => MirState::Undefined,
        }
    }
}

/// A milestone (seeds 001, 003).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Milestone {
    pub title: String,
    pub stage: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub description: Option<String>,
    /// Person → working days in the milestone, after PTO, in file order.
    pub capacity: Vec<(String, f64)>,
    pub parking_lot: Vec<ParkingLotItem>,
    pub retro: Vec<RetroEntry>,
}

/// A candidate for the milestone and why it would be good to include (seed 001).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParkingLotItem {
    pub issue: String,
    pub why: Option<String>,
}

/// One retrospective note.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RetroEntry {
    pub author: Option<String>,
    pub text: String,
    pub date: Option<Timestamp>,
}

// Typed views of a validated table. Missing or mistyped values fall back to defaults: the
// validator in `format` has already reported them.

fn string(table: &toml::Table, key: &str) -> Option<String> {
    table.get(key).and_then(toml::Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn strings(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(toml::Value::as_array)
        .map(|array| array.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

// Weights, days and RICE parts are small: an i64 that big is not a number people write.
#[allow(clippy::cast_precision_loss)]
fn number(table: &toml::Table, key: &str) -> Option<f64> {
    match table.get(key)? {
        toml::Value::Integer(n) => Some(*n as f64),
        toml::Value::Float(x) => Some(*x),
        _ => None,
    }
}

fn boolean(table: &toml::Table, key: &str) -> bool {
    table.get(key).and_then(toml::Value::as_bool).unwrap_or(false)
}

fn timestamp(table: &toml::Table, key: &str) -> Option<Timestamp> {
    table.get(key).and_then(toml::Value::as_datetime).and_then(time::timestamp_of)
}

fn tables<'a>(table: &'a toml::Table, key: &str) -> impl Iterator<Item = &'a toml::Table> {
    table.get(key).and_then(toml::Value::as_array).into_iter().flatten().filter_map(toml::Value::as_table)
}

fn comments(table: &toml::Table) -> Vec<Comment> {
    tables(table, "comments")
        .map(|c| Comment {
            date: timestamp(c, "date"),
            author: string(c, "author"),
            text: string(c, "text").unwrap_or_default(),
        })
        .collect()
}

impl Issue {
    pub fn from_table(table: &toml::Table) -> Self {
        let rice = table.get("rice").and_then(toml::Value::as_table).map(|rice| Rice {
            reach: number(rice, "reach"),
            impact: number(rice, "impact"),
            confidence: number(rice, "confidence"),
            effort: number(rice, "effort"),
        });
        Issue {
            title: string(table, "title").unwrap_or_default(),
            issue_type: string(table, "type").as_deref().and_then(IssueType::from_name).unwrap_or_default(),
            stage: string(table, "stage").unwrap_or_default(),
            labels: strings(table, "labels"),
            requester: string(table, "requester"),
            assignee: string(table, "assignee"),
            milestone: string(table, "milestone"),
            iteration: string(table, "iteration"),
            weight: table.get("weight").and_then(toml::Value::as_integer).and_then(|w| u8::try_from(w).ok()),
            health: string(table, "health").as_deref().and_then(Health::from_name),
            created: timestamp(table, "created"),
            description: string(table, "description"),
            gameplan: string(table, "gameplan"),
            blueprint: string(table, "blueprint"),
            previous_stage: string(table, "previous_stage"),
            blocked_reason: string(table, "blocked_reason"),
            blocked_by: strings(table, "blocked_by"),
            approval_required: boolean(table, "approval_required"),
            approved_by: string(table, "approved_by"),
            rice,
            updates: tables(table, "updates")
                .map(|u| Update {
                    date: timestamp(u, "date"),
                    author: string(u, "author"),
                    health: string(u, "health").as_deref().and_then(Health::from_name),
                    text: string(u, "text").unwrap_or_default(),
                })
                .collect(),
            comments: comments(table),
        }
    }
}

impl MirBug {
    pub fn from_table(table: &toml::Table) -> Self {
        let verdict = |key| string(table, key).as_deref().and_then(Verdict::from_name).unwrap_or_default();
        MirBug {
            title: string(table, "title").unwrap_or_default(),
            package: string(table, "package").unwrap_or_default(),
            status: string(table, "status").as_deref().and_then(MirStatus::from_name).unwrap_or_default(),
            assignee: string(table, "assignee"),
            subscribers: strings(table, "subscribers"),
            security_review: boolean(table, "security_review"),
            verdict: verdict("verdict"),
            security_verdict: verdict("security_verdict"),
            review: string(table, "review"),
            description: string(table, "description"),
            tags: strings(table, "tags"),
            created: timestamp(table, "created"),
            comments: comments(table),
        }
    }
}

impl Milestone {
    pub fn from_table(table: &toml::Table) -> Self {
        let capacity = table
            .get("capacity")
            .and_then(toml::Value::as_table)
            .map(|capacity| {
                capacity.keys().filter_map(|person| Some((person.clone(), number(capacity, person)?))).collect()
            })
            .unwrap_or_default();
        Milestone {
            title: string(table, "title").unwrap_or_default(),
            stage: string(table, "stage").unwrap_or_default(),
            start: timestamp(table, "start"),
            end: timestamp(table, "end"),
            description: string(table, "description"),
            capacity,
            parking_lot: tables(table, "parking_lot")
                .map(|p| ParkingLotItem { issue: string(p, "issue").unwrap_or_default(), why: string(p, "why") })
                .collect(),
            retro: tables(table, "retro")
                .map(|r| RetroEntry {
                    author: string(r, "author"),
                    text: string(r, "text").unwrap_or_default(),
                    date: timestamp(r, "date"),
                })
                .collect(),
        }
    }
}

impl Body {
    /// The typed view of a validated table of the given kind.
    pub fn from_table(kind: Kind, table: &toml::Table) -> Self {
        match kind {
            Kind::Issue => Body::Issue(Issue::from_table(table)),
            Kind::Mir => Body::Mir(MirBug::from_table(table)),
            Kind::Milestone => Body::Milestone(Milestone::from_table(table)),
        }
    }
}

/// A TOML datetime as text, for display and JSON.
pub fn datetime_text(datetime: &Datetime) -> String {
    datetime.to_string()
}

/// Labels as GitLab compares them: without case (`Validation::Requested` is
/// `validation::requested`).
pub fn same_label(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// The scope of a scoped label (`priority` of `priority::1`), lowercased: one value per scope,
/// whatever the case it is written in.
pub fn label_scope(label: &str) -> Option<String> {
    label.rsplit_once("::").map(|(scope, _)| scope.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bug(status: MirStatus, assignee: Option<&str>, verdict: Verdict) -> MirBug {
        MirBug { status, assignee: assignee.map(str::to_owned), verdict, ..MirBug::default() }
    }

    #[test]
    fn the_ten_mir_states() {
        use MirState as S;
        use MirStatus as St;
        let cases = [
            (bug(St::New, None, Verdict::None), S::Unassigned),
            (bug(St::Confirmed, None, Verdict::None), S::Unassigned),
            (bug(St::New, Some("didrocks"), Verdict::None), S::AssignedMir),
            (bug(St::Confirmed, Some(SECURITY_TEAM), Verdict::None), S::AssignedSecurity),
            (bug(St::InProgress, None, Verdict::Ack), S::InProgress),
            (bug(St::InProgress, None, Verdict::None), S::Undefined),
            (bug(St::FixCommitted, None, Verdict::Ack), S::FixCommitted),
            (bug(St::FixCommitted, None, Verdict::Nack), S::Undefined),
            (bug(St::FixReleased, None, Verdict::Ack), S::FixReleased),
            (bug(St::WontFix, None, Verdict::Nack), S::WontFix),
            (bug(St::Incomplete, Some("didrocks"), Verdict::None), S::Incomplete),
            (bug(St::Invalid, None, Verdict::None), S::InvalidExpired),
            (bug(St::Invalid, None, Verdict::Ack), S::InvalidUnpromoted),
            (bug(St::Triaged, None, Verdict::None), S::Undefined),
            (bug(St::Opinion, None, Verdict::None), S::Undefined),
        ];
        for (bug, expected) in cases {
            assert_eq!(bug.state(), expected, "{:?} {:?} {:?}", bug.status, bug.assignee, bug.verdict);
        }
        assert_eq!(MirState::Unassigned.number(), Some(1));
        assert_eq!(MirState::InvalidUnpromoted.number(), Some(10));
        assert_eq!(MirState::Undefined.number(), None);
    }

    #[test]
    fn status_names_round_trip() {
        for status in MirStatus::ALL {
            assert_eq!(MirStatus::from_name(status.name()), Some(status));
        }
    }

    #[test]
    fn rice_score() {
        let rice = Rice { reach: Some(500.0), impact: Some(2.0), confidence: Some(0.8), effort: Some(4.0) };
        assert_eq!(rice.score(), Some(200.0));
        assert_eq!(Rice { effort: Some(0.0), ..rice }.score(), None);
        assert_eq!(Rice { reach: None, ..rice }.score(), None);
    }
}
