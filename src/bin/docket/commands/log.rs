//! `docket log`: a record's history, one entry per commit that changed it, with the fields it
//! changed; state changes stand out.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::history::History;

use super::Env;
use crate::cli::LogArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_log(ui: &Ui, env: &Env, args: &LogArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    let history = History::load_paths(&tracker.repo, &tracker.prefix, std::slice::from_ref(&file.path))?;
    let versions = history.of(&file.path);
    let state_field = tracker.workflow(file.kind).field.clone();
    let mut previous = toml::Table::new();
    let mut entries = Vec::new();
    for version in versions {
        let table: toml::Table = match &version.blob {
            Some(blob) => tracker.repo.blob_text(blob)?.and_then(|t| toml::from_str(&t).ok()).unwrap_or_default(),
            None => toml::Table::new(),
        };
        let mut changes = Vec::new();
        for key in previous.keys().chain(table.keys().filter(|k| !previous.contains_key(*k))) {
            let (old, new) = (previous.get(key), table.get(key));
            if old != new {
                changes.push((key.clone(), old.map(text), new.map(text)));
            }
        }
        entries.push((version, changes));
        previous = table;
    }
    if args.json {
        let json: Vec<serde_json::Value> = entries
            .iter()
            .map(|(v, changes)| {
                serde_json::json!({
                    "commit": v.commit, "date": docket::time::datetime_of(v.time).to_string(), "author": v.author,
                    "state": v.state, "deleted": v.blob.is_none(),
                    "changes": changes.iter().map(|(k, o, n)| serde_json::json!({"field": k, "old": o, "new": n})).collect::<Vec<_>>(),
                })
            })
            .collect();
        ui.json(&serde_json::Value::Array(json));
        return Ok(ExitCode::SUCCESS);
    }
    let style = ui.out_style();
    let mut out = String::new();
    for (version, changes) in entries.iter().rev() {
        let _ = writeln!(
            out,
            "{} {}  {}  {}",
            style.id("commit"),
            style.id(&version.commit[..version.commit.len().min(10)]),
            docket::time::datetime_of(version.time),
            version.author
        );
        if version.blob.is_none() {
            let _ = writeln!(out, "    {}", style.removed("deleted"));
        }
        // A record's first version: say it was created, not every field it has.
        if changes.iter().all(|(_, old, _)| old.is_none()) && version.blob.is_some() {
            let _ = writeln!(out, "    {}", style.bold(&format!("created in `{}`", version.state)));
            out.push('\n');
            continue;
        }
        for (field, old, new) in changes {
            let highlight = *field == state_field;
            match (old, new) {
                (Some(old), Some(new)) if old.contains('\n') || new.contains('\n') => {
                    let _ = writeln!(out, "    {field}:");
                    for line in render::diff(old, new, style).lines() {
                        let _ = writeln!(out, "      {line}");
                    }
                }
                (old, new) => {
                    // A long text that appears or goes is shown by its first line.
                    let short = |value: &Option<String>| match value {
                        None => "(none)".to_owned(),
                        Some(v) if v.contains('\n') => format!("{} …", v.lines().next().unwrap_or("")),
                        Some(v) => v.clone(),
                    };
                    let arrow = format!("{} → {}", short(old), short(new));
                    let line = format!("{field}: {arrow}");
                    let _ = writeln!(out, "    {}", if highlight { style.bold(&line) } else { line });
                }
            }
        }
        out.push('\n');
    }
    if versions.is_empty() {
        ui.err(&format!("{} has no committed history yet\n", file.path));
    }
    ui.out(&out);
    Ok(ExitCode::SUCCESS)
}

fn text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
