//! `docket rename OLD NEW`: a record takes another id; every record naming it follows
//! ([`docket::rename`]). Commit the result with git: the hooks judge it as a rename.

use std::process::ExitCode;

use docket::rename::{self, RenameError};

use super::Env;
use crate::cli::RenameArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_rename(ui: &Ui, env: &Env, args: &RenameArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let _lock = tracker.lock_writes()?;
    let file = tracker.resolve(&args.id)?;
    let index = super::search::open_fresh(ui, env, &tracker)?;
    let naming = docket::select::naming(&tracker, &index, &file.id).map_err(super::search::select_error)?;
    let prepared = rename::prepare(&tracker, &file, &args.new_id, &naming.records).map_err(|error| match error {
        RenameError::Tracker(error) => CliError::from(error),
        RenameError::InvalidId { .. } => {
            CliError::usage(error.to_string(), "ids are lowercase letters, digits and `-`, e.g. `refund-macro`")
        }
        RenameError::Taken { .. } => CliError::usage(error.to_string(), "pick an id no record has"),
        RenameError::Edit { .. } => CliError::usage(error.to_string(), "fix that file first (`docket check`)"),
    })?;
    rename::apply(&tracker, &prepared)?;
    if args.json {
        ui.json(&serde_json::json!({
            "id": prepared.to,
            "from": prepared.file.id,
            "path": prepared.new_path,
            "old_path": prepared.file.path,
            "references": prepared.references.iter().map(|(path, _, _)| path).collect::<Vec<_>>(),
        }));
    } else {
        let style = ui.out_style();
        for (path, before, after) in &prepared.references {
            ui.out(&format!("{}\n{}", style.bold(path), render::diff(before, after, style)));
        }
        ui.err(&format!(
            "renamed {} to {} ({} record{} updated); commit with git\n",
            prepared.file.path,
            prepared.new_path,
            prepared.references.len(),
            if prepared.references.len() == 1 { "" } else { "s" }
        ));
    }
    Ok(ExitCode::SUCCESS)
}
