//! How a running `docket watch` vouches for the index, so that a search need not compare every
//! file's stamp: git's file-system monitor protocol, in small.
//!
//! The watcher holds an exclusive lock (`.git/docket/watch/lock`) for as long as it runs. It
//! watches the record folders and the cookie folder beside its lock with one inotify queue,
//! compares every stamp once when it starts, and from then on folds each change it is told of
//! into the index. A search that finds the lock held leaves a cookie file and waits for the
//! watcher to remove it: the watcher does so only after every event queued before the cookie —
//! every change made before the search began — is committed to the index. A watcher that
//! cannot commit (another process holds the index's writer) refuses the cookie instead, and a
//! watcher that does not answer within [`WAIT`] is not trusted: either way the search compares
//! every stamp itself. A watcher that dies lets its lock go with the process.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::derived::{self, Derived};
use crate::tracker::Tracker;

/// How long a search waits for a watcher's answer before comparing every stamp itself.
pub const WAIT: Duration = Duration::from_secs(1);

const REFUSED: &str = "refused";

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
        // Cookies of searches that gave up on an earlier watcher.
        for entry in fs::read_dir(&cookies)?.flatten() {
            let _ = fs::remove_file(entry.path());
        }
        Ok(Some(Self { _lock: lock, cookies }))
    }

    /// The folder searches leave their cookies in, which the watcher watches too.
    pub fn cookies(&self) -> &Path {
        &self.cookies
    }

    /// Whether `path` is a cookie a search left (not one already answered).
    pub fn is_cookie(&self, path: &Path) -> bool {
        path.parent() == Some(self.cookies.as_path()) && path.extension().is_none_or(|x| x != REFUSED)
    }

    /// Answers cookies: removed when every change before them is in the index (`vouch`), else
    /// marked refused, so the searches waiting on them compare every stamp themselves.
    pub fn answer(&self, cookies: &[PathBuf], vouch: bool) {
        for cookie in cookies {
            if vouch {
                let _ = fs::remove_file(cookie);
            } else {
                let _ = fs::rename(cookie, cookie.with_extension(REFUSED));
            }
        }
    }
}

/// Whether a watcher holds its lock on `tracker` (without asking it anything).
pub fn running(tracker: &Tracker) -> bool {
    let dir = Derived::of(&tracker.repo, &tracker.prefix).watch();
    fs::File::open(dir.join("lock"))
        .is_ok_and(|lock| matches!(lock.try_lock_shared(), Err(fs::TryLockError::WouldBlock)))
}

/// Whether a running watcher vouches that the index of `tracker` holds every change made
/// before now: it holds its lock, and answered a cookie left now within `wait`.
pub fn vouched(tracker: &Tracker, wait: Duration) -> bool {
    if !running(tracker) {
        return false;
    }
    let dir = Derived::of(&tracker.repo, &tracker.prefix).watch();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let cookie = dir.join("cookies").join(format!("{}-{nanos}", std::process::id()));
    if fs::File::create(&cookie).is_err() {
        return false;
    }
    let refused = cookie.with_extension(REFUSED);
    let deadline = Instant::now() + wait;
    loop {
        if !cookie.exists() {
            let answered = !refused.exists();
            let _ = fs::remove_file(&refused);
            return answered;
        }
        if Instant::now() >= deadline {
            let _ = fs::remove_file(&cookie);
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
