//! `docket merge-driver %O %A %B %P`: git's merge driver for record files. Merges field by
//! field; writes the result over %A; exits 0 when clean, 1 on a conflict (both values are in
//! the file between markers) or when the merged record would break its workflow.

use std::process::{Command, ExitCode};

use docket::diagnostic::has_errors;
use docket::merge;
use docket::tracker::Tracker;

use super::Env;
use crate::cli::MergeDriverArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_merge_driver(ui: &Ui, env: &Env, args: &MergeDriverArgs) -> Result<ExitCode, CliError> {
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map_err(|source| CliError::Io { message: format!("cannot read {}", path.display()), source })
    };
    let (base, ours, theirs) = (read(&args.base)?, read(&args.ours)?, read(&args.theirs)?);
    let merged = match merge::merge(&base, &ours, &theirs) {
        Ok(merged) => merged,
        // Not TOML on some side: leave it to git's line merge.
        Err(error) => {
            ui.err(&format!("docket merge: {}: {error}; merging lines instead\n", args.path));
            let status = Command::new("git")
                .args(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"])
                .arg(&args.ours)
                .arg(&args.base)
                .arg(&args.theirs)
                .status()
                .map_err(|source| CliError::Io { message: "cannot run git merge-file".into(), source })?;
            return Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
    };
    let mut text = merged.text;
    let mut conflict = !merged.conflicts.is_empty();
    if conflict {
        ui.err(&format!("docket merge: {}: both sides changed {}\n", args.path, merged.conflicts.join(", ")));
    } else if let Some(problems) = workflow_problems(env, &args.path, [&base, &ours, &theirs], &text) {
        // Each side was fine; together they break the workflow: a conflict for a person.
        let note = problems.iter().fold(String::new(), |mut note, p| {
            note.push_str("# docket merge conflict: ");
            note.push_str(p);
            note.push('\n');
            note
        });
        ui.err(&format!("docket merge: {}: the merged record breaks its workflow\n{note}", args.path));
        text = format!("{note}{text}");
        conflict = true;
    }
    std::fs::write(&args.ours, text)
        .map_err(|source| CliError::Io { message: format!("cannot write {}", args.ours.display()), source })?;
    Ok(if conflict { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// What the workflow says of base → merged, when the file is a record of a tracker here and
/// the merged record is a legal step from none of `sides` (base, ours, theirs): a record moved
/// in several steps on one side and edited on the other is a legal step from the side that
/// moved it, as the hooks judge the merge commit.
fn workflow_problems(env: &Env, path: &str, sides: [&str; 3], merged: &str) -> Option<Vec<String>> {
    let tracker = Tracker::discover(&env.start).ok()?;
    let relative = path.strip_prefix(&tracker.prefix)?;
    let now = env.context.commit_time();
    let judge = |side: &str| {
        let old = (!side.trim().is_empty()).then_some(side);
        docket::check::check_edit(&tracker, relative, old, merged, now)
    };
    let problems = judge(sides[0]);
    if !has_errors(&problems) || sides[1..].iter().any(|side| !side.trim().is_empty() && !has_errors(&judge(side))) {
        return None;
    }
    Some(problems.into_iter().filter(docket::Diagnostic::is_error).map(|d| d.message).collect())
}
