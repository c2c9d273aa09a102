//! `docket move`: a transition through the workflow engine ([`docket::change::move_record`]),
//! filling what it can (`previous_stage`), refused with the same diagnostics as the hooks,
//! editing only the lines it must.

use std::process::ExitCode;

use docket::change::{self, Move};

use super::Env;
use crate::cli::MoveArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_move(ui: &Ui, env: &Env, args: &MoveArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let request = Move {
        state: args.state.clone(),
        assignments: args.assignments.clone(),
        message: args.message.clone(),
        author: args.message.as_ref().and_then(|_| change::author(&tracker, &env.context, None)),
    };
    let moved = match change::move_record(&tracker, &env.context, &args.id, &request) {
        Ok(moved) => moved,
        Err(error) => return super::not_changed(ui, error),
    };
    if !moved.warnings.is_empty() {
        ui.err(&render::diagnostics(&moved.warnings, ui.err_style()));
    }
    if args.json {
        if let Some(record) = &moved.record {
            ui.json(&docket::json::record_to_json(record));
        }
    } else {
        ui.out(&render::diff(&moved.before, &moved.after, ui.out_style()));
    }
    ui.err(&format!("{}\n", moved.summary));
    Ok(ExitCode::SUCCESS)
}
