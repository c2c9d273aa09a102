//! Renaming a record (`docket rename OLD NEW`): its file moves to the new id's path byte for
//! byte, and every record that names the old id (an issue's `milestone`, a `blocked_by`, a
//! milestone's parking lot) is edited to name the new one. The hooks judge the commit as one
//! record renamed, not one deleted and another created ([`crate::check`]), and refuse it while
//! a record still names the old id — which this leaves none of.

use crate::entry;
use crate::format::edit::{self, EditError};
use crate::id;
use crate::model::Record;
use crate::tracker::{RecordFile, Tracker, TrackerError};

/// Why a record cannot be renamed.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    #[error("`{id}` is not a valid id: {reason}")]
    InvalidId { id: String, reason: id::InvalidId },
    #[error("`{id}` is already taken by {path}")]
    Taken { id: String, path: String },
    #[error("cannot edit {path}: {error}")]
    Edit { path: String, error: EditError },
}

/// What renaming a record writes: its new path, and each record naming it with its text before
/// and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    pub file: RecordFile,
    pub to: String,
    pub new_path: String,
    /// (path, text before, text after) of each record that named the old id.
    pub references: Vec<(String, String, String)>,
}

/// The rename of `file` to the id `to`, given the records `naming` it (found through the
/// index: [`crate::select::naming`]); nothing is written.
pub fn prepare(tracker: &Tracker, file: &RecordFile, to: &str, naming: &[Record]) -> Result<Rename, RenameError> {
    id::validate(to).map_err(|reason| RenameError::InvalidId { id: to.to_owned(), reason })?;
    if let Some(path) = entry::paths_of(to).into_iter().find(|path| tracker.absolute(path).exists()) {
        return Err(RenameError::Taken { id: to.to_owned(), path });
    }
    let mut references = Vec::new();
    for record in naming {
        let source = std::fs::read_to_string(tracker.absolute(&record.path))
            .map_err(|source| TrackerError::Read { path: tracker.absolute(&record.path), source })?;
        let edited = edit::replace_id(&source, &file.id, to)
            .map_err(|error| RenameError::Edit { path: record.path.clone(), error })?;
        if edited != source {
            references.push((record.path.clone(), source, edited));
        }
    }
    references.sort();
    Ok(Rename { file: file.clone(), to: to.to_owned(), new_path: tracker.path_for(file.kind, to), references })
}

/// Writes `rename`: the references first (each atomically), then the file's move.
pub fn apply(tracker: &Tracker, rename: &Rename) -> Result<(), TrackerError> {
    for (path, _, edited) in &rename.references {
        tracker.write(path, edited)?;
    }
    tracker.rename_file(&rename.file.path, &rename.new_path)
}
