//! The git repository: the only module that uses git2.
//!
//! For now it finds the repository a tracker lives in and reads the user's identity from git
//! config. It honours `GIT_DIR` and friends when they are set, as they are inside git hooks.

use std::path::{Path, PathBuf};

/// A git repository with a work tree.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The top of the work tree.
    pub workdir: PathBuf,
    /// The `.git` directory (a worktree's own one for linked worktrees).
    pub git_dir: PathBuf,
    author: Option<String>,
}

/// Why the repository could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not inside a git repository")]
    NotARepository(PathBuf),
    #[error("{0} is a bare git repository, which has no work tree for records")]
    Bare(PathBuf),
}

impl Repo {
    /// Finds the repository holding `start`, like `git rev-parse`: from `GIT_DIR` when it is set,
    /// else by walking up from `start`.
    pub fn discover(start: &Path) -> Result<Self, StoreError> {
        let repository = if std::env::var_os("GIT_DIR").is_some() {
            git2::Repository::open_from_env()
        } else {
            git2::Repository::discover(start)
        }
        .map_err(|_| StoreError::NotARepository(start.to_path_buf()))?;
        let workdir = repository
            .workdir()
            .ok_or_else(|| StoreError::Bare(repository.path().to_path_buf()))?;
        let workdir = workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf());
        let author = repository
            .config()
            .ok()
            .and_then(|config| config.get_string("user.name").ok());
        Ok(Self {
            workdir,
            git_dir: repository.path().to_path_buf(),
            author,
        })
    }

    /// The user's name from git config (`user.name`), for comment authors.
    pub fn author(&self) -> Option<&str> {
        self.author.as_deref()
    }
}
