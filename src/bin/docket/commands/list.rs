//! `docket list`: the records passing the filters, sorted. Problems in any file are reported
//! on stderr (exit 2) while the readable records are still listed.

use std::process::ExitCode;

use docket::diagnostic::has_errors;
use docket::model::{IssueType, Kind, MirState, MirStatus};
use docket::query::{Filter, SortKey, select};

use super::Env;
use crate::cli::ListArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::render;
use crate::ui::Ui;

pub fn cmd_list(ui: &Ui, env: &Env, args: &ListArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let kinds: Vec<Kind> = args.kind.iter().map(|k| k.kind()).collect();
    let searched = if kinds.is_empty() { Kind::ALL.to_vec() } else { kinds.clone() };
    // A filter value nothing can have is a typo, not an empty result.
    let mut states: Vec<&str> = Vec::new();
    for kind in &searched {
        match kind {
            Kind::Mir => states.extend(MirStatus::NAMES),
            _ => states.extend(tracker.workflow(*kind).states.iter().map(|s| s.name.as_str())),
        }
    }
    check_values("--stage", &args.stage, &states)?;
    check_values("--type", &args.issue_type, IssueType::NAMES)?;
    check_values("--state", &args.state, MirState::NAMES)?;
    let loaded = tracker.load_all()?;
    // Milestones may be named by an id prefix, like every other id.
    let mut milestones = Vec::new();
    for wanted in &args.milestone {
        let exact = loaded.records.iter().any(|r| r.kind() == Kind::Milestone && r.id == *wanted);
        milestones.push(match tracker.resolve(wanted) {
            Ok(file) if !exact && file.kind == Kind::Milestone => file.id,
            _ => wanted.clone(),
        });
    }
    let filter = Filter {
        kinds,
        states: args.stage.clone(),
        mir_states: args.state.clone(),
        types: args.issue_type.clone(),
        labels: args.labels.clone(),
        assignees: args.assignee.clone(),
        milestones,
    };
    let key = SortKey::from_name(&args.sort).unwrap_or_default();
    let rank = |record: &docket::model::Record| {
        let workflow = tracker.workflow(record.kind());
        let state = workflow.state_of(record);
        workflow.states.iter().position(|s| s.name == state).unwrap_or(usize::MAX)
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

fn check_values(flag: &str, values: &[String], allowed: &[&str]) -> Result<(), CliError> {
    for value in values {
        if !allowed.contains(&value.as_str()) {
            let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            let hint = match docket::format::fields::closest(value, allowed.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? (the values: {list})"),
                None => format!("the values: {list}"),
            };
            return Err(CliError::usage(format!("{flag} `{value}` matches nothing any record can have"), hint));
        }
    }
    Ok(())
}
