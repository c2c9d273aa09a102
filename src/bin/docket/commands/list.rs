//! `docket list`: the records passing the filters, sorted. Problems in any file are reported
//! on stderr (exit 2) while the readable records are still listed. The filter is checked and
//! narrowed through the index by [`docket::select`]; this file renders.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::query::{self, Filter, SortKey};
use docket::select;

use super::Env;
use crate::cli::ListArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::render;
use crate::ui::Ui;

pub fn cmd_list(ui: &Ui, env: &Env, args: &ListArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let mut filter = Filter {
        kinds: args.kind.iter().map(|k| k.kind()).collect(),
        states: args.stage.clone(),
        mir_states: args.state.clone(),
        types: args.issue_type.clone(),
        labels: args.labels.clone(),
        assignees: args.assignee.clone(),
        unassigned: args.unassigned,
        milestones: args.milestone.clone(),
    };
    // A filter value nothing can have is a typo, not an empty result.
    select::check_filter(&tracker, &mut filter)
        .map_err(|error| CliError::Usage { message: error.to_string(), hint: Some(error.hint) })?;
    // With filters, the index narrows the files to read; the filter below decides, so both
    // paths give the same answer (a test compares them). `--no-index` reads every file.
    let loaded = match select::list_narrowing(&filter) {
        Some(expr) if !args.no_index => {
            let index = super::search::open_fresh(ui, env, &tracker)?;
            select::load_narrowed(&tracker, &index, &expr).map_err(super::search::select_error)?
        }
        _ => tracker.load_all()?,
    };
    let key = SortKey::from_name(&args.sort).unwrap_or_default();
    let rank = |record: &docket::model::Record| {
        let workflow = tracker.workflow(record.kind());
        let state = workflow.state_of(record);
        workflow.states.iter().position(|s| s.name == state).unwrap_or(usize::MAX)
    };
    let mut records = query::select(&loaded.records, &filter, key, args.reverse, &rank);
    if args.open {
        let done = docket::plan::done_stages(tracker.config());
        records.retain(|record| tracker.is_open(&done, record));
    }
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
