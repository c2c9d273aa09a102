//! `docket new`: create a record from flags or in `$EDITOR`, validated before it is written.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::format::new::{NewRecord, description_template, editor_preamble};
use docket::model::Kind;
use docket::time;
use docket::tracker::RecordFile;
use toml_edit::{Array, Value};

use super::{Env, edit_until_valid};
use crate::cli::NewArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::ui::Ui;

pub fn cmd_new(ui: &Ui, mut env: Env, args: &NewArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let kind = args.kind.kind();
    let workflow = tracker.workflow(kind);
    let id = tracker.new_id(&mut env.context)?;
    let file = RecordFile { kind, id: id.clone(), path: tracker.path_for(kind, &id) };

    let title = args
        .title
        .clone()
        .or_else(|| args.package.as_ref().filter(|_| kind == Kind::Mir).map(|p| format!("[MIR] {p}")));
    let use_editor = args.edit || (title.is_none() && ui.interactive);
    if title.is_none() && !use_editor {
        return Err(CliError::usage(
            format!("a new {} needs a title", kind.noun()),
            "pass --title \"…\" (or --package for a MIR bug), or --edit to write it in $EDITOR",
        ));
    }

    let mut record = NewRecord::default();
    record.set("title", title.clone().unwrap_or_default());
    let stage = args.stage.clone().unwrap_or_else(|| workflow.initial.clone());
    let now = env.context.now();
    match kind {
        Kind::Issue => {
            record.set("type", args.issue_type.clone().unwrap_or_else(|| "feature".to_owned()));
            record.set("stage", stage);
            record.set("labels", strings(&args.labels));
            for (key, value) in [
                ("requester", &args.requester),
                ("assignee", &args.assignee),
                ("milestone", &args.milestone),
                ("iteration", &args.iteration),
            ] {
                if let Some(value) = value {
                    record.set(key, value.clone());
                }
            }
            if let Some(weight) = args.weight {
                record.set("weight", weight);
            }
            record.set("created", time::datetime_of(now));
        }
        Kind::Mir => {
            // MIR states are derived: the state to start in says which status (and assignee)
            // to write.
            let set = workflow.state(&stage).map(|state| &state.set);
            let preset =
                |field: &str| set.and_then(|set| set.get(field)).and_then(toml::Value::as_str).map(str::to_owned);
            record.set("package", args.package.clone().unwrap_or_default());
            record.set("status", preset("status").unwrap_or(stage));
            record.set("assignee", args.assignee.clone().or_else(|| preset("assignee")).unwrap_or_default());
            record.set("subscribers", strings(&["~ubuntu-mir".to_owned()]));
            record.set("security_review", false);
            record.set("verdict", "");
            if !args.labels.is_empty() {
                record.set("tags", strings(&args.labels));
            }
            record.set("created", time::datetime_of(now));
        }
        Kind::Milestone => {
            record.set("stage", stage);
            for (key, value) in [("start", &args.start), ("end", &args.end)] {
                if let Some(value) = value {
                    let date = value
                        .parse::<toml_edit::Datetime>()
                        .ok()
                        .filter(|d| d.date.is_some() && d.time.is_none())
                        .ok_or_else(|| {
                            CliError::usage(
                                format!("--{key} `{value}` is not a date"),
                                "write dates as YYYY-MM-DD, e.g. 2026-12-01",
                            )
                        })?;
                    record.set(key, date);
                }
            }
        }
    }
    match (&args.description, use_editor) {
        (Some(description), _) => record.set("description", description.clone()),
        (None, true) => record.set("description", description_template(kind, &workflow.name)),
        (None, false) => {}
    }

    let text = if use_editor {
        let preamble = editor_preamble(kind);
        match edit_until_valid(ui, &tracker, &file, &format!("{preamble}{}", record.to_toml()), &preamble)? {
            Some(text) => text,
            None => return Ok(ExitCode::from(EXIT_INPUT)),
        }
    } else {
        let text = record.to_toml();
        let parsed = tracker.parse(&file, &text);
        if has_errors(&parsed.diagnostics) {
            ui.err(&format!(
                "{} the {} was not created: the flags give an invalid record (shown as it would have been written)\n",
                ui.err_style().error("error:"),
                kind.noun()
            ));
            return Err(CliError::Diagnostics(parsed.diagnostics));
        }
        text
    };

    tracker.write(&file.path, &text)?;
    let parsed = tracker.parse(&file, &text);
    match (args.json, parsed.record) {
        (true, Some(record)) => ui.json(&docket::json::record_to_json(&record)),
        _ => ui.out(&format!("{id}\n")),
    }
    ui.err(&format!("created {}\n", file.path));
    Ok(ExitCode::SUCCESS)
}

fn strings(items: &[String]) -> Value {
    let mut array = Array::new();
    for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        array.push(item);
    }
    Value::Array(array)
}
