//! How a running `docket watch` vouches for the index, so that a search need not compare every
//! file's stamp: git's file-system monitor protocol, in small.
//!
//! The watcher holds an exclusive lock (`.git/docket/watch/lock`) for as long as it runs. It
//! watches the record folders and the cookie folder beside its lock with one inotify queue,
//! compares every stamp once when it starts, and from then on keeps the paths it is told of
//! until it has committed them to the index (after a burst of saves settles). A search that
//! finds the lock held leaves a cookie file and waits for the watcher's answer: since the
//! cookie's event comes after every event queued before it, the watcher answers with every
//! path changed and not yet committed, which the search compares itself, beside the folders and
//! the tree. A watcher that has lost events (the operating system's queue overflowed) refuses
//! the cookie, and one that does not answer within [`WAIT`] is not trusted: either way the
//! search compares every stamp. A watcher that dies lets its lock go with the process.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::derived::{self, Derived};
use crate::tracker::Tracker;

/// How long a search waits for a watcher's answer before comparing every stamp itself.
pub const WAIT: Duration = Duration::from_secs(1);

const REFUSED: &str = "refused";
/// The cookie that asks the watcher to end.
const STOP: &str = "stop";
const ANSWER: &str = "answer";

/// A running watcher's claim on a tracker: its lock, held until dropped.
#[derive(Debug)]
pub struct Watching {
    _lock: fs::File,
    cookies: PathBuf,
}

impl Watching {
    /// Claims the watcher's lock of `tracker`: `None` when another watcher holds it.
    pub fn claim(tracker: &Tracker) -> std::io::Result<Option<Self>> {
        let dir = Derived::of(&tracker.repo, &tracker.prefix).watch();
        let lock = derived::lock_file(&dir.join("lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Ok(None),
            Err(fs::TryLockError::Error(error)) => return Err(error),
        }
        let cookies = dir.join("cookies");
        derived::folder(&cookies)?;
        let watching = Self { _lock: lock, cookies };
        // Answers no search took and an earlier watcher's stop go; cookies stay: a search may
        // have asked since the lock was taken, and is answered once the folder is watched
        // ([`Self::waiting`]).
        for entry in fs::read_dir(&watching.cookies)?.flatten() {
            if !watching.is_cookie(&entry.path()) || watching.is_stop(&entry.path()) {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Some(watching))
    }

    /// The cookies (and a stop) already in the folder: left by a search, or `--stop`, that
    /// asked while this watcher was starting, before the folder was watched. No event tells
    /// of them.
    pub fn waiting(&self) -> Vec<PathBuf> {
        let entries = fs::read_dir(&self.cookies).into_iter().flatten().flatten();
        entries.map(|entry| entry.path()).filter(|path| self.is_cookie(path)).collect()
    }

    /// The folder searches leave their cookies in, which the watcher watches too.
    pub fn cookies(&self) -> &Path {
        &self.cookies
    }

    /// Whether `path` is a cookie a search left: a name without a dot (answers, refusals and
    /// temporary files have one).
    pub fn is_cookie(&self, path: &Path) -> bool {
        path.parent() == Some(self.cookies.as_path())
            && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.contains('.'))
    }

    /// Whether `path` is the cookie that asks the watcher to end.
    pub fn is_stop(&self, path: &Path) -> bool {
        path.parent() == Some(self.cookies.as_path()) && path.file_name().is_some_and(|n| n == STOP)
    }

    /// Answers a cookie: with the paths (relative to the tracker root) changed since the
    /// index's last commit, or, with `None`, refused (events were lost), so the search waiting
    /// on it compares every stamp itself.
    pub fn answer(&self, cookie: &Path, pending: Option<&[String]>) {
        // Already answered (seen both in the folder at the start and as an event).
        if !cookie.exists() {
            return;
        }
        match pending {
            Some(paths) => {
                let text: String = paths.iter().flat_map(|p| [p.as_str(), "\n"]).collect();
                if derived::write(&cookie.with_extension(ANSWER), text.as_bytes(), derived::Durability::Atomic).is_ok()
                {
                    let _ = fs::remove_file(cookie);
                }
            }
            None => {
                let _ = fs::rename(cookie, cookie.with_extension(REFUSED));
            }
        }
    }
}

/// Asks the watcher of `tracker` to end, and waits up to `wait` for it to let its lock go:
/// whether one was running (and has ended).
pub fn stop(tracker: &Tracker, wait: Duration) -> std::io::Result<bool> {
    if !running(tracker) {
        return Ok(false);
    }
    let cookies = Derived::of(&tracker.repo, &tracker.prefix).watch().join("cookies");
    fs::File::create(cookies.join(STOP))?;
    let deadline = Instant::now() + wait;
    while running(tracker) {
        if Instant::now() >= deadline {
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the watcher did not stop"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(true)
}

/// Whether a watcher holds its lock on `tracker` (without asking it anything).
pub fn running(tracker: &Tracker) -> bool {
    let dir = Derived::of(&tracker.repo, &tracker.prefix).watch();
    fs::File::open(dir.join("lock"))
        .is_ok_and(|lock| matches!(lock.try_lock_shared(), Err(fs::TryLockError::WouldBlock)))
}

/// What a search learns from asking the watcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// No watcher runs.
    None,
    /// The watcher vouches for the index, but for these paths (relative to the tracker root),
    /// changed since its last commit, which the search compares itself.
    Vouched(Vec<String>),
    /// The watcher lost events and is comparing every stamp again.
    Refused,
    /// A watcher holds the lock but did not answer in time (stopped, or stuck).
    Silent,
}

/// What the running watcher of `tracker`, if any, says of the index: it holds its lock, and is
/// asked with a cookie left now, waiting up to `wait` for the answer.
pub fn vouched(tracker: &Tracker, wait: Duration) -> Answer {
    if !running(tracker) {
        return Answer::None;
    }
    let dir = Derived::of(&tracker.repo, &tracker.prefix).watch();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let cookie = dir.join("cookies").join(format!("{}-{nanos}", std::process::id()));
    if fs::File::create(&cookie).is_err() {
        return Answer::Silent;
    }
    let (answer, refused) = (cookie.with_extension(ANSWER), cookie.with_extension(REFUSED));
    let deadline = Instant::now() + wait;
    loop {
        if !cookie.exists() {
            let paths = fs::read_to_string(&answer).ok().map(|text| text.lines().map(str::to_owned).collect());
            let _ = fs::remove_file(&answer);
            let _ = fs::remove_file(&refused);
            return paths.map_or(Answer::Refused, Answer::Vouched);
        }
        if Instant::now() >= deadline {
            let _ = fs::remove_file(&cookie);
            return Answer::Silent;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tracker::in_fresh_repository as tracker;

    /// `stop` waits up to its limit for the watcher to let its lock go: a watcher that ends
    /// within it is reported stopped, one that holds on past it is an error, none is `false`.
    #[test]
    fn stop_waits_for_the_lock_up_to_its_limit() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        assert!(!stop(&tracker, Duration::from_millis(10)).expect("stop"), "no watcher runs");
        let watching = Watching::claim(&tracker).expect("claim").expect("the lock is free");
        assert!(running(&tracker));
        // It ends 200 ms after being asked, well within the limit.
        let ends = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(watching);
        });
        assert!(stop(&tracker, Duration::from_secs(30)).expect("stopped in time"));
        ends.join().expect("thread");
        assert!(!running(&tracker));
        // One that never lets go: an error after the limit, not before.
        let _held = Watching::claim(&tracker).expect("claim").expect("the lock is free");
        let started = Instant::now();
        let error = stop(&tracker, Duration::from_millis(300)).expect_err("it holds on");
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(300), "waited the whole limit");
    }

    /// A cookie is a name without a dot in the cookies folder; anything else (a record folder's
    /// new shard, an answer) is not one.
    #[test]
    fn cookies_are_dotless_names_in_their_folder() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let tracker = tracker(dir.path());
        let watching = Watching::claim(&tracker).expect("claim").expect("the lock is free");
        let cookies = watching.cookies().to_path_buf();
        assert!(watching.is_cookie(&cookies.join("k3x9q2")));
        assert!(!watching.is_cookie(&cookies.join("k3x9q2.answer")), "an answer");
        assert!(!watching.is_cookie(&dir.path().join("issues/k3")), "a shard folder elsewhere");
        assert!(!watching.is_cookie(&dir.path().join("issues/k3.toml")));
        assert!(watching.is_stop(&cookies.join(STOP)));
        assert!(!watching.is_stop(&dir.path().join(STOP)), "a `stop` elsewhere");
        assert!(!watching.is_stop(&cookies.join("k3x9q2")));
    }
}
