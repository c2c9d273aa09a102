//! git hooks: installing docket's pre-commit, pre-push and pre-receive hooks beside any hook
//! already there, and turning what git hands a push hook into the commits to check.
//!
//! Hooks never touch the network; they read the repository only.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::check::RefUpdate;
use crate::store::{CommitInfo, Repo, StoreError};

/// The text that marks a hook as docket's.
const MARKER: &str = "Installed by `docket hook install`";
/// The suffix a foreign hook is kept under; docket's hook runs it after its own check.
pub const CHAINED_SUFFIX: &str = ".pre-docket";
/// The all-zero id git uses for "no commit" in push hooks.
const ZERO: &str = "0000000000000000000000000000000000000000";

/// What `install` did to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub name: String,
    pub path: PathBuf,
    /// Where a hook that was already there now lives (it still runs, after docket's).
    pub chained: Option<PathBuf>,
    /// Whether docket's hook was already there and only refreshed.
    pub refreshed: bool,
}

/// Why hooks could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("cannot write the hook {path}")]
    Write { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The hooks to install: pre-commit, pre-merge-commit (git runs it instead of pre-commit for a
/// merge it completes by itself) and pre-push in a clone; pre-receive on a server.
pub fn names(server: bool) -> &'static [&'static str] {
    if server { &["pre-receive"] } else { &["pre-commit", "pre-merge-commit", "pre-push"] }
}

/// The script of hook `name`, running the docket at `docket` (or the one on `PATH` when that
/// one is gone).
pub fn script(name: &str, docket: &Path, root: &str) -> String {
    let quoted = docket.display().to_string().replace('\'', r"'\''");
    let root = root.replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n\
         # Installed by `docket hook install`: checks records against the tracker's workflows.\n\
         # A hook that was here before is kept as {name}{CHAINED_SUFFIX} and runs after docket's check.\n\
         DOCKET='{quoted}'\n\
         [ -x \"$DOCKET\" ] || DOCKET=docket\n\
         exec \"$DOCKET\" hook run --root '{root}' {name} \"$@\"\n"
    )
}

/// Installs docket's hooks where git looks for them (`core.hooksPath`, or the common git
/// directory of linked worktrees), keeping any other hook by chaining it.
/// `root` is the tracker's folder inside the repository (`""` for the top).
pub fn install(repo: &Repo, server: bool, docket: &Path, root: &str) -> Result<Vec<Installed>, HookError> {
    let folder = repo.git_path("hooks");
    fs::create_dir_all(&folder).map_err(|source| HookError::Write { path: folder.clone(), source })?;
    let mut installed = Vec::new();
    for name in names(server) {
        let path = folder.join(name);
        let existing = fs::read_to_string(&path).ok();
        let refreshed = existing.as_deref().is_some_and(|text| text.contains(MARKER));
        let mut chained = None;
        if existing.is_some() && !refreshed {
            let keep = folder.join(format!("{name}{CHAINED_SUFFIX}"));
            if keep.exists() {
                // Never overwrite a hook: a second foreign hook keeps a numbered name.
                let numbered =
                    (1..10_000).map(|n| folder.join(format!("{name}{CHAINED_SUFFIX}.{n}"))).find(|p| !p.exists());
                let numbered = numbered.ok_or_else(|| HookError::Write {
                    path: folder.join(format!("{name}{CHAINED_SUFFIX}.*")),
                    source: io::Error::other("too many chained hooks"),
                })?;
                fs::rename(&keep, &numbered).map_err(|source| HookError::Write { path: numbered.clone(), source })?;
            }
            fs::rename(&path, &keep).map_err(|source| HookError::Write { path: keep.clone(), source })?;
            chained = Some(keep);
        } else if folder.join(format!("{name}{CHAINED_SUFFIX}")).exists() {
            chained = Some(folder.join(format!("{name}{CHAINED_SUFFIX}")));
        }
        write_executable(&path, &script(name, docket, root))?;
        installed.push(Installed { name: (*name).to_owned(), path, chained, refreshed });
    }
    Ok(installed)
}

fn write_executable(path: &Path, text: &str) -> Result<(), HookError> {
    let error = |source| HookError::Write { path: path.to_path_buf(), source };
    let temporary = path.with_extension("docket-tmp");
    fs::write(&temporary, text).map_err(error)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&temporary, fs::Permissions::from_mode(0o755)).map_err(error)?;
    }
    fs::rename(&temporary, path).map_err(error)
}

/// The foreign hooks chained behind docket's hook `name`, in the order they run: the one kept
/// last, then any older ones (`.pre-docket.1`, `.pre-docket.2`, …); each with whether it is
/// executable. Git ignores a hook that is not, so docket's chain skips it too: installing
/// docket's hook must not bring to life a hook git never ran.
pub fn chained(repo: &Repo, name: &str) -> Vec<(PathBuf, bool)> {
    let folder = repo.git_path("hooks");
    let first = folder.join(format!("{name}{CHAINED_SUFFIX}"));
    let older = (1..10_000).map(|n| folder.join(format!("{name}{CHAINED_SUFFIX}.{n}"))).take_while(|p| p.is_file());
    std::iter::once(first)
        .filter(|p| p.is_file())
        .chain(older)
        .map(|path| {
            let executable = is_executable(&path);
            (path, executable)
        })
        .collect()
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

/// The ref updates of a push, from the lines git gives a pre-push hook
/// (`<local ref> <local id> <remote ref> <remote id>`: the remote ref is the one updated) or a
/// pre-receive hook (`<old id> <new id> <ref>`); the zero id is a ref created or deleted.
pub fn ref_updates(input: &str, pre_push: bool) -> Vec<RefUpdate> {
    let id = |id: &str| (id != ZERO).then(|| id.to_owned());
    input
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (name, old, new) = match (pre_push, words.as_slice()) {
                (true, [_, local, remote_ref, remote]) => (*remote_ref, *remote, *local),
                (false, [old, new, name]) => (*name, *old, *new),
                _ => return None,
            };
            Some(RefUpdate { name: name.to_owned(), old: id(old), new: id(new) })
        })
        .collect()
}

/// The commits a push introduces, oldest first and without repeats: for each updated ref, the
/// commits from its old tip to its new one; a new branch brings the commits no existing ref
/// (pre-receive) or remote-tracking ref (pre-push) has, and so does an update from an old tip
/// this repository does not have.
pub fn pushed_commits(repo: &Repo, updates: &[RefUpdate], pre_push: bool) -> Result<Vec<CommitInfo>, StoreError> {
    let mut commits: Vec<CommitInfo> = Vec::new();
    for update in updates {
        let Some(new) = update.new.as_deref() else { continue }; // a deleted ref brings nothing
        let found = match update.old.as_deref().filter(|old| repo.resolve(old).is_ok()) {
            Some(old) => repo.range(Some(old), new)?,
            None => repo.new_commits(new, pre_push)?,
        };
        for commit in found {
            if !commits.iter().any(|c| c.id == commit.id) {
                commits.push(commit);
            }
        }
    }
    Ok(commits)
}

/// The lines `.gitattributes` needs for docket's merge driver, for a tracker at its folder.
pub const ATTRIBUTES: &str =
    "issues/**/*.toml merge=docket\nmir/**/*.toml merge=docket\nmilestones/**/*.toml merge=docket\n";

/// `existing` with each of `lines` it lacks appended, one per line; `None` when it has them all.
pub fn with_lines<'a>(existing: &str, lines: impl Iterator<Item = &'a str>) -> Option<String> {
    let missing: Vec<&str> = lines.filter(|line| !existing.lines().any(|l| l == *line)).collect();
    if missing.is_empty() {
        return None;
    }
    let mut text = existing.to_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    Some(text)
}

/// Registers the merge driver in the repository's git config (`merge.docket.*`, which git
/// does not clone) and in `info/attributes` (which rebase honours), for a tracker at `prefix`.
pub fn register_merge_driver(repo: &Repo, docket: &Path, prefix: &str) -> Result<(), HookError> {
    let quoted = docket.display().to_string().replace('\'', r"'\''");
    repo.set_config("merge.docket.name", "docket: field-level merge of records")?;
    repo.set_config("merge.docket.driver", &format!("'{quoted}' merge-driver %O %A %B %P"))?;
    let path = repo.git_path("info").join("attributes");
    let existing = fs::read_to_string(&path).unwrap_or_default();
    let wanted: Vec<String> = ATTRIBUTES.lines().map(|line| format!("{prefix}{line}")).collect();
    if let Some(text) = with_lines(&existing, wanted.iter().map(String::as_str)) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| HookError::Write { path: parent.to_path_buf(), source })?;
        }
        fs::write(&path, text).map_err(|source| HookError::Write { path: path.clone(), source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines missing are appended, one per line, after a last line without its newline;
    /// nothing when every line is there.
    #[test]
    fn with_lines_appends_only_what_is_missing() {
        let table: [(&str, &[&str], Option<&str>); 6] = [
            ("", &["a", "b"], Some("a\nb\n")),
            ("x", &["a"], Some("x\na\n")),
            ("x\n", &["a"], Some("x\na\n")),
            ("a\nx\n", &["a", "b"], Some("a\nx\nb\n")),
            ("b\na\n", &["a", "b"], None),
            ("ab\n", &["a"], Some("ab\na\n")),
        ];
        for (existing, lines, expected) in table {
            assert_eq!(with_lines(existing, lines.iter().copied()).as_deref(), expected, "{existing:?} {lines:?}");
        }
    }
}
