//! The process's view of the outside world: the clock, randomness and the environment.
//!
//! This is the only module that reads the system clock, draws randomness or reads environment
//! variables that change behaviour, so tests pin all three: `DOCKET_NOW` (an RFC 3339
//! datetime) fixes the clock, `DOCKET_SEED` (an integer) fixes the ids `docket new` draws, and
//! `GIT_COMMITTER_DATE` (as git reads it) is the time a commit is judged at. One more is for
//! tests only: `DOCKET_NEXT_FIRST` sets how many candidates `docket next` first asks the index
//! for, so that a small tracker exercises asking again; `DOCKET_INDEX_FOLD_AT`,
//! `DOCKET_INDEX_RESCAN_AT`, `DOCKET_INDEX_PARALLEL_AT`, `DOCKET_INDEX_REBUILD_WAITING` and
//! `DOCKET_INDEX_WATCH_AT` (a number, or `never`) set the index's [`Limits`], so that a small
//! tracker runs on the far side of each;
//! `DOCKET_HISTORY_WALK_AT` sets [`crate::history::WALK_AT`] for `plan` and `log` (0: always
//! build the history cache).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::index::Limits;
use crate::time::{self, Timestamp};

/// The mirrors' first retry wait, in milliseconds (`DOCKET_MIRROR_BACKOFF_MS`).
const MIRROR_BACKOFF_MS: usize = 500;

/// The time one mirror request may take, in milliseconds (`DOCKET_MIRROR_TIMEOUT_MS`).
const MIRROR_TIMEOUT_MS: usize = 30_000;

/// How long `docket mirror login` waits for the person to authorize the token, in
/// milliseconds (`DOCKET_MIRROR_LOGIN_WAIT_MS`).
const MIRROR_LOGIN_WAIT_MS: usize = 15 * 60 * 1000;

/// Clock, randomness and environment for one docket process.
#[derive(Debug, Clone)]
pub struct Context {
    now: Timestamp,
    /// `GIT_COMMITTER_DATE`, when set; else commits are judged at `now`.
    commit_time: Option<Timestamp>,
    random_state: u64,
    next_first: Option<usize>,
    history_walk_at: usize,
    index_limits: Limits,
    mirror_backoff_ms: usize,
    mirror_timeout_ms: usize,
    mirror_login_wait_ms: usize,
    /// Whether `DOCKET_NOW` pinned the clock (a long-running process then keeps it).
    pinned: bool,
    /// `GIT_AUTHOR_NAME` and `USER`, for who writes a comment.
    git_author: Option<String>,
    login: Option<String>,
}

/// Why the environment could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("DOCKET_NOW is `{0}`, which is not an RFC 3339 datetime (e.g. 2026-11-20T10:00:00Z)")]
    BadNow(String),
    #[error("DOCKET_SEED is `{0}`, which is not an unsigned integer")]
    BadSeed(String),
    #[error("GIT_COMMITTER_DATE is `{0}`, which is not a date git or docket understands")]
    BadCommitterDate(String),
    #[error("DOCKET_NEXT_FIRST is `{0}`, which is not a positive integer")]
    BadNextFirst(String),
    #[error("{0} is `{1}`, which is not an unsigned integer (or `never`)")]
    BadLimit(&'static str, String),
}

impl Context {
    /// Reads the clock and the entropy source, honouring `DOCKET_NOW` and `DOCKET_SEED`.
    pub fn from_env() -> Result<Self, ContextError> {
        let now = if let Ok(text) = std::env::var("DOCKET_NOW") {
            time::parse_timestamp(&text).ok_or(ContextError::BadNow(text))?
        } else {
            clock()
        };
        let random_state = match std::env::var("DOCKET_SEED") {
            Ok(text) => text.trim().parse().map_err(|_| ContextError::BadSeed(text))?,
            // RandomState is keyed from the operating system's entropy source.
            Err(_) => {
                let mut hasher = RandomState::new().build_hasher();
                hasher.write_u64(u64::from(std::process::id()));
                hasher.write_i64(now);
                hasher.finish()
            }
        };
        // Time rules judge a commit at the commit's time (PRODUCT.md §4).
        let commit_time = match std::env::var("GIT_COMMITTER_DATE") {
            Ok(text) if !text.trim().is_empty() => {
                Some(time::parse_git_date(&text).ok_or(ContextError::BadCommitterDate(text))?)
            }
            _ => None,
        };
        let next_first = match std::env::var("DOCKET_NEXT_FIRST") {
            Ok(text) => Some(text.trim().parse().ok().filter(|n| *n > 0).ok_or(ContextError::BadNextFirst(text))?),
            Err(_) => None,
        };
        let mut index_limits = Limits::default();
        let mut history_walk_at = crate::history::WALK_AT;
        let mut mirror_backoff_ms = MIRROR_BACKOFF_MS;
        let mut mirror_timeout_ms = MIRROR_TIMEOUT_MS;
        let mut mirror_login_wait_ms = MIRROR_LOGIN_WAIT_MS;
        for (name, limit) in [
            ("DOCKET_HISTORY_WALK_AT", &mut history_walk_at),
            ("DOCKET_MIRROR_BACKOFF_MS", &mut mirror_backoff_ms),
            ("DOCKET_MIRROR_TIMEOUT_MS", &mut mirror_timeout_ms),
            ("DOCKET_MIRROR_LOGIN_WAIT_MS", &mut mirror_login_wait_ms),
            ("DOCKET_INDEX_FOLD_AT", &mut index_limits.fold_at),
            ("DOCKET_INDEX_RESCAN_AT", &mut index_limits.rescan_at),
            ("DOCKET_INDEX_PARALLEL_AT", &mut index_limits.parallel_at),
            ("DOCKET_INDEX_WATCH_AT", &mut index_limits.watch_at),
            ("DOCKET_INDEX_WATCH_WAIT_MS", &mut index_limits.watch_wait_ms),
            ("DOCKET_INDEX_REBUILD_WAITING", &mut index_limits.rebuild_waiting),
            ("DOCKET_INDEX_MERGED_AT_MOST", &mut index_limits.merged_at_most),
        ] {
            if let Ok(text) = std::env::var(name) {
                *limit = match text.trim() {
                    "never" => usize::MAX,
                    number => number.parse().map_err(|_| ContextError::BadLimit(name, text.clone()))?,
                };
            }
        }
        let named = |name| std::env::var(name).ok().filter(|n: &String| !n.trim().is_empty());
        Ok(Self {
            pinned: std::env::var_os("DOCKET_NOW").is_some(),
            git_author: named("GIT_AUTHOR_NAME"),
            login: named("USER"),
            now,
            commit_time,
            random_state,
            next_first,
            history_walk_at,
            index_limits,
            mirror_backoff_ms,
            mirror_timeout_ms,
            mirror_login_wait_ms,
        })
    }

    /// A context with a fixed clock and seed, for tests.
    pub fn fixed(now: Timestamp, seed: u64) -> Self {
        Self {
            now,
            commit_time: None,
            random_state: seed,
            next_first: None,
            history_walk_at: crate::history::WALK_AT,
            index_limits: Limits::default(),
            mirror_backoff_ms: MIRROR_BACKOFF_MS,
            mirror_timeout_ms: MIRROR_TIMEOUT_MS,
            mirror_login_wait_ms: MIRROR_LOGIN_WAIT_MS,
            pinned: true,
            git_author: None,
            login: None,
        }
    }

    /// This context with its clock read again, for a process that runs for long (`docket
    /// serve`): each change is made at its own time, unless `DOCKET_NOW` pinned the clock.
    #[must_use]
    pub fn ticked(&self) -> Self {
        let mut ticked = self.clone();
        if !self.pinned {
            ticked.now = clock();
        }
        ticked
    }

    /// `GIT_AUTHOR_NAME`, when set.
    pub fn git_author(&self) -> Option<&str> {
        self.git_author.as_deref()
    }

    /// The login name (`USER`), when set.
    pub fn login(&self) -> Option<&str> {
        self.login.as_deref()
    }

    /// The mirrors' first wait before retrying a request that failed in passing (a 5xx, a
    /// network fault); it doubles on each retry. Tests make it short.
    pub fn mirror_backoff(&self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::try_from(self.mirror_backoff_ms).unwrap_or(u64::MAX))
    }

    /// How long one mirror request may take, connecting included (`DOCKET_MIRROR_TIMEOUT_MS`).
    pub fn mirror_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::try_from(self.mirror_timeout_ms).unwrap_or(u64::MAX))
    }

    /// How long `docket mirror login` waits for the token to be authorized
    /// (`DOCKET_MIRROR_LOGIN_WAIT_MS`).
    pub fn mirror_login_wait(&self) -> std::time::Duration {
        std::time::Duration::from_millis(u64::try_from(self.mirror_login_wait_ms).unwrap_or(u64::MAX))
    }

    /// The sizes at which the index changes how it works (tests set them).
    pub fn index_limits(&self) -> Limits {
        self.index_limits
    }

    /// Up to how many (commit, record) lookups `plan` and `log` walk the history of their
    /// records when there is no history cache, rather than build it.
    pub fn history_walk_at(&self) -> usize {
        self.history_walk_at
    }

    /// How many candidates `docket next` first asks the index for, when a test sets it.
    pub fn next_first(&self) -> Option<usize> {
        self.next_first
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The time of the commit being made: `GIT_COMMITTER_DATE` when set, else now.
    pub fn commit_time(&self) -> Timestamp {
        self.commit_time.unwrap_or(self.now)
    }

    /// The next 64 random bits (splitmix64: small, fast, and well distributed).
    pub fn next_random(&mut self) -> u64 {
        self.random_state = self.random_state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.random_state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The system clock, in seconds since the epoch.
fn clock() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}
