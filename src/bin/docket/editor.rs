//! Running the user's editor on a file, as git does.

use std::path::Path;
use std::process::Command;

use crate::error::CliError;

/// The editor command: `DOCKET_EDITOR`, `GIT_EDITOR`, `VISUAL`, `EDITOR`, then `vi`.
fn editor_command() -> String {
    ["DOCKET_EDITOR", "GIT_EDITOR", "VISUAL", "EDITOR"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_owned())
}

/// Opens `path` in the editor and waits for it. The command runs through `sh`, so an editor
/// with arguments (`code --wait`) works.
pub fn edit(path: &Path) -> Result<(), CliError> {
    let editor = editor_command();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(path)
        .status()
        .map_err(|source| CliError::Io { message: format!("cannot start the editor `{editor}`"), source })?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::usage(
            format!("the editor `{editor}` exited with {status}"),
            "set DOCKET_EDITOR or EDITOR to an editor that waits until you close the file",
        ))
    }
}
