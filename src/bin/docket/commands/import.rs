//! `docket import git-bug`: a git-bug tracker as issues, checked against the workflow and
//! written straight to the object store in one commit.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, ExitCode, Stdio};

use docket::diagnostic::has_errors;
use docket::import::{self, ImportError};
use docket::model::Kind;
use docket::store::Repo;

use super::Env;
use crate::cli::{ImportArgs, ImportSource};
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

/// `git checkout HEAD -- <paths>`: the index and the work tree take these files from HEAD.
fn checkout(tracker: &docket::tracker::Tracker, paths: &[String]) -> Result<(), CliError> {
    let io = |source| CliError::Io { message: "cannot run git checkout".into(), source };
    let mut child = Command::new("git")
        .current_dir(tracker.repo.workdir.clone().unwrap_or_default())
        .args(["checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul"])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(io)?;
    if let Some(mut stdin) = child.stdin.take() {
        for path in paths {
            stdin.write_all(path.as_bytes()).map_err(io)?;
            stdin.write_all(b"\0").map_err(io)?;
        }
    }
    let status = child.wait().map_err(io)?;
    if !status.success() {
        return Err(CliError::usage(
            "the records are committed, but `git checkout` could not bring them into the work tree",
            "wait for any other git command to finish, then run `docket import git-bug` again: it restores them",
        ));
    }
    Ok(())
}

pub fn cmd_import(ui: &Ui, env: &Env, args: &ImportArgs) -> Result<ExitCode, CliError> {
    let ImportSource::GitBug(args) = &args.source;
    let tracker = env.tracker()?;
    let source_path = args.path.as_ref().map_or_else(|| env.start.clone(), |p| env.start.join(p));
    let source = Repo::discover_any(&source_path)?;
    let progress = ui.progress("reading git-bug");
    let issues = import::git_bug(&source, tracker.workflow(Kind::Issue), &|done, total| progress.set(done, total))
        .map_err(|error| match error {
            ImportError::Store(error) => CliError::from(error),
            other => CliError::usage(
                other.to_string(),
                "point docket at a repository git-bug wrote: `docket import git-bug PATH`",
            ),
        })?;
    progress.finish();
    // What is there already: the work tree's file, else the committed one. A file committed
    // but absent from the work tree is what an import killed between its commit and its
    // checkout leaves; this run restores it.
    let head = tracker.repo.head();
    let mut existing = BTreeMap::new();
    let mut missing = Vec::new();
    for issue in &issues {
        let path = tracker.path_for(Kind::Issue, &issue.id);
        if let Ok(text) = std::fs::read_to_string(tracker.absolute(&path)) {
            existing.insert(path, text);
        } else if let Some(head) = &head
            && let Some(text) = tracker.repo.file_at(head, &format!("{}{path}", tracker.prefix))?
        {
            missing.push(format!("{}{path}", tracker.prefix));
            existing.insert(path, text);
        }
    }
    let changes = import::changes(&issues, &|id| tracker.path_for(Kind::Issue, id), &existing);
    let created = changes.iter().filter(|(path, _)| !existing.contains_key(path)).count();
    let updated = changes.len() - created;
    if changes.is_empty() {
        if !missing.is_empty() && !args.dry_run {
            checkout(&tracker, &missing)?;
            ui.err(&format!(
                "restored {} issue files an interrupted import left unfinished in the work tree\n",
                missing.len()
            ));
        }
        ui.err(&format!("nothing to import: the {} issues from git-bug are up to date\n", issues.len()));
        return Ok(ExitCode::SUCCESS);
    }
    // What the hooks would say of these records arriving, said before anything is written.
    let mut problems = Vec::new();
    for (path, text) in &changes {
        let before = existing.get(path).map(String::as_str);
        problems.extend(docket::check::check_edit(&tracker, path, before, text, env.context.commit_time()));
    }
    if has_errors(&problems) {
        ui.err(&render::diagnostics(&problems, ui.err_style()));
        ui.err("nothing was imported: the workflow refuses these records\n");
        return Ok(ExitCode::from(EXIT_VIOLATIONS));
    }
    if args.dry_run {
        for (path, _) in &changes {
            ui.out(&format!("{} {path}\n", if existing.contains_key(path) { "update" } else { "create" }));
        }
        ui.err(&format!("would create {created} and update {updated} issues (dry run)\n"));
        return Ok(ExitCode::SUCCESS);
    }
    let files: Vec<(String, String)> =
        changes.iter().map(|(path, text)| (format!("{}{path}", tracker.prefix), text.clone())).collect();
    let message = format!(
        "Import {} issues from git-bug\n\nCreated {created}, updated {updated} (docket import git-bug).",
        changes.len()
    );
    let commit = tracker.repo.commit_files(&files, &message, "docket")?;
    // Bring the index and the work tree in line with the new commit for these files only.
    let paths: Vec<String> = files.into_iter().map(|(path, _)| path).chain(missing).collect();
    checkout(&tracker, &paths)?;
    let Some(commit) = commit else {
        // HEAD already holds these records: an interrupted import left the work tree behind.
        ui.err(&format!(
            "restored {} issue files an interrupted import left unfinished in the work tree\n",
            paths.len()
        ));
        return Ok(ExitCode::SUCCESS);
    };
    ui.out(&format!("{commit}\n"));
    ui.err(&format!(
        "imported {} issues from git-bug in one commit: {created} created, {updated} updated\n",
        changes.len()
    ));
    Ok(ExitCode::SUCCESS)
}
