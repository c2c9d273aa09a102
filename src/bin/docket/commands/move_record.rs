//! `docket move`: a transition through the workflow engine, filling what it can
//! (`previous_stage`), refused with the same diagnostics as the hooks, editing only the lines it
//! must.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::format::edit::{self, Assignment};
use docket::workflow::engine::move_edits;

use super::Env;
use crate::cli::MoveArgs;
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

pub fn cmd_move(ui: &Ui, env: &Env, args: &MoveArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let _lock = tracker.lock_writes()?;
    let file = tracker.resolve(&args.id)?;
    let (record, diagnostics, source) = tracker.load(&file)?;
    let Some(record) = record else { return Err(CliError::Diagnostics(diagnostics)) };
    let workflow = tracker.workflow(file.kind);
    if workflow.state(&args.state).is_none() {
        let names: Vec<&str> = workflow.states.iter().map(|s| s.name.as_str()).collect();
        let near = docket::format::fields::closest(&args.state, names.iter().copied());
        let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        return Err(CliError::usage(
            format!("the `{}` workflow has no state `{}`", workflow.name, args.state),
            match near {
                Some(near) => format!("did you mean `{near}`? (the states: {list})"),
                None => format!("the states: {list}"),
            },
        ));
    }
    let current = workflow.state_of(&record);
    if current == args.state && args.assignments.is_empty() {
        ui.err(&format!("{} is already in `{current}`; nothing changed\n", file.path));
        return Ok(ExitCode::SUCCESS);
    }
    // The hook judges the committed version against the new one, so `move` does too: moves
    // made one after another before a commit are judged as the one move they add up to
    // (`blocked` and back is no move at all; two steps forward are one step too many).
    let committed = tracker
        .repo
        .head()
        .and_then(|head| tracker.repo.file_at(&head, &format!("{}{}", tracker.prefix, file.path)).ok().flatten());
    let committed_state = committed
        .as_deref()
        .and_then(|text| tracker.parse(&file, text).record)
        .map(|r| workflow.state_of(&r))
        .filter(|s| *s != current);
    let mut edits = move_edits(workflow, &record, &args.state);
    for text in &args.assignments {
        edits.push(Assignment::parse(text).map_err(|error| {
            CliError::usage(error.to_string(), "write FIELD=VALUE, e.g. `blocked_reason=\"waiting for the sandbox\"`")
        })?);
    }
    let mut moved = edit::apply(&source, file.kind, &edits, env.context.now())
        .map_err(|error| CliError::usage(format!("cannot edit {}: {error}", file.path), "see `docket move --help`"))?;
    if let Some(message) = &args.message {
        let author = super::comment::author(&tracker, None);
        moved = edit::append_comment(&moved, file.kind, env.context.now(), author.as_deref(), message).map_err(
            |error| CliError::usage(format!("cannot edit {}: {error}", file.path), "see `docket move --help`"),
        )?;
    }
    let parsed = super::valid_result(ui, &tracker, &file, &moved, "the result would be invalid")?;
    // A derived state (MIR) may need more than the move sets: say what.
    if let Some(reached) = parsed.record.as_ref().map(|r| workflow.state_of(r)).filter(|s| *s != args.state) {
        return Err(CliError::usage(
            format!("these changes leave {} in `{reached}`, not `{}`", file.path, args.state),
            match args.state.as_str() {
                "assigned_mir" => "give the MIR team member: `assignee=<name>`".to_owned(),
                "in_progress" | "fix_committed" | "invalid_unpromoted" => "record the ACK: `verdict=ack`".to_owned(),
                _ => "set the fields that state is made of in the same command (FIELD=VALUE)".to_owned(),
            },
        ));
    }
    let before = committed.as_deref().unwrap_or(&source);
    let verdict = docket::check::check_edit(&tracker, &file.path, Some(before), &moved, env.context.commit_time());
    if !verdict.is_empty() {
        ui.err(&render::diagnostics(&verdict, ui.err_style()));
    }
    if has_errors(&verdict) {
        if let Some(committed_state) = &committed_state {
            ui.err(&format!(
                "note: {} is in `{committed_state}` in the last commit, so the next commit moves it `{committed_state}` → `{}` in one step; commit the move to `{current}` first\n",
                file.path, args.state
            ));
        }
        ui.err(&format!(
            "{} `{current}` → `{}` refused; {} is unchanged\n",
            ui.err_style().error("error:"),
            args.state,
            file.path
        ));
        return Ok(ExitCode::from(EXIT_VIOLATIONS));
    }
    tracker.write(&file.path, &moved)?;
    if args.json {
        if let Some(record) = parsed.record {
            ui.json(&docket::json::record_to_json(&record));
        }
    } else {
        ui.out(&render::diff(&source, &moved, ui.out_style()));
    }
    ui.err(&format!("moved {} from `{current}` to `{}`\n", file.path, args.state));
    Ok(ExitCode::SUCCESS)
}
