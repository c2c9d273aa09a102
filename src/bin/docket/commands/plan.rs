//! `docket plan`: a milestone's capacity against its committed weight, what fits as
//! Deliverable and what overflows as Stretch, what is unrefined, carried over or parked.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::history::History;
use docket::model::Kind;
use docket::plan::{self, Settings};

use super::Env;
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
    let loaded = if args.no_index {
        tracker.load_all()?
    } else {
        let index = super::search::open_fresh(ui, env, &tracker)?;
        docket::select::plan_records(&tracker, &index, wanted.as_deref(), now).map_err(super::search::select_error)?
    };
    let milestones = docket::select::milestones(&loaded);
    let id = match wanted {
        Some(id) => id,
        None => docket::select::default_milestone(milestones.iter().map(|(id, m)| (*id, m.start)), now).ok_or_else(
            || {
                CliError::usage(
                    "there is no milestone to plan",
                    "create one: `docket new milestone --id 16-7 -t 16.7 --start … --end …`",
                )
            },
        )?,
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
        History::load_paths_with(&tracker.repo, &tracker.prefix, &paths, env.context.history_walk_at())?
    };
    let plan = docket::select::plan_of(&tracker, &loaded, &id, &history, now).expect("the milestone was read");

    if let Some(path) = &args.chart
        && let Some(svg) =
            docket::report::burndown_chart(&history, &id, milestone, now, &done, &settings.deliverable_label)
    {
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
        "\n{} (velocity {:.2} weight/day from {}{})",
        style.bold("Capacity"),
        plan.velocity,
        plan.velocity_source,
        if plan.development_share < 1.0 {
            format!(", on {:.0}% of the days: less refinement and other work", plan.development_share * 100.0)
        } else {
            String::new()
        }
    );
    for person in &plan.people {
        let _ = writeln!(text, "  {:<12} {:>5.1} days  {:>5.1} weight", person.person, person.days, person.weight);
    }
    let over = if plan.over_capacity { style.error(" (over capacity)") } else { String::new() };
    if plan.carryover_weight > 0 {
        let _ = writeln!(text, "  {:<12} {:>17.1} weight", "carried over", -f64::from(plan.carryover_weight));
    }
    let _ =
        writeln!(text, "  {:<12} {:>17.1} weight, {} committed{over}", "total", plan.capacity, plan.committed_weight);
    let section = |text: &mut String, title: &str, items: &[plan::Item]| {
        if items.is_empty() {
            return;
        }
        let _ = writeln!(text, "\n{}", style.bold(title));
        for item in items {
            let weight = item.weight.map_or_else(|| "  ".to_owned(), |w| format!("w{w}"));
            let _ = writeln!(text, "  {}  {weight}  {:<28}  {}", style.id(&item.id), item.priority, item.title);
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
    let _lock = tracker.lock_writes()?;
    let edits = match docket::apply::prepare(tracker, plan, settings, env.context.commit_time()) {
        Ok(edits) => edits,
        Err(docket::apply::ApplyError::Refused(breaks)) => {
            ui.err(&render::diagnostics(&breaks, ui.err_style()));
            ui.err(&format!("{} nothing was written\n", ui.err_style().error("error:")));
            return Ok(ExitCode::from(EXIT_VIOLATIONS));
        }
        Err(docket::apply::ApplyError::Tracker(error)) => return Err(error.into()),
        Err(error @ docket::apply::ApplyError::Edit { .. }) => {
            return Err(CliError::usage(error.to_string(), "fix the file first (`docket check`)"));
        }
    };
    for edit in &edits {
        ui.out(&format!(
            "{}\n{}",
            ui.out_style().bold(&edit.path),
            render::diff(&edit.before, &edit.after, ui.out_style())
        ));
    }
    docket::apply::write(tracker, &edits)?;
    let changed = edits.len();
    ui.err(&format!("labelled {changed} issues of {}\n", plan.milestone));
    Ok(ExitCode::SUCCESS)
}
