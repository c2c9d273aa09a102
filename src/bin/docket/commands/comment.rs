//! `docket comment`: append a `[[comments]]` entry with the date and author
//! ([`docket::change::comment`]); the text from `-m`, a file, standard input or the editor.

use std::io::Read;
use std::process::ExitCode;

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
    let author = docket::change::author(&tracker, &env.context, args.author.as_deref());
    let commented = match docket::change::comment(&tracker, &env.context, &file, author.as_deref(), &text) {
        Ok(commented) => commented,
        Err(error) => return super::not_changed(ui, error),
    };
    if let (true, Some(record)) = (args.json, &commented.record) {
        ui.json(&docket::json::record_to_json(record));
    }
    ui.err(&format!("{}\n", commented.summary));
    Ok(ExitCode::SUCCESS)
}
