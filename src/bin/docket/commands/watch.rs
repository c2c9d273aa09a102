//! `docket watch`: keeps the search index live while people edit. It watches only the record
//! folders (never `.git`), ignores the flood of access events, waits for a burst of saves to
//! settle, and on an overflow rescans everything.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use docket::index::SearchIndex;
use docket::model::Kind;
use notify::{EventKind, RecursiveMode, Watcher};

use super::Env;
use super::search::index_error;
use crate::cli::WatchArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_watch(ui: &Ui, env: &Env, args: &WatchArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let mut index = SearchIndex::open(&tracker).map_err(|e| index_error(&e))?;
    let first = index.fold(&tracker, &[]).map_err(|e| index_error(&e))?;
    report(ui, &first);
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
    ui.err(&format!("watching {} (Ctrl-C to stop)\n", tracker.root.display()));
    let settle = Duration::from_millis(args.debounce);
    while let Ok(event) = events.recv() {
        let mut paths = Vec::new();
        let mut rescan = false;
        let mut take = |event: notify::Result<notify::Event>| match event {
            Ok(event) if event.need_rescan() => rescan = true,
            Ok(event)
                if matches!(
                    event.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
                ) =>
            {
                paths.extend(event.paths.iter().filter_map(|p| relative(&tracker.root, p)));
            }
            Ok(_) => {}
            // An error from the watcher (an overflow among them) means events were lost.
            Err(_) => rescan = true,
        };
        take(event);
        while let Ok(event) = events.recv_timeout(settle) {
            take(event);
        }
        paths.sort();
        paths.dedup();
        if paths.is_empty() && !rescan {
            continue;
        }
        let refresh = index.fold(&tracker, &paths).map_err(|e| index_error(&e))?;
        report(ui, &refresh);
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
        text.push_str("note: another docket process holds the index's writer; will retry on the next change\n");
    }
    ui.out(&text);
}
