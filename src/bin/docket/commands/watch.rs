//! `docket watch`: keeps the search index live while people edit, and vouches for it, so that
//! searches need not compare every file's stamp (`docket::index::watch` has the protocol,
//! `docket::index::live` the loop, which `docket serve` runs too). This file prints what each
//! fold indexed.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use docket::index::live::{Live, LiveError, Settings};
use docket::index::watch::Watching;
use docket::index::{Scope, SearchIndex};

use super::Env;
use super::search::index_error;
use crate::cli::WatchArgs;
use crate::error::CliError;
use crate::ui::Ui;

/// How long `docket watch --stop` waits for the watcher to end.
const STOP_WAIT: Duration = Duration::from_secs(10);

pub fn cmd_watch(ui: &Ui, env: &Env, args: &WatchArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    if args.stop {
        let stopped = docket::index::watch::stop(&tracker, STOP_WAIT)
            .map_err(|source| CliError::Io { message: "cannot stop the watcher".to_owned(), source })?;
        ui.err(if stopped { "stopped the watcher\n" } else { "no watcher runs for this tracker\n" });
        return Ok(ExitCode::SUCCESS);
    }
    let mut index = SearchIndex::open(&tracker).map_err(|e| index_error(&e))?.with_limits(env.context.index_limits());
    let watching = Watching::claim(&tracker)
        .map_err(|source| CliError::Io { message: "cannot take the watcher's lock".to_owned(), source })?
        .ok_or_else(|| {
            CliError::usage(
                "another `docket watch` is already watching this tracker",
                "one watcher is enough; stop the other one first to start this one",
            )
        })?;
    let live = Live::start(&tracker, Some(watching)).map_err(live_error)?;
    // Every stamp once, now that the folders are watched: a change made from here on is seen
    // by this comparison or queued as an event.
    let first = index.fold(&tracker, Scope::Every, &[]).map_err(|e| index_error(&e))?;
    report(ui, &first);
    ui.err(&format!("watching {} (Ctrl-C to stop)\n", tracker.root.display()));
    let settings = Settings {
        settle: Duration::from_millis(args.debounce),
        idle: args.idle.map(|minutes| Duration::from_secs(minutes.saturating_mul(60))),
    };
    live.run(&tracker, &mut index, first.busy, settings, &mut |refresh| {
        report(ui, refresh);
        true
    })
    .map_err(live_error)?;
    Ok(ExitCode::SUCCESS)
}

/// The error of a watch that could not be set up or kept.
pub fn live_error(error: LiveError) -> CliError {
    match error {
        LiveError::Index(error) => index_error(&error),
        LiveError::Folder { path, source } => {
            CliError::Io { message: format!("cannot create {}", path.display()), source }
        }
        LiveError::Watch { .. } => {
            CliError::usage(error.to_string(), "check the limit on inotify watches (fs.inotify.max_user_watches)")
        }
    }
}

fn report(ui: &Ui, refresh: &docket::index::Refresh) {
    let style = ui.out_style();
    let mut text = String::new();
    if refresh.rebuilt {
        let _ = writeln!(text, "indexed {} records", refresh.updated.len());
    } else {
        for path in &refresh.updated {
            let _ = writeln!(text, "{} {path}", style.added("indexed"));
        }
        for path in &refresh.removed {
            let _ = writeln!(text, "{} {path}", style.removed("removed"));
        }
    }
    if refresh.busy {
        text.push_str("note: another docket process holds the index's writer; will try again shortly\n");
    }
    ui.out(&text);
}
