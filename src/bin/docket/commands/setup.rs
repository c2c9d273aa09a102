//! `docket setup`: what a fresh clone needs and git does not clone — the merge driver's git
//! config, and the hooks.

use std::process::ExitCode;

use docket::hooks;
use docket::tracker::Tracker;

use super::Env;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_setup(ui: &Ui, env: &Env) -> Result<ExitCode, CliError> {
    let (repo, root) = Tracker::locate(&env.start)?;
    let prefix = Tracker::prefix_of(&repo, &root);
    register(&repo, &prefix)?;
    ui.err("registered the merge driver (git config merge.docket.*, .git/info/attributes)\n");
    let docket = std::env::current_exe()
        .map_err(|source| CliError::Io { message: "cannot tell where the docket program is".into(), source })?;
    let installed = hooks::install(&repo, false, &docket, &prefix).map_err(hook_error)?;
    for hook in installed {
        ui.err(&format!("{} {}\n", if hook.refreshed { "refreshed" } else { "installed" }, hook.path.display()));
    }
    Ok(ExitCode::SUCCESS)
}

/// Registers the merge driver for the tracker at `prefix`.
pub fn register(repo: &docket::store::Repo, prefix: &str) -> Result<(), CliError> {
    let docket = std::env::current_exe()
        .map_err(|source| CliError::Io { message: "cannot tell where the docket program is".into(), source })?;
    hooks::register_merge_driver(repo, &docket, prefix).map_err(hook_error)
}

fn hook_error(error: hooks::HookError) -> CliError {
    match error {
        hooks::HookError::Write { path, source } => {
            CliError::Io { message: format!("cannot write {}", path.display()), source }
        }
        hooks::HookError::Store(error) => CliError::from(error),
    }
}
