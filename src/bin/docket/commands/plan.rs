//! `docket plan`: a milestone's capacity against its committed weight, what fits as
//! Deliverable and what overflows as Stretch, what is unrefined, carried over or parked.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::format::edit::{self, Assignment, Op};
use docket::history::History;
use docket::index::Match;
use docket::index::query::Expr;
use docket::model::{Body, Kind, Milestone, Record};
use docket::plan::{self, Settings};
use docket::time::Timestamp;
use docket::tracker::{Loaded, RecordFile};

use super::{Env, is_open};
use crate::cli::PlanArgs;
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

pub fn cmd_plan(ui: &Ui, env: &Env, args: &PlanArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let now = env.context.now();
    let wanted = match &args.milestone {
        Some(wanted) => {
            let file = tracker.resolve(wanted)?;
            if file.kind != Kind::Milestone {
                return Err(CliError::usage(
                    format!("`{}` is {}, not a milestone", file.id, file.kind.a_noun()),
                    "name a milestone: `docket list --kind milestone`",
                ));
            }
            Some(file.id)
        }
        None => None,
    };
    let done = plan::done_stages(tracker.config());
    let loaded = if args.no_index { tracker.load_all()? } else { through_index(ui, &tracker, wanted.as_deref(), now)? };
    let milestones: Vec<(&str, &Milestone)> = loaded
        .records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Milestone(m) => Some((r.id.as_str(), m)),
            _ => None,
        })
        .collect();
    let id = match wanted {
        Some(id) => id,
        None => default_milestone(milestones.iter().map(|(id, m)| (*id, m.start)), now).ok_or_else(|| {
            CliError::usage(
                "there is no milestone to plan",
                "create one: `docket new milestone --id 16-7 -t 16.7 --start … --end …`",
            )
        })?,
    };
    let Some((_, milestone)) = milestones.iter().find(|(m, _)| *m == id) else {
        return Err(CliError::Diagnostics(loaded.diagnostics));
    };
    let settings = Settings::from_config(tracker.config());
    // The burndown reads every record's history; the plan only its own records'.
    let history = if args.chart.is_some() {
        History::load(&tracker.repo, &tracker.prefix)?
    } else {
        let paths: Vec<String> = loaded.records.iter().map(|r| r.path.clone()).collect();
        History::load_paths(&tracker.repo, &tracker.prefix, &paths)?
    };
    let done_at = |record: &Record| history.of(&record.path).iter().find(|v| done.contains(&v.state)).map(|v| v.time);
    // Only milestones over both before this one starts and before today say how fast the team is.
    let before = milestone.start.map_or(now, |start| start.min(now));
    let velocity = plan::historic_velocity(&milestones, &loaded.records, &done_at, before);
    let open = |r: &Record| is_open(&tracker, &done, r);
    let plan = plan::plan(&id, milestone, &milestones, &loaded.records, &settings, velocity, &open);

    if let (Some(path), Some(start), Some(end)) = (&args.chart, milestone.start, milestone.end) {
        let (labels, series) =
            docket::report::burndown(&history, &id, start, end, now, &done, &settings.deliverable_label);
        let svg =
            docket::chart::lines(&format!("Burndown of {} (committed weight)", milestone.title), &labels, &series);
        let target = env.start.join(path);
        std::fs::write(&target, svg)
            .map_err(|source| CliError::Io { message: format!("cannot write {}", target.display()), source })?;
        ui.err(&format!("wrote {}\n", target.display()));
    }
    if args.apply {
        return apply(ui, env, &tracker, &plan, &settings);
    }
    if args.json {
        ui.json(&serde_json::to_value(&plan).expect("a plan serialises"));
    } else {
        ui.out(&render_plan(&plan, ui));
    }
    if !loaded.diagnostics.is_empty() {
        ui.err(&render::diagnostics(&loaded.diagnostics, ui.err_style()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The milestone to plan when none is named: the next to start (from yesterday on), else the
/// one that started last; ties go to the smallest id. `milestones` are (id, start).
fn default_milestone<'a>(
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
fn through_index(
    ui: &Ui,
    tracker: &docket::tracker::Tracker,
    wanted: Option<&str>,
    now: Timestamp,
) -> Result<Loaded, CliError> {
    let index = super::search::open_fresh(ui, tracker)?;
    let failed = |e: docket::index::IndexError| super::search::index_error(&e);
    let field = Expr::keyword;
    let matches = index.matching(&field("kind", "milestone")).map_err(failed)?;
    // Ids are read only for the milestones that may matter.
    let ids = |chosen: Vec<Match>| -> Result<Vec<(String, Match)>, CliError> {
        let hits = index.hits_of(&chosen).map_err(failed)?;
        Ok(hits.into_iter().map(|h| h.id).zip(chosen).collect())
    };
    let mut loaded = Loaded::default();
    let read = |loaded: &mut Loaded, id: &str| -> Result<Option<Milestone>, CliError> {
        if let Some(record) = loaded.records.iter().find(|r| r.id == id) {
            return Ok(match &record.body {
                Body::Milestone(m) => Some(m.clone()),
                _ => None,
            });
        }
        // Where the layout puts it; else wherever it is (a tracker between layouts).
        let path = tracker.path_for(Kind::Milestone, id);
        let file = if tracker.absolute(&path).is_file() {
            RecordFile { kind: Kind::Milestone, id: id.to_owned(), path }
        } else {
            tracker.resolve(id)?
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
    let files: Vec<RecordFile> = index
        .hits_of(&index.matching(&issues).map_err(failed)?)
        .map_err(failed)?
        .into_iter()
        .map(|hit| RecordFile { kind: Kind::Issue, id: hit.id, path: hit.path })
        .collect();
    let issues = tracker.load_files(&files);
    loaded.records.extend(issues.records);
    loaded.diagnostics.extend(issues.diagnostics);
    let invalid = super::search::invalid_records(tracker, &index, &loaded)?;
    loaded.diagnostics.extend(invalid);
    Ok(loaded)
}

fn render_plan(plan: &plan::Plan, ui: &Ui) -> String {
    let style = ui.out_style();
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {}  {} → {}",
        style.bold("Milestone"),
        style.bold(&plan.title),
        plan.start.as_deref().unwrap_or("?"),
        plan.end.as_deref().unwrap_or("?")
    );
    let _ = writeln!(
        text,
        "finalize by {} · retrospective due {}",
        plan.finalize_by.as_deref().unwrap_or("?"),
        plan.retro_due.as_deref().unwrap_or("?")
    );
    let _ = writeln!(
        text,
        "\n{} (velocity {:.2} weight/day from {}, less refinement time)",
        style.bold("Capacity"),
        plan.velocity,
        plan.velocity_source
    );
    for person in &plan.people {
        let _ = writeln!(text, "  {:<12} {:>5.1} days  {:>5.1} weight", person.person, person.days, person.weight);
    }
    let over = if plan.over_capacity { style.error(" (over capacity)") } else { String::new() };
    let _ =
        writeln!(text, "  {:<12} {:>17.1} weight, {} committed{over}", "total", plan.capacity, plan.committed_weight);
    let section = |text: &mut String, title: &str, items: &[plan::Item]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(text, "\n{}", style.bold(title));
        for item in items {
            let weight = item.weight.map_or_else(|| "  ".to_owned(), |w| format!("w{w}"));
            let _ = writeln!(text, "  {}  {weight}  {:<26}  {}", style.id(&item.id), item.priority, item.title);
        }
    };
    section(&mut text, "Deliverable (fits)", &plan.deliverables);
    section(&mut text, "Stretch (overflows)", &plan.stretch);
    section(&mut text, "Unrefined (no weight, or still in refinement)", &plan.unrefined);
    section(&mut text, "Weight 5: split, or open a spike", &plan.split);
    if !plan.carryover.is_empty() {
        let _ = writeln!(text, "\n{}", style.bold("Carried over"));
        for carry in &plan.carryover {
            let weight = carry.remaining_weight.map_or_else(|| "  ".to_owned(), |w| format!("w{w}"));
            let _ = writeln!(text, "  {}  {weight}  from {}  {}", style.id(&carry.id), carry.from, carry.title);
        }
    }
    if !plan.parking_lot.is_empty() {
        let _ = writeln!(text, "\n{}", style.bold("Parking lot"));
        for (issue, why) in &plan.parking_lot {
            let _ = writeln!(text, "  {}  {why}", style.id(issue));
        }
    }
    text
}

/// Labels what fits `Deliverable` and what overflows `Stretch`, showing each diff and checking
/// each edit against the workflow before writing it.
fn apply(
    ui: &Ui,
    env: &Env,
    tracker: &docket::tracker::Tracker,
    plan: &plan::Plan,
    settings: &Settings,
) -> Result<ExitCode, CliError> {
    let mut changed = 0;
    let _lock = tracker.lock_writes()?;
    let stretch = "Stretch".to_owned();
    let labelled = plan
        .deliverables
        .iter()
        .map(|i| (i, &settings.deliverable_label, stretch.as_str()))
        .chain(plan.stretch.iter().map(|i| (i, &stretch, settings.deliverable_label.as_str())));
    for (item, add, remove) in labelled {
        let file = tracker.resolve(&item.id)?;
        let (record, _, source) = tracker.load(&file)?;
        let Some(record) = record else { continue };
        let mut edits = Vec::new();
        if !record.labels().contains(add) {
            edits.push(Assignment { path: vec!["labels".into()], op: Op::Append, value: add.clone() });
        }
        if record.labels().iter().any(|l| l == remove) {
            edits.push(Assignment { path: vec!["labels".into()], op: Op::Remove, value: remove.to_owned() });
        }
        if edits.is_empty() {
            continue;
        }
        let edited = edit::apply(&source, file.kind, &edits, env.context.now())
            .map_err(|error| CliError::usage(format!("cannot edit {}: {error}", file.path), "fix the file first"))?;
        let breaks = docket::check::edit_breaks(tracker, &file.path, Some(&source), &edited, env.context.commit_time());
        if !breaks.is_empty() {
            ui.err(&render::diagnostics(&breaks, ui.err_style()));
            return Ok(ExitCode::from(EXIT_VIOLATIONS));
        }
        ui.out(&format!("{}\n{}", ui.out_style().bold(&file.path), render::diff(&source, &edited, ui.out_style())));
        tracker.write(&file.path, &edited)?;
        changed += 1;
    }
    ui.err(&format!("labelled {changed} issues of {}\n", plan.milestone));
    Ok(ExitCode::SUCCESS)
}
