//! Planning, pure: capacity, readiness, plans and what to work on next, from records, their
//! history and settings.
//!
//! Capacity (seed 003) is counted in weight, by one function, [`Inputs::capacity`], that
//! `plan`, `plan --apply`, the finalize gate (the hooks) and the reports share: each person's
//! working days (`[capacity]`, after PTO) times the velocity, less the weight carried over
//! from the previous milestone. Velocity measured from history (weight finished per working
//! day of the latest milestones) already holds the time refinement and other work took; the
//! default velocity is per day spent developing, so only with it are the refinement share and
//! the share of other work (meetings, reviews) taken out.

use crate::config::Config;
use crate::history::{History, Version};
use crate::model::{Body, Milestone, Record};
use crate::time::Timestamp;

/// Planning settings from `docket.toml` `[planning]` and `[priority]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The label marking committed work (seed 003).
    pub deliverable_label: String,
    /// Weight completed per day spent developing, when history gives none.
    pub default_velocity: f64,
    /// Share of time spent refining, 0 to 1.
    pub refinement_share: f64,
    /// Share of time spent on other work (meetings, reviews, support), 0 to 1.
    pub other_share: f64,
    /// Stages in which an issue is not yet refined.
    pub unrefined_stages: Vec<String>,
    /// Priority levels, most important first, each the labels (lowercase) that name it.
    pub priority: Vec<Vec<String>>,
}

/// The priority levels when `[priority] levels` does not say: the scoped `priority::` labels
/// of the seeds, numbered (seed 000), named (seed 003) and the support queue's (seed 002).
pub const DEFAULT_PRIORITY: [&[&str]; 4] = [
    &["priority::1", "priority::high", "priority::p0"],
    &["priority::2", "priority::medium", "priority::p1"],
    &["priority::3", "priority::low", "priority::p2"],
    &["priority::4", "priority::p3"],
];

/// At most this many priority levels (ranks are small numbers).
pub const MOST_PRIORITY_LEVELS: usize = 100;

impl Settings {
    #[allow(clippy::cast_precision_loss)] // settings are small numbers
    pub fn from_config(config: &Config) -> Self {
        let planning = config.table.get("planning").and_then(toml::Value::as_table);
        let number = |key: &str, default: f64| {
            planning
                .and_then(|p| p.get(key))
                .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|n| n as f64)))
                .unwrap_or(default)
        };
        let strings = |value: &toml::Value| -> Option<Vec<String>> {
            Some(value.as_array()?.iter().filter_map(toml::Value::as_str).map(str::to_lowercase).collect())
        };
        let unrefined = planning.and_then(|p| p.get("unrefined_stages")).and_then(toml::Value::as_array).map_or_else(
            || vec!["refinement".to_owned(), "triage".to_owned(), "planning".to_owned()],
            |a| a.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect(),
        );
        let priority =
            config.table.get("priority").and_then(|p| p.get("levels")).and_then(toml::Value::as_array).map_or_else(
                || DEFAULT_PRIORITY.iter().map(|level| level.iter().map(|l| (*l).to_owned()).collect()).collect(),
                |levels| levels.iter().filter_map(strings).take(MOST_PRIORITY_LEVELS).collect(),
            );
        Self {
            deliverable_label: planning
                .and_then(|p| p.get("deliverable_label"))
                .and_then(toml::Value::as_str)
                .unwrap_or("Deliverable")
                .to_owned(),
            default_velocity: number("default_velocity", 0.5),
            refinement_share: number("refinement_share", 0.2),
            other_share: number("other_share", 0.0),
            unrefined_stages: unrefined,
            priority,
        }
    }

    /// Whether `labels` hold the Deliverable label (as GitLab, in any case).
    pub fn has_deliverable(&self, labels: &[String]) -> bool {
        labels.iter().any(|l| crate::model::same_label(l, &self.deliverable_label))
    }
}

/// A milestone's capacity in weight (see the module documentation).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Capacity {
    /// Weight per working day, and where it came from (`history` or `default`).
    pub velocity: f64,
    pub velocity_source: &'static str,
    /// The share of working days the velocity is applied to: 1 with a measured velocity, else
    /// what refinement and other work leave.
    pub development_share: f64,
    pub people: Vec<PersonCapacity>,
    /// The remaining weight of the work carried over from the previous milestone.
    pub carryover_weight: u32,
    /// What the milestone's own Deliverables may weigh: the people's weight less the carry-over.
    pub total: f64,
}

/// [`Capacity`] of `milestone` with a measured `velocity` (`None`: the default) and
/// `carryover_weight` taken out.
pub fn capacity(milestone: &Milestone, settings: &Settings, velocity: Option<f64>, carryover_weight: u32) -> Capacity {
    let (velocity, velocity_source, development_share) = match velocity {
        Some(velocity) => (velocity, "history", 1.0),
        None => (
            settings.default_velocity,
            "default",
            (1.0 - settings.refinement_share - settings.other_share).clamp(0.0, 1.0),
        ),
    };
    let people: Vec<PersonCapacity> = milestone
        .capacity
        .iter()
        .map(|(person, days)| PersonCapacity {
            person: person.clone(),
            days: *days,
            weight: days * velocity * development_share,
        })
        .collect();
    let gross: f64 = people.iter().map(|p| p.weight).sum();
    let total = (gross - f64::from(carryover_weight)).max(0.0);
    Capacity { velocity, velocity_source, development_share, people, carryover_weight, total }
}

/// What planning a milestone reads: every milestone, the issues (at least those of the
/// milestone planned, of the one before it and of those velocity is measured over), their
/// history, the stages that count as done, whether a record is open, and the time.
pub struct Inputs<'a> {
    pub milestones: &'a [(&'a str, &'a Milestone)],
    pub issues: &'a [Record],
    pub history: &'a History,
    pub done: &'a [String],
    pub open: &'a dyn Fn(&Record) -> bool,
    pub now: Timestamp,
    pub settings: &'a Settings,
}

impl Inputs<'_> {
    /// The capacity of milestone `id` and the work carried over into it: velocity from the
    /// milestones finished before it starts (and before now), else the default; the open issues
    /// still in the previous milestone, whose weight (the remaining work, seed 003) is taken
    /// out of the capacity. An issue moved into `id` is one of its own, not carried over.
    pub fn capacity(&self, id: &str, milestone: &Milestone) -> (Capacity, Vec<Carryover>) {
        let before = velocity_before(milestone, self.now);
        let velocity = historic_velocity(self.milestones, self.issues, self.history, self.done, before);
        let mut carryover: Vec<Carryover> = previous_milestone(id, milestone, self.milestones)
            .map(|(previous, _)| {
                self.issues
                    .iter()
                    .filter(|r| r.milestone() == Some(previous) && (self.open)(r))
                    .map(|r| Carryover {
                        id: r.id.clone(),
                        title: r.title().to_owned(),
                        from: previous.to_owned(),
                        remaining_weight: weight_of(r),
                    })
                    .collect()
            })
            .unwrap_or_default();
        carryover.sort_by(|a, b| a.id.cmp(&b.id));
        let carried: u32 = carryover.iter().filter_map(|c| c.remaining_weight).map(u32::from).sum();
        (capacity(milestone, self.settings, velocity, carried), carryover)
    }
}

/// Velocity for `milestone` is measured over milestones finished before it starts, and before
/// `now` (a plan made after the start reads no milestone that ended since).
pub fn velocity_before(milestone: &Milestone, now: Timestamp) -> Timestamp {
    milestone.start.map_or(now, |start| start.min(now))
}

fn weight_of(record: &Record) -> Option<u8> {
    match &record.body {
        Body::Issue(issue) => issue.weight,
        _ => None,
    }
}

/// Whether the milestone `id` may be finalized: every Deliverable in it refined, weighted and
/// assigned (seed 001: "updated with the Milestone, Assignee(s)"), and their weight within
/// the capacity [`Inputs::capacity`] gives. `Err` lists what stops it.
pub fn readiness(id: &str, milestone: &Milestone, inputs: &Inputs<'_>) -> Result<(), Vec<String>> {
    let settings = inputs.settings;
    let mut problems = Vec::new();
    let mut committed = 0u32;
    for record in inputs.issues {
        let Body::Issue(issue) = &record.body else { continue };
        if issue.milestone.as_deref() != Some(id) || !settings.has_deliverable(&issue.labels) {
            continue;
        }
        match issue.weight {
            Some(weight) => committed += u32::from(weight),
            None => problems.push(format!("the Deliverable `{}` has no weight", record.id)),
        }
        let unrefined_label = issue.labels.iter().any(|l| crate::model::same_label(l, "workflow::refinement"));
        if settings.unrefined_stages.contains(&issue.stage) || unrefined_label {
            problems.push(format!("the Deliverable `{}` is not refined yet (stage `{}`)", record.id, issue.stage));
        }
        if issue.assignee.is_none() {
            problems.push(format!("the Deliverable `{}` has no assignee", record.id));
        }
    }
    let (capacity, _) = inputs.capacity(id, milestone);
    if f64::from(committed) > capacity.total + 1e-9 {
        problems.push(format!(
            "the Deliverables weigh {committed}, over the capacity of {:.1} (mark the overflow `Stretch`; `docket plan {id}` shows how the capacity is counted)",
            capacity.total
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Whether an issue is refined: weighted, out of the unrefined stages, without the
/// `workflow::refinement` label.
pub fn refined(record: &Record, settings: &Settings) -> bool {
    match &record.body {
        Body::Issue(issue) => {
            issue.weight.is_some()
                && !settings.unrefined_stages.contains(&issue.stage)
                && !issue.labels.iter().any(|l| crate::model::same_label(l, "workflow::refinement"))
        }
        _ => false,
    }
}

/// The planning settings that say when work is done.
pub fn done_stages(config: &Config) -> Vec<String> {
    config
        .table
        .get("planning")
        .and_then(toml::Value::as_table)
        .and_then(|p| p.get("done_stages"))
        .and_then(toml::Value::as_array)
        .map_or_else(
            || ["completed", "done", "closed", "fix_released", "wont_fix", "invalid"].map(str::to_owned).to_vec(),
            |a| a.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect(),
        )
}

/// How important a record is (seed 003's order): 0 a Deliverable of a current milestone at the
/// first priority level, 1 the other such Deliverables, then one rank per priority level
/// ([`Settings::priority`]), last anything else; with the reason shown. `deliverable` says
/// whether the record counts as a Deliverable ([`counts_as_deliverable`]).
pub fn priority_rank(labels: &[String], deliverable: bool, settings: &Settings) -> (u8, String) {
    let level = priority_level(labels, settings);
    let rank = |level: usize| u8::try_from(level + 2).unwrap_or(u8::MAX);
    match level {
        Some((0, label)) if deliverable => (0, format!("Deliverable, {label}")),
        _ if deliverable => (1, "Deliverable".to_owned()),
        Some((level, label)) => (rank(level), label.to_owned()),
        None => (rank(settings.priority.len()), "no priority".to_owned()),
    }
}

/// The first priority level (most important first) one of `labels` names, and that label.
/// Labels compare without case (GitLab's scoped labels do); a label ending in `-` and a
/// level's label names it too (`code-creation-priority::high` names `priority::high`).
pub fn priority_level<'l>(labels: &'l [String], settings: &Settings) -> Option<(usize, &'l str)> {
    let lowered: Vec<String> = labels.iter().map(|l| l.to_lowercase()).collect();
    settings.priority.iter().enumerate().find_map(|(level, names)| {
        let at = lowered.iter().position(|label| {
            names.iter().any(|name| {
                label == name || label.strip_suffix(name.as_str()).is_some_and(|prefix| prefix.ends_with('-'))
            })
        })?;
        Some((level, labels[at].as_str()))
    })
}

/// Whether `record` counts as a Deliverable now: it has the Deliverable label and is in one of
/// the `current` milestones (seed 003: "work we commit to completing in the current
/// milestone"); next milestone's Deliverables wait their turn.
pub fn counts_as_deliverable(record: &Record, settings: &Settings, current: &[String]) -> bool {
    settings.has_deliverable(record.labels()) && record.milestone().is_some_and(|m| current.iter().any(|c| c == m))
}

/// The milestones running at `now`, from (id, start, end): started, and not past their last day.
pub fn current_milestones<'a>(
    milestones: impl Iterator<Item = (&'a str, Option<Timestamp>, Option<Timestamp>)>,
    now: Timestamp,
) -> Vec<String> {
    milestones
        .filter(|(_, start, end)| start.is_some_and(|s| s <= now) && end.is_some_and(|e| now < e + 86_400))
        .map(|(id, _, _)| id.to_owned())
        .collect()
}

/// One line of `docket next`.
#[derive(Debug, Clone, PartialEq)]
pub struct Next<'a> {
    pub record: &'a Record,
    pub rank: u8,
    pub reason: String,
}

/// What to work on next (seeds 003 and 002): open issues not blocked — not in a state that
/// parks them (blocked, backlogged), not waiting for an open record — ordered by
/// [`priority_rank`] (Deliverables of the `current` milestones first), then by weight
/// (smaller first), RICE score (higher first, where there is one: the tie-break of seed 000's
/// planning artifact), age and id. `parked` says which states park a record; `open` whether a
/// record is still open.
pub fn next<'a>(
    records: &'a [Record],
    settings: &Settings,
    assignee: Option<&str>,
    current: &[String],
    parked: &dyn Fn(&Record) -> bool,
    open: &dyn Fn(&Record) -> bool,
) -> Vec<Next<'a>> {
    let mut list: Vec<Next<'a>> = records
        .iter()
        .filter(|record| record.kind() == crate::model::Kind::Issue && open(record) && !parked(record))
        .filter(|record| assignee.is_none_or(|who| record.assignee().is_none_or(|a| a == who)))
        .filter(|record| match &record.body {
            Body::Issue(issue) => !issue.blocked_by.iter().any(|id| records.iter().any(|r| &r.id == id && open(r))),
            _ => true,
        })
        .map(|record| {
            let deliverable = counts_as_deliverable(record, settings, current);
            let (rank, reason) = priority_rank(record.labels(), deliverable, settings);
            Next { record, rank, reason }
        })
        .collect();
    list.sort_by(|a, b| {
        let weight = |r: &Record| weight_of(r).unwrap_or(u8::MAX);
        let rice = |r: &Record| match &r.body {
            Body::Issue(issue) => crate::model::Rice::order(issue.rice.as_ref()),
            _ => i64::MAX,
        };
        a.rank
            .cmp(&b.rank)
            .then_with(|| weight(a.record).cmp(&weight(b.record)))
            .then_with(|| rice(a.record).cmp(&rice(b.record)))
            .then_with(|| a.record.created().cmp(&b.record.created()))
            .then_with(|| a.record.id.cmp(&b.record.id))
    });
    list
}

/// How far a milestone has come (`docket show MILESTONE`): its issues, those done, and their
/// weight, in all and for its Deliverables.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Progress {
    pub issues: usize,
    pub done: usize,
    pub weight: u32,
    pub done_weight: u32,
    pub deliverable_weight: u32,
    pub deliverable_done_weight: u32,
}

/// The [`Progress`] of milestone `id` over `issues`; `open` says whether an issue is open.
pub fn progress(id: &str, issues: &[Record], settings: &Settings, open: &dyn Fn(&Record) -> bool) -> Progress {
    let mut progress = Progress::default();
    for record in issues.iter().filter(|r| r.milestone() == Some(id)) {
        let weight = u32::from(weight_of(record).unwrap_or(0));
        let done = !open(record);
        let deliverable = settings.has_deliverable(record.labels());
        progress.issues += 1;
        progress.weight += weight;
        if done {
            progress.done += 1;
            progress.done_weight += weight;
        }
        if deliverable {
            progress.deliverable_weight += weight;
            if done {
                progress.deliverable_done_weight += weight;
            }
        }
    }
    progress
}

/// A record in a plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub weight: Option<u8>,
    pub priority: String,
}

/// One person's capacity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PersonCapacity {
    pub person: String,
    pub days: f64,
    pub weight: f64,
}

/// Work carried over from the previous milestone.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Carryover {
    pub id: String,
    pub title: String,
    pub from: String,
    pub remaining_weight: Option<u8>,
}

/// A milestone's plan (`docket plan`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Plan {
    pub milestone: String,
    pub title: String,
    pub start: Option<String>,
    pub end: Option<String>,
    /// Weight per working day used, and where it came from (`history` or `default`).
    pub velocity: f64,
    pub velocity_source: &'static str,
    /// The share of working days the velocity is applied to (see [`Capacity`]).
    pub development_share: f64,
    /// What the Deliverables may weigh: the people's weight less `carryover_weight`.
    pub capacity: f64,
    pub carryover_weight: u32,
    pub people: Vec<PersonCapacity>,
    pub committed_weight: u32,
    pub deliverables: Vec<Item>,
    pub stretch: Vec<Item>,
    pub unrefined: Vec<Item>,
    pub split: Vec<Item>,
    pub carryover: Vec<Carryover>,
    pub parking_lot: Vec<(String, String)>,
    pub over_capacity: bool,
    pub finalize_by: Option<String>,
    pub retro_due: Option<String>,
}

/// How many finished milestones velocity is measured over: the latest ones ("yesterday's
/// weather"); older ones say little about the team of today, and reading them all would make
/// planning cost the whole tracker's history.
pub const VELOCITY_MILESTONES: usize = 3;

/// The milestones velocity is measured over: the [`VELOCITY_MILESTONES`] latest to end before
/// `before`, among those with dates and some capacity; the latest first (ties by id).
pub fn velocity_milestones<'a>(
    milestones: &[(&'a str, &'a Milestone)],
    before: Timestamp,
) -> Vec<(&'a str, &'a Milestone)> {
    let mut finished: Vec<(&str, &Milestone)> = milestones
        .iter()
        .copied()
        .filter(|(_, m)| m.start.is_some() && m.end.is_some_and(|end| end < before) && capacity_days(m) > 0.0)
        .collect();
    finished.sort_by(|(a, m), (b, n)| n.end.cmp(&m.end).then_with(|| b.cmp(a)));
    finished.truncate(VELOCITY_MILESTONES);
    finished
}

/// The working days of a milestone's capacity.
pub fn capacity_days(milestone: &Milestone) -> f64 {
    milestone.capacity.iter().map(|(_, d)| d).sum()
}

/// Whether a record's `versions` (oldest first) enter one of the `done` stages — from a stage
/// that is not done, or created done — at a time from `start` to the last second of the day
/// `end`.
pub fn finished_within(versions: &[Version], done: &[String], start: Timestamp, end: Timestamp) -> bool {
    let is_done = |v: &Version| done.contains(&v.state);
    versions.iter().enumerate().any(|(at, version)| {
        is_done(version)
            && (at == 0 || !is_done(&versions[at - 1]))
            && version.time >= start
            && version.time < end + 86_400
    })
}

/// Weight finished per working day in the latest finished milestones
/// ([`velocity_milestones`]): for each, the weight of its issues that entered a done stage
/// between its start and end ([`finished_within`]), over the working days of its capacity.
/// `None` when no such milestone finished any weight.
pub fn historic_velocity(
    milestones: &[(&str, &Milestone)],
    issues: &[Record],
    history: &History,
    done: &[String],
    before: Timestamp,
) -> Option<f64> {
    let mut weight = 0.0;
    let mut days = 0.0;
    for (id, milestone) in velocity_milestones(milestones, before) {
        let (Some(start), Some(end)) = (milestone.start, milestone.end) else { continue };
        days += capacity_days(milestone);
        for record in issues {
            if record.milestone() == Some(id) && finished_within(history.of(&record.path), done, start, end) {
                weight += f64::from(weight_of(record).unwrap_or(0));
            }
        }
    }
    // No weight finished inside any milestone says nothing about speed: use the default.
    (days > 0.0 && weight > 0.0).then(|| weight / days)
}

/// The milestone before `id`: the latest to end before it starts (ties: the greatest id).
pub fn previous_milestone<'a>(
    id: &str,
    milestone: &Milestone,
    milestones: &[(&'a str, &'a Milestone)],
) -> Option<(&'a str, &'a Milestone)> {
    let start = milestone.start?;
    milestones
        .iter()
        .copied()
        .filter(|(other, m)| *other != id && m.end.is_some_and(|e| e < start))
        .max_by_key(|(other, m)| (m.end, *other))
}

/// The plan of milestone `id`: its refined open issues in priority order (its own
/// Deliverables first), Deliverable while they fit the capacity and Stretch after.
pub fn plan(id: &str, milestone: &Milestone, inputs: &Inputs<'_>) -> Plan {
    let settings = inputs.settings;
    let (capacity, carryover) = inputs.capacity(id, milestone);
    let here = [id.to_owned()];
    let rank =
        |record: &Record| priority_rank(record.labels(), counts_as_deliverable(record, settings, &here), settings);
    let item = |record: &Record| Item {
        id: record.id.clone(),
        title: record.title().to_owned(),
        weight: weight_of(record),
        priority: rank(record).1,
    };
    let mut in_milestone: Vec<&Record> =
        inputs.issues.iter().filter(|r| r.milestone() == Some(id) && (inputs.open)(r)).collect();
    in_milestone.sort_by_key(|r| (rank(r).0, r.id.clone()));
    let mut deliverables = Vec::new();
    let mut stretch = Vec::new();
    let mut committed = 0u32;
    let mut filled = 0.0;
    for record in in_milestone.iter().filter(|r| refined(r, settings)) {
        let weight = weight_of(record).map_or(0, u32::from);
        if filled + f64::from(weight) <= capacity.total + 1e-9 {
            filled += f64::from(weight);
            deliverables.push(item(record));
        } else {
            stretch.push(item(record));
        }
        if settings.has_deliverable(record.labels()) {
            committed += weight;
        }
    }
    let unrefined = in_milestone.iter().filter(|r| !refined(r, settings)).map(|r| item(r)).collect();
    let split = in_milestone.iter().filter(|r| weight_of(r) == Some(5)).map(|r| item(r)).collect();
    let date = |t: Option<Timestamp>| t.map(|t| crate::time::date_of(t).to_string());
    Plan {
        milestone: id.to_owned(),
        title: milestone.title.clone(),
        start: date(milestone.start),
        end: date(milestone.end),
        velocity: capacity.velocity,
        velocity_source: capacity.velocity_source,
        development_share: capacity.development_share,
        capacity: capacity.total,
        carryover_weight: capacity.carryover_weight,
        people: capacity.people,
        committed_weight: committed,
        over_capacity: f64::from(committed) > capacity.total + 1e-9,
        deliverables,
        stretch,
        unrefined,
        split,
        carryover,
        parking_lot: milestone
            .parking_lot
            .iter()
            .map(|p| (p.issue.clone(), p.why.clone().unwrap_or_default()))
            .collect(),
        finalize_by: date(milestone.start.map(|s| s - 3 * 86_400)),
        retro_due: date(milestone.end.map(|e| e + 14 * 86_400)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{RecordRules, parse_record};
    use crate::model::Kind;

    const DAY: i64 = 86_400;

    fn issue(id: &str, text: &str) -> Record {
        let mut record = parse_record(Kind::Issue, id, id, text, &RecordRules::default()).record.expect("valid");
        record.path = format!("issues/{id}.toml");
        record
    }

    fn settings() -> Settings {
        Settings::from_config(&Config::parse("docket.toml", "").expect("valid"))
    }

    /// A milestone from day `start` to day `end` (midnight UTC of each) with `days` of capacity.
    fn milestone(start: i64, end: i64, days: f64) -> Milestone {
        Milestone {
            start: Some(start * DAY),
            end: Some(end * DAY),
            capacity: vec![("ana".into(), days)],
            ..Milestone::default()
        }
    }

    /// Planning inputs with no history: the default velocity.
    fn inputs<'a>(
        milestones: &'a [(&'a str, &'a Milestone)],
        issues: &'a [Record],
        settings: &'a Settings,
        open: &'a dyn Fn(&Record) -> bool,
    ) -> Inputs<'a> {
        static NO_HISTORY: std::sync::LazyLock<History> = std::sync::LazyLock::new(History::default);
        static DONE: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| vec!["done".to_owned()]);
        Inputs { milestones, issues, history: &NO_HISTORY, done: &DONE, open, now: 1000 * DAY, settings }
    }

    fn version(time: Timestamp, state: &str) -> Version {
        Version {
            commit: String::new(),
            time,
            author: String::new(),
            state: state.to_owned(),
            weight: None,
            milestone: None,
            labels: Vec::new(),
            blob: Some(String::new()),
        }
    }

    /// The one capacity: days × velocity × development share, less the carry-over. The shares
    /// of refinement (0.2) and other work apply to the default velocity only: a velocity
    /// measured over whole working days holds them already.
    #[test]
    fn capacity_applies_each_share_once_and_takes_out_the_carryover() {
        let m = Milestone { capacity: vec![("ana".into(), 10.0), ("bo".into(), 6.0)], ..Milestone::default() };
        let mut other = settings();
        other.other_share = 0.3;
        let table: [(&Settings, Option<f64>, u32, f64, f64); 7] = [
            // settings, measured velocity, carried over → share, total
            (&settings(), None, 0, 0.8, 16.0 * 0.5 * 0.8),
            (&settings(), Some(0.25), 0, 1.0, 16.0 * 0.25),
            (&settings(), Some(0.25), 3, 1.0, 16.0 * 0.25 - 3.0),
            (&settings(), None, 2, 0.8, 6.4 - 2.0),
            (&settings(), None, 7, 0.8, 0.0),
            (&other, None, 0, 0.5, 16.0 * 0.5 * 0.5),
            (&other, Some(1.0), 0, 1.0, 16.0),
        ];
        for (settings, velocity, carried, share, total) in table {
            let found = capacity(&m, settings, velocity, carried);
            assert!((found.development_share - share).abs() < 1e-9, "{velocity:?} {carried}: {found:?}");
            assert!((found.total - total).abs() < 1e-9, "{velocity:?} {carried}: {found:?}");
            assert_eq!(found.velocity_source, if velocity.is_some() { "history" } else { "default" });
            assert_eq!(found.carryover_weight, carried);
        }
        let people = capacity(&m, &settings(), None, 0).people;
        let rounded: Vec<(&str, f64)> =
            people.iter().map(|p| (p.person.as_str(), (p.weight * 1e6).round() / 1e6)).collect();
        assert_eq!(rounded, [("ana", 4.0), ("bo", 2.4)]);
        // Shares that leave nothing leave nothing, not a negative capacity.
        let mut all = settings();
        all.other_share = 0.9;
        assert!(capacity(&m, &all, None, 0).total.abs() < 1e-9);
    }

    #[test]
    fn readiness_counts_deliverables_against_capacity() {
        // 10 + 10 days × 0.5 × 0.8 = 8 weight.
        let m = Milestone { capacity: vec![("ana".into(), 10.0), ("bo".into(), 10.0)], ..Milestone::default() };
        let milestones = [("16-7", &m)];
        let base = "title = \"x\"\ntype = \"feature\"\nmilestone = \"16-7\"\nassignee = \"ana\"\n";
        let issues = vec![
            issue("a", &format!("{base}stage = \"in_dev\"\nweight = 5\nlabels = [\"Deliverable\"]\n")),
            issue("b", &format!("{base}stage = \"ready_for_development\"\nweight = 3\nlabels = [\"deliverable\"]\n")),
            issue("c", &format!("{base}stage = \"ready_for_development\"\nweight = 4\nlabels = [\"Stretch\"]\n")),
        ];
        let settings = settings();
        let open = |_: &Record| true;
        assert_eq!(readiness("16-7", &m, &inputs(&milestones, &issues, &settings, &open)), Ok(()));
        let mut more = issues.clone();
        more.push(issue("d", &format!("{base}stage = \"refinement\"\nlabels = [\"Deliverable\"]\n")));
        more.push(issue(
            "e",
            "title = \"x\"\ntype = \"feature\"\nmilestone = \"16-7\"\nstage = \"in_dev\"\nweight = 1\nlabels = [\"Deliverable\"]\n",
        ));
        assert_eq!(
            readiness("16-7", &m, &inputs(&milestones, &more, &settings, &open)),
            Err(vec![
                "the Deliverable `d` has no weight".to_owned(),
                "the Deliverable `d` is not refined yet (stage `refinement`)".to_owned(),
                "the Deliverable `e` has no assignee".to_owned(),
                "the Deliverables weigh 9, over the capacity of 8.0 (mark the overflow `Stretch`; `docket plan 16-7` shows how the capacity is counted)".to_owned(),
            ])
        );
    }

    /// Which weights of a milestone's refined issues (in priority then id order) are
    /// Deliverable and which Stretch, for a capacity of 10 days × 0.5 × 0.8 = 4 weight.
    #[test]
    fn deliverables_fill_capacity_exactly_and_the_rest_is_stretch() {
        let table: [(&[u8], &[u8], &[u8]); 6] = [
            // weights in order        Deliverable   Stretch
            (&[4], &[4], &[]),
            (&[5], &[], &[5]),
            (&[1, 3], &[1, 3], &[]),
            (&[1, 3, 1], &[1, 3], &[1]),
            (&[3, 2, 1], &[3, 1], &[2]),
            (&[2, 1, 1], &[2, 1, 1], &[]),
        ];
        for (weights, deliverable, stretch) in table {
            let issues: Vec<Record> = weights
                .iter()
                .enumerate()
                .map(|(n, w)| {
                    let text = format!(
                        "title = \"x\"\ntype = \"feature\"\nstage = \"ready_for_development\"\nmilestone = \"m\"\nweight = {w}\n"
                    );
                    issue(&format!("i{n}"), &text)
                })
                .collect();
            let m = milestone(100, 114, 10.0);
            let settings = settings();
            let plan = plan("m", &m, &inputs(&[("m", &m)], &issues, &settings, &|_| true));
            assert!((plan.capacity - 4.0).abs() < 1e-9);
            let weights_of = |items: &[Item]| items.iter().map(|i| i.weight.unwrap_or(0)).collect::<Vec<u8>>();
            assert_eq!(weights_of(&plan.deliverables), deliverable, "{weights:?}");
            assert_eq!(weights_of(&plan.stretch), stretch, "{weights:?}");
        }
    }

    /// Each label set's rank under the default levels: seed 003's order, the ops workflow's
    /// numbered labels and the support queue's, compared without case.
    #[test]
    fn priority_ranks_follow_the_seeds_order() {
        let table: [(&[&str], bool, u8, &str); 16] = [
            (&["Deliverable", "priority::high"], true, 0, "Deliverable, priority::high"),
            (&["priority::1"], true, 0, "Deliverable, priority::1"),
            (&["Deliverable"], true, 1, "Deliverable"),
            (&["priority::low"], true, 1, "Deliverable"),
            (&["Deliverable", "priority::high"], false, 2, "priority::high"),
            (&["code-creation-priority::high"], false, 2, "code-creation-priority::high"),
            (&["Priority::P0"], false, 2, "Priority::P0"),
            (&["priority::2", "priority::1"], false, 2, "priority::1"),
            (&["priority::medium", "priority::low"], false, 3, "priority::medium"),
            (&["team-priority::p1"], false, 3, "team-priority::p1"),
            (&["priority::3"], false, 4, "priority::3"),
            (&["priority::p2", "Stretch"], false, 4, "priority::p2"),
            (&["priority::4"], false, 5, "priority::4"),
            (&["priority::p3"], false, 5, "priority::p3"),
            (&["Stretch", "priority::urgent", "xpriority::high", "priority::5"], false, 6, "no priority"),
            (&[], false, 6, "no priority"),
        ];
        for (labels, deliverable, rank, reason) in table {
            let labels: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
            assert_eq!(priority_rank(&labels, deliverable, &settings()), (rank, reason.to_owned()), "{labels:?}");
        }
    }

    /// `[priority] levels` replaces the default levels; `[planning]` sets the rest.
    #[test]
    fn settings_come_from_the_config() {
        let config = Config::parse(
            "docket.toml",
            "[priority]\nlevels = [[\"Sev::1\"], [\"sev::2\", \"sev::3\"]]\n[planning]\nother_share = 0.1\nrefinement_share = 0\ndefault_velocity = 2\n",
        )
        .expect("valid");
        let settings = Settings::from_config(&config);
        assert_eq!(settings.priority, [vec!["sev::1".to_owned()], vec!["sev::2".to_owned(), "sev::3".to_owned()]]);
        assert_eq!((settings.other_share, settings.refinement_share, settings.default_velocity), (0.1, 0.0, 2.0));
        let rank = |label: &str| priority_rank(&[label.to_owned()], false, &settings).0;
        assert_eq!((rank("sev::1"), rank("sev::3"), rank("priority::1")), (2, 3, 4));
    }

    #[test]
    fn done_stages_come_from_planning_or_the_default() {
        let config = |text: &str| Config::parse("docket.toml", text).expect("valid");
        assert_eq!(
            done_stages(&config("")),
            ["completed", "done", "closed", "fix_released", "wont_fix", "invalid"].map(str::to_owned)
        );
        assert_eq!(done_stages(&config("[planning]\ndone_stages = [\"shipped\", 3]\n")), ["shipped"]);
    }

    /// Only the milestone's open, refined issues are planned; the others are listed apart or
    /// not at all.
    #[test]
    fn only_open_refined_issues_of_the_milestone_are_planned() {
        let make = |id: &str, stage: &str, extra: &str| {
            issue(id, &format!("title = \"x\"\ntype = \"feature\"\nstage = \"{stage}\"\n{extra}"))
        };
        let issues = vec![
            make("a", "ready_for_development", "milestone = \"m\"\nweight = 1\n"),
            make("b", "refinement", "milestone = \"m\"\nweight = 1\n"),
            make("c", "ready_for_development", "milestone = \"m\"\nweight = 1\nlabels = [\"workflow::refinement\"]\n"),
            make("d", "ready_for_development", "milestone = \"m\"\n"),
            make("e", "ready_for_development", "milestone = \"other\"\nweight = 1\n"),
            make("f", "done", "milestone = \"m\"\nweight = 1\n"),
            make("g", "ready_for_development", "weight = 1\n"),
        ];
        let m = milestone(100, 114, 10.0);
        let open = |r: &Record| r.id != "f";
        let settings = settings();
        let plan = plan("m", &m, &inputs(&[("m", &m)], &issues, &settings, &open));
        let ids = |items: &[Item]| items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&plan.deliverables), ["a"]);
        assert!(plan.stretch.is_empty());
        assert_eq!(ids(&plan.unrefined), ["b", "c", "d"]);
    }

    /// Committed Deliverable weight against capacity: exactly full is not over, for the plan
    /// and for the finalize gate alike.
    #[test]
    fn over_capacity_starts_past_the_capacity() {
        for (committed, over) in [(3u8, false), (4, false), (5, true)] {
            let text = format!(
                "title = \"x\"\ntype = \"feature\"\nstage = \"ready_for_development\"\nmilestone = \"m\"\nweight = {committed}\nlabels = [\"Deliverable\"]\nassignee = \"ana\"\n"
            );
            let m = milestone(100, 114, 10.0);
            let issues = [issue("a", &text)];
            let settings = settings();
            let milestones = [("m", &m)];
            let inputs = inputs(&milestones, &issues, &settings, &|_| true);
            let plan = plan("m", &m, &inputs);
            assert_eq!(plan.committed_weight, u32::from(committed));
            assert_eq!(plan.over_capacity, over, "{committed}");
            assert_eq!(readiness("m", &m, &inputs).is_err(), over, "{committed}");
        }
    }

    /// Work counts for velocity when it enters a done stage from the first second of the start
    /// day to the last second of the end day; staying done, or entering it again, is not
    /// finishing it again.
    #[test]
    fn finishing_is_entering_a_done_stage_within_the_milestone() {
        let done = ["done".to_owned()];
        let (start, end) = (100 * DAY, 109 * DAY);
        let table: [(&[(i64, &str)], bool); 9] = [
            (&[(100 * DAY - 1, "done")], false),
            (&[(100 * DAY, "done")], true),
            (&[(90 * DAY, "in_dev"), (104 * DAY, "done")], true),
            (&[(90 * DAY, "in_dev"), (110 * DAY - 1, "done")], true),
            (&[(90 * DAY, "in_dev"), (110 * DAY, "done")], false),
            (&[(90 * DAY, "done"), (104 * DAY, "done")], false),
            (&[(90 * DAY, "done"), (95 * DAY, "in_dev"), (104 * DAY, "done")], true),
            (&[(90 * DAY, "in_dev"), (104 * DAY, "")], false),
            (&[], false),
        ];
        for (versions, finished) in table {
            let versions: Vec<Version> = versions.iter().map(|(t, s)| version(*t, s)).collect();
            assert_eq!(finished_within(&versions, &done, start, end), finished, "{versions:?}");
        }
    }

    /// Velocity: the weight finished in the latest finished milestones over their days.
    #[test]
    fn velocity_is_weight_finished_over_days() {
        let m = milestone(100, 109, 10.0);
        let text =
            |w: u8| format!("title = \"x\"\ntype = \"feature\"\nstage = \"done\"\nmilestone = \"m\"\nweight = {w}\n");
        let issues = [issue("a", &text(5)), issue("b", &text(2)), issue("c", &text(3))];
        let mut history = History::default();
        history.records.insert("issues/a.toml".into(), vec![version(101 * DAY, "in_dev"), version(104 * DAY, "done")]);
        history.records.insert("issues/b.toml".into(), vec![version(108 * DAY, "done")]);
        history.records.insert("issues/c.toml".into(), vec![version(120 * DAY, "done")]);
        let done = ["done".to_owned()];
        assert_eq!(historic_velocity(&[("m", &m)], &issues, &history, &done, 200 * DAY), Some(0.7));
        // Nothing finished says nothing about speed; nor does a milestone of no days.
        assert_eq!(historic_velocity(&[("m", &m)], &issues, &History::default(), &done, 200 * DAY), None);
        let idle = milestone(100, 109, 0.0);
        assert_eq!(historic_velocity(&[("m", &idle)], &issues, &history, &done, 200 * DAY), None);
        // Not finished before `before`: not measured.
        assert_eq!(historic_velocity(&[("m", &m)], &issues, &history, &done, 109 * DAY), None);
    }

    /// Velocity comes from the latest milestones to end before the plan's own start; one that
    /// ends on that very second has not finished yet.
    #[test]
    fn velocity_milestones_are_the_latest_finished() {
        let (a, b, c, d) =
            (milestone(0, 9, 10.0), milestone(10, 19, 10.0), milestone(20, 29, 10.0), milestone(30, 39, 10.0));
        let empty = Milestone { capacity: vec![], ..milestone(40, 49, 0.0) };
        let all = [("a", &a), ("b", &b), ("c", &c), ("d", &d), ("e", &empty)];
        let ids = |before: i64| velocity_milestones(&all, before).into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        assert_eq!(ids(100 * DAY), ["d", "c", "b"], "the latest three, without capacity skipped");
        assert_eq!(ids(39 * DAY), ["c", "b", "a"], "d ends at that second");
        assert_eq!(ids(39 * DAY + 1), ["d", "c", "b"]);
        assert_eq!(ids(9 * DAY), Vec::<&str>::new());
        // The milestone before c: the latest to end before c starts.
        assert_eq!(previous_milestone("c", &c, &all).map(|(id, _)| id), Some("b"));
        let touching = milestone(19, 25, 5.0);
        assert_eq!(previous_milestone("t", &touching, &all).map(|(id, _)| id), Some("a"), "b ends as it starts");
        // Measured before the start, or before now when that is earlier.
        assert_eq!((velocity_before(&c, 25 * DAY), velocity_before(&c, 15 * DAY)), (20 * DAY, 15 * DAY));
    }

    /// The seeds' worked example (seeds 001 and 003), by hand: ana 10 days and bo 8 (after
    /// PTO); the last milestone, 10 days each, finished weight 9 → velocity 9 / 20 = 0.45 per
    /// day, refinement included. Capacity 18 × 0.45 = 8.1, less 2 carried over = 6.1. In
    /// priority order: x (Deliverable, w3) fits, y (`priority::1`, w3) fits (6), z (w1) would
    /// make 7 > 6.1: Stretch.
    #[test]
    fn the_worked_example_of_the_book() {
        let previous = Milestone { capacity: vec![("ana".into(), 10.0), ("bo".into(), 10.0)], ..milestone(0, 13, 0.0) };
        let next_one = Milestone { capacity: vec![("ana".into(), 10.0), ("bo".into(), 8.0)], ..milestone(14, 27, 0.0) };
        let milestones = [("m1", &previous), ("m2", &next_one)];
        let make = |id: &str, milestone: &str, stage: &str, weight: u8, labels: &str| {
            issue(
                id,
                &format!(
                    "title = \"{id}\"\ntype = \"feature\"\nstage = \"{stage}\"\nmilestone = \"{milestone}\"\nweight = {weight}\nlabels = [{labels}]\n"
                ),
            )
        };
        let issues = [
            make("p", "m1", "done", 5, ""),
            make("q", "m1", "done", 4, ""),
            make("r", "m1", "in_dev", 2, ""),
            make("x", "m2", "ready_for_development", 3, "\"Deliverable\""),
            make("y", "m2", "ready_for_development", 3, "\"priority::1\""),
            make("z", "m2", "ready_for_development", 1, "\"priority::3\""),
        ];
        let mut history = History::default();
        history.records.insert("issues/p.toml".into(), vec![version(2 * DAY, "in_dev"), version(5 * DAY, "done")]);
        history.records.insert("issues/q.toml".into(), vec![version(2 * DAY, "in_dev"), version(13 * DAY, "done")]);
        let settings = settings();
        let done = ["done".to_owned()];
        let open = |r: &Record| r.state() != "done";
        let inputs = Inputs {
            milestones: &milestones,
            issues: &issues,
            history: &history,
            done: &done,
            open: &open,
            now: 11 * DAY,
            settings: &settings,
        };
        // Planned before m1 ends, m1 says nothing yet: the default velocity, 18 × 0.5 × 0.8 − 2.
        assert!((plan("m2", &next_one, &inputs).capacity - 5.2).abs() < 1e-9);
        let inputs = Inputs { now: 14 * DAY, ..inputs };
        let plan = plan("m2", &next_one, &inputs);
        assert_eq!((plan.velocity, plan.velocity_source, plan.carryover_weight), (0.45, "history", 2));
        assert!((plan.capacity - 6.1).abs() < 1e-9, "{}", plan.capacity);
        let ids = |items: &[Item]| items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!((ids(&plan.deliverables), ids(&plan.stretch)), (vec!["x".to_owned(), "y".into()], vec!["z".into()]));
        assert_eq!(plan.carryover.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["r"]);
    }

    /// The milestones running at a time: from the first second of the start day to the last of
    /// the end day.
    #[test]
    fn current_milestones_run_from_start_to_the_end_day() {
        let dates = [("a", Some(10 * DAY), Some(19 * DAY)), ("b", Some(20 * DAY), Some(29 * DAY)), ("c", None, None)];
        let at = |now: i64| current_milestones(dates.iter().copied(), now);
        assert_eq!(at(10 * DAY - 1), Vec::<String>::new());
        assert_eq!(at(10 * DAY), ["a"]);
        assert_eq!(at(20 * DAY - 1), ["a"]);
        assert_eq!(at(20 * DAY), ["b"]);
        assert_eq!(at(30 * DAY), Vec::<String>::new());
    }

    /// `next`: open, unparked issues not waiting on an open record, for the person asked (or
    /// nobody's), by priority (Deliverables of the current milestone first), then weight, age
    /// and id.
    #[test]
    fn next_filters_and_orders() {
        let with = |id: &str, stage: &str, extra: &str| {
            issue(id, &format!("title = \"{id}\"\ntype = \"feature\"\nstage = \"{stage}\"\n{extra}"))
        };
        let milestone =
            parse_record(Kind::Milestone, "m1", "m1", "title = \"M\"\nstage = \"active\"\n", &RecordRules::default())
                .record
                .expect("valid");
        let records = vec![
            with("a", "in_dev", "weight = 3\nlabels = [\"priority::high\"]\ncreated = 2026-11-02\n"),
            with("b", "in_dev", "weight = 1\nlabels = [\"priority::high\"]\ncreated = 2026-11-03\n"),
            with("c", "in_dev", "weight = 3\nlabels = [\"priority::high\"]\ncreated = 2026-11-01\n"),
            with("d", "in_dev", "weight = 3\nlabels = [\"priority::high\"]\ncreated = 2026-11-01\n"),
            with("e", "in_dev", "labels = [\"Deliverable\"]\nassignee = \"bo\"\nmilestone = \"m1\"\n"),
            // Waiting on an open record, on a closed one, on one that does not exist.
            with("f", "in_dev", "labels = [\"Deliverable\"]\nblocked_by = [\"a\"]\nmilestone = \"m1\"\n"),
            with("g", "in_dev", "blocked_by = [\"z\"]\nassignee = \"ana\"\n"),
            with("h", "in_dev", "blocked_by = [\"nope\"]\n"),
            // Next milestone's Deliverable waits its turn, by its priority.
            with("i", "in_dev", "labels = [\"Deliverable\", \"priority::2\"]\nmilestone = \"m2\"\nweight = 1\n"),
            with("z", "closed", ""),
            with("p", "parked", ""),
            milestone,
        ];
        let open = |r: &Record| r.state() != "closed";
        let parked = |r: &Record| r.id == "p";
        let current = ["m1".to_owned()];
        let order = |who: Option<&str>, current: &[String]| -> Vec<&str> {
            next(&records, &settings(), who, current, &parked, &open).iter().map(|n| n.record.id.as_str()).collect()
        };
        assert_eq!(order(None, &current), ["e", "b", "c", "d", "a", "i", "g", "h"]);
        assert_eq!(order(Some("ana"), &current), ["b", "c", "d", "a", "i", "g", "h"], "bo's issue is not ana's");
        assert_eq!(order(None, &[]), ["b", "c", "d", "a", "i", "e", "g", "h"], "no milestone is running");
        let first = &next(&records, &settings(), None, &current, &parked, &open)[0];
        assert_eq!((first.rank, first.reason.as_str()), (1, "Deliverable"));
    }

    /// Within a rank and a weight, the higher RICE score goes first, then issues without a
    /// complete score; weight still comes before the score, and age after it.
    #[test]
    fn rice_breaks_ties_of_weight() {
        let with = |id: &str, extra: &str| {
            issue(
                id,
                &format!(
                    "title = \"{id}\"\ntype = \"feature\"\nstage = \"in_dev\"\nlabels = [\"priority::high\"]\n{extra}"
                ),
            )
        };
        let rice = |reach: u32, effort: u32| {
            format!("[rice]\nreach = {reach}\nimpact = 1\nconfidence = 1.0\neffort = {effort}\n")
        };
        let records = vec![
            with("old", "weight = 2\ncreated = 2026-01-01\n"),
            with("low", &format!("weight = 2\ncreated = 2026-06-01\n{}", rice(100, 1))),
            with("high", &format!("weight = 2\ncreated = 2026-07-01\n{}", rice(400, 1))),
            with("part", "weight = 2\ncreated = 2026-02-01\n[rice]\nreach = 900\n"),
            with("heavy", &format!("weight = 3\ncreated = 2025-01-01\n{}", rice(9000, 1))),
            with("light", "weight = 1\ncreated = 2026-12-01\n"),
            // 399.5 rounds to the key of 399.5, not of 400: a tenth apart still counts.
            with("near", &format!("weight = 2\ncreated = 2026-08-01\n{}", rice(799, 2))),
        ];
        let ids: Vec<&str> = next(&records, &settings(), None, &[], &|_| false, &|_| true)
            .iter()
            .map(|n| n.record.id.as_str())
            .collect();
        assert_eq!(ids, ["light", "high", "near", "low", "old", "part", "heavy"]);
        assert!(crate::model::Rice::order(None) == i64::MAX);
    }
}
