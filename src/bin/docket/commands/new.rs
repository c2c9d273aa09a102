//! `docket new`: create a record from flags or in `$EDITOR`, validated before it is written
//! (the record is built and judged by [`docket::create`]; this file asks, edits and renders).

use std::process::ExitCode;

use docket::create::{self, CreateError, Draft, Refusal, Spec};
use docket::format::new::editor_preamble;

use super::{Env, edit_until_valid};
use crate::cli::NewArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::ui::Ui;

pub fn cmd_new(ui: &Ui, mut env: Env, args: &NewArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let kind = args.kind.kind();
    let spec = Spec {
        title: args.title.clone(),
        issue_type: args.issue_type.clone(),
        stage: args.stage.clone(),
        labels: args.labels.clone(),
        requester: args.requester.clone(),
        assignee: args.assignee.clone(),
        milestone: args.milestone.clone(),
        iteration: args.iteration.clone(),
        weight: args.weight,
        description: args.description.clone(),
        package: args.package.clone(),
        start: args.start.clone(),
        end: args.end.clone(),
        id: args.id.clone(),
    };
    let in_editor = args.edit || (create::title(kind, &spec).is_none() && ui.interactive);
    let Draft { file, record } =
        create::draft(&tracker, &mut env.context, kind, &spec, in_editor).map_err(|error| match error {
            CreateError::Tracker(error) => CliError::from(error),
            other => CliError::Usage { message: other.to_string(), hint: other.hint() },
        })?;

    let text = if in_editor {
        let preamble = editor_preamble(kind);
        let text = format!("{preamble}{}", record.to_toml());
        let scratch = format!("new-{}", kind.name());
        let draft = super::Draft {
            file: &file,
            scratch: &scratch,
            text: &text,
            strip: &preamble,
            old: None,
            now: env.context.commit_time(),
        };
        match edit_until_valid(ui, &tracker, &draft)? {
            Some(text) => text,
            None => return Ok(ExitCode::from(EXIT_INPUT)),
        }
    } else {
        let text = record.to_toml();
        match create::judge(&tracker, &file, &text, env.context.commit_time()) {
            Ok(()) => text,
            Err(Refusal::Invalid(diagnostics)) => {
                ui.err(&format!(
                    "{} the {} was not created: the flags give an invalid record (shown as it would have been written)\n",
                    ui.err_style().error("error:"),
                    kind.noun()
                ));
                return Err(CliError::Diagnostics(diagnostics));
            }
            Err(Refusal::Refused(diagnostics)) => {
                ui.err(&crate::render::diagnostics(&diagnostics, ui.err_style()));
                ui.err(&format!(
                    "{} the {} was not created: the `{}` workflow would refuse it\n",
                    ui.err_style().error("error:"),
                    kind.noun(),
                    tracker.workflow(kind).name
                ));
                return Ok(ExitCode::from(crate::error::EXIT_VIOLATIONS));
            }
        }
    };

    tracker.write(&file.path, &text)?;
    let parsed = tracker.parse(&file, &text);
    match (args.json, parsed.record) {
        (true, Some(record)) => ui.json(&docket::json::record_to_json(&record)),
        _ => ui.out(&format!("{}\n", file.id)),
    }
    ui.err(&format!("created {}\n", file.path));
    Ok(ExitCode::SUCCESS)
}
