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
    states.sort_unstable();
    states.dedup();
    check_values("--stage", &args.stage, &states)?;
    check_values("--type", &args.issue_type, IssueType::NAMES)?;
    check_values("--state", &args.state, MirState::NAMES)?;
    // Milestones may be named by an id prefix, like every other id.
    let mut milestones = Vec::new();
    for wanted in &args.milestone {
        let exact = tracker.absolute(&tracker.path_for(Kind::Milestone, wanted)).is_file()
            || tracker.absolute(&format!("milestones/{wanted}.toml")).is_file();
        milestones.push(match tracker.resolve(wanted) {
            _ if exact => wanted.clone(),
            Ok(file) if file.kind == Kind::Milestone => file.id,
            // Like every other filter, a milestone nothing can have is a typo, not an empty list.
            _ => {
                let known = milestone_ids(&tracker);
                if known.is_empty() {
                    return Err(CliError::usage(
                        format!("--milestone `{wanted}` matches nothing any record can have"),
                        "the tracker has no milestones yet (`docket new milestone`)",
                    ));
                }
                let names: Vec<&str> = known.iter().map(String::as_str).collect();
                check_values("--milestone", std::slice::from_ref(wanted), &names)?;
                wanted.clone()
            }
        });
    }
    let filtered = !(kinds.is_empty()
        && args.stage.is_empty()
        && args.state.is_empty()
        && args.issue_type.is_empty()
        && args.labels.is_empty()
        && args.assignee.is_empty()
        && milestones.is_empty());
    // With filters, the index narrows the files to read; the filter below decides, so both
    // paths give the same answer (a test compares them). `--no-index` reads every file.
    let loaded = if filtered && !args.no_index {
        load_through_index(ui, env, &tracker, args, &kinds, &milestones)?
    } else {
        tracker.load_all()?
    };
    let filter = Filter {
        kinds,
        states: args.stage.clone(),
        mir_states: args.state.clone(),
        types: args.issue_type.clone(),
        labels: args.labels.clone(),
        assignees: args.assignee.clone(),
        unassigned: args.unassigned,
        milestones,
    };
    let key = SortKey::from_name(&args.sort).unwrap_or_default();
    let rank = |record: &docket::model::Record| {
        let workflow = tracker.workflow(record.kind());
        let state = workflow.state_of(record);
        workflow.states.iter().position(|s| s.name == state).unwrap_or(usize::MAX)
    };
    let mut records = select(&loaded.records, &filter, key, args.reverse, &rank);
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

/// The ids of the milestones, from the milestones folder alone (both layouts).
fn milestone_ids(tracker: &docket::tracker::Tracker) -> Vec<String> {
    let folder = tracker.root.join(Kind::Milestone.folder());
    let mut ids = Vec::new();
    let mut add = |dir: &std::path::Path| {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if let Some(id) = entry.file_name().to_str().and_then(|n| n.strip_suffix(".toml")) {
                ids.push(id.to_owned());
            }
        }
    };
    add(&folder);
    for shard in std::fs::read_dir(&folder).into_iter().flatten().flatten().filter(|e| e.path().is_dir()) {
        add(&shard.path());
    }
    ids.sort();
    ids
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

/// The records the index says may pass the filters, read from their files, and the problems of
/// every file the index knows is not a valid record.
fn load_through_index(
    ui: &Ui,
    env: &Env,
    tracker: &docket::tracker::Tracker,
    args: &ListArgs,
    kinds: &[Kind],
    milestones: &[String],
) -> Result<docket::tracker::Loaded, CliError> {
    use docket::index::query::Expr;
    let index = super::search::open_fresh(ui, env, tracker)?;
    let field = Expr::keyword;
    let any = |exprs: Vec<Expr>| Expr::Or(exprs);
    let mut parts = Vec::new();
    if !kinds.is_empty() {
        parts.push(any(kinds.iter().map(|k| field("kind", k.name())).collect()));
    }
    if !args.stage.is_empty() {
        parts.push(any(args.stage.iter().flat_map(|s| [field("stage", s), field("status", s)]).collect()));
    }
    for (name, values) in [("state", &args.state), ("type", &args.issue_type), ("assignee", &args.assignee)] {
        if !values.is_empty() {
            parts.push(any(values.iter().map(|v| field(name, v)).collect()));
        }
    }
    if !milestones.is_empty() {
        parts.push(any(milestones.iter().map(|m| field("milestone", m)).collect()));
    }
    for label in &args.labels {
        let value = label.strip_suffix("::*").map_or_else(|| label.clone(), |scope| format!("{scope}::*"));
        parts.push(field("label", &value));
    }
    let results = index
        .search_expr(&Expr::And(parts), docket::index::Sort::Relevance, None)
        .map_err(|e| super::search::index_error(&e))?;
    let mut loaded = docket::tracker::Loaded::default();
    let mut read = |kind: Kind, id: &str, path: &str| -> Result<(), CliError> {
        let file = docket::tracker::RecordFile { kind, id: id.to_owned(), path: path.to_owned() };
        let (record, diagnostics, _) = tracker.load(&file)?;
        loaded.records.extend(record);
        loaded.diagnostics.extend(diagnostics);
        Ok(())
    };
    for hit in &results.hits {
        read(Kind::from_name(&hit.kind).unwrap_or(Kind::Issue), &hit.id, &hit.path)?;
    }
    let invalid = docket::select::invalid_records(tracker, &index, &loaded).map_err(super::search::select_error)?;
    loaded.diagnostics.extend(invalid);
    Ok(loaded)
}
