//! One file per subcommand, each `cmd_<verb>(ui, env, args)`; this module dispatches and holds
//! what several commands share.

mod check;
mod comment;
mod completions;
mod edit;
mod fmt;
mod hook;
mod import;
mod index;
mod init;
mod list;
mod log;
mod merge_driver;
mod mirror;
mod move_record;
mod new;
mod next;
mod plan;
mod reference;
mod rename;
mod report;
mod search;
mod serve;
mod set;
mod setup;
mod show;
mod update;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use docket::context::Context;
use docket::diagnostic::has_errors;
use docket::tracker::{RecordFile, Tracker};

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::ui::Ui;
use crate::{editor, render};

/// What every command starts from.
pub struct Env {
    /// The folder the command runs in: the current one, or `-C PATH`.
    pub start: PathBuf,
    pub context: Context,
}

impl Env {
    pub fn tracker(&self) -> Result<Tracker, CliError> {
        Ok(Tracker::discover(&self.start)?)
    }
}

/// Runs the command `cli` names.
pub fn run(cli: &Cli, ui: &Ui) -> Result<ExitCode, CliError> {
    let current = std::env::current_dir()
        .map_err(|source| CliError::Io { message: "cannot read the current folder".into(), source })?;
    let start = match &cli.directory {
        Some(path) => current.join(path),
        None => current,
    };
    if !start.is_dir() {
        return Err(CliError::usage(
            format!("cannot run in {}: no such folder", start.display()),
            "check the path given to -C",
        ));
    }
    let context =
        Context::from_env().map_err(|error| CliError::usage(error.to_string(), "unset it or fix its value"))?;
    let env = Env { start, context };
    match &cli.command {
        Command::Init(args) => init::cmd_init(ui, &env, args),
        Command::New(args) => new::cmd_new(ui, env, args),
        Command::Show(args) => show::cmd_show(ui, &env, args),
        Command::List(args) => list::cmd_list(ui, &env, args),
        Command::Edit(args) => edit::cmd_edit(ui, &env, args),
        Command::Set(args) => set::cmd_set(ui, &env, args),
        Command::Comment(args) => comment::cmd_comment(ui, &env, args),
        Command::Update(args) => update::cmd_update(ui, &env, args),
        Command::Move(args) => move_record::cmd_move(ui, &env, args),
        Command::Rename(args) => rename::cmd_rename(ui, &env, args),
        Command::Check(args) => check::cmd_check(ui, &env, args),
        Command::Hook(args) => hook::cmd_hook(ui, &env, args),
        Command::Search(args) => search::cmd_search(ui, &env, args),
        Command::Index(args) => index::cmd_index(ui, &env, args),
        Command::Watch(args) => watch::cmd_watch(ui, &env, args),
        Command::Serve(args) => serve::cmd_serve(ui, &env, args),
        Command::Next(args) => next::cmd_next(ui, &env, args),
        Command::Plan(args) => plan::cmd_plan(ui, &env, args),
        Command::Report(args) => report::cmd_report(ui, &env, args),
        Command::Log(args) => log::cmd_log(ui, &env, args),
        Command::Setup => setup::cmd_setup(ui, &env),
        Command::Fmt(args) => fmt::cmd_fmt(ui, &env, args),
        Command::Import(args) => import::cmd_import(ui, &env, args),
        Command::Mirror(args) => mirror::cmd_mirror(ui, &env, args),
        Command::MergeDriver(args) => merge_driver::cmd_merge_driver(ui, &env, args),
        Command::Completions(args) => Ok(completions::cmd_completions(ui, args)),
        Command::Reference => Ok(reference::cmd_reference(ui)),
    }
}

/// Renders a change the library did not make ([`docket::change::ChangeError`]): a refusal by
/// the workflow is printed with its diagnostics (exit 1); the rest become the command's error.
pub fn not_changed(ui: &Ui, error: docket::change::ChangeError) -> Result<ExitCode, CliError> {
    use docket::change::ChangeError;
    match error {
        ChangeError::Tracker(error) => Err(error.into()),
        ChangeError::Usage { message, hint } | ChangeError::Incomplete { message, hint, .. } => {
            Err(CliError::usage(message, hint))
        }
        ChangeError::Unreadable(diagnostics) => Err(CliError::Diagnostics(diagnostics)),
        ChangeError::Invalid { path, why, diagnostics } => {
            ui.err(&format!("{} {path} was not changed: {why}\n", ui.err_style().error("error:")));
            Err(CliError::Diagnostics(diagnostics))
        }
        ChangeError::Refused { diagnostics, note, summary } => {
            ui.err(&render::diagnostics(&diagnostics, ui.err_style()));
            if let Some(note) = note {
                ui.err(&format!("note: {note}\n"));
            }
            ui.err(&format!("{} {summary}\n", ui.err_style().error("error:")));
            Ok(ExitCode::from(crate::error::EXIT_VIOLATIONS))
        }
    }
}

/// Where a record being edited in `$EDITOR` waits: under the git directory, so that it is
/// neither in the record folders nor committed, and survives a failed validation.
pub fn scratch_path(tracker: &Tracker, id: &str) -> PathBuf {
    docket::derived::Derived::of(&tracker.repo, &tracker.prefix).draft(id)
}

/// What `edit_until_valid` edits.
pub struct Draft<'a> {
    pub file: &'a RecordFile,
    /// The scratch file's name: the id, or `new-issue` for a record being created.
    pub scratch: &'a str,
    /// The text to open the editor on.
    pub text: &'a str,
    /// A preamble to remove from the result (a comment block of help).
    pub strip: &'a str,
    /// The record before the edit (none for a new record), to judge the change by the workflow.
    pub old: Option<&'a str>,
    /// When the change is made, for time rules.
    pub now: docket::time::Timestamp,
}

/// Opens the editor until the text is a valid record that breaks no workflow rule, or the user
/// gives up. Returns the valid text, or `None` when the user gave up; the attempt then stays
/// in the scratch file, and the next edit of the same record offers to resume it.
pub fn edit_until_valid(ui: &Ui, tracker: &Tracker, draft: &Draft<'_>) -> Result<Option<String>, CliError> {
    let file = draft.file;
    let derived = docket::derived::Derived::of(&tracker.repo, &tracker.prefix);
    let scratch = derived.draft(draft.scratch);
    let base_path = derived.draft_base(draft.scratch);
    let resume = std::fs::read_to_string(&scratch).ok().filter(|kept| kept != draft.text && !kept.trim().is_empty());
    let start = match resume {
        // A non-interactive run resumes: losing the user's work is worse than reopening it.
        Some(kept) if !ui.interactive || ui.confirm("resume the edit you gave up on last time?", true) => {
            resumed(ui, &scratch, &kept, std::fs::read_to_string(&base_path).ok().as_deref(), draft.text)
        }
        _ => draft.text.to_owned(),
    };
    write_scratch(&scratch, &start)?;
    // What the record says now: the base of the draft from here on.
    write_scratch(&base_path, draft.text)?;
    loop {
        editor::edit(&scratch)?;
        let edited = std::fs::read_to_string(&scratch)
            .map_err(|source| CliError::Io { message: format!("cannot read {}", scratch.display()), source })?;
        let edited = edited.strip_prefix(draft.strip).unwrap_or(&edited).to_owned();
        let mut problems = tracker.parse(file, &edited).diagnostics;
        if !has_errors(&problems) {
            problems = docket::check::edit_breaks(tracker, &file.path, draft.old, &edited, draft.now);
        }
        if !has_errors(&problems) {
            let _ = std::fs::remove_file(&scratch);
            let _ = std::fs::remove_file(&base_path);
            return Ok(Some(edited));
        }
        ui.err(&render::diagnostics(&problems, ui.err_style()));
        if !ui.confirm("re-open the editor to fix it?", true) {
            let what = match draft.old {
                Some(_) => format!("{} is unchanged", file.path),
                None => format!("nothing was created ({} was not written)", file.path),
            };
            ui.err(&format!(
                "{} {what}; your draft is kept in {} and `docket edit`/`docket new` offer to resume it\n",
                ui.err_style().hint("note:"),
                scratch.display()
            ));
            return Ok(None);
        }
    }
}

/// The text to resume a kept draft with. While the record still has the text the draft
/// started from (`base`), the draft as it is; when the record changed since (a comment added,
/// a move), the draft's changes merged onto the record as it is now, field by field as the
/// merge driver does, with conflict markers where both changed one field — never the draft
/// written over what changed since. A draft whose base is unknown is shown as a diff and not
/// resumed.
fn resumed(ui: &Ui, scratch: &Path, kept: &str, base: Option<&str>, current: &str) -> String {
    match base {
        Some(base) if base == current => {
            ui.err(&format!("resuming the edit kept in {}\n", scratch.display()));
            kept.to_owned()
        }
        Some(base) => match docket::merge::merge(base, kept, current) {
            Ok(merged) if merged.conflicts.is_empty() => {
                ui.err(&format!(
                    "resuming the edit kept in {}: the record changed since, and your draft's changes were merged onto it\n",
                    scratch.display()
                ));
                merged.text
            }
            Ok(merged) => {
                ui.err(&format!(
                    "resuming the edit kept in {}: the record changed since, and both changed {}; keep one side between the conflict markers\n",
                    scratch.display(),
                    merged.conflicts.join(", ")
                ));
                merged.text
            }
            Err(_) => not_resumed(ui, scratch, kept, current),
        },
        None => not_resumed(ui, scratch, kept, current),
    }
}

fn not_resumed(ui: &Ui, scratch: &Path, kept: &str, current: &str) -> String {
    ui.err(&format!(
        "{} the record changed since the edit kept in {} was taken; starting from the record as it is now. Your draft differs from it so:\n{}",
        ui.err_style().hint("note:"),
        scratch.display(),
        render::diff(current, kept, ui.err_style())
    ));
    current.to_owned()
}

fn write_scratch(path: &Path, text: &str) -> Result<(), CliError> {
    let io = |source| CliError::Io { message: format!("cannot write {}", path.display()), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)
}
