//! `docket fmt`: records in the canonical layout; `--check` for CI; `--relayout` to move a
//! tracker between the flat and sharded layouts in one commit-ready change
//! ([`docket::tracker::Tracker::relayout`]).

use std::process::ExitCode;

use docket::format::canonical::canonical;
use docket::tracker::{RecordFile, Tracker};

use super::Env;
use crate::cli::FmtArgs;
use crate::error::{CliError, EXIT_INPUT, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::Ui;

pub fn cmd_fmt(ui: &Ui, env: &Env, args: &FmtArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    if let Some(layout) = &args.relayout {
        return relayout(ui, &tracker, layout);
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

fn relayout(ui: &Ui, tracker: &Tracker, layout: &str) -> Result<ExitCode, CliError> {
    let moved = tracker.relayout(layout)?;
    ui.err(&format!(
        "moved {} records to the {layout} layout and staged the change: commit it with `git commit`\n",
        moved.len()
    ));
    Ok(ExitCode::SUCCESS)
}
