//! `docket fmt`: records in the canonical layout; `--check` for CI; `--relayout` to move a
//! tracker between the flat and sharded layouts in one commit-ready change.

use std::process::{Command, ExitCode};

use docket::format::canonical::canonical;
use docket::format::edit;
use docket::tracker::{RecordFile, Tracker};

use super::Env;
use crate::cli::FmtArgs;
use crate::error::{CliError, EXIT_INPUT, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

pub fn cmd_fmt(ui: &Ui, env: &Env, args: &FmtArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    if let Some(layout) = &args.relayout {
        return relayout(ui, env, &tracker, layout);
    }
    let files: Vec<RecordFile> = if args.ids.is_empty() {
        tracker.record_files()?.0
    } else {
        args.ids.iter().map(|id| tracker.resolve(id)).collect::<Result<_, _>>()?
    };
    let mut unformatted = 0;
    let mut broken = Vec::new();
    let _lock = if args.check { None } else { Some(tracker.lock_writes()?) };
    for file in &files {
        let (record, diagnostics, source) = tracker.load(file)?;
        if record.is_none() {
            broken.extend(diagnostics);
            continue;
        }
        let Ok(tidy) = canonical(file.kind, &source) else { continue };
        if tidy == source {
            continue;
        }
        unformatted += 1;
        if args.check {
            let diff = similar::TextDiff::from_lines(&source, &tidy);
            ui.out(&format!(
                "{}",
                diff.unified_diff().header(&format!("a/{}", file.path), &format!("b/{}", file.path))
            ));
        } else {
            tracker.write(&file.path, &tidy)?;
            ui.err(&format!("formatted {}\n", file.path));
        }
    }
    if !broken.is_empty() {
        ui.err(&render::diagnostics(&broken, ui.err_style()));
        return Ok(ExitCode::from(EXIT_INPUT));
    }
    if args.check && unformatted > 0 {
        ui.err(&format!(
            "{unformatted} of {} records are not in the canonical layout: run `docket fmt`\n",
            files.len()
        ));
        return Ok(ExitCode::from(EXIT_VIOLATIONS));
    }
    Ok(ExitCode::SUCCESS)
}

fn relayout(ui: &Ui, env: &Env, tracker: &Tracker, layout: &str) -> Result<ExitCode, CliError> {
    let _lock = tracker.lock_writes()?;
    let config_path = tracker.absolute(docket::config::CONFIG_FILE);
    let config = std::fs::read_to_string(&config_path)
        .map_err(|source| CliError::Io { message: format!("cannot read {}", config_path.display()), source })?;
    let mut document: toml_edit::DocumentMut = config.parse().map_err(|e: toml_edit::TomlError| {
        CliError::usage(format!("docket.toml: {}", e.message()), "fix docket.toml first")
    })?;
    edit::replace_value(document.as_table_mut(), "layout", toml_edit::Value::from(layout));
    std::fs::write(&config_path, document.to_string())
        .map_err(|source| CliError::Io { message: format!("cannot write {}", config_path.display()), source })?;
    // Re-open with the new layout to learn where each record goes.
    let moved_tracker = env.tracker()?;
    let mut moved = Vec::new();
    for file in moved_tracker.record_files()?.0 {
        let target = moved_tracker.path_for(file.kind, &file.id);
        if target == file.path {
            continue;
        }
        let (from, to) = (moved_tracker.absolute(&file.path), moved_tracker.absolute(&target));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|source| CliError::Io { message: format!("cannot create {}", parent.display()), source })?;
        }
        std::fs::rename(&from, &to)
            .map_err(|source| CliError::Io { message: format!("cannot move {}", file.path), source })?;
        moved.push((file.path, target));
    }
    // Empty shard folders of the old layout go.
    for kind in docket::model::Kind::ALL {
        if let Ok(entries) = std::fs::read_dir(moved_tracker.root.join(kind.folder())) {
            for entry in entries.flatten().filter(|e| e.path().is_dir()) {
                let _ = std::fs::remove_dir(entry.path());
            }
        }
    }
    // Stage it all, so the move is one commit.
    let mut paths: Vec<String> = docket::model::Kind::ALL.iter().map(|k| k.folder().to_owned()).collect();
    paths.push(docket::config::CONFIG_FILE.to_owned());
    paths.retain(|path| moved_tracker.root.join(path).exists());
    let status = Command::new("git")
        .current_dir(&moved_tracker.root)
        .args(["add", "-A", "--"])
        .args(&paths)
        .status()
        .map_err(|source| CliError::Io { message: "cannot run git add".into(), source })?;
    if !status.success() {
        return Err(CliError::usage("git add failed after moving the records", "stage the change by hand: git add -A"));
    }
    ui.err(&format!(
        "moved {} records to the {layout} layout and staged the change: commit it with `git commit`\n",
        moved.len()
    ));
    Ok(ExitCode::SUCCESS)
}
