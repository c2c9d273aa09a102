//! `docket report`: stale weekly updates, MIR bugs due to move, undefined states, and flow
//! metrics from git history.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::history::History;
use docket::plan;
use docket::report;

use super::Env;
use crate::cli::ReportArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_report(ui: &Ui, env: &Env, args: &ReportArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let now = env.context.now();
    let done = plan::done_stages(tracker.config());
    let style = ui.out_style();
    let mut text = String::new();
    let json = match args.report.as_str() {
        "stale" => {
            let loaded = tracker.load_all()?;
            let overdue = report::stale(&loaded.records, now, 7, &|r| tracker.is_open(&done, r));
            for s in &overdue {
                let last = s.last_update.as_deref().unwrap_or("never");
                let health = s.health.as_deref().map(|h| format!(", {h}")).unwrap_or_default();
                let _ = writeln!(
                    text,
                    "{}  {:<10} {:<14} last update {last} ({} days{health})  {}",
                    style.id(&s.id),
                    s.assignee.as_deref().unwrap_or("-"),
                    s.stage,
                    s.days,
                    s.title
                );
            }
            serde_json::to_value(&overdue)
        }
        "expiring" => {
            let loaded = tracker.load_all()?;
            let due = docket::check::due_moves(&tracker, &loaded.records, now);
            for d in &due {
                let _ = writeln!(text, "{}  {} → {}   {}", style.id(&d.id), d.from, d.to, style.bold(&d.command));
            }
            serde_json::to_value(&due)
        }
        "undefined" => {
            let report = docket::check::check_tree(&tracker, now)?;
            let undefined: Vec<_> = report.diagnostics.into_iter().filter(|d| d.rule == "workflow.undefined").collect();
            for d in &undefined {
                let _ = writeln!(text, "{}  {}", style.id(d.id.as_deref().unwrap_or("")), d.message);
            }
            serde_json::to_value(&undefined)
        }
        _ => {
            let order: Vec<String> =
                tracker.workflow(docket::model::Kind::Issue).states.iter().map(|s| s.name.clone()).collect();
            // Computed once per commit: a second run at the same commit reads no history.
            let sets = report::StateSets {
                refinement: &["refinement"],
                development: &["in_dev", "in_review", "development", "validation", "implementation"],
                done: &done,
            };
            let metrics = report::cached_metrics(&tracker.repo, &tracker.prefix, "issues", now, &order, &sets)?;
            let _ = writeln!(text, "{}", style.bold("Time in each state (days)"));
            let _ = writeln!(text, "  {:<22} {:>6} {:>9} {:>8} {:>8}", "state", "stays", "average", "median", "now in");
            for s in &metrics.states {
                let _ = writeln!(
                    text,
                    "  {:<22} {:>6} {:>9.1} {:>8.1} {:>8}",
                    s.state, s.stays, s.average_days, s.median_days, s.current
                );
            }
            if let Some(r) = &metrics.refinement {
                let _ = writeln!(text, "\n{}", style.bold("Refinement"));
                let _ = writeln!(text, "  average time in refinement: {:.1} days", r.average_days);
                let _ = writeln!(
                    text,
                    "  issues refined per week: {:.1} ({})",
                    r.average_per_week,
                    r.refined_per_week.iter().map(|(w, n)| format!("{w}: {n}")).collect::<Vec<_>>().join(", ")
                );
                let total = r.refinement_days + r.development_days;
                let share = if total > 0.0 { r.refinement_days / total * 100.0 } else { 0.0 };
                let _ = writeln!(
                    text,
                    "  refinement against development: {:.1} days against {:.1} ({share:.0}% refinement)",
                    r.refinement_days, r.development_days
                );
            }
            if !metrics.throughput.is_empty() {
                let _ = writeln!(text, "\n{}", style.bold("Throughput (records done per week)"));
                for (week, n) in &metrics.throughput {
                    let _ = writeln!(text, "  {week}  {n}");
                }
            }
            if let Some(path) = &args.chart {
                let history = History::load(&tracker.repo, &tracker.prefix)?;
                let svg = report::flow_chart(&history, now, &order);
                let target = env.start.join(path);
                std::fs::write(&target, svg)
                    .map_err(|source| CliError::Io { message: format!("cannot write {}", target.display()), source })?;
                ui.err(&format!("wrote {}\n", target.display()));
            }
            serde_json::to_value(&metrics)
        }
    }
    .expect("a report serialises");
    if args.json {
        ui.json(&json);
    } else if text.is_empty() {
        ui.err(&format!("nothing to report ({})\n", args.report));
    } else {
        ui.out(&text);
    }
    Ok(ExitCode::SUCCESS)
}
