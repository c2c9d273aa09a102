//! `docket init`: create a tracker in this repository.

use std::process::ExitCode;

use docket::tracker::Tracker;

use super::Env;
use crate::cli::InitArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_init(ui: &Ui, env: &Env, args: &InitArgs) -> Result<ExitCode, CliError> {
    let report = Tracker::init(&env.start, args.dir.as_deref())?;
    let (repo, root) = Tracker::locate(&report.root)?;
    super::setup::register(&repo, &Tracker::prefix_of(&repo, &root))?;
    let style = ui.err_style();
    if report.created.is_empty() {
        ui.err(&format!("docket tracker already initialized in {}; nothing changed\n", report.root.display()));
    } else {
        ui.err(&format!("Initialized docket tracker in {}\n", report.root.display()));
        for path in &report.created {
            ui.err(&format!("  created {path}\n"));
        }
        // From elsewhere than the tracker, the next commands need -C to find it.
        let here = env.start.canonicalize().unwrap_or_else(|_| env.start.clone());
        let from = if here.starts_with(&report.root) {
            String::new()
        } else {
            let relative = report.root.strip_prefix(&here).unwrap_or(&report.root);
            format!("-C {} ", relative.display())
        };
        ui.err(&format!(
            "{} create an issue with `docket {from}new issue --title \"…\"`, install the workflow hooks with `docket {from}hook install`, and commit with git\n",
            style.hint("next:")
        ));
    }
    Ok(ExitCode::SUCCESS)
}
