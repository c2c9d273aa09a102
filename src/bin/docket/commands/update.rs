//! `docket update`: an issue's weekly update (seed 000: "every week, post a brief update" with a
//! health status), appended as an `[[updates]]` entry, the issue's `health` set to match.

use std::process::ExitCode;

use docket::format::edit;
use docket::model::{Health, Kind};

use super::Env;
use crate::cli::UpdateArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_update(ui: &Ui, env: &Env, args: &UpdateArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    if file.kind != Kind::Issue {
        return Err(CliError::usage(
            format!("`{}` is a {}; weekly updates are for issues", file.id, file.kind.noun()),
            "post a comment instead (`docket comment`)",
        ));
    }
    let text = args.message.trim();
    if text.is_empty() {
        return Err(CliError::usage("the update is empty; nothing was added", "pass -m \"what moved this week\""));
    }
    let health = args.health.as_deref().and_then(Health::from_name);
    let author = super::comment::author(&tracker, args.author.as_deref());
    // Read under the lock, so that an update written by another process meanwhile is kept.
    let _lock = tracker.lock_writes()?;
    let (_, _, source) = tracker.load(&file)?;
    let edited = edit::append_update(&source, file.kind, env.context.now(), author.as_deref(), health, text).map_err(
        |error| {
            CliError::usage(
                format!("cannot edit {}: {error}", file.path),
                "fix the file first (`docket show` reports its problems)",
            )
        },
    )?;
    let parsed = super::valid_result(ui, &tracker, &file, &edited, "it has problems to fix first")?;
    let breaks = docket::check::edit_breaks(&tracker, &file.path, Some(&source), &edited, env.context.commit_time());
    if !breaks.is_empty() {
        ui.err(&crate::render::diagnostics(&breaks, ui.err_style()));
        ui.err(&format!(
            "{} {} was not changed: its workflow would refuse it\n",
            ui.err_style().error("error:"),
            file.path
        ));
        return Ok(ExitCode::from(crate::error::EXIT_VIOLATIONS));
    }
    tracker.write(&file.path, &edited)?;
    if let (true, Some(record)) = (args.json, parsed.record) {
        ui.json(&docket::json::record_to_json(&record));
    }
    ui.err(&format!("posted an update on {}\n", file.path));
    Ok(ExitCode::SUCCESS)
}
