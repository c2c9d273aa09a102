//! `docket edit`: the record in `$EDITOR`, re-validated on save and re-opened on error; the
//! original is kept if the user gives up.

use std::process::ExitCode;

use super::{Draft, Env, edit_until_valid};
use crate::cli::EditArgs;
use crate::error::{CliError, EXIT_INPUT};
use crate::render;
use crate::ui::Ui;

pub fn cmd_edit(ui: &Ui, env: &Env, args: &EditArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let file = tracker.resolve(&args.id)?;
    let (_, _, original) = tracker.load(&file)?;
    let draft = Draft {
        file: &file,
        scratch: &file.id,
        text: &original,
        strip: "",
        old: Some(&original),
        now: env.context.commit_time(),
    };
    let Some(edited) = edit_until_valid(ui, &tracker, &draft)? else {
        return Ok(ExitCode::from(EXIT_INPUT));
    };
    if edited == original {
        ui.err(&format!("{} unchanged\n", file.path));
        return Ok(ExitCode::SUCCESS);
    }
    // The file may have changed while the editor was open (a `git pull`, another command):
    // refuse to overwrite what we did not see.
    let _lock = tracker.lock_writes()?;
    let (_, _, current) = tracker.load(&file)?;
    if current != original {
        // Kept as a draft with the text it started from, so the next edit merges it onto the
        // record as it is then.
        let derived = docket::derived::Derived::of(&tracker.repo, &tracker.prefix);
        let scratch = derived.draft(&file.id);
        let _ = std::fs::write(&scratch, &edited);
        let _ = std::fs::write(derived.draft_base(&file.id), &original);
        return Err(CliError::usage(
            format!("{} changed while it was being edited; your edit was not applied", file.path),
            format!(
                "your version is kept in {}; `docket edit {}` merges it onto the record as it is now",
                scratch.display(),
                file.id
            ),
        ));
    }
    tracker.write(&file.path, &edited)?;
    ui.out(&render::diff(&original, &edited, ui.out_style()));
    ui.err(&format!("updated {}\n", file.path));
    Ok(ExitCode::SUCCESS)
}
