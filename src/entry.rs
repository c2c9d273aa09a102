//! What may live in a record folder (`issues/`, `mir/`, `milestones/`): record files named
//! `<id>.toml`, shard folders of two characters holding the records whose ids start with them
//! (`issues/k3/k3x9q2.toml`), and `.gitkeep` at the top. Anything else — a file whose name is
//! not an id, a folder named like a record, a symbolic link, a FIFO, a submodule — is a way
//! around every rule (no command would read it as a record, or one would follow it out of the
//! repository), so it is an error wherever it is found: in the hooks and range checks (from
//! git's modes) and in the work tree (from the file system). Both ask [`problem`].

use crate::diagnostic::Diagnostic;
use crate::id;
use crate::model::Kind;

/// What an entry is, as git or the file system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A regular file (executable or not).
    File,
    Folder,
    /// A symbolic link: git stores its target as text.
    Link,
    /// A git submodule (a commit in a tree).
    Submodule,
    /// A FIFO, a socket or a device.
    Special,
}

impl Entry {
    /// The entry of a git tree mode (`100644`, `120000`, …).
    pub fn of_git_mode(mode: u32) -> Self {
        match mode & 0o170_000 {
            0o040_000 => Entry::Folder,
            0o120_000 => Entry::Link,
            0o160_000 => Entry::Submodule,
            _ => Entry::File,
        }
    }

    /// The entry of a file type from the file system (not following links).
    pub fn of_file_type(file_type: std::fs::FileType) -> Self {
        if file_type.is_symlink() {
            Entry::Link
        } else if file_type.is_dir() {
            Entry::Folder
        } else if file_type.is_file() {
            Entry::File
        } else {
            Entry::Special
        }
    }
}

/// The name every hint gives.
const NAMING: &str = "record folders hold `<id>.toml` files (ids are lowercase letters, digits and `-`), \
                      optionally in shard folders named by the id's first two characters";

/// What is wrong with `entry` at `path` (relative to the tracker root), if it is in a record
/// folder and is not a record file, a shard folder or the top `.gitkeep`. `None` for a path
/// outside the record folders.
pub fn problem(path: &str, entry: Entry) -> Option<Diagnostic> {
    let (folder, rest) = path.split_once('/')?;
    Kind::ALL.into_iter().find(|kind| kind.folder() == folder)?;
    let parts: Vec<&str> = rest.split('/').collect();
    let error = |rule: &'static str, message: String, hint: String| {
        Some(Diagnostic::error(path, rule, message).with_hint(hint))
    };
    match entry {
        Entry::Link => {
            return error(
                "file.type",
                format!("`{path}` is a symbolic link; docket never follows links in record folders"),
                "replace the link with the record file itself (`cp --remove-destination`), or remove it".into(),
            );
        }
        Entry::Submodule | Entry::Special => {
            let what = if entry == Entry::Submodule {
                "a git submodule"
            } else {
                "not a regular file (a FIFO, socket or device)"
            };
            return error("file.type", format!("`{path}` is {what}"), format!("remove it: {NAMING}"));
        }
        Entry::Folder => {
            return match parts.as_slice() {
                [shard] if is_shard(shard) => None,
                _ => error(
                    "file.name",
                    format!("`{path}/` is a folder where only records and shard folders belong"),
                    format!("move what it holds out of `{folder}/`: {NAMING}"),
                ),
            };
        }
        Entry::File => {}
    }
    match parts.as_slice() {
        [".gitkeep"] => None,
        [name] | [_, name] if name.strip_suffix(".toml").is_some_and(|stem| id::validate(stem).is_err()) => {
            let stem = &name[..name.len() - ".toml".len()];
            let reason = id::validate(stem).err().map(|e| e.to_string()).unwrap_or_default();
            error(
                "id.invalid",
                format!("`{stem}` is not a valid id: {reason}"),
                format!("rename the file, e.g. `{folder}/{}.toml`: {NAMING}", suggest(stem)),
            )
        }
        [name] if name.strip_suffix(".toml").is_some() => None,
        [shard, name] if let Some(stem) = name.strip_suffix(".toml") => {
            if is_shard(shard) && stem.starts_with(shard) {
                return None;
            }
            error(
                "id.shard",
                format!("`{stem}` is in the folder `{folder}/{shard}/`, not in its shard folder"),
                format!("move it to `{folder}/{}/{name}` (or `{folder}/{name}`)", &stem[..stem.len().min(2)]),
            )
        }
        _ => error(
            "file.name",
            format!("`{path}` is not a record file"),
            format!("move it out of `{folder}/`: {NAMING}"),
        ),
    }
}

/// Whether `name` can be a shard folder: two characters an id can start with.
fn is_shard(name: &str) -> bool {
    name.len() == 2 && id::validate(name).is_ok()
}

/// A valid id close to `stem`: lowercase, other characters as `-`.
fn suggest(stem: &str) -> String {
    let mut out: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_owned();
    out.truncate(id::MAX_ID_LEN);
    if out.is_empty() { "my-record".to_owned() } else { out }
}

/// Every path (relative to the tracker root) where a record with `id` could be, in every
/// folder and layout: two records with one id in any two of them are a duplicate.
pub fn paths_of(id: &str) -> Vec<String> {
    let shard = &id[..id.len().min(2)];
    Kind::ALL
        .into_iter()
        .flat_map(|kind| [format!("{}/{id}.toml", kind.folder()), format!("{}/{shard}/{id}.toml", kind.folder())])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of entry a record folder may hold, and every kind it may not.
    #[test]
    fn what_a_record_folder_may_hold() {
        let table: [(&str, Entry, Option<&str>); 23] = [
            ("issues/k3x9q2.toml", Entry::File, None),
            ("issues/k3/k3x9q2.toml", Entry::File, None),
            ("mir/ab.toml", Entry::File, None),
            ("milestones/16-7.toml", Entry::File, None),
            ("issues/.gitkeep", Entry::File, None),
            ("issues/k3", Entry::Folder, None),
            ("docs/Anything.md", Entry::File, None),
            ("docket.toml", Entry::File, None),
            ("issues/Sneaky.toml", Entry::File, Some("id.invalid")),
            ("issues/k3/K3x.toml", Entry::File, Some("id.invalid")),
            ("issues/.k3x9q2.toml.docket-tmp", Entry::File, Some("file.name")),
            ("issues/README.md", Entry::File, Some("file.name")),
            ("issues/k3/.gitkeep", Entry::File, Some("file.name")),
            ("issues/a/b/c.toml", Entry::File, Some("file.name")),
            ("issues/evil.toml/README", Entry::File, Some("file.name")),
            ("issues/evil.toml", Entry::Folder, Some("file.name")),
            ("issues/k3/deeper", Entry::Folder, Some("file.name")),
            ("issues/abc", Entry::Folder, Some("file.name")),
            ("issues/zz/k3x9q2.toml", Entry::File, Some("id.shard")),
            ("issues/Zz/zzx.toml", Entry::File, Some("id.shard")),
            ("issues/p.toml", Entry::Link, Some("file.type")),
            ("mir/p.toml", Entry::Special, Some("file.type")),
            ("milestones/m.toml", Entry::Submodule, Some("file.type")),
        ];
        for (path, entry, rule) in table {
            let found = problem(path, entry);
            assert_eq!(found.as_ref().map(|d| d.rule), rule, "{path} as {entry:?}");
            if let Some(diagnostic) = found {
                assert!(diagnostic.is_error(), "{path}");
                assert!(diagnostic.hint.is_some_and(|h| !h.is_empty()), "{path} has a hint");
            }
        }
    }

    /// The messages say what the entry is and, for a bad name, which id is bad.
    #[test]
    fn messages_name_the_entry() {
        let message = |path: &str, entry: Entry| problem(path, entry).expect("a problem").message;
        assert_eq!(
            message("issues/Sneaky.toml", Entry::File),
            "`Sneaky` is not a valid id: an id must start with a lowercase letter or a digit, not `S`"
        );
        assert_eq!(
            message("issues/k3/K3x.toml", Entry::File),
            "`K3x` is not a valid id: an id must start with a lowercase letter or a digit, not `K`"
        );
        assert_eq!(message("mir/m.toml", Entry::Submodule), "`mir/m.toml` is a git submodule");
        assert_eq!(
            message("mir/p.toml", Entry::Special),
            "`mir/p.toml` is not a regular file (a FIFO, socket or device)"
        );
    }

    #[test]
    fn git_modes() {
        assert_eq!(Entry::of_git_mode(0o100_644), Entry::File);
        assert_eq!(Entry::of_git_mode(0o100_755), Entry::File);
        assert_eq!(Entry::of_git_mode(0o120_000), Entry::Link);
        assert_eq!(Entry::of_git_mode(0o160_000), Entry::Submodule);
        assert_eq!(Entry::of_git_mode(0o040_000), Entry::Folder);
    }

    #[test]
    fn suggestions_are_valid_ids() {
        for (stem, expected) in [("Sneaky", "sneaky"), ("Bad_Name", "bad-name"), ("__", "my-record"), ("-a", "a")] {
            assert_eq!(suggest(stem), expected);
            assert_eq!(id::validate(&suggest(stem)), Ok(()));
        }
    }

    #[test]
    fn an_id_may_be_in_six_places() {
        assert_eq!(paths_of("k3x").len(), 6);
        assert!(paths_of("k3x").contains(&"mir/k3/k3x.toml".to_owned()));
        assert!(paths_of("a").contains(&"milestones/a/a.toml".to_owned()));
    }
}
