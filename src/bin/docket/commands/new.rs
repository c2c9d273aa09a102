//! `docket new`: create a record from flags or in `$EDITOR`, validated before it is written.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::format::new::{NewRecord, description_template, editor_preamble};
use docket::model::Kind;
use docket::time;
use docket::tracker::RecordFile;
use toml_edit::{Array, Value};

use super::{Draft, Env, edit_until_valid};
use crate::cli::NewArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::ui::Ui;

pub fn cmd_new(ui: &Ui, mut env: Env, args: &NewArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let kind = args.kind.kind();
    let workflow = tracker.workflow(kind);
    refuse_foreign_flags(kind, args)?;
    let id = match &args.id {
        Some(id) => {
            docket::id::validate(id).map_err(|why| {
                CliError::usage(
                    format!("`{id}` cannot be an id: {why}"),
                    "use lowercase letters, digits and `-`, e.g. `16-7`",
                )
            })?;
            if tracker.record_files()?.0.iter().any(|file| file.id == *id) {
                return Err(CliError::usage(
                    format!("a record with the id `{id}` already exists"),
                    format!("see it with `docket show {id}`, or pick another id"),
                ));
            }
            id.clone()
        }
        None => tracker.new_id(&mut env.context)?,
    };
    let file = RecordFile { kind, id: id.clone(), path: tracker.path_for(kind, &id) };

    let title = args
        .title
        .clone()
        .or_else(|| args.package.as_ref().filter(|_| kind == Kind::Mir).map(|p| format!("[MIR] {p}")));
    let use_editor = args.edit || (title.is_none() && ui.interactive);
    if kind == Kind::Mir && args.package.is_none() && !use_editor {
        // A MIR bug is about a package before anything else; its title follows from it.
        return Err(CliError::usage(
            "a new MIR bug needs the package it asks to promote",
            "pass --package NAME (the title defaults to `[MIR] NAME`), or --edit to write it in $EDITOR",
        ));
    }
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
            // Labels the workflow requires of every new record are added for the user.
            let mut labels = args.labels.clone();
            for label in &workflow.create.labels {
                if !labels.contains(label) {
                    labels.push(label.clone());
                }
            }
            record.set("labels", strings(&labels));
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
        let text = format!("{preamble}{}", record.to_toml());
        let scratch = format!("new-{}", kind.name());
        let draft = Draft {
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
        let parsed = tracker.parse(&file, &text);
        if has_errors(&parsed.diagnostics) {
            ui.err(&format!(
                "{} the {} was not created: the flags give an invalid record (shown as it would have been written)\n",
                ui.err_style().error("error:"),
                kind.noun()
            ));
            return Err(CliError::Diagnostics(parsed.diagnostics));
        }
        let breaks = docket::check::edit_breaks(&tracker, &file.path, None, &text, env.context.commit_time());
        if has_errors(&breaks) {
            ui.err(&crate::render::diagnostics(&breaks, ui.err_style()));
            ui.err(&format!(
                "{} the {} was not created: the `{}` workflow would refuse it\n",
                ui.err_style().error("error:"),
                kind.noun(),
                workflow.name
            ));
            return Ok(ExitCode::from(crate::error::EXIT_VIOLATIONS));
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

/// Flags that make no sense for `kind` are refused rather than silently ignored.
fn refuse_foreign_flags(kind: Kind, args: &NewArgs) -> Result<(), CliError> {
    let given = [
        ("--type", args.issue_type.is_some(), [true, false, false]),
        ("--requester", args.requester.is_some(), [true, false, false]),
        ("--milestone", args.milestone.is_some(), [true, false, false]),
        ("--iteration", args.iteration.is_some(), [true, false, false]),
        ("--weight", args.weight.is_some(), [true, false, false]),
        ("--assignee", args.assignee.is_some(), [true, true, false]),
        ("--label", !args.labels.is_empty(), [true, true, false]),
        ("--package", args.package.is_some(), [false, true, false]),
        ("--start", args.start.is_some(), [false, false, true]),
        ("--end", args.end.is_some(), [false, false, true]),
    ];
    let index = Kind::ALL.iter().position(|k| *k == kind).expect("every kind is in ALL");
    for (flag, set, applies) in given {
        if set && !applies[index] {
            let owners: Vec<&str> = Kind::ALL.iter().zip(applies).filter(|(_, a)| *a).map(|(k, _)| k.noun()).collect();
            return Err(CliError::usage(
                format!("{flag} does not apply to {}", kind.a_noun()),
                format!("{flag} is for {}s", owners.join("s and ")),
            ));
        }
    }
    Ok(())
}
