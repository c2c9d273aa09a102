//! `docket comment`: append a `[[comments]]` entry with the date and author.

use std::io::Read;
use std::process::ExitCode;

use docket::format::edit;

use super::{Env, scratch_path};
use crate::cli::CommentArgs;
use crate::editor;
use crate::error::CliError;
use crate::ui::Ui;

/// git's scissors line: everything below it is help, removed from the comment; nothing above
/// it is touched, so Markdown headings (`## Context`) survive.
const SCISSORS: &str = "# ------------------------ >8 ------------------------";
const COMMENT_TEMPLATE: &str = "\n# ------------------------ >8 ------------------------\n# Write the comment above this line; everything below it is removed.\n# An empty comment aborts.\n";

pub fn cmd_comment(ui: &Ui, env: &Env, args: &CommentArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    // An unreadable record fails here, before the editor opens.
    tracker.load(&file)?;

    let text = match (&args.message, &args.file) {
        (Some(message), _) => message.clone(),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|source| CliError::Io {
                message: "cannot read the comment from standard input".into(),
                source,
            })?;
            text
        }
        (None, Some(path)) => std::fs::read_to_string(env.start.join(path))
            .map_err(|source| CliError::Io { message: format!("cannot read {}", path.display()), source })?,
        (None, None) => {
            let scratch = scratch_path(&tracker, &format!("{}-comment", file.id)).with_extension("md");
            let io = |source| CliError::Io { message: format!("cannot write {}", scratch.display()), source };
            std::fs::create_dir_all(scratch.parent().expect("the scratch file is in a folder")).map_err(io)?;
            std::fs::write(&scratch, COMMENT_TEMPLATE).map_err(io)?;
            editor::edit(&scratch)?;
            let written = std::fs::read_to_string(&scratch).map_err(io)?;
            let _ = std::fs::remove_file(&scratch);
            written.split_once(SCISSORS).map_or(written.as_str(), |(above, _)| above).to_owned()
        }
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(CliError::usage(
            "the comment is empty; nothing was added",
            "pass -m \"text\", -F FILE, or write the comment in the editor",
        ));
    }
    let author = author(&tracker, args.author.as_deref());
    // Read the record again under the lock: a comment written by another process meanwhile
    // is kept.
    let _lock = tracker.lock_writes()?;
    let (_, _, source) = tracker.load(&file)?;
    let edited =
        edit::append_comment(&source, file.kind, env.context.now(), author.as_deref(), text).map_err(|error| {
            CliError::usage(
                format!("cannot edit {}: {error}", file.path),
                "fix the file first (`docket show` reports its problems)",
            )
        })?;
    let parsed = super::valid_result(ui, &tracker, &file, &edited, "it has problems to fix first")?;
    tracker.write(&file.path, &edited)?;
    if let (true, Some(record)) = (args.json, parsed.record) {
        ui.json(&docket::json::record_to_json(&record));
    }
    ui.err(&format!("commented on {}\n", file.path));
    Ok(ExitCode::SUCCESS)
}

/// Who writes a comment: `--author`, else git's author (`GIT_AUTHOR_NAME`, `user.name`), else
/// the login name.
pub fn author(tracker: &docket::tracker::Tracker, given: Option<&str>) -> Option<String> {
    given
        .map(str::to_owned)
        .or_else(|| std::env::var("GIT_AUTHOR_NAME").ok().filter(|n| !n.trim().is_empty()))
        .or_else(|| tracker.repo.author().map(str::to_owned))
        .or_else(|| std::env::var("USER").ok().filter(|n| !n.trim().is_empty()))
}
