//! `docket set`: change fields in place (`toml_edit`), validate the result, and write it only
//! when it is valid and breaks no workflow rule that held before
//! ([`docket::change::set_fields`]). Changing the state is `docket move`'s job.

use std::process::ExitCode;

use super::Env;
use crate::cli::SetArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_set(ui: &Ui, env: &Env, args: &SetArgs) -> Result<ExitCode, CliError> {
    // Arguments are checked before the tracker is looked for.
    if let Err(error) = docket::change::set_edits(&args.assignments, &args.unset) {
        return super::not_changed(ui, error);
    }
    let tracker = env.tracker()?;
    let set = match docket::change::set_fields(&tracker, &env.context, &args.id, &args.assignments, &args.unset) {
        Ok(set) => set,
        Err(error) => return super::not_changed(ui, error),
    };
    if !args.json {
        ui.out(&render::diff(&set.before, &set.after, ui.out_style()));
    }
    ui.err(&format!("{}\n", set.summary));
    if let (true, Some(record)) = (args.json, &set.record) {
        ui.json(&docket::json::record_to_json(record));
    }
    Ok(ExitCode::SUCCESS)
}
