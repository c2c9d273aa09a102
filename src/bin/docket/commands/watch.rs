//! `docket watch`: keeps the search index live while people edit, and vouches for it, so that
//! searches need not compare every file's stamp (`docket::index::watch` has the protocol). It
//! watches the record folders and its own cookie folder under `.git/docket/` (nothing else
//! under `.git`), ignores the flood of access events, commits a burst of saves once it settles
//! (answering searches meanwhile with the paths not yet committed), and after an overflow
//! compares every stamp again.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use docket::index::watch::Watching;
use docket::index::{Scope, SearchIndex};
use docket::model::Kind;
use notify::{EventKind, RecursiveMode, Watcher};

use super::Env;
use super::search::index_error;
use crate::cli::WatchArgs;
use crate::error::CliError;
use crate::ui::Ui;

/// How often an idle watcher looks at the clock and at whether its tracker still exists.
const TICK: Duration = Duration::from_secs(5);
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
    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender).map_err(|e| {
        CliError::usage(
            format!("cannot watch the files: {e}"),
            "check the limit on inotify watches (fs.inotify.max_user_watches)",
        )
    })?;
    for kind in Kind::ALL {
        let folder = tracker.root.join(kind.folder());
        std::fs::create_dir_all(&folder)
            .map_err(|source| CliError::Io { message: format!("cannot create {}", folder.display()), source })?;
        watcher.watch(&folder, RecursiveMode::Recursive).map_err(|e| {
            CliError::usage(
                format!("cannot watch {}: {e}", folder.display()),
                "check the limit on inotify watches (fs.inotify.max_user_watches)",
            )
        })?;
    }
    watcher.watch(watching.cookies(), RecursiveMode::NonRecursive).map_err(|e| {
        CliError::usage(
            format!("cannot watch {}: {e}", watching.cookies().display()),
            "check the limit on inotify watches (fs.inotify.max_user_watches)",
        )
    })?;
    // Every stamp once, now that the folders are watched: a change made from here on is seen
    // by this comparison or queued as an event.
    let first = index.fold(&tracker, Scope::Every, &[]).map_err(|e| index_error(&e))?;
    report(ui, &first);
    ui.err(&format!("watching {} (Ctrl-C to stop)\n", tracker.root.display()));
    let settle = Duration::from_millis(args.debounce);
    // Paths changed and not yet committed to the index, and whether events were lost. Both are
    // kept until a commit succeeds (another process may hold the index's writer), and a search's
    // cookie is answered with them.
    let mut pending: Vec<String> = Vec::new();
    // Until every stamp has been compared and committed once, no search is vouched for.
    let mut rescan = first.busy;
    let idle = args.idle.map(|minutes| Duration::from_secs(minutes.saturating_mul(60)));
    let mut asked = Instant::now();
    loop {
        // Each event restarts the wait, so a burst of saves is committed once it settles.
        let quiet = pending.is_empty() && !rescan;
        match events.recv_timeout(if quiet { TICK } else { settle }) {
            Ok(Ok(event)) if event.need_rescan() => rescan = true,
            Ok(Ok(event)) if event.paths.iter().any(|p| watching.is_stop(p)) => {
                if matches!(event.kind, EventKind::Create(_)) {
                    for path in event.paths.iter().filter(|p| watching.is_stop(p)) {
                        let _ = std::fs::remove_file(path);
                    }
                    break;
                }
            }
            Ok(Ok(event)) if event.paths.iter().any(|p| watching.is_cookie(p)) => {
                if matches!(event.kind, EventKind::Create(_)) {
                    asked = Instant::now();
                    pending.sort();
                    pending.dedup();
                    for cookie in event.paths.iter().filter(|p| watching.is_cookie(p)) {
                        watching.answer(cookie, (!rescan).then_some(pending.as_slice()));
                    }
                }
            }
            Ok(Ok(event))
                if matches!(
                    event.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
                ) =>
            {
                pending.extend(event.paths.iter().filter_map(|p| relative(&tracker.root, p)));
            }
            Ok(Ok(_)) => {}
            // An error from the watcher (an overflow among them) means events were lost.
            Ok(Err(_)) => rescan = true,
            // The tracker is gone (its clone deleted, say): nothing is left to watch, and its
            // index can never be written again, so waiting for it would spin for ever.
            Err(mpsc::RecvTimeoutError::Timeout) if !tracker.root.join("docket.toml").is_file() => break,
            // Nothing to commit: end when idle too long.
            Err(mpsc::RecvTimeoutError::Timeout) if quiet => {
                if idle.is_some_and(|idle| asked.elapsed() >= idle) {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                pending.sort();
                pending.dedup();
                let scope = if rescan { Scope::Every } else { Scope::Changed };
                let refresh = index.fold(&tracker, scope, &pending).map_err(|e| index_error(&e))?;
                report(ui, &refresh);
                if !refresh.busy {
                    pending.clear();
                    rescan = false;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A path under the tracker root, with `/` separators, when it can be a record file.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
    docket::check::record_at(&relative).map(|_| relative)
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
