//! `docket update`: an issue's weekly update (seed 000: "every week, post a brief update" with a
//! health status), appended as an `[[updates]]` entry, the issue's `health` set to match
//! ([`docket::change::update`]).

use std::process::ExitCode;

use docket::model::Health;

use super::Env;
use crate::cli::UpdateArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_update(ui: &Ui, env: &Env, args: &UpdateArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let health = args.health.as_deref().and_then(Health::from_name);
    let author = docket::change::author(&tracker, &env.context, args.author.as_deref());
    let posted =
        match docket::change::update(&tracker, &env.context, &args.id, author.as_deref(), health, &args.message) {
            Ok(posted) => posted,
            Err(error) => return super::not_changed(ui, error),
        };
    if let (true, Some(record)) = (args.json, &posted.record) {
        ui.json(&docket::json::record_to_json(record));
    }
    ui.err(&format!("{}\n", posted.summary));
    Ok(ExitCode::SUCCESS)
}
