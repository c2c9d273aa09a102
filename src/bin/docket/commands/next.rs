//! `docket next`: what to work on next, in seed 003's order, then the support queue's. The
//! search index picks the candidates ([`docket::select::next_candidates`]); [`plan::next`]
//! decides on the records. `--no-index` reads every file.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::process::ExitCode;

use docket::model::{Body, Record};
use docket::plan::{self, Settings};

use super::Env;
use crate::cli::NextArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_next(ui: &Ui, env: &Env, args: &NextArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let settings = Settings::from_config(tracker.config());
    let done = plan::done_stages(tracker.config());
    let open = |r: &Record| tracker.is_open(&done, r);
    let parked = |r: &Record| tracker.is_parked(r);
    let who = args.assignee.as_deref();
    let now = env.context.now();
    let (loaded, blockers, total, current) = if args.no_index {
        let loaded = tracker.load_all()?;
        let current = plan::current_milestones(
            loaded.records.iter().filter_map(|r| match &r.body {
                Body::Milestone(m) => Some((r.id.as_str(), m.start, m.end)),
                _ => None,
            }),
            now,
        );
        let total = plan::next(&loaded.records, &settings, who, &current, &parked, &open).len();
        (loaded, Vec::new(), total, current)
    } else {
        let index = super::search::open_fresh(ui, env, &tracker)?;
        let current = docket::select::current_milestones(&index, now).map_err(super::search::select_error)?;
        let found = docket::select::next_candidates(
            &tracker,
            &index,
            &settings,
            &done,
            who,
            &current,
            args.limit,
            env.context.next_first(),
        )
        .map_err(super::search::select_error)?;
        (found.loaded, found.blockers, found.total, current)
    };
    let candidates: BTreeSet<&str> = loaded.records.iter().map(|r| r.id.as_str()).collect();
    let records: Vec<Record> = loaded.records.iter().chain(&blockers).cloned().collect();
    let list = plan::next(&records, &settings, who, &current, &parked, &open);
    // Blockers read to judge the candidates are not candidates themselves.
    let list: Vec<_> = list.into_iter().filter(|n| candidates.contains(n.record.id.as_str())).collect();
    let shown = if args.limit == 0 { list.len() } else { args.limit.min(list.len()) };
    if args.json {
        let items: Vec<serde_json::Value> = list[..shown]
            .iter()
            .map(|n| {
                let mut value = docket::json::record_to_json(n.record);
                value["rank"] = serde_json::json!(n.rank);
                value["reason"] = serde_json::json!(n.reason);
                value
            })
            .collect();
        ui.json(&serde_json::Value::Array(items));
    } else {
        let style = ui.out_style();
        let mut text = String::new();
        for next in &list[..shown] {
            let weight = match &next.record.body {
                docket::model::Body::Issue(issue) => issue.weight.map(|w| format!("w{w}")).unwrap_or_default(),
                _ => String::new(),
            };
            let _ = writeln!(
                text,
                "{}  {:<28}  {:<21}  {:<3}  {}",
                style.id(&next.record.id),
                next.reason,
                next.record.state(),
                weight,
                next.record.title()
            );
        }
        ui.out(&text);
        if shown < total {
            ui.err(&format!("{shown} of {total}; `-n 0` shows them all\n"));
        } else if list.is_empty() {
            ui.err("nothing to pick up\n");
        }
    }
    if !loaded.diagnostics.is_empty() {
        ui.err(&crate::render::diagnostics(&loaded.diagnostics, ui.err_style()));
    }
    Ok(ExitCode::SUCCESS)
}
