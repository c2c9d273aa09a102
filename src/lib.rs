//! docket: a local-first issue tracker that lives in a git repository.
//!
//! Issues, MIR bugs and milestones are TOML files that people edit and commit with plain git.
//! This crate is the core; the `docket` binary in `src/bin/docket/` is a thin command line on
//! top of it. The core never prints: it returns values, typed errors and [`Diagnostic`]s, and
//! the binary renders them.
//!
//! A map of the modules, from the data outwards:
//!
//! - [`model`] is plain data: the record kinds, their typed fields, and the MIR process states
//!   derived from a bug's status. No I/O.
//! - [`mod@format`] turns record text into the model and back: parsing with byte spans into
//!   located diagnostics (every problem at once), the table of fields each kind has, in-place
//!   edits through `toml_edit` that keep comments and order, and the text of new records.
//! - [`diagnostic`] is a problem in a file, located to line and column with its source line.
//! - [`workflow`] holds workflows as data: their states, built in or from the tracker.
//! - [`config`] is `docket.toml`; [`policy`] is that file with the workflow of each kind, read
//!   from the work tree, the index or a commit.
//! - [`tracker`] is a tracker on disk: discovery, `init`, record files in both layouts, id
//!   prefixes, loading everything in parallel, atomic writes.
//! - [`entry`] says what a record folder may hold (records, shard folders, `.gitkeep`): anything
//!   else there — a bad name, a link, a FIFO — is an error for the hooks and the work tree alike.
//! - [`reference`] judges what a record names (milestone, `blocked_by`, assignee, a MIR
//!   package) for every path that changes records, so `set`, the hooks and `check` agree.
//! - [`create`] builds a new record from what the user gave and judges it before it is written.
//! - [`change`] is the changes people make to one record (`move`, `set`, `comment`,
//!   `update`), one operation each, shared by the command line and the web board.
//! - [`check`] judges changes against the workflows: the staged change, ranges of commits,
//!   one edit, the whole tree.
//! - [`hooks`] installs docket's git hooks beside existing ones and reads what push hooks get.
//! - [`derived`] owns everything docket keeps under the git directory (`.git/docket/`): it
//!   names every path, writes atomically, and treats a foreign entry as absent.
//! - [`index`] is the full-text index behind `docket search`, and the only user of tantivy:
//!   derived, under the git directory, kept fresh by comparing stamps, deletable at any time.
//! - [`store`] is the git repository, and the only user of git2.
//! - [`history`] is every record's versions through git history, in one pass cached in small
//!   files by record, so that a command about a few records reads only theirs.
//! - [`plan`] is planning, pure: milestone capacity and readiness.
//! - [`select`] finds the records `next` and `plan` need through the index; they decide.
//! - [`chart`] draws the burndown and cumulative-flow charts as SVG, by hand.
//! - [`report`] is reports: stale weekly updates, and flow metrics from history (kept by
//!   commit, and brought forward by the records later commits changed).
//! - [`merge`] is the field-level three-way merge of record files behind git's merge driver.
//! - [`import`] turns git-bug's bugs and identities into issues.
//! - [`mirror`] keeps the tracker and GitLab in step (push, pull, sync): the last synced state
//!   under `refs/docket/mirror/<service>`, the three-way comparison, the journal of a run;
//!   [`mirror::gitlab`] maps records to GitLab's REST API, [`mirror::http`] retries and pages.
//! - [`serve`] is `docket serve`: the web board, its routes and their guards; every change it
//!   makes is one of [`change`]'s.
//! - [`query`] filters and sorts loaded records for `list`; [`json`] gives their `--json` shape.
//! - [`visible`] escapes control characters for human-readable output (`--json` keeps them).
//! - [`id`], [`time`] and [`context`] are the small pieces: ids, calendar arithmetic, and the
//!   clock, randomness and environment (the only place they are read, so tests pin them).

pub mod apply;
pub mod change;
pub mod chart;
pub mod check;
pub mod config;
pub mod context;
pub mod cores;
pub mod create;
pub mod derived;
pub mod diagnostic;
pub mod entry;
pub mod format;
pub mod history;
pub mod hooks;
pub mod id;
pub mod import;
pub mod index;
pub mod json;
pub mod merge;
pub mod mirror;
pub mod model;
pub mod plan;
pub mod policy;
pub mod query;
pub mod reference;
pub mod rename;
pub mod report;
pub mod select;
pub mod serve;
pub mod store;
pub mod time;
pub mod tracker;
pub mod visible;
pub mod workflow;

pub use diagnostic::Diagnostic;
