//! `docket next`: what to work on next, in seed 003's order, then the support queue's.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::plan::{self, Settings};

use super::{Env, is_open, is_parked};
use crate::cli::NextArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_next(ui: &Ui, env: &Env, args: &NextArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let loaded = tracker.load_all()?;
    let settings = Settings::from_config(tracker.config());
    let done = plan::done_stages(tracker.config());
    let list = plan::next(&loaded.records, &settings, args.assignee.as_deref(), &|r| is_parked(&tracker, r), &|r| {
        is_open(&tracker, &done, r)
    });
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
                "{}  {:<26}  {:<21}  {:<3}  {}",
                style.id(&next.record.id),
                next.reason,
                next.record.state(),
                weight,
                next.record.title()
            );
        }
        ui.out(&text);
        if shown < list.len() {
            ui.err(&format!("{shown} of {}; `-n 0` shows them all\n", list.len()));
        } else if list.is_empty() {
            ui.err("nothing to pick up\n");
        }
    }
    if !loaded.diagnostics.is_empty() {
        ui.err(&crate::render::diagnostics(&loaded.diagnostics, ui.err_style()));
    }
    Ok(ExitCode::SUCCESS)
}
