//! `docket check`: the staged change, a range of commits, or the whole tree, against the
//! workflows. Exit 1 on violations, 0 when there are at most warnings.

use std::process::ExitCode;

use docket::check::{self, Report};
use docket::tracker::Tracker;

use super::Env;
use crate::cli::CheckArgs;
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

pub fn cmd_check(ui: &Ui, env: &Env, args: &CheckArgs) -> Result<ExitCode, CliError> {
    let report = if args.staged {
        let (repo, root) = Tracker::locate(&env.start)?;
        check::check_staged(&repo, &Tracker::prefix_of(&repo, &root), env.context.commit_time())?
    } else if let Some(range) = &args.range {
        let (from, to) = match range.split_once("..") {
            Some((from, to)) if !to.is_empty() && !to.starts_with('.') => ((!from.is_empty()).then_some(from), to),
            _ => {
                return Err(CliError::usage(
                    format!("`{range}` is not a range"),
                    "write it as A..B, e.g. `docket check --range origin/main..HEAD`",
                ));
            }
        };
        let (repo, root) = Tracker::locate(&env.start)?;
        let commits = repo.range(from, to)?;
        let prefix = Tracker::prefix_of(&repo, &root);
        let mut report = check::check_commits(&repo, &prefix, &commits)?;
        // And where the range ends, whatever the commits between: a merge that kept an old
        // version cannot undo a move (`A..B` with `A` not an ancestor of `B` too).
        if let Some(from) = from {
            let (from, to) = (repo.resolve(from)?, repo.resolve(to)?);
            report.absorb(check::check_result(&repo, &prefix, &from, &to, env.context.commit_time())?);
        }
        report
    } else if let Some(remote) = &args.unpushed {
        // Every branch, as if pushed to the branch of the same name: its new commits, and where
        // it would take the remote's copy. Only branches ahead of their remote copy are judged
        // as updates: git refuses to push the others without `--force`, and the server judges
        // a forced push.
        let (repo, root) = Tracker::locate(&env.start)?;
        let prefix = Tracker::prefix_of(&repo, &root);
        let mut report = check::check_commits(&repo, &prefix, &repo.unpushed(remote)?)?;
        let mut updates = Vec::new();
        for (name, tip) in repo.branches()? {
            let branch = name.trim_start_matches("refs/heads/");
            if let Ok(old) = repo.resolve(&format!("refs/remotes/{remote}/{branch}"))
                && old != tip
                && repo.is_ancestor(&old, &tip)
            {
                updates.push(check::RefUpdate { name, old: Some(old), new: Some(tip) });
            }
        }
        report.absorb(check::check_updates(&repo, &prefix, &updates, env.context.commit_time())?);
        report
    } else {
        check::check_tree(&env.tracker()?, env.context.commit_time())?
    };
    Ok(finish(ui, &report, args.json, None))
}

/// Prints a report and says how the process exits; `refused` names what a failing hook stops.
pub fn finish(ui: &Ui, report: &Report, json: bool, refused: Option<&str>) -> ExitCode {
    if json {
        ui.json(&serde_json::json!({
            "violations": report.diagnostics,
            "files": report.files,
            "commits": report.commits,
        }));
    } else if !report.diagnostics.is_empty() {
        ui.err(&render::diagnostics(&report.diagnostics, ui.err_style()));
    }
    if !report.has_errors() {
        return ExitCode::SUCCESS;
    }
    match refused {
        Some("commit") => ui.err(&format!(
            "{} commit: fix the problems above and commit again (your files and the index are unchanged)\n",
            ui.err_style().error("docket refused the")
        )),
        Some(what)
            if report.diagnostics.iter().any(|d| d.rule.starts_with("branch.") || d.rule == "workflow.result") =>
        {
            ui.err(&format!(
                "{} {what}: a push cannot undo what the branch holds; push new commits on top of it instead (`git pull --rebase`, then push)\n",
                ui.err_style().error("docket refused the")
            ));
        }
        Some(what) => ui.err(&format!(
            "{} {what}: a later commit cannot repair an earlier one; rewrite the commits named above (e.g. `git rebase -i`) and push again\n",
            ui.err_style().error("docket refused the")
        )),
        None => {}
    }
    ExitCode::from(EXIT_VIOLATIONS)
}
