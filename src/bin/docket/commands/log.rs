//! `docket log`: a record's history, one entry per commit that changed it, with the fields it
//! changed; state changes stand out.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::history::{self, Change, FieldChange, History};

use super::Env;
use crate::cli::LogArgs;
use crate::error::CliError;
use crate::render;
use crate::ui::Ui;

pub fn cmd_log(ui: &Ui, env: &Env, args: &LogArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    let history = History::load_paths_with(
        &tracker.repo,
        &tracker.prefix,
        std::slice::from_ref(&file.path),
        env.context.history_walk_at(),
    )?;
    let versions = history.of(&file.path);
    let state_field = tracker.workflow(file.kind).field.clone();
    let mut previous: Option<toml::Table> = None;
    let mut entries = Vec::new();
    for version in versions {
        let table: Option<toml::Table> = match &version.blob {
            Some(blob) => Some(tracker.repo.blob_text(blob)?.and_then(|t| toml::from_str(&t).ok()).unwrap_or_default()),
            None => None,
        };
        entries.push((version, history::change(previous.as_ref(), table.as_ref())));
        previous = table;
    }
    if args.json {
        let json: Vec<serde_json::Value> = entries
            .iter()
            .map(|(v, change)| {
                let changes = match change {
                    Change::Fields(changes) => changes
                        .iter()
                        .map(|c| serde_json::json!({"field": c.field, "old": c.old, "new": c.new}))
                        .collect::<Vec<_>>(),
                    Change::Created | Change::Deleted => Vec::new(),
                };
                serde_json::json!({
                    "commit": v.commit, "date": docket::time::datetime_of(v.time).to_string(), "author": v.author,
                    "state": v.state, "deleted": v.blob.is_none(), "created": *change == Change::Created,
                    "changes": changes,
                })
            })
            .collect();
        ui.json(&serde_json::Value::Array(json));
        return Ok(ExitCode::SUCCESS);
    }
    let style = ui.out_style();
    let mut out = String::new();
    for (version, change) in entries.iter().rev() {
        let _ = writeln!(
            out,
            "{} {}  {}  {}",
            style.id("commit"),
            style.id(&version.commit[..version.commit.len().min(10)]),
            docket::time::datetime_of(version.time),
            version.author
        );
        let changes = match change {
            Change::Deleted => {
                let _ = writeln!(out, "    {}\n", style.removed("deleted"));
                continue;
            }
            // A record's first version: say it was created, not every field it has.
            Change::Created => {
                let _ = writeln!(out, "    {}\n", style.bold(&format!("created in `{}`", version.state)));
                continue;
            }
            Change::Fields(changes) => changes,
        };
        for FieldChange { field, old, new, entry } in changes {
            let highlight = *field == state_field;
            match (old, new) {
                (old, new) if *entry => {
                    let (sign, text) = match (old, new) {
                        (_, Some(new)) => (style.added("+"), new),
                        (Some(old), None) => (style.removed("-"), old),
                        (None, None) => continue,
                    };
                    let mut lines = text.lines();
                    let _ = writeln!(out, "    {field}: {sign} {}", lines.next().unwrap_or(""));
                    for line in lines {
                        let _ = writeln!(out, "      {line}");
                    }
                }
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
