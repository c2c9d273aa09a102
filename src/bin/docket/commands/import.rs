//! `docket import git-bug`: a git-bug tracker as issues, checked against the workflow and
//! written straight to the object store in one commit ([`docket::import::prepare`] and
//! [`docket::import::apply`]); this file reports.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::import::{self, Applied, ImportError};
use docket::model::Kind;
use docket::store::Repo;

use super::Env;
use crate::cli::{ImportArgs, ImportSource};
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

pub fn cmd_import(ui: &Ui, env: &Env, args: &ImportArgs) -> Result<ExitCode, CliError> {
    let ImportSource::GitBug(args) = &args.source;
    let tracker = env.tracker()?;
    let source_path = args.path.as_ref().map_or_else(|| env.start.clone(), |p| env.start.join(p));
    let source = Repo::discover_any(&source_path)?;
    let progress = ui.progress("reading git-bug");
    let issues = import::git_bug(&source, tracker.workflow(Kind::Issue), &|done, total| progress.set(done, total))
        .map_err(import_error)?;
    progress.finish();
    let prepared = import::prepare(&tracker, &issues, env.context.commit_time()).map_err(import_error)?;
    if has_errors(&prepared.problems) {
        ui.err(&render::diagnostics(&prepared.problems, ui.err_style()));
        ui.err("nothing was imported: the workflow refuses these records\n");
        return Ok(ExitCode::from(EXIT_VIOLATIONS));
    }
    if args.dry_run && !prepared.changes.is_empty() {
        for (path, _) in &prepared.changes {
            ui.out(&format!("{} {path}\n", if prepared.new_paths.contains(path) { "create" } else { "update" }));
        }
        ui.err(&format!("would create {} and update {} issues (dry run)\n", prepared.created(), prepared.updated()));
        return Ok(ExitCode::SUCCESS);
    }
    let applied =
        if args.dry_run { Applied::UpToDate } else { import::apply(&tracker, &prepared).map_err(import_error)? };
    match applied {
        Applied::Committed(commit) => {
            ui.out(&format!("{commit}\n"));
            ui.err(&format!(
                "imported {} issues from git-bug in one commit: {} created, {} updated\n",
                prepared.changes.len(),
                prepared.created(),
                prepared.updated()
            ));
        }
        Applied::Restored(files) => {
            ui.err(&format!("restored {files} issue files an interrupted import left unfinished in the work tree\n"));
            if prepared.changes.is_empty() {
                ui.err(&format!("nothing to import: the {} issues from git-bug are up to date\n", prepared.total));
            }
        }
        Applied::UpToDate => {
            ui.err(&format!("nothing to import: the {} issues from git-bug are up to date\n", prepared.total));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import_error(error: ImportError) -> CliError {
    match error {
        ImportError::Store(error) => CliError::from(error),
        other => CliError::Usage { message: other.to_string(), hint: other.hint().map(str::to_owned) },
    }
}
