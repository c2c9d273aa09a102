//! `docket next`: what to work on next, in seed 003's order, then the support queue's.
//!
//! The search index picks the candidates: for each priority rank in turn, the open issues of
//! that rank (by their labels), ordered by weight and age from the index's fast fields; only
//! the files that may be shown are read, and the order and filters are then decided by
//! [`plan::next`] on the records themselves. So the answer is the one reading every file gives
//! (`--no-index`, which a test compares), at the cost of the few records shown.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use docket::index::query::Expr;
use docket::index::{Match, SearchIndex, weight_and_age};
use docket::model::{Kind, Record};
use docket::plan::{self, Settings};
use docket::tracker::{Loaded, RecordFile, Tracker};

use super::{Env, is_open, is_parked};
use crate::cli::NextArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_next(ui: &Ui, env: &Env, args: &NextArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let settings = Settings::from_config(tracker.config());
    let done = plan::done_stages(tracker.config());
    let open = |r: &Record| is_open(&tracker, &done, r);
    let parked = |r: &Record| is_parked(&tracker, r);
    let who = args.assignee.as_deref();
    let (loaded, blockers, total) = if args.no_index {
        let loaded = tracker.load_all()?;
        let total = plan::next(&loaded.records, &settings, who, &parked, &open).len();
        (loaded, Vec::new(), total)
    } else {
        let found = through_index(ui, &tracker, &settings, &done, who, args.limit)?;
        (found.loaded, found.blockers, found.total)
    };
    let candidates: BTreeSet<&str> = loaded.records.iter().map(|r| r.id.as_str()).collect();
    let records: Vec<Record> = loaded.records.iter().chain(&blockers).cloned().collect();
    let list = plan::next(&records, &settings, who, &parked, &open);
    // Blockers read to judge the candidates are not candidates themselves.
    let list: Vec<_> = list.into_iter().filter(|n| candidates.contains(n.record.id.as_str())).collect();
    let shown = if args.limit == 0 { list.len() } else { args.limit.min(list.len()) };
    if args.json {
        let items: Vec<serde_json::Value> = list[..shown]
            .iter()
            .map(|n| {
                let mut value = docket::json::record_to_json(n.record);
                value["rank"] = serde_json::json!(n.rank);
                value["reason"] = serde_json::json!(n.reason);
                value
            })
            .collect();
        ui.json(&serde_json::Value::Array(items));
    } else {
        let style = ui.out_style();
        let mut text = String::new();
        for next in &list[..shown] {
            let weight = match &next.record.body {
                docket::model::Body::Issue(issue) => issue.weight.map(|w| format!("w{w}")).unwrap_or_default(),
                _ => String::new(),
            };
            let _ = writeln!(
                text,
                "{}  {:<26}  {:<21}  {:<3}  {}",
                style.id(&next.record.id),
                next.reason,
                next.record.state(),
                weight,
                next.record.title()
            );
        }
        ui.out(&text);
        if shown < total {
            ui.err(&format!("{shown} of {total}; `-n 0` shows them all\n"));
        } else if list.is_empty() {
            ui.err("nothing to pick up\n");
        }
    }
    if !loaded.diagnostics.is_empty() {
        ui.err(&crate::render::diagnostics(&loaded.diagnostics, ui.err_style()));
    }
    Ok(ExitCode::SUCCESS)
}

/// What the index found for `docket next`.
struct Found {
    /// The candidates read, and the problems of every file that is not a valid record.
    loaded: Loaded,
    /// Open records that candidates wait for, read to judge them.
    blockers: Vec<Record>,
    /// How many records `next` lists in all.
    total: usize,
}

/// The candidates for `docket next --limit limit` (every one for 0): for each rank in turn,
/// the records in order of weight and age, read until no later one can come before the
/// `limit`th already read.
fn through_index(
    ui: &Ui,
    tracker: &Tracker,
    settings: &Settings,
    done: &[String],
    who: Option<&str>,
    limit: usize,
) -> Result<Found, CliError> {
    let index = super::search::open_fresh(ui, tracker)?;
    let failed = |e: docket::index::IndexError| super::search::index_error(&e);
    let read = |hit: docket::index::Hit| -> Result<(Option<Record>, Vec<docket::diagnostic::Diagnostic>), CliError> {
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
    let waiting = index.hits_of(&index.matching(&Expr::And(waiting)).map_err(failed)?).map_err(failed)?;
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
            && is_open(tracker, done, &record)
        {
            blockers.push(record);
        }
    }
    let is_blocked = |record: &Record| blocked_by(record).iter().any(|id| blockers.iter().any(|b| b.id == *id));
    let blocked = waiting_records.iter().filter(|r| is_blocked(r)).count();

    let conditions = rank_conditions(&index, settings).map_err(failed)?;
    let mut loaded = Loaded::default();
    let mut total = 0;
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
    let read_group = |group: &[Match], loaded: &mut Loaded, keys: &mut Vec<Key>| -> Result<(), CliError> {
        for hit in index.hits_of(group).map_err(failed)? {
            let (record, diagnostics) = read(hit)?;
            loaded.diagnostics.extend(diagnostics);
            let Some(record) = record else { continue };
            let listed = is_open(tracker, done, &record)
                && !is_parked(tracker, &record)
                && who.is_none_or(|who| record.assignee().is_none_or(|a| a == who))
                && !is_blocked(&record);
            if listed {
                let weight = match &record.body {
                    docket::model::Body::Issue(issue) => issue.weight.unwrap_or(u8::MAX),
                    _ => u8::MAX,
                };
                keys.push((plan::priority_rank(record.labels(), settings).0, weight, record.created()));
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
        if enough(&mut keys, (rank, 0, None)) {
            total += index.count(&expr).map_err(failed)?;
            continue;
        }
        // Smallest weight first (none last), then oldest (no date first), as `plan::next` orders;
        // the index keeps the first `wanted`, more when those were not enough.
        let mut wanted = if limit == 0 { usize::MAX } else { first_asked(limit) };
        let mut done_to: Option<(u8, i64)> = None;
        loop {
            let (first, count) = index.first_by_weight_and_age(&expr, wanted).map_err(failed)?;
            let complete = first.len() == count;
            let mut at = first.iter().take_while(|m| done_to.is_some_and(|d| weight_and_age(m) <= d)).count();
            let mut stopped = false;
            while at < first.len() {
                let (weight, created) = weight_and_age(&first[at]);
                let bound = (rank, weight, (created != i64::MIN).then_some(created));
                if enough(&mut keys, bound) {
                    stopped = true;
                    break;
                }
                // The whole group with this weight and age (`plan::next` breaks its ties by
                // id), unless the index may have left some of it out.
                let end = at + first[at..].iter().take_while(|m| weight_and_age(m) == (weight, created)).count();
                if end == first.len() && !complete {
                    break;
                }
                read_group(&first[at..end], &mut loaded, &mut keys)?;
                done_to = Some((weight, created));
                at = end;
            }
            if stopped || complete {
                total += count;
                break;
            }
            wanted = wanted.saturating_mul(8);
        }
    }
    let invalid = super::search::invalid_records(tracker, &index, &loaded)?;
    loaded.diagnostics.extend(invalid);
    blockers.retain(|b| !loaded.records.iter().any(|r| r.id == b.id));
    Ok(Found { loaded, blockers, total: total - blocked })
}

/// How many matches of a rank the index is first asked for: enough for `limit` and the ties
/// around it in a large tracker (a group of equal weight and day can hold hundreds), so that
/// it is asked once. `DOCKET_NEXT_FIRST` sets it, for the tests of asking again.
fn first_asked(limit: usize) -> usize {
    std::env::var("DOCKET_NEXT_FIRST").ok().and_then(|n| n.parse().ok()).unwrap_or((limit * 16).max(2048))
}

/// The order of `plan::next`: rank, weight (none last), creation time (none first).
type Key = (u8, u8, Option<i64>);

fn blocked_by(record: &Record) -> &[String] {
    match &record.body {
        docket::model::Body::Issue(issue) => &issue.blocked_by,
        _ => &[],
    }
}

/// For each priority rank of [`plan::priority_rank`] but the last, what the index matches for
/// it; the last rank is everything else. Labels are compared lowercased in the index, so a
/// condition matches at least what the rank does; the records decide.
fn rank_conditions(index: &SearchIndex, settings: &Settings) -> Result<Vec<Option<Expr>>, docket::index::IndexError> {
    let labels = index.values("label")?;
    let priority = |value: &str| {
        let exact = format!("priority::{value}");
        let suffix = format!("-{exact}");
        Expr::Or(
            labels
                .iter()
                .filter(|l| l.ends_with(&suffix))
                .map(|l| Expr::keyword("label", l))
                .chain([Expr::keyword("label", &exact)])
                .collect(),
        )
    };
    let deliverable = Expr::keyword("label", &settings.deliverable_label);
    Ok(vec![
        Some(Expr::And(vec![deliverable.clone(), priority("high")])),
        Some(deliverable),
        Some(priority("high")),
        Some(priority("medium")),
        Some(priority("low")),
        Some(priority("p0")),
        Some(priority("p1")),
        Some(priority("p2")),
        Some(priority("p3")),
        None,
    ])
}
