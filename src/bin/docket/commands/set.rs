//! `docket set`: change fields in place (`toml_edit`), validate the result, and write it only
//! when it is valid and breaks no workflow rule that held before. Changing the state is
//! `docket move`'s job.

use std::process::ExitCode;

use docket::format::edit::{self, Assignment};

use super::Env;
use crate::cli::SetArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_set(ui: &Ui, env: &Env, args: &SetArgs) -> Result<ExitCode, CliError> {
    if args.assignments.is_empty() && args.unset.is_empty() {
        return Err(CliError::usage(
            "nothing to set",
            "give FIELD=VALUE arguments or --unset FIELD, e.g. `docket set k3x9 weight=3`",
        ));
    }
    let mut assignments = Vec::new();
    for text in &args.assignments {
        assignments.push(Assignment::parse(text).map_err(|error| {
            CliError::usage(error.to_string(), "write FIELD=VALUE, FIELD+=VALUE or FIELD-=VALUE, e.g. `weight=3`")
        })?);
    }
    assignments.extend(args.unset.iter().map(|field| Assignment::unset(field)));

    let tracker = env.tracker()?;
    let _lock = tracker.lock_writes()?;
    let file = tracker.resolve(&args.id)?;
    let (_, _, source) = tracker.load(&file)?;
    let edited = edit::apply(&source, file.kind, &assignments, env.context.now()).map_err(|error| {
        CliError::usage(
            format!("cannot edit {}: {error}", file.path),
            "see `docket set --help` for the forms a change may take",
        )
    })?;
    let parsed = super::valid_result(ui, &tracker, &file, &edited, "the result would be invalid")?;
    if let (Some(old), Some(new)) = (tracker.parse(&file, &source).record, &parsed.record) {
        let workflow = tracker.workflow(file.kind);
        let (from, to) = (workflow.state_of(&old), workflow.state_of(new));
        if from != to && workflow.state(&to).is_none() {
            let states = workflow.states.iter().map(|s| format!("`{}`", s.name)).collect::<Vec<_>>().join(", ");
            return Err(CliError::usage(
                format!(
                    "this would put {} in `{to}`, which is not a state of the `{}` workflow",
                    file.path, workflow.name
                ),
                format!("the states: {states}; move between them with `docket move {} STATE`", file.id),
            ));
        }
        if from != to {
            // The move, with the other fields of this command (those `move` takes too).
            let field = &workflow.field;
            let mut command = format!("docket move {} {to}", file.id);
            for text in args.assignments.iter().filter(|a| !a.starts_with(&format!("{field}="))) {
                let quoted = if text.contains(char::is_whitespace) { format!("'{text}'") } else { text.clone() };
                command.push(' ');
                command.push_str(&quoted);
            }
            return Err(CliError::usage(
                format!("this would move {} from `{from}` to `{to}`, which is `docket move`'s job", file.path),
                format!("run `{command}` (it checks the workflow and fills what it can)"),
            ));
        }
        // Refuse only what this change breaks, not what was already wrong.
        let introduced =
            docket::check::edit_breaks(&tracker, &file.path, Some(&source), &edited, env.context.commit_time());
        if !introduced.is_empty() {
            ui.err(&render::diagnostics(&introduced, ui.err_style()));
            ui.err(&format!(
                "{} {} was not changed: the `{}` workflow would refuse it\n",
                ui.err_style().error("error:"),
                file.path,
                workflow.name
            ));
            return Ok(ExitCode::from(crate::error::EXIT_VIOLATIONS));
        }
    }
    if edited == source {
        ui.err(&format!("{} already has these values; nothing changed\n", file.path));
    } else {
        tracker.write(&file.path, &edited)?;
        if !args.json {
            ui.out(&render::diff(&source, &edited, ui.out_style()));
        }
        ui.err(&format!("updated {}\n", file.path));
    }
    if let (true, Some(record)) = (args.json, parsed.record) {
        ui.json(&docket::json::record_to_json(&record));
    }
    Ok(ExitCode::SUCCESS)
}
