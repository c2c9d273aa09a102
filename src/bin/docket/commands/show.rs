//! `docket show`: one record, for people or as JSON.

use std::process::ExitCode;

use super::Env;
use crate::cli::ShowArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_show(ui: &Ui, env: &Env, args: &ShowArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    let (record, diagnostics, _) = tracker.load(&file)?;
    let Some(record) = record else {
        return Err(CliError::Diagnostics(diagnostics));
    };
    if args.json {
        ui.json(&docket::json::record_to_json(&record));
    } else {
        ui.out(&render::record(&record, Some(tracker.workflow(record.kind())), ui.out_style()));
    }
    if !diagnostics.is_empty() {
        ui.err(&render::diagnostics(&diagnostics, ui.err_style()));
    }
    Ok(ExitCode::SUCCESS)
}
