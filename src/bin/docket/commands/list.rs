//! `docket list`: the records passing the filters, sorted. Problems in any file are reported
//! on stderr (exit 2) while the readable records are still listed.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::query::{Filter, SortKey, select};

use super::Env;
use crate::cli::ListArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::render;
use crate::ui::Ui;

pub fn cmd_list(ui: &Ui, env: &Env, args: &ListArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let loaded = tracker.load_all()?;
    let filter = Filter {
        kinds: args.kind.iter().map(|k| k.kind()).collect(),
        states: args.stage.clone(),
        mir_states: args.state.clone(),
        types: args.issue_type.clone(),
        labels: args.labels.clone(),
        assignees: args.assignee.clone(),
        milestones: args.milestone.clone(),
    };
    let key = SortKey::from_name(&args.sort).unwrap_or_default();
    let workflows: Vec<_> = docket::model::Kind::ALL.iter().map(|&kind| tracker.workflow(kind)).collect();
    let rank = |kind, state: &str| {
        workflows
            .iter()
            .find(|w| w.kind == kind)
            .and_then(|w| w.states.iter().position(|s| s.name == state))
            .unwrap_or(usize::MAX)
    };
    let records = select(&loaded.records, &filter, key, args.reverse, &rank);
    if args.json {
        ui.json(&serde_json::Value::Array(records.iter().map(|r| docket::json::record_to_json(r)).collect()));
    } else {
        ui.out(&render::table(&records, ui.out_style()));
    }
    if !loaded.diagnostics.is_empty() {
        ui.err(&render::diagnostics(&loaded.diagnostics, ui.err_style()));
    }
    Ok(if has_errors(&loaded.diagnostics) { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}
