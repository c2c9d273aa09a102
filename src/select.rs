//! Which records a command needs, found through the search index ([`crate::index`]): the
//! index narrows, the records decide. `next` and `plan` read only the files these functions
//! name and apply their own rules to the records, so they answer as reading every file would
//! (their `--no-index`; the tests compare both).

use std::collections::BTreeSet;

use crate::check::record_at;
use crate::diagnostic::Diagnostic;
use crate::index::query::Expr;
use crate::index::{Hit, IndexError, Match, SearchIndex, weight_rice_and_age};
use crate::model::{Body, Kind, Milestone, Record};
use crate::plan::{self, Settings};
use crate::query::Filter;
use crate::time::Timestamp;
use crate::tracker::{Loaded, RecordFile, Tracker, TrackerError};

/// Why the records could not be selected.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Tracker(#[from] TrackerError),
}

/// The problems of the files the index knows are not valid records, but for the files of
/// `loaded` (read already, their problems reported there).
pub fn invalid_records(
    tracker: &Tracker,
    index: &SearchIndex,
    loaded: &Loaded,
) -> Result<Vec<Diagnostic>, SelectError> {
    let read: BTreeSet<&str> = loaded
        .records
        .iter()
        .map(|r| r.path.as_str())
        .chain(loaded.diagnostics.iter().map(|d| d.path.as_str()))
        .collect();
    let mut diagnostics = Vec::new();
    for path in index.invalid_paths()? {
        if let Some((kind, id)) = record_at(&path)
            && !read.contains(path.as_str())
        {
            diagnostics.extend(tracker.load(&RecordFile { kind, id, path })?.1);
        }
    }
    Ok(diagnostics)
}

/// What the index found for `docket next`.
#[derive(Debug, Default)]
pub struct NextCandidates {
    /// The candidates read, and the problems of every file that is not a valid record.
    pub loaded: Loaded,
    /// Open records that candidates wait for, read to judge them.
    pub blockers: Vec<Record>,
    /// How many records `next` lists in all.
    pub total: usize,
}

/// The milestones running at `now` ([`plan::current_milestones`]), by the dates the index
/// holds.
pub fn current_milestones(index: &SearchIndex, now: Timestamp) -> Result<Vec<String>, SelectError> {
    let started: Vec<Match> = index
        .matching(&Expr::keyword("kind", "milestone"))?
        .into_iter()
        .filter(|m| m.start.is_some_and(|start| start <= now))
        .collect();
    let hits = index.hits_of(&started)?;
    Ok(plan::current_milestones(hits.iter().zip(&started).map(|(h, m)| (h.id.as_str(), m.start, m.end)), now))
}

/// The candidates for `docket next --limit limit` (every one for 0): for each rank in turn,
/// the records in order of weight and age, read until no later one can come before the
/// `limit`th already read. `current` are the milestones whose Deliverables rank first; `first`
/// overrides how many the index is first asked for.
#[allow(clippy::too_many_arguments)]
pub fn next_candidates(
    tracker: &Tracker,
    index: &SearchIndex,
    settings: &Settings,
    done: &[String],
    who: Option<&str>,
    current: &[String],
    limit: usize,
    first: Option<usize>,
) -> Result<NextCandidates, SelectError> {
    let read = |hit: Hit| -> Result<(Option<Record>, Vec<Diagnostic>), SelectError> {
        let (record, diagnostics, _) = tracker.load(&RecordFile { kind: Kind::Issue, id: hit.id, path: hit.path })?;
        Ok((record, diagnostics))
    };
    // Open issues that are not parked: valid issue records have one of their workflow's states.
    let workflow = tracker.workflow(Kind::Issue);
    let states: Vec<Expr> = workflow
        .states
        .iter()
        .filter(|s| !done.contains(&s.name) && !s.terminal && s.previous.is_none())
        .map(|s| Expr::keyword("stage", &s.name))
        .collect();
    let mut base = vec![Expr::keyword("kind", "issue"), Expr::Or(states)];
    if let Some(who) = who {
        base.push(Expr::Or(vec![Expr::keyword("assignee", who), Expr::keyword("unassigned", "true")]));
    }

    // Issues waiting for an open record are not listed: those are few, so read them and what
    // they wait for first.
    let mut waiting = base.clone();
    waiting.push(Expr::Present("blocked_by".into()));
    let waiting = index.hits_of(&index.matching(&Expr::And(waiting))?)?;
    let mut waiting_records = Vec::new();
    for hit in waiting {
        waiting_records.extend(read(hit)?.0);
    }
    let mut blockers = Vec::new();
    let awaited: BTreeSet<String> = waiting_records.iter().flat_map(|r| blocked_by(r).iter().cloned()).collect();
    for id in awaited {
        let Ok(file) = tracker.resolve(&id) else { continue };
        if file.id == id
            && let (Some(record), _, _) = tracker.load(&file)?
            && tracker.is_open(done, &record)
        {
            blockers.push(record);
        }
    }
    let is_blocked = |record: &Record| blocked_by(record).iter().any(|id| blockers.iter().any(|b| b.id == *id));
    let blocked = waiting_records.iter().filter(|r| is_blocked(r)).count();

    let conditions = rank_conditions(index, settings, current)?;
    let mut loaded = Loaded::default();
    // The exact sort keys of the records read that `next` lists, to know when no later one can
    // come before them.
    let mut keys: Vec<Key> = Vec::new();
    let enough = |keys: &mut Vec<Key>, bound: Key| {
        limit > 0 && keys.len() >= limit && {
            keys.sort_unstable();
            keys[limit - 1] < bound
        }
    };
    // Reads a group of matches, keeping the records `next` lists with their exact sort keys.
    let read_group = |group: &[Match], loaded: &mut Loaded, keys: &mut Vec<Key>| -> Result<(), SelectError> {
        for hit in index.hits_of(group)? {
            let (record, diagnostics) = read(hit)?;
            loaded.diagnostics.extend(diagnostics);
            let Some(record) = record else { continue };
            let listed = tracker.is_open(done, &record)
                && !tracker.is_parked(&record)
                && who.is_none_or(|who| record.assignee().is_none_or(|a| a == who))
                && !is_blocked(&record);
            if listed {
                let (weight, rice) = match &record.body {
                    Body::Issue(issue) => {
                        (issue.weight.unwrap_or(u8::MAX), crate::model::Rice::order(issue.rice.as_ref()))
                    }
                    _ => (u8::MAX, i64::MAX),
                };
                let deliverable = plan::counts_as_deliverable(&record, settings, current);
                let rank = plan::priority_rank(record.labels(), deliverable, settings).0;
                keys.push((rank, weight, rice, record.created()));
                loaded.records.push(record);
            }
        }
        Ok(())
    };
    for (rank, condition) in conditions.iter().enumerate() {
        let mut parts = base.clone();
        parts.extend(conditions[..rank].iter().flatten().map(|c| Expr::Not(Box::new(c.clone()))));
        parts.extend(condition.clone());
        let expr = Expr::And(parts);
        let rank = u8::try_from(rank).expect("ten ranks");
        // Later ranks come after every record kept (their bounds only grow).
        if enough(&mut keys, (rank, 0, i64::MIN, None)) {
            break;
        }
        // Smallest weight first (none last), then highest RICE score (none last), then oldest (no
        // date first), as `plan::next` orders; the index keeps the first `wanted`, more when
        // those were not enough.
        let mut wanted = if limit == 0 { usize::MAX } else { first_asked(limit, first) };
        let mut done_to: Option<(u8, i64, i64)> = None;
        loop {
            let (first, count) = index.first_by_weight_rice_and_age(&expr, wanted)?;
            let complete = first.len() == count;
            let mut at = first.iter().take_while(|m| done_to.is_some_and(|d| weight_rice_and_age(m) <= d)).count();
            let mut stopped = false;
            while at < first.len() {
                let (weight, rice, created) = weight_rice_and_age(&first[at]);
                let bound = (rank, weight, rice, (created != i64::MIN).then_some(created));
                if enough(&mut keys, bound) {
                    stopped = true;
                    break;
                }
                // The whole group with this weight and age (`plan::next` breaks its ties by
                // id), unless the index may have left some of it out.
                let end =
                    at + first[at..].iter().take_while(|m| weight_rice_and_age(m) == (weight, rice, created)).count();
                if end == first.len() && !complete {
                    break;
                }
                read_group(&first[at..end], &mut loaded, &mut keys)?;
                done_to = Some((weight, rice, created));
                at = end;
            }
            if stopped || complete {
                break;
            }
            wanted = wanted.saturating_mul(8);
        }
    }
    // The ranks split the open issues (the last has no condition), so their counts add up to
    // one count of them all: far cheaper than counting each rank through its exclusions.
    let total = index.count(&Expr::And(base))?;
    let invalid = invalid_records(tracker, index, &loaded)?;
    loaded.diagnostics.extend(invalid);
    blockers.retain(|b| !loaded.records.iter().any(|r| r.id == b.id));
    Ok(NextCandidates { loaded, blockers, total: total - blocked })
}

/// How many matches of a rank the index is first asked for: enough for `limit` and the ties
/// around it in a large tracker (a group of equal weight and day can hold hundreds), so that
/// it is asked once; `first` when given (tests, through `DOCKET_NEXT_FIRST`).
fn first_asked(limit: usize, first: Option<usize>) -> usize {
    first.unwrap_or((limit * 16).max(2048))
}

/// The order of `plan::next`: rank, weight (none last), RICE key (none last), creation time
/// (none first).
type Key = (u8, u8, i64, Option<i64>);

fn blocked_by(record: &Record) -> &[String] {
    match &record.body {
        Body::Issue(issue) => &issue.blocked_by,
        _ => &[],
    }
}

/// For each priority rank of [`plan::priority_rank`] but the last, what the index matches for
/// it; the last rank is everything else. Labels are lowercased in the index, as the levels
/// are, so a condition matches at least what the rank does; the records decide.
fn rank_conditions(
    index: &SearchIndex,
    settings: &Settings,
    current: &[String],
) -> Result<Vec<Option<Expr>>, IndexError> {
    let labels = index.values("label")?;
    let level = |names: &[String]| {
        Expr::Or(
            labels
                .iter()
                .filter(|label| {
                    names.iter().any(|name| {
                        *label == name || label.strip_suffix(name.as_str()).is_some_and(|p| p.ends_with('-'))
                    })
                })
                .map(|label| Expr::keyword("label", label))
                .collect(),
        )
    };
    let deliverable = Expr::And(vec![
        Expr::keyword("label", &settings.deliverable_label.to_lowercase()),
        Expr::Or(current.iter().map(|id| Expr::keyword("milestone", id)).collect()),
    ]);
    let first = settings.priority.first().map_or_else(|| Expr::Or(Vec::new()), |names| level(names));
    let mut conditions = vec![Some(Expr::And(vec![deliverable.clone(), first])), Some(deliverable)];
    conditions.extend(settings.priority.iter().map(|names| Some(level(names))));
    conditions.push(None);
    Ok(conditions)
}

/// The issues of milestone `id`, found through the index (`kind:issue milestone:<id>`) and
/// read, for `docket show MILESTONE`: what it costs is the milestone's issues, not the
/// tracker's.
pub fn milestone_issues(tracker: &Tracker, index: &SearchIndex, id: &str) -> Result<Loaded, SelectError> {
    let expr = Expr::And(vec![Expr::keyword("kind", "issue"), Expr::keyword("milestone", id)]);
    let mut loaded = load_matching(tracker, index, &expr)?;
    // The index narrows; the records decide.
    loaded.records.retain(|r| r.milestone() == Some(id));
    Ok(loaded)
}

/// The records that name `id` ([`crate::reference::names`]: an issue's milestone or
/// `blocked_by`, a milestone's parking lot), found through the index and read: for
/// `docket rename`.
pub fn naming(tracker: &Tracker, index: &SearchIndex, id: &str) -> Result<Loaded, SelectError> {
    let expr = Expr::Or(vec![
        Expr::keyword("milestone", id),
        Expr::keyword("blocked_by", id),
        // Parking lots are not indexed: milestones are few, and read whole.
        Expr::keyword("kind", "milestone"),
    ]);
    let mut loaded = load_matching(tracker, index, &expr)?;
    loaded.records.retain(|r| r.id != id && crate::reference::names(r).iter().any(|(_, named)| *named == id));
    Ok(loaded)
}

/// The record files the index matches for `expr`, read (the kind from each path).
fn load_matching(tracker: &Tracker, index: &SearchIndex, expr: &Expr) -> Result<Loaded, SelectError> {
    let files: Vec<RecordFile> = index
        .hits_of(&index.matching(expr)?)?
        .into_iter()
        .filter_map(|hit| record_at(&hit.path).map(|(kind, _)| RecordFile { kind, id: hit.id, path: hit.path }))
        .collect();
    Ok(tracker.load_files(&files))
}

/// The milestone to plan when none is named: the next to start (from yesterday on), else the
/// one that started last; ties go to the smallest id. `milestones` are (id, start).
pub fn default_milestone<'a>(
    milestones: impl Iterator<Item = (&'a str, Option<Timestamp>)> + Clone,
    now: Timestamp,
) -> Option<String> {
    milestones
        .clone()
        .filter(|(_, start)| start.is_some_and(|s| s >= now - 86_400))
        .min_by_key(|(id, start)| (*start, *id))
        .or_else(|| milestones.max_by_key(|(id, start)| (*start, std::cmp::Reverse(*id))))
        .map(|(id, _)| id.to_owned())
}

/// What a plan reads, found through the search index: the milestone planned (`wanted`, else
/// the default one), the one before it and those velocity is measured over, chosen by the
/// dates the index holds, then their issues. The plan is then made from these records exactly
/// as from every record (`--no-index`, which a test compares).
pub fn plan_records(
    tracker: &Tracker,
    index: &SearchIndex,
    wanted: Option<&str>,
    now: Timestamp,
) -> Result<Loaded, SelectError> {
    let field = Expr::keyword;
    let matches = index.matching(&field("kind", "milestone"))?;
    // Ids are read only for the milestones that may matter.
    let ids = |chosen: Vec<Match>| -> Result<Vec<(String, Match)>, SelectError> {
        let hits = index.hits_of(&chosen)?;
        Ok(hits.into_iter().map(|h| h.id).zip(chosen).collect())
    };
    let mut loaded = Loaded::default();
    let read = |loaded: &mut Loaded, id: &str| -> Result<Option<Milestone>, SelectError> {
        if let Some(record) = loaded.records.iter().find(|r| r.id == id) {
            return Ok(match &record.body {
                Body::Milestone(m) => Some(m.clone()),
                _ => None,
            });
        }
        // Where a layout puts it; else wherever it is.
        let file = match tracker.file_of(Kind::Milestone, id) {
            Some(file) => file,
            None => tracker.resolve(id)?,
        };
        let (record, diagnostics, _) = tracker.load(&file)?;
        loaded.diagnostics.extend(diagnostics);
        let milestone = record.as_ref().and_then(|r| match &r.body {
            Body::Milestone(m) => Some(m.clone()),
            _ => None,
        });
        loaded.records.extend(record);
        Ok(milestone)
    };
    let target = match wanted {
        Some(id) => id.to_owned(),
        None => {
            // The candidates: the earliest start from yesterday on, else the latest start.
            let upcoming = matches.iter().filter_map(|m| m.start).filter(|s| *s >= now - 86_400).min();
            let start = upcoming.or_else(|| matches.iter().filter_map(|m| m.start).max());
            let tied: Vec<Match> = matches.iter().filter(|m| m.start == start).copied().collect();
            let tied = ids(tied)?;
            match default_milestone(tied.iter().map(|(id, m)| (id.as_str(), m.start)), now) {
                Some(id) => id,
                None => return Ok(loaded),
            }
        }
    };
    let Some(milestone) = read(&mut loaded, &target)? else { return Ok(loaded) };
    let mut wanted_ids = vec![target.clone()];
    // The previous milestone: the latest end before the start, with every milestone tied there.
    if let Some(start) = milestone.start {
        let latest = matches.iter().filter_map(|m| m.end).filter(|e| *e < start).max();
        let tied: Vec<Match> = matches.iter().filter(|m| latest.is_some() && m.end == latest).copied().collect();
        for (id, _) in ids(tied)? {
            read(&mut loaded, &id)?;
            wanted_ids.push(id);
        }
    }
    // Velocity: milestones ending before `before`, latest first, until enough have capacity.
    let before = milestone.start.map_or(now, |start| start.min(now));
    let mut finished: Vec<Match> = matches.iter().filter(|m| m.end.is_some_and(|e| e < before)).copied().collect();
    finished.sort_by_key(|m| std::cmp::Reverse(m.end));
    let mut counted = 0;
    let mut at = 0;
    while at < finished.len() && counted < plan::VELOCITY_MILESTONES {
        // A whole group ending the same day, for the tie by id.
        let end = at + finished[at..].iter().take_while(|m| m.end == finished[at].end).count();
        for (id, _) in ids(finished[at..end].to_vec())? {
            if let Some(m) = read(&mut loaded, &id)?
                && m.start.is_some()
                && plan::capacity_days(&m) > 0.0
            {
                counted += 1;
            }
            wanted_ids.push(id);
        }
        at = end;
    }
    // Their issues.
    let issues =
        Expr::And(vec![field("kind", "issue"), Expr::Or(wanted_ids.iter().map(|id| field("milestone", id)).collect())]);
    let issues = load_matching(tracker, index, &issues)?;
    loaded.records.extend(issues.records);
    loaded.diagnostics.extend(issues.diagnostics);
    let invalid = invalid_records(tracker, index, &loaded)?;
    loaded.diagnostics.extend(invalid);
    Ok(loaded)
}

/// What the index can narrow `docket list`'s `filter` to, or `None` when no criterion of it is
/// indexed (`--open`, `--unassigned` alone: every file is read). The filter decides after the
/// index narrows, so both ways answer the same (a test compares them).
pub fn list_narrowing(filter: &Filter) -> Option<Expr> {
    let field = Expr::keyword;
    let any = |exprs: Vec<Expr>| Expr::Or(exprs);
    let mut parts = Vec::new();
    if !filter.kinds.is_empty() {
        parts.push(any(filter.kinds.iter().map(|k| field("kind", k.name())).collect()));
    }
    if !filter.states.is_empty() {
        parts.push(any(filter.states.iter().flat_map(|s| [field("stage", s), field("status", s)]).collect()));
    }
    for (name, values) in [("state", &filter.mir_states), ("type", &filter.types), ("assignee", &filter.assignees)] {
        if !values.is_empty() {
            parts.push(any(values.iter().map(|v| field(name, v)).collect()));
        }
    }
    if !filter.milestones.is_empty() {
        parts.push(any(filter.milestones.iter().map(|m| field("milestone", m)).collect()));
    }
    for label in &filter.labels {
        let value = label.strip_suffix("::*").map_or_else(|| label.clone(), |scope| format!("{scope}::*"));
        parts.push(field("label", &value));
    }
    (!parts.is_empty()).then_some(Expr::And(parts))
}

/// The records the index matches for `expr`, read, with the problems of every file the index
/// knows is not a valid record: what `docket list` shows when it narrows through the index.
pub fn load_narrowed(tracker: &Tracker, index: &SearchIndex, expr: &Expr) -> Result<Loaded, SelectError> {
    let mut loaded = load_matching(tracker, index, expr)?;
    let invalid = invalid_records(tracker, index, &loaded)?;
    loaded.diagnostics.extend(invalid);
    Ok(loaded)
}

/// A filter value no record can have: a typo, refused rather than answered with nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag} `{value}` matches nothing any record can have")]
pub struct FilterError {
    pub flag: &'static str,
    pub value: String,
    /// What the user can do: the closest value, and the values there are.
    pub hint: String,
}

/// Checks `filter`'s values against what records of its kinds can have (states of their
/// workflows, MIR statuses and process states, issue types, the milestones there are), and
/// resolves milestone id prefixes as everywhere else. Reads the milestones folder only.
pub fn check_filter(tracker: &Tracker, filter: &mut Filter) -> Result<(), FilterError> {
    use crate::model::{IssueType, MirState, MirStatus};
    let searched = if filter.kinds.is_empty() { Kind::ALL.to_vec() } else { filter.kinds.clone() };
    let mut states: Vec<&str> = Vec::new();
    for kind in &searched {
        match kind {
            Kind::Mir => states.extend(MirStatus::NAMES),
            _ => states.extend(tracker.workflow(*kind).states.iter().map(|s| s.name.as_str())),
        }
    }
    states.sort_unstable();
    states.dedup();
    check_values("--stage", &filter.states, &states)?;
    check_values("--type", &filter.types, IssueType::NAMES)?;
    check_values("--state", &filter.mir_states, MirState::NAMES)?;
    let mut milestones = Vec::new();
    for wanted in &filter.milestones {
        // A milestone of exactly that id needs no listing of the folders; a prefix does.
        let found = match tracker.file_of(Kind::Milestone, wanted) {
            Some(_) => Some(wanted.clone()),
            None => tracker.resolve(wanted).ok().filter(|file| file.kind == Kind::Milestone).map(|file| file.id),
        };
        milestones.push(match found {
            Some(id) => id,
            None => {
                let known = milestone_ids(tracker);
                if known.is_empty() {
                    return Err(FilterError {
                        flag: "--milestone",
                        value: wanted.clone(),
                        hint: "the tracker has no milestones yet (`docket new milestone`)".to_owned(),
                    });
                }
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                check_values("--milestone", std::slice::from_ref(wanted), &names)?;
                wanted.clone()
            }
        });
    }
    filter.milestones = milestones;
    Ok(())
}

/// Every value of `values` is one of `allowed`, or the first that is not is refused with the
/// closest name and the list.
pub fn check_values(flag: &'static str, values: &[String], allowed: &[&str]) -> Result<(), FilterError> {
    for value in values {
        if !allowed.contains(&value.as_str()) {
            let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            let hint = match crate::format::fields::closest(value, allowed.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? (the values: {list})"),
                None => format!("the values: {list}"),
            };
            return Err(FilterError { flag, value: value.clone(), hint });
        }
    }
    Ok(())
}

/// The ids of the milestones, from the milestones folder alone (both layouts).
fn milestone_ids(tracker: &Tracker) -> Vec<String> {
    let folder = tracker.root.join(Kind::Milestone.folder());
    let mut ids = Vec::new();
    let mut add = |dir: &std::path::Path| {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if let Some(id) = entry.file_name().to_str().and_then(|n| n.strip_suffix(".toml")) {
                ids.push(id.to_owned());
            }
        }
    };
    add(&folder);
    for shard in std::fs::read_dir(&folder).into_iter().flatten().flatten().filter(|e| e.path().is_dir()) {
        add(&shard.path());
    }
    ids.sort();
    ids
}

/// The milestones among `loaded`'s records, with their ids.
pub fn milestones(loaded: &Loaded) -> Vec<(&str, &Milestone)> {
    loaded
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Milestone(m) => Some((r.id.as_str(), m)),
            _ => None,
        })
        .collect()
}

/// The plan of milestone `id` from the records [`plan_records`] read and their `history`, as
/// `docket plan` and the web board show it; `None` when `loaded` holds no such milestone.
pub fn plan_of(
    tracker: &Tracker,
    loaded: &Loaded,
    id: &str,
    history: &crate::history::History,
    now: Timestamp,
) -> Option<plan::Plan> {
    let milestones = milestones(loaded);
    let (_, milestone) = milestones.iter().find(|(m, _)| *m == id)?;
    let settings = Settings::from_config(tracker.config());
    let done = plan::done_stages(tracker.config());
    let open = |r: &Record| tracker.is_open(&done, r);
    let inputs = plan::Inputs {
        milestones: &milestones,
        issues: &loaded.records,
        history,
        done: &done,
        open: &open,
        now,
        settings: &settings,
    };
    Some(plan::plan(id, milestone, &inputs))
}
