//! The watcher's loop, shared by `docket watch` and `docket serve`: file-system notifications
//! on the record folders (and the cookie folder under `.git/docket/`, nothing else under
//! `.git`) folded into the index once a burst of saves settles, each fold handed to the caller
//! (`watch` prints it, `serve` tells the open boards). The access events are ignored; after an
//! overflow every stamp is compared again. When the loop holds the watcher's claim
//! ([`super::watch::Watching`]) it also answers the cookies of searches with the paths it has
//! not yet committed, so searches need not compare every file's stamp.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use super::watch::Watching;
use super::{IndexError, Refresh, Scope, SearchIndex};
use crate::model::Kind;
use crate::tracker::Tracker;

/// How often an idle watcher looks at the clock and at whether its tracker still exists.
const TICK: Duration = Duration::from_secs(5);

/// Why the files cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The operating system refused a watch (too many inotify watches, say).
    #[error("cannot watch {}: {message}", path.display())]
    Watch { path: PathBuf, message: String },
    #[error("cannot create {}: {source}", path.display())]
    Folder { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// How the loop waits.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long the files must stay quiet before a burst of saves is committed.
    pub settle: Duration,
    /// End after this long without a search asking (none: never).
    pub idle: Option<Duration>,
}

/// The record folders of a tracker, watched: events queue up from [`Live::start`] on.
pub struct Live {
    // Kept for its watches: dropping it ends the events.
    _watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    watching: Option<Watching>,
}

impl Live {
    /// Watches `tracker`'s record folders (creating missing ones) and, with `watching`, its
    /// cookie folder. Compare every stamp after this ([`SearchIndex::fold`] with
    /// [`Scope::Every`]): a change made from here on is seen by that comparison or queued.
    pub fn start(tracker: &Tracker, watching: Option<Watching>) -> Result<Self, LiveError> {
        let (sender, events) = mpsc::channel();
        let refused =
            |path: &Path, e: notify::Error| LiveError::Watch { path: path.to_owned(), message: e.to_string() };
        let mut watcher = notify::recommended_watcher(sender).map_err(|e| refused(&tracker.root, e))?;
        for kind in Kind::ALL {
            let folder = tracker.root.join(kind.folder());
            std::fs::create_dir_all(&folder).map_err(|source| LiveError::Folder { path: folder.clone(), source })?;
            watcher.watch(&folder, RecursiveMode::Recursive).map_err(|e| refused(&folder, e))?;
        }
        if let Some(watching) = &watching {
            watcher
                .watch(watching.cookies(), RecursiveMode::NonRecursive)
                .map_err(|e| refused(watching.cookies(), e))?;
        }
        Ok(Self { _watcher: watcher, events, watching })
    }

    /// Runs until asked to stop (`docket watch --stop`), until idle for `settings.idle`, until
    /// the tracker is gone, or until `on_fold` answers `false`. `rescan`: whether the first
    /// comparison of every stamp is still to be committed (its writer was busy). Each fold of
    /// changes into the index is given to `on_fold`.
    pub fn run(
        self,
        tracker: &Tracker,
        index: &mut SearchIndex,
        rescan: bool,
        settings: Settings,
        on_fold: &mut dyn FnMut(&Refresh) -> bool,
    ) -> Result<(), LiveError> {
        // Paths changed and not yet committed to the index, and whether events were lost. Both
        // are kept until a commit succeeds (another process may hold the index's writer), and a
        // search's cookie is answered with them.
        let mut pending: Vec<String> = Vec::new();
        // Until every stamp has been compared and committed once, no search is vouched for.
        let mut rescan = rescan;
        let mut asked = Instant::now();
        let watching = self.watching.as_ref();
        let is_stop = |p: &PathBuf| watching.is_some_and(|w| w.is_stop(p));
        let is_cookie = |p: &PathBuf| watching.is_some_and(|w| w.is_cookie(p));
        // Cookies left before their folder was watched: taken as if created once the events
        // already queued are in (a change made before a search asked is in its answer).
        let mut early = watching.map(Watching::waiting).unwrap_or_default();
        loop {
            // Each event restarts the wait, so a burst of saves is committed once it settles.
            let quiet = pending.is_empty() && !rescan;
            let next = if early.is_empty() {
                self.events.recv_timeout(if quiet { TICK } else { settings.settle })
            } else {
                match self.events.try_recv() {
                    Ok(event) => Ok(event),
                    Err(mpsc::TryRecvError::Empty) => {
                        let created = notify::Event::new(EventKind::Create(notify::event::CreateKind::File));
                        Ok(Ok(std::mem::take(&mut early).into_iter().fold(created, notify::Event::add_path)))
                    }
                    Err(mpsc::TryRecvError::Disconnected) => Err(mpsc::RecvTimeoutError::Disconnected),
                }
            };
            match next {
                Ok(Ok(event)) if event.need_rescan() => rescan = true,
                Ok(Ok(event)) if event.paths.iter().any(is_stop) => {
                    if matches!(event.kind, EventKind::Create(_)) {
                        for path in event.paths.iter().filter(|p| is_stop(p)) {
                            let _ = std::fs::remove_file(path);
                        }
                        break;
                    }
                }
                Ok(Ok(event)) if event.paths.iter().any(is_cookie) => {
                    if let (EventKind::Create(_), Some(watching)) = (event.kind, watching) {
                        asked = Instant::now();
                        pending.sort();
                        pending.dedup();
                        for cookie in event.paths.iter().filter(|p| is_cookie(p)) {
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
                // The tracker is gone (its clone deleted, say): nothing is left to watch, and
                // its index can never be written again, so waiting for it would spin for ever.
                Err(mpsc::RecvTimeoutError::Timeout) if !tracker.root.join("docket.toml").is_file() => break,
                // Nothing to commit: end when idle too long.
                Err(mpsc::RecvTimeoutError::Timeout) if quiet => {
                    if settings.idle.is_some_and(|idle| asked.elapsed() >= idle) {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    pending.sort();
                    pending.dedup();
                    let scope = if rescan { Scope::Every } else { Scope::Changed };
                    let refresh = index.fold(tracker, scope, &pending)?;
                    if !refresh.busy {
                        pending.clear();
                        rescan = false;
                    }
                    if !on_fold(&refresh) {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        Ok(())
    }
}

/// A path under the tracker root, with `/` separators, when it can be a record file.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
    crate::check::record_at(&relative).map(|_| relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tracker::in_fresh_repository as tracker;

    /// Waits up to half a minute for `done`.
    fn within_a_while(done: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !done() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    const SETTINGS: Settings = Settings { settle: Duration::from_millis(10), idle: None };

    /// A search that asked while the watcher was starting (its cookie made once the lock was
    /// taken, before the folder was watched: no event tells of it) is answered all the same;
    /// an answer left from an earlier watcher is cleared when the lock is taken.
    #[test]
    fn a_cookie_left_while_starting_is_answered() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        let first = Watching::claim(&tracker).expect("claim").expect("the lock is free");
        let cookies = first.cookies().to_path_buf();
        std::fs::write(cookies.join("gone.answer"), "").expect("an old answer");
        drop(first);
        let watching = Watching::claim(&tracker).expect("claim").expect("the lock is free");
        assert!(!cookies.join("gone.answer").exists(), "old answers are cleared");
        let cookie = cookies.join("early");
        std::fs::File::create(&cookie).expect("a cookie");
        let live = Live::start(&tracker, Some(watching)).expect("watched");
        let mut index = SearchIndex::open(&tracker).expect("index");
        let running = std::thread::spawn(move || live.run(&tracker, &mut index, false, SETTINGS, &mut |_| true));
        let answered = within_a_while(|| cookie.with_extension("answer").exists());
        // Ended either way, so a failure does not hang the test.
        std::fs::File::create(cookies.join("stop")).expect("stop");
        running.join().expect("thread").expect("ran");
        assert!(answered, "the early cookie is answered");
        assert!(!cookie.exists());
    }

    /// A `docket watch --stop` made while the watcher was starting ends it.
    #[test]
    fn a_stop_left_while_starting_is_obeyed() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        let watching = Watching::claim(&tracker).expect("claim").expect("the lock is free");
        std::fs::File::create(watching.cookies().join("stop")).expect("stop");
        let live = Live::start(&tracker, Some(watching)).expect("watched");
        let mut index = SearchIndex::open(&tracker).expect("index");
        let running = std::thread::spawn(move || live.run(&tracker, &mut index, false, SETTINGS, &mut |_| true));
        let ended = within_a_while(|| running.is_finished());
        if !ended {
            let tracker = Tracker::discover(dir.path()).expect("tracker");
            crate::index::watch::stop(&tracker, Duration::from_secs(30)).expect("stopped");
        }
        running.join().expect("thread").expect("ran");
        assert!(ended, "the stop left while starting is obeyed");
    }
}
