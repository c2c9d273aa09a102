//! Planning, pure: capacity and readiness of milestones from records and settings.
//!
//! Capacity is counted in weight: each person's working days (`[capacity]`, after PTO) times
//! the velocity (weight completed per working day), less the share of time kept for
//! refinement (seed 003: 20%).

use crate::config::Config;
use crate::model::{Body, Milestone, Record};

/// Planning settings from `docket.toml` `[planning]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The label marking committed work (seed 003).
    pub deliverable_label: String,
    /// Weight completed per working day when history gives none.
    pub default_velocity: f64,
    /// Share of time spent refining, 0 to 1.
    pub refinement_share: f64,
    /// Stages in which an issue is not yet refined.
    pub unrefined_stages: Vec<String>,
}

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
        let unrefined = planning.and_then(|p| p.get("unrefined_stages")).and_then(toml::Value::as_array).map_or_else(
            || vec!["refinement".to_owned(), "triage".to_owned(), "planning".to_owned()],
            |a| a.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect(),
        );
        Self {
            deliverable_label: planning
                .and_then(|p| p.get("deliverable_label"))
                .and_then(toml::Value::as_str)
                .unwrap_or("Deliverable")
                .to_owned(),
            default_velocity: number("default_velocity", 0.5),
            refinement_share: number("refinement_share", 0.2),
            unrefined_stages: unrefined,
        }
    }
}

/// The milestone's capacity in weight.
pub fn capacity(milestone: &Milestone, settings: &Settings) -> f64 {
    let days: f64 = milestone.capacity.iter().map(|(_, days)| days).sum();
    days * settings.default_velocity * (1.0 - settings.refinement_share)
}

/// Whether the milestone `id` may be finalized with `issues`: every Deliverable in it refined
/// and weighted, and their weight within capacity. `Err` lists what stops it.
pub fn readiness(id: &str, milestone: &Milestone, issues: &[Record], settings: &Settings) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut committed = 0u32;
    for record in issues {
        let Body::Issue(issue) = &record.body else { continue };
        if issue.milestone.as_deref() != Some(id) || !issue.labels.contains(&settings.deliverable_label) {
            continue;
        }
        match issue.weight {
            Some(weight) => committed += u32::from(weight),
            None => problems.push(format!("the Deliverable `{}` has no weight", record.id)),
        }
        let unrefined_label = issue.labels.iter().any(|l| l == "workflow::refinement");
        if settings.unrefined_stages.contains(&issue.stage) || unrefined_label {
            problems.push(format!("the Deliverable `{}` is not refined yet (stage `{}`)", record.id, issue.stage));
        }
    }
    let capacity = capacity(milestone, settings);
    if f64::from(committed) > capacity + 1e-9 {
        problems.push(format!(
            "the Deliverables weigh {committed}, over the capacity of {capacity:.1} (mark the overflow `Stretch`)"
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{RecordRules, parse_record};
    use crate::model::Kind;

    fn issue(id: &str, text: &str) -> Record {
        parse_record(Kind::Issue, id, id, text, &RecordRules::default()).record.expect("valid")
    }

    #[test]
    fn readiness_counts_deliverables_against_capacity() {
        let settings = Settings {
            deliverable_label: "Deliverable".into(),
            default_velocity: 0.5,
            refinement_share: 0.2,
            unrefined_stages: vec!["refinement".into()],
        };
        // 10 + 10 days × 0.5 × 0.8 = 8 weight.
        let milestone = Milestone { capacity: vec![("ana".into(), 10.0), ("bo".into(), 10.0)], ..Milestone::default() };
        assert!((capacity(&milestone, &settings) - 8.0).abs() < 1e-9);
        let base = "title = \"x\"\ntype = \"feature\"\nmilestone = \"16-7\"\n";
        let issues = vec![
            issue("a", &format!("{base}stage = \"in_dev\"\nweight = 5\nlabels = [\"Deliverable\"]\n")),
            issue("b", &format!("{base}stage = \"ready_for_development\"\nweight = 3\nlabels = [\"Deliverable\"]\n")),
            issue("c", &format!("{base}stage = \"ready_for_development\"\nweight = 4\nlabels = [\"Stretch\"]\n")),
        ];
        assert_eq!(readiness("16-7", &milestone, &issues, &settings), Ok(()));
        let mut more = issues.clone();
        more.push(issue("d", &format!("{base}stage = \"refinement\"\nlabels = [\"Deliverable\"]\n")));
        more.push(issue("e", &format!("{base}stage = \"in_dev\"\nweight = 1\nlabels = [\"Deliverable\"]\n")));
        assert_eq!(
            readiness("16-7", &milestone, &more, &settings),
            Err(vec![
                "the Deliverable `d` has no weight".to_owned(),
                "the Deliverable `d` is not refined yet (stage `refinement`)".to_owned(),
                "the Deliverables weigh 9, over the capacity of 8.0 (mark the overflow `Stretch`)".to_owned(),
            ])
        );
    }

    fn settings() -> Settings {
        Settings {
            deliverable_label: "Deliverable".into(),
            default_velocity: 0.5,
            refinement_share: 0.2,
            unrefined_stages: vec!["refinement".into()],
        }
    }

    const DAY: i64 = 86_400;

    /// A milestone from day `start` to day `end` (midnight UTC of each) with `days` of capacity.
    fn milestone(start: i64, end: i64, days: f64) -> Milestone {
        Milestone {
            start: Some(start * DAY),
            end: Some(end * DAY),
            capacity: vec![("ana".into(), days)],
            ..Milestone::default()
        }
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
            let plan = plan("m", &m, &[("m", &m)], &issues, &settings(), None, &|_| true);
            assert!((plan.capacity - 4.0).abs() < 1e-9);
            let weights_of = |items: &[Item]| items.iter().map(|i| i.weight.unwrap_or(0)).collect::<Vec<u8>>();
            assert_eq!(weights_of(&plan.deliverables), deliverable, "{weights:?}");
            assert_eq!(weights_of(&plan.stretch), stretch, "{weights:?}");
        }
    }

    /// Each label set's rank, in seed 003's order then seed 002's support priorities.
    #[test]
    fn priority_ranks_follow_the_seeds_order() {
        let table: [(&[&str], u8, &str); 13] = [
            (&["Deliverable", "priority::high"], 0, "Deliverable, high priority"),
            (&["priority::high", "Deliverable"], 0, "Deliverable, high priority"),
            (&["Deliverable"], 1, "Deliverable"),
            (&["Deliverable", "priority::low"], 1, "Deliverable"),
            (&["priority::high"], 2, "high priority"),
            (&["priority::medium", "priority::low"], 3, "medium priority"),
            (&["priority::low"], 4, "low priority"),
            (&["priority::p0"], 5, "support p0"),
            (&["team-priority::p1"], 6, "support p1"),
            (&["priority::p2", "Stretch"], 7, "support p2"),
            (&["priority::p3"], 8, "support p3"),
            (&["Stretch", "priority::urgent", "xpriority::high"], 9, "no priority"),
            (&[], 9, "no priority"),
        ];
        for (labels, rank, reason) in table {
            let labels: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
            assert_eq!(priority_rank(&labels, &settings()), (rank, reason), "{labels:?}");
        }
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
        let plan = plan("m", &m, &[("m", &m)], &issues, &settings(), None, &open);
        let ids = |items: &[Item]| items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&plan.deliverables), ["a"]);
        assert!(plan.stretch.is_empty());
        assert_eq!(ids(&plan.unrefined), ["b", "c", "d"]);
    }

    /// Committed Deliverable weight against capacity: exactly full is not over.
    #[test]
    fn over_capacity_starts_past_the_capacity() {
        for (committed, over) in [(3u8, false), (4, false), (5, true)] {
            let text = format!(
                "title = \"x\"\ntype = \"feature\"\nstage = \"ready_for_development\"\nmilestone = \"m\"\nweight = {committed}\nlabels = [\"Deliverable\"]\n"
            );
            let m = milestone(100, 114, 10.0);
            let plan = plan("m", &m, &[("m", &m)], &[issue("a", &text)], &settings(), None, &|_| true);
            assert_eq!(plan.committed_weight, u32::from(committed));
            assert_eq!(plan.over_capacity, over, "{committed}");
            assert_eq!(readiness("m", &m, &[issue("a", &text)], &settings()).is_err(), over, "{committed}");
        }
    }

    /// Work finished counts for velocity from the first second of the start day to the last
    /// second of the end day.
    #[test]
    fn velocity_counts_work_done_from_the_first_to_the_last_day() {
        let m = milestone(100, 109, 10.0);
        let done = issue("a", "title = \"x\"\ntype = \"feature\"\nstage = \"done\"\nmilestone = \"m\"\nweight = 5\n");
        let table = [
            (100 * DAY - 1, None),
            (100 * DAY, Some(0.5)),
            (104 * DAY, Some(0.5)),
            (109 * DAY + DAY - 1, Some(0.5)),
            (110 * DAY, None),
        ];
        for (finished, velocity) in table {
            let found = historic_velocity(&[("m", &m)], std::slice::from_ref(&done), &|_| Some(finished), 200 * DAY);
            assert_eq!(found, velocity, "finished at {finished}");
        }
        // Work not done, or without weight, says nothing about speed.
        assert_eq!(historic_velocity(&[("m", &m)], std::slice::from_ref(&done), &|_| None, 200 * DAY), None);
        // Nor does work done in a milestone of no days of capacity (no division by zero).
        let idle = milestone(100, 109, 0.0);
        assert_eq!(
            historic_velocity(&[("m", &idle)], std::slice::from_ref(&done), &|_| Some(104 * DAY), 200 * DAY),
            None
        );
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
    }

    /// `next`: open, unparked issues not waiting on an open record, for the person asked (or
    /// nobody's), by priority, then weight, then age, then id.
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
            with("e", "in_dev", "labels = [\"Deliverable\"]\nassignee = \"bo\"\n"),
            // Waiting on an open record, on a closed one, on one that does not exist.
            with("f", "in_dev", "labels = [\"Deliverable\"]\nblocked_by = [\"a\"]\n"),
            with("g", "in_dev", "blocked_by = [\"z\"]\nassignee = \"ana\"\n"),
            with("h", "in_dev", "blocked_by = [\"nope\"]\n"),
            with("z", "closed", ""),
            with("p", "parked", ""),
            milestone,
        ];
        let open = |r: &Record| r.state() != "closed";
        let parked = |r: &Record| r.id == "p";
        let order = |who: Option<&str>| -> Vec<&str> {
            next(&records, &settings(), who, &parked, &open).iter().map(|n| n.record.id.as_str()).collect()
        };
        assert_eq!(order(None), ["e", "b", "c", "d", "a", "g", "h"]);
        assert_eq!(order(Some("ana")), ["b", "c", "d", "a", "g", "h"], "bo's issue is not ana's");
        let first = &next(&records, &settings(), None, &parked, &open)[0];
        assert_eq!((first.rank, first.reason), (1, "Deliverable"));
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

/// How important a record is, in seed 003's order, then seed 002's support priorities:
/// 0 Deliverable and `priority::high`, 1 other Deliverables, 2–4 `priority::high|medium|low`,
/// 5–8 `priority::p0..p3`, 9 anything else.
pub fn priority_rank(labels: &[String], settings: &Settings) -> (u8, &'static str) {
    let deliverable = labels.contains(&settings.deliverable_label);
    let has = |label: &str| labels.iter().any(|l| l == label || l.ends_with(&format!("-{label}")));
    let priority = |value: &str| has(&format!("priority::{value}"));
    match () {
        () if deliverable && priority("high") => (0, "Deliverable, high priority"),
        () if deliverable => (1, "Deliverable"),
        () if priority("high") => (2, "high priority"),
        () if priority("medium") => (3, "medium priority"),
        () if priority("low") => (4, "low priority"),
        () if priority("p0") => (5, "support p0"),
        () if priority("p1") => (6, "support p1"),
        () if priority("p2") => (7, "support p2"),
        () if priority("p3") => (8, "support p3"),
        () => (9, "no priority"),
    }
}

/// One line of `docket next`.
#[derive(Debug, Clone, PartialEq)]
pub struct Next<'a> {
    pub record: &'a Record,
    pub rank: u8,
    pub reason: &'static str,
}

/// What to work on next (seeds 003 and 002): open issues not blocked — not in a state that
/// parks them (blocked, backlogged), not waiting for an open record — ordered by
/// [`priority_rank`], then the current milestone's first, then by weight (smaller first) and
/// age. `parked` says which states park a record; `open` whether a record is still open.
pub fn next<'a>(
    records: &'a [Record],
    settings: &Settings,
    assignee: Option<&str>,
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
            let (rank, reason) = priority_rank(record.labels(), settings);
            Next { record, rank, reason }
        })
        .collect();
    list.sort_by(|a, b| {
        let weight = |r: &Record| match &r.body {
            Body::Issue(issue) => issue.weight.unwrap_or(u8::MAX),
            _ => u8::MAX,
        };
        a.rank
            .cmp(&b.rank)
            .then_with(|| weight(a.record).cmp(&weight(b.record)))
            .then_with(|| a.record.created().cmp(&b.record.created()))
            .then_with(|| a.record.id.cmp(&b.record.id))
    });
    list
}

/// A record in a plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub weight: Option<u8>,
    pub priority: &'static str,
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
    pub capacity: f64,
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
    before: crate::time::Timestamp,
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

/// Weight completed per working day in the latest finished milestones
/// ([`velocity_milestones`]): for each, the weight of its issues that reached a done stage
/// between its start and end (from `done_at`), over the working days of its capacity. `None`
/// when no such milestone completed any weight.
pub fn historic_velocity(
    milestones: &[(&str, &Milestone)],
    issues: &[Record],
    done_at: &dyn Fn(&Record) -> Option<crate::time::Timestamp>,
    before: crate::time::Timestamp,
) -> Option<f64> {
    let mut weight = 0.0;
    let mut days = 0.0;
    for (id, milestone) in velocity_milestones(milestones, before) {
        let (Some(start), Some(end)) = (milestone.start, milestone.end) else { continue };
        days += capacity_days(milestone);
        for record in issues {
            let Body::Issue(issue) = &record.body else { continue };
            if issue.milestone.as_deref() != Some(id) {
                continue;
            }
            if done_at(record).is_some_and(|t| t >= start && t < end + 86_400) {
                weight += f64::from(issue.weight.unwrap_or(0));
            }
        }
    }
    // No weight completed inside any milestone says nothing about speed: use the default.
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

/// The plan of milestone `id`.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    id: &str,
    milestone: &Milestone,
    milestones: &[(&str, &Milestone)],
    issues: &[Record],
    settings: &Settings,
    velocity: Option<f64>,
    open: &dyn Fn(&Record) -> bool,
) -> Plan {
    let (velocity, velocity_source) = match velocity {
        Some(v) => (v, "history"),
        None => (settings.default_velocity, "default"),
    };
    let share = 1.0 - settings.refinement_share;
    let people: Vec<PersonCapacity> = milestone
        .capacity
        .iter()
        .map(|(person, days)| PersonCapacity { person: person.clone(), days: *days, weight: days * velocity * share })
        .collect();
    let capacity: f64 = people.iter().map(|p| p.weight).sum();
    let item = |record: &Record| {
        let weight = match &record.body {
            Body::Issue(issue) => issue.weight,
            _ => None,
        };
        Item {
            id: record.id.clone(),
            title: record.title().to_owned(),
            weight,
            priority: priority_rank(record.labels(), settings).1,
        }
    };
    let mut in_milestone: Vec<&Record> = issues
        .iter()
        .filter(|r| matches!(&r.body, Body::Issue(issue) if issue.milestone.as_deref() == Some(id)) && open(r))
        .collect();
    in_milestone.sort_by_key(|r| (priority_rank(r.labels(), settings).0, r.id.clone()));
    let refined = |r: &Record| match &r.body {
        Body::Issue(issue) => {
            issue.weight.is_some()
                && !settings.unrefined_stages.contains(&issue.stage)
                && !issue.labels.iter().any(|l| l == "workflow::refinement")
        }
        _ => false,
    };
    let mut deliverables = Vec::new();
    let mut stretch = Vec::new();
    let mut committed = 0u32;
    let mut filled = 0.0;
    for record in in_milestone.iter().filter(|r| refined(r)) {
        let weight = item(record).weight.map_or(0, u32::from);
        if filled + f64::from(weight) <= capacity + 1e-9 {
            filled += f64::from(weight);
            deliverables.push(item(record));
        } else {
            stretch.push(item(record));
        }
        if record.labels().contains(&settings.deliverable_label) {
            committed += weight;
        }
    }
    let unrefined = in_milestone.iter().filter(|r| !refined(r)).map(|r| item(r)).collect();
    let split = in_milestone.iter().filter(|r| item(r).weight == Some(5)).map(|r| item(r)).collect();
    let previous = previous_milestone(id, milestone, milestones);
    // In id order, whatever order the records came in.
    let mut carryover: Vec<Carryover> = previous
        .map(|(previous_id, _)| {
            issues
                .iter()
                .filter(|r| {
                    matches!(&r.body, Body::Issue(issue) if issue.milestone.as_deref() == Some(previous_id)) && open(r)
                })
                .map(|r| Carryover {
                    id: r.id.clone(),
                    title: r.title().to_owned(),
                    from: previous_id.to_owned(),
                    remaining_weight: item(r).weight,
                })
                .collect()
        })
        .unwrap_or_default();
    carryover.sort_by(|a, b| a.id.cmp(&b.id));
    let date = |t: Option<crate::time::Timestamp>| t.map(|t| crate::time::date_of(t).to_string());
    Plan {
        milestone: id.to_owned(),
        title: milestone.title.clone(),
        start: date(milestone.start),
        end: date(milestone.end),
        velocity,
        velocity_source,
        capacity,
        people,
        committed_weight: committed,
        over_capacity: f64::from(committed) > capacity + 1e-9,
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
