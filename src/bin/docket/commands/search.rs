//! `docket search`: the query language over every record, from an index brought up to date
//! first (see `docket::index`).

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::index::query::QueryError;
use docket::index::{IndexError, SearchIndex, Sort};
use docket::tracker::RecordFile;

use super::Env;
use crate::cli::SearchArgs;
use crate::error::CliError;
use crate::ui::{Style, Ui};

pub fn cmd_search(ui: &Ui, env: &Env, args: &SearchArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let query = args.query.join(" ");
    // Parse first: a typo in the query needs no index.
    docket::index::query::parse(&query).map_err(|error| query_error(&query, &error, ui.err_style()))?;
    let index = open_fresh(ui, env, &tracker)?;
    let sort = match args.sort.as_str() {
        "created" => Sort::Created,
        "updated" => Sort::Updated,
        "weight" => Sort::Weight,
        _ => Sort::Relevance,
    };
    let limit = match (args.limit, args.json) {
        (Some(0), _) | (None, true) => None,
        (Some(n), _) => Some(n),
        (None, false) => Some(20),
    };
    let results = index.search(&query, sort, limit).map_err(|error| match error {
        IndexError::Query(error) => query_error(&query, &error, ui.err_style()),
        other => index_error(&other),
    })?;
    if args.json {
        let records: Vec<serde_json::Value> = results
            .hits
            .iter()
            .map(|hit| {
                let file = RecordFile {
                    kind: docket::model::Kind::from_name(&hit.kind).unwrap_or(docket::model::Kind::Issue),
                    id: hit.id.clone(),
                    path: hit.path.clone(),
                };
                let mut value = match tracker.load(&file).ok().and_then(|(record, _, _)| record) {
                    Some(record) => docket::json::record_to_json(&record),
                    None => serde_json::json!({ "id": hit.id, "kind": hit.kind, "path": hit.path }),
                };
                value["score"] = serde_json::json!(hit.score);
                value["blob"] = serde_json::json!(hit.blob);
                value
            })
            .collect();
        ui.json(&serde_json::Value::Array(records));
    } else {
        let style = ui.out_style();
        let mut text = String::new();
        for hit in &results.hits {
            let file = RecordFile {
                kind: docket::model::Kind::from_name(&hit.kind).unwrap_or(docket::model::Kind::Issue),
                id: hit.id.clone(),
                path: hit.path.clone(),
            };
            let (title, state, description) = match tracker.load(&file).ok().and_then(|(record, _, _)| record) {
                Some(record) => {
                    let description =
                        record.fields.get("description").and_then(toml::Value::as_str).unwrap_or("").to_owned();
                    (record.title().to_owned(), tracker.workflow(record.kind()).state_of(&record), description)
                }
                None => ("(not a valid record: `docket show` says why)".to_owned(), String::new(), String::new()),
            };
            let _ = writeln!(text, "{}  {:<9}  {:<14}  {}", style.id(&hit.id), hit.kind, state, style.bold(&title));
            if let Some((fragment, ranges)) = index.snippet(&query, &description) {
                let _ = writeln!(text, "    {}", highlight(&fragment, &ranges, style).replace('\n', " "));
            }
        }
        ui.out(&text);
        if results.hits.len() < results.total {
            ui.err(&format!("{} of {} results; `--limit 0` shows them all\n", results.hits.len(), results.total));
        } else if results.total == 0 {
            ui.err("no records match\n");
        }
    }
    if results.busy {
        ui.err(
            "note: another docket process is updating the index; these results include the latest edits all the same\n",
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The tracker's index, brought up to date; a rebuild shows a progress bar on a terminal.
pub fn open_fresh(ui: &Ui, env: &Env, tracker: &docket::tracker::Tracker) -> Result<SearchIndex, CliError> {
    let limits = env.context.index_limits();
    let mut index = SearchIndex::open(tracker).map_err(|e| index_error(&e))?.with_limits(limits);
    let progress = ui.progress("indexing");
    let refresh = index.refresh(tracker, &|done, total| progress.set(done, total)).map_err(|e| index_error(&e))?;
    progress.finish();
    if refresh.busy {
        ui.err("note: another docket process holds the index's writer; the latest edits are searched from memory\n");
    }
    if refresh.watcher_silent {
        ui.err("note: `docket watch` runs for this tracker but did not answer within a second, so every file was compared (is it stopped or stuck? end that `docket watch` process and start it again)\n");
    }
    if index.wants_watcher(tracker) {
        start_watcher(ui, tracker, index.documents());
    }
    Ok(index)
}

/// Starts `docket watch` in the background for a large tracker, so that the next searches
/// compare only what changed instead of every file's stamp; it ends after an hour without a
/// search, or with `docket watch --stop`.
fn start_watcher(ui: &Ui, tracker: &docket::tracker::Tracker, records: u64) {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let Ok(exe) = std::env::current_exe() else { return };
    let started = Command::new(exe)
        .arg("-C")
        .arg(&tracker.root)
        .args(["watch", "--idle", "60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("GIT_INDEX_FILE")
        // Its own process group: a Ctrl-C in this terminal is not for it.
        .process_group(0)
        .spawn();
    if started.is_ok() {
        ui.err(&format!(
            "note: started `docket watch` in the background: this tracker holds {records} records, and with it a search compares only what changed, not every file (it ends after an hour without a search; `docket watch --stop` ends it now; `[index] watch = \"never\"` in docket.toml turns this off)\n"
        ));
    }
}

/// A selection through the index that failed, as the CLI reports it.
pub fn select_error(error: docket::select::SelectError) -> CliError {
    match error {
        docket::select::SelectError::Index(error) => index_error(&error),
        docket::select::SelectError::Tracker(error) => error.into(),
    }
}

fn highlight(fragment: &str, ranges: &[std::ops::Range<usize>], style: Style) -> String {
    let mut out = String::new();
    let mut at = 0;
    for range in ranges {
        if range.start < at || range.end > fragment.len() {
            continue;
        }
        out.push_str(&fragment[at..range.start]);
        out.push_str(&style.hint(&fragment[range.clone()]));
        at = range.end;
    }
    out.push_str(&fragment[at..]);
    out
}

/// A query error with a caret under its place.
fn query_error(query: &str, error: &QueryError, style: Style) -> CliError {
    let caret = format!("{}{}", " ".repeat(error.position), style.error("^"));
    CliError::Usage { message: format!("{}\n    {query}\n    {caret}", error.message), hint: Some(error.hint.clone()) }
}

pub fn index_error(error: &IndexError) -> CliError {
    match error {
        IndexError::Store(store) => CliError::from(store.clone()),
        // A record file the index could not read is the user's file, not the index.
        IndexError::Io { path, .. } if !path.components().any(|c| c.as_os_str() == ".git") => {
            CliError::usage(error.to_string(), "check the file's permissions and type (a record is a regular file)")
        }
        _ => CliError::Internal {
            message: error.to_string(),
            hint: Some(
                "the index is derived data: `docket index --rebuild` builds it again (deleting .git/docket/index is safe too)"
                    .to_owned(),
            ),
        },
    }
}
