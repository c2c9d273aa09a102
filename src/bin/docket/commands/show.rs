//! `docket show`: one record, for people or as JSON. A milestone is shown with its issues and
//! how far it has come.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::model::{Kind, Record};
use docket::plan;

use super::Env;
use crate::cli::ShowArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_show(ui: &Ui, env: &Env, args: &ShowArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    let (record, mut diagnostics, _) = tracker.load(&file)?;
    let Some(record) = record else {
        return Err(CliError::Diagnostics(diagnostics));
    };
    // A milestone's issues, through the index: what it costs is theirs, not the tracker's.
    let issues = if record.kind() == Kind::Milestone {
        let index = super::search::open_fresh(ui, env, &tracker)?;
        let mut loaded =
            docket::select::milestone_issues(&tracker, &index, &record.id).map_err(super::search::select_error)?;
        loaded.records.sort_by(|a, b| a.id.cmp(&b.id));
        diagnostics.extend(loaded.diagnostics);
        Some(loaded.records)
    } else {
        None
    };
    let settings = plan::Settings::from_config(tracker.config());
    let done = plan::done_stages(tracker.config());
    let open = |r: &Record| tracker.is_open(&done, r);
    let progress = issues.as_ref().map(|issues| plan::progress(&record.id, issues, &settings, &open));
    if args.json {
        let mut value = docket::json::record_to_json(&record);
        if let (Some(issues), Some(progress)) = (&issues, &progress) {
            value["issues"] = issues.iter().map(docket::json::record_to_json).collect();
            value["progress"] = serde_json::to_value(progress).expect("progress serialises");
        }
        ui.json(&value);
    } else {
        let mut text = render::record(&record, Some(tracker.workflow(record.kind())), ui.out_style());
        if let (Some(issues), Some(progress)) = (&issues, &progress) {
            text.push_str(&milestone_issues(ui, &tracker, issues, progress));
        }
        ui.out(&text);
    }
    if !diagnostics.is_empty() {
        ui.err(&render::diagnostics(&diagnostics, ui.err_style()));
    }
    Ok(ExitCode::SUCCESS)
}

/// The issues of a milestone, a line each, and its progress.
fn milestone_issues(
    ui: &Ui,
    tracker: &docket::tracker::Tracker,
    issues: &[Record],
    progress: &plan::Progress,
) -> String {
    let style = ui.out_style();
    let mut text = String::new();
    let _ = writeln!(text, "\n{}", style.bold("issues"));
    if issues.is_empty() {
        let _ = writeln!(text, "    none yet");
        return text;
    }
    for issue in issues {
        let weight = match &issue.body {
            docket::model::Body::Issue(body) => body.weight.map(|w| format!("w{w}")).unwrap_or_default(),
            _ => String::new(),
        };
        let state = tracker.workflow(Kind::Issue).state_of(issue);
        let _ = writeln!(
            text,
            "    {}  {:<22} {:<3} {:<10} {}",
            style.id(&issue.id),
            state,
            weight,
            issue.assignee().unwrap_or("-"),
            issue.title()
        );
    }
    let percent = |part: u32, whole: u32| (part * 100).checked_div(whole).unwrap_or(0);
    let _ = writeln!(
        text,
        "\n{} {} of {} issues done; weight {} of {} ({}%); Deliverables {} of {} ({}%)",
        style.bold("progress:"),
        progress.done,
        progress.issues,
        progress.done_weight,
        progress.weight,
        percent(progress.done_weight, progress.weight),
        progress.deliverable_done_weight,
        progress.deliverable_weight,
        percent(progress.deliverable_done_weight, progress.deliverable_weight),
    );
    text
}
