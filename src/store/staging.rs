//! What git's index (its staging area) changes against `HEAD`, read from the index file itself:
//! what `git diff --cached --raw` lists, without starting git.
//!
//! The pre-commit hook's cost was git's: at 100,000 records `git diff --cached` maps the 9 MB
//! index and makes an object of every entry (9 ms, most of it the kernel handing out fresh
//! memory), while the change is a few files. This reader streams the file once through a
//! small buffer, keeping only where each entry starts, then compares with `HEAD` only the
//! folders the index's cache tree does not vouch for, reading just their entries again: a
//! folder whose cached tree is `HEAD`'s is skipped whole.
//!
//! It reads versions 2 and 3 of the format (git's default). It answers `None` — the caller then
//! asks git — for anything else it does not follow: version 4 (paths compressed), a split or
//! sparse index, unmerged entries (a conflict being resolved) and intent-to-add entries
//! (`git add -N`), a required extension it does not know, or a file it cannot make sense of.
//! That every answer it does give is git's is tested against git on staged additions,
//! deletions, edits, mode changes, files turned into folders and back, and with and without a
//! cache tree (`tests` below).

use std::cmp::Ordering;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use super::FileChange;

/// The length of a SHA-1 object id; a SHA-256 repository's index does not parse as one (and
/// libgit2 does not open those repositories).
const ID: usize = 20;
/// An entry's fixed part: times, device, inode, mode, ids, size (40 bytes), object id, flags.
const FIXED: usize = 40 + ID + 2;
/// A folder's mode in a tree (libgit2 gives modes as `i32`).
const MODE_TREE: i32 = 0o040_000;
/// How much of the file the first pass reads at once.
const CHUNK: usize = 64 << 10;
/// How much the second pass reads at once: a folder's first entry is often far from the one
/// read before (the folders between vouched for), then its entries follow one another.
const WINDOW: usize = 4 << 10;

/// The changes the index file `file` stages against `head` (`HEAD`'s tree; none before the
/// first commit) under `prefixes` (paths from the top of the work tree: a folder ends in `/`),
/// in git's order; `None` when git must answer (module docs).
pub fn changes(
    repository: &git2::Repository,
    file: &File,
    head: Option<&git2::Tree<'_>>,
    prefixes: &[String],
) -> Option<Vec<FileChange>> {
    let (offsets, tree) = scan(file)?;
    let count = offsets.len() - 1;
    let entries = Entries { file, offsets, window_at: 0, window: Vec::new() };
    let mut walk = Walk { repository, entries, prefixes, changes: Vec::new() };
    let end = walk.folder(b"", 0, tree.as_ref(), head.map(git2::Tree::id))?;
    (end == count).then_some(walk.changes)
}

/// One folder of the cache tree (extension `TREE`): the tree its entries make, when git still
/// vouches for it.
struct CacheTree {
    name: Vec<u8>,
    /// The number of index entries under the folder and the id of their tree; `None` once an
    /// entry under it changed.
    valid: Option<(usize, [u8; ID])>,
    children: Vec<CacheTree>,
}

/// The first pass: where each entry starts (and, last, where the entries end) and the cache
/// tree; `None` for an index this reader leaves to git.
fn scan(file: &File) -> Option<(Vec<u32>, Option<CacheTree>)> {
    let size = file.metadata().ok()?.len();
    let mut stream = Stream { file, buffer: vec![0; CHUNK], start: 0, end: 0, at: 0 };
    let header = stream.take(12)?;
    let version = u32_at(header, 4)?;
    if &header[..4] != b"DIRC" || !(2..=3).contains(&version) {
        return None;
    }
    let count = usize::try_from(u32_at(header, 8)?).ok()?;
    let mut offsets = Vec::with_capacity(count.min(1 << 24) + 1);
    for _ in 0..count {
        offsets.push(u32::try_from(stream.at).ok()?);
        let fixed = stream.take(FIXED)?;
        let flags = u16::from_be_bytes([fixed[FIXED - 2], fixed[FIXED - 1]]);
        if (flags >> 12) & 0x3 != 0 {
            return None;
        }
        let mut prefix = FIXED;
        if flags & 0x4000 != 0 {
            // Version 3's second flags word: an intent-to-add entry (bit 13) is one
            // `git diff --cached` leaves out; skip-worktree (bit 14) changes nothing here.
            let more = stream.take(2)?;
            if u16::from_be_bytes([more[0], more[1]]) & 0x2000 != 0 {
                return None;
            }
            prefix += 2;
        }
        let length = match usize::from(flags & 0xfff) {
            0xfff => stream.length_of_name()?,
            length => length,
        };
        // The name is followed by 1 to 8 NULs, to a multiple of 8 bytes.
        stream.take(((prefix + length + 8) & !7) - prefix)?;
    }
    offsets.push(u32::try_from(stream.at).ok()?);
    let mut tree = None;
    // Then the extensions, and last 20 bytes of checksum.
    while size.checked_sub(stream.at)? != ID as u64 {
        let header = stream.take(8)?;
        let signature: [u8; 4] = header[..4].try_into().ok()?;
        let size = usize::try_from(u32_at(header, 4)?).ok()?;
        match &signature {
            b"TREE" => {
                let body = stream.take_owned(size)?;
                tree = if body.is_empty() { None } else { Some(CacheTree::parse(&mut &body[..])?) };
            }
            // Git's rule: an extension whose name starts with a capital is optional.
            [b'A'..=b'Z', ..] => {
                stream.take_owned(size)?;
            }
            _ => return None,
        }
    }
    Some((offsets, tree))
}

impl CacheTree {
    /// Parses one folder and its children: `name NUL count SP children LF [id]`, depth first.
    fn parse(body: &mut &[u8]) -> Option<Self> {
        let nul = body.iter().position(|&b| b == 0)?;
        let name = body[..nul].to_vec();
        let line_end = nul + 1 + body[nul + 1..].iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&body[nul + 1..line_end]).ok()?;
        let (count, children) = line.split_once(' ')?;
        let (count, children): (i64, usize) = (count.parse().ok()?, children.parse().ok()?);
        *body = &body[line_end + 1..];
        let valid = if count >= 0 {
            let id = body.get(..ID)?.try_into().ok()?;
            *body = &body[ID..];
            Some((usize::try_from(count).ok()?, id))
        } else {
            None
        };
        let children = (0..children).map(|_| Self::parse(body)).collect::<Option<Vec<_>>>()?;
        Some(Self { name, valid, children })
    }
}

/// The file read front to back through one buffer.
struct Stream<'f> {
    file: &'f File,
    buffer: Vec<u8>,
    /// The part of the buffer not taken yet.
    start: usize,
    end: usize,
    /// The file offset of `buffer[start]`.
    at: u64,
}

impl Stream<'_> {
    /// The next `n` bytes (at most a chunk); `None` at the end of the file.
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.end - self.start < n {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            while self.end < n {
                match self.file.read(&mut self.buffer[self.end..]).ok()? {
                    0 => return None,
                    read => self.end += read,
                }
            }
        }
        self.start += n;
        self.at += n as u64;
        Some(&self.buffer[self.start - n..self.start])
    }

    /// The next `n` bytes, however many.
    fn take_owned(&mut self, n: usize) -> Option<Vec<u8>> {
        let mut taken = Vec::with_capacity(n.min(CHUNK));
        while taken.len() < n {
            let part = (n - taken.len()).min(CHUNK);
            taken.extend_from_slice(self.take(part)?);
        }
        Some(taken)
    }

    /// The length of the NUL-terminated name that starts here (one of 4,095 bytes or more).
    fn length_of_name(&self) -> Option<usize> {
        let mut name = vec![0; 4096];
        let mut length = 0;
        loop {
            let read = self.file.read_at(&mut name, self.at + length as u64).ok()?;
            if let Some(nul) = name[..read].iter().position(|&b| b == 0) {
                return Some(length + nul);
            }
            if read == 0 {
                return None;
            }
            length += read;
        }
    }
}

/// An index entry as the diff needs it.
struct Entry {
    path: Vec<u8>,
    mode: u32,
    id: [u8; ID],
}

/// The second pass: entries read again by number, through a window of the file.
struct Entries<'f> {
    file: &'f File,
    offsets: Vec<u32>,
    window_at: usize,
    window: Vec<u8>,
}

impl Entries<'_> {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The path of entry `n`: as long as its flags say (followed by a NUL, or the entry is
    /// damaged), or up to the NUL for one of 4,095 bytes or more.
    fn path(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.bytes(n)?;
        let flags = u16::from_be_bytes([bytes[FIXED - 2], bytes[FIXED - 1]]);
        let name = if flags & 0x4000 != 0 { bytes.get(FIXED + 2..)? } else { &bytes[FIXED..] };
        let length = match usize::from(flags & 0xfff) {
            0xfff => name.iter().position(|&b| b == 0)?,
            length => length,
        };
        (*name.get(length)? == 0).then(|| &name[..length])
    }

    fn entry(&mut self, n: usize) -> Option<Entry> {
        let bytes = self.bytes(n)?;
        let (mode, id) = (u32_at(bytes, 24)?, bytes[40..40 + ID].try_into().ok()?);
        Some(Entry { path: self.path(n)?.to_vec(), mode, id })
    }

    /// The bytes of entry `n`, read with the chunk after it when they are not at hand.
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let (from, to) = (self.offsets[n] as usize, self.offsets[n + 1] as usize);
        if from < self.window_at || to > self.window_at + self.window.len() {
            self.window.resize(WINDOW.max(to - from), 0);
            let read = self.file.read_at(&mut self.window, from as u64).ok()?;
            self.window.truncate(read);
            self.window_at = from;
        }
        self.window.get(from - self.window_at..to - self.window_at)
    }
}

/// The diff under way: a merge of the index's entries with `HEAD`'s trees, folder by folder.
struct Walk<'a, 'f, 'r> {
    repository: &'r git2::Repository,
    entries: Entries<'f>,
    prefixes: &'a [String],
    changes: Vec<FileChange>,
}

/// One side's next name in a folder: a file, or a folder (compared as its name and a `/`, the
/// order both git's trees and its index keep).
struct Key {
    name: Vec<u8>,
    folder: bool,
}

impl Key {
    fn cmp_git(&self, other: &Key) -> Ordering {
        let tail = |key: &Key| if key.folder { b"/".as_slice() } else { b"".as_slice() };
        self.name.iter().chain(tail(self)).cmp(other.name.iter().chain(tail(other)))
    }
}

impl Walk<'_, '_, '_> {
    /// Diffs the folder `path` (from the top, ending in `/`; empty for the top) whose entries
    /// start at `start`, against its tree `head` in `HEAD`; returns where its entries end. A
    /// folder whose cached tree is `head` is skipped without reading either.
    fn folder(
        &mut self,
        path: &[u8],
        start: usize,
        cached: Option<&CacheTree>,
        head: Option<git2::Oid>,
    ) -> Option<usize> {
        if let (Some((count, id)), Some(head)) = (cached.and_then(|c| c.valid), head)
            && head.as_bytes() == id
        {
            return Some(start + count);
        }
        let head = match head {
            Some(id) => Some(self.repository.find_tree(id).ok()?),
            None => None,
        };
        let mut at = start;
        // The cache tree's next folder, most often the one the walk comes to next.
        let mut next_cached = 0;
        let mut head_entries = head.as_ref().map(|tree| tree.iter().collect::<Vec<_>>()).unwrap_or_default();
        head_entries.reverse();
        loop {
            let ours = if at < self.entries.len() {
                self.entries.path(at)?.strip_prefix(path).map(|rest| match rest.iter().position(|&b| b == b'/') {
                    Some(slash) => Key { name: rest[..slash].to_vec(), folder: true },
                    None => Key { name: rest.to_vec(), folder: false },
                })
            } else {
                None
            };
            let theirs = head_entries
                .last()
                .map(|entry| Key { name: entry.name_bytes().to_vec(), folder: entry.filemode() == MODE_TREE });
            let (order, key) = match (ours, theirs) {
                (None, None) => return Some(at),
                (Some(ours), None) => (Ordering::Less, ours),
                (None, Some(theirs)) => (Ordering::Greater, theirs),
                (Some(ours), Some(theirs)) => match ours.cmp_git(&theirs) {
                    Ordering::Greater => (Ordering::Greater, theirs),
                    order => (order, ours),
                },
            };
            let mut child = path.to_vec();
            child.extend_from_slice(&key.name);
            if key.folder {
                child.push(b'/');
            }
            match order {
                Ordering::Less if key.folder => at = self.added_folder(&child, at)?,
                Ordering::Less => {
                    self.added(at)?;
                    at += 1;
                }
                Ordering::Greater => {
                    let entry = head_entries.pop()?;
                    self.deleted(&child, &entry)?;
                }
                Ordering::Equal if key.folder => {
                    let entry = head_entries.pop()?;
                    at = if self.relevant_folder(&child) {
                        let cached = cached.and_then(|cached| {
                            let children = &cached.children;
                            let found = match children.get(next_cached) {
                                Some(child) if child.name == key.name => next_cached,
                                _ => children.iter().position(|child| child.name == key.name)?,
                            };
                            next_cached = found + 1;
                            Some(&children[found])
                        });
                        self.folder(&child, at, cached, Some(entry.id()))?
                    } else {
                        self.end_of(&child, at)?
                    };
                }
                Ordering::Equal => {
                    let entry = head_entries.pop()?;
                    let ours = self.entries.entry(at)?;
                    let old_mode = u32::try_from(entry.filemode()).ok()?;
                    if (ours.id != entry.id().as_bytes() || ours.mode != old_mode) && self.relevant(&child) {
                        self.changes.push(FileChange {
                            path: text(&child),
                            old: Some(entry.id().to_string()),
                            new: Some(hex(&ours.id)),
                            mode: ours.mode,
                            old_mode,
                        });
                    }
                    at += 1;
                }
            }
        }
    }

    /// Entry `at` is new.
    fn added(&mut self, at: usize) -> Option<()> {
        let entry = self.entries.entry(at)?;
        if self.relevant(&entry.path) {
            self.changes.push(FileChange {
                path: text(&entry.path),
                old: None,
                new: Some(hex(&entry.id)),
                mode: entry.mode,
                old_mode: 0,
            });
        }
        Some(())
    }

    /// The folder `path` (ending in `/`), starting at entry `at`, is new; returns where it ends.
    fn added_folder(&mut self, path: &[u8], at: usize) -> Option<usize> {
        let end = self.end_of(path, at)?;
        if self.relevant_folder(path) {
            for at in at..end {
                self.added(at)?;
            }
        }
        Some(end)
    }

    /// `HEAD`'s `entry` at `path` is gone from the index: a file, or a folder (`path` ends in
    /// `/`) and all it holds.
    fn deleted(&mut self, path: &[u8], entry: &git2::TreeEntry<'_>) -> Option<()> {
        let mode = u32::try_from(entry.filemode()).ok()?;
        if entry.filemode() != MODE_TREE {
            if self.relevant(path) {
                self.changes.push(FileChange {
                    path: text(path),
                    old: Some(entry.id().to_string()),
                    new: None,
                    mode: 0,
                    old_mode: mode,
                });
            }
            return Some(());
        }
        if !self.relevant_folder(path) {
            return Some(());
        }
        let tree = self.repository.find_tree(entry.id()).ok()?;
        for entry in &tree {
            let mut child = path.to_vec();
            child.extend_from_slice(entry.name_bytes());
            if entry.filemode() == MODE_TREE {
                child.push(b'/');
            }
            self.deleted(&child, &entry)?;
        }
        Some(())
    }

    /// Where the entries under the folder `path` (ending in `/`), starting at `at`, end: they
    /// are together, so by binary search.
    fn end_of(&mut self, path: &[u8], at: usize) -> Option<usize> {
        let (mut low, mut high) = (at, self.entries.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if self.entries.path(middle)?.starts_with(path) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        Some(low)
    }

    /// Whether the file `path` is one the caller asked about.
    fn relevant(&self, path: &[u8]) -> bool {
        self.prefixes.iter().any(|prefix| {
            let prefix = prefix.as_bytes();
            if prefix.ends_with(b"/") { path.starts_with(prefix) } else { path == prefix }
        })
    }

    /// Whether the folder `path` (ending in `/`) may hold a file the caller asked about.
    fn relevant_folder(&self, path: &[u8]) -> bool {
        self.prefixes.iter().any(|prefix| {
            let prefix = prefix.as_bytes();
            prefix.starts_with(path) || (prefix.ends_with(b"/") && path.starts_with(prefix))
        })
    }
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn hex(id: &[u8]) -> String {
    git2::Oid::from_bytes(id).map(|id| id.to_string()).unwrap_or_default()
}

fn text(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::Command;

    use super::*;

    fn git(dir: &Path, args: &[&str], input: Option<&str>) -> String {
        let mut command = Command::new("git");
        command.args(["-c", "user.name=t", "-c", "user.email=t@example.com"]).args(args).current_dir(dir);
        command.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
        command.stderr(std::process::Stdio::piped());
        let mut child = command.spawn().expect("git");
        if let Some(input) = input {
            std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input.as_bytes()).expect("write");
        }
        drop(child.stdin.take());
        let output = child.wait_with_output().expect("git");
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Stages `path` with `mode` and a blob of `text` (replacing what is in its way, as a
    /// file where a folder was or the other way round).
    fn stage(dir: &Path, mode: &str, path: &str, text: &str) {
        let blob = git(dir, &["hash-object", "-w", "--stdin"], Some(text));
        git(dir, &["update-index", "--add", "--replace", "--cacheinfo", &format!("{mode},{blob},{path}")], None);
    }

    /// What this reader says, and what git says.
    fn both(dir: &Path, prefixes: &[String]) -> (Option<Vec<FileChange>>, Vec<FileChange>) {
        let repository = git2::Repository::open(dir).expect("open");
        let head = repository.head().ok().map(|head| head.peel_to_tree().expect("tree"));
        let file = File::open(dir.join(".git/index")).expect("index");
        let ours = changes(&repository, &file, head.as_ref(), prefixes);
        let mut args = vec!["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", "--"];
        args.extend(prefixes.iter().map(String::as_str));
        let output = Command::new("git").args(&args).current_dir(dir).output().expect("git diff");
        (ours, super::super::parse_raw_diff(&output.stdout))
    }

    const PATHS: &[&str] = &[
        "docket.toml",
        "docket.toml.bak",
        "workflows/a.toml",
        "workflows/b/c.toml",
        "issues/00/1.toml",
        "issues/00/2.toml",
        "issues/01/1.toml",
        "issues/0/x.toml",
        "issues/00.toml",
        "issues/00/1.toml/x",
        "issues-old/x.toml",
        "issues.toml",
        "issues",
        "milestones/m.toml",
        "a",
        "a/b",
        "a.b",
        "a-b",
        "a0",
        "src/main.rs",
        "src/lib/x.rs",
        "sub/issues/00/1.toml",
        "sub/issues/00/2.toml",
        "sub/docket.toml",
        "sub/workflows/w.toml",
        "sub",
        "z",
    ];

    /// The reader against `git diff --cached`, over 150 made-up repositories: a commit of
    /// random files, then random files staged, changed, made executable or symbolic links,
    /// removed, or put where a folder was (and the other way round); the cache tree left as
    /// `git update-index` leaves it (the folders it touched no longer vouched for), rewritten
    /// by `git write-tree` (vouching for trees that differ from `HEAD`'s, as during a commit),
    /// or dropped whole by `git read-tree` of another tree.
    #[test]
    fn answers_what_git_diff_cached_answers() {
        let prefixes = [
            vec!["issues/".to_owned(), "milestones/".to_owned(), "docket.toml".to_owned(), "workflows/".to_owned()],
            vec!["sub/issues/".to_owned(), "sub/docket.toml".to_owned(), "sub/workflows/".to_owned()],
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).expect("fits") % n
        };
        let (mut answered, mut changed) = (0, 0);
        for round in 0..150 {
            let dir = tempfile::tempdir().expect("dir");
            let dir = dir.path();
            git(dir, &["init", "-q"], None);
            let base = round % 5 != 0;
            if base {
                for _ in 0..=next(12) {
                    stage(dir, "100644", PATHS[next(PATHS.len())], &format!("v{}", next(3)));
                }
                git(dir, &["commit", "-qm", "base"], None);
            }
            for _ in 0..next(6) + usize::from(!base) {
                let path = PATHS[next(PATHS.len())];
                match next(6) {
                    0 => {
                        git(dir, &["update-index", "--force-remove", path], None);
                    }
                    1 => stage(dir, "100755", path, "v0"),
                    2 => stage(dir, "120000", path, "target"),
                    _ => stage(dir, "100644", path, &format!("v{}", next(3))),
                }
            }
            match next(4) {
                0 => {
                    git(dir, &["write-tree"], None);
                }
                1 if base => {
                    let tree = git(dir, &["write-tree"], None);
                    git(dir, &["read-tree", "--empty"], None);
                    git(dir, &["read-tree", &tree], None);
                }
                _ => {}
            }
            if !dir.join(".git/index").exists() {
                // Nothing was ever staged (only removals of what was not there).
                continue;
            }
            for prefixes in &prefixes {
                let (ours, theirs) = both(dir, prefixes);
                let ours = ours.unwrap_or_else(|| panic!("round {round}: the reader left an ordinary index to git"));
                assert_eq!(ours, theirs, "round {round}, {prefixes:?}");
                answered += 1;
                changed += usize::from(!theirs.is_empty());
            }
        }
        // The rounds are not all alike: many change something under the prefixes.
        assert!(changed > answered / 3, "{changed} of {answered}");
    }

    /// A folder the cache tree vouches for is skipped: its entries after the first (which names
    /// the folder) are not read, so damage there goes unseen, while the same damage in a folder
    /// that changed is read (and the reader then leaves the index to git).
    #[test]
    fn a_folder_the_cache_tree_vouches_for_is_not_read() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        git(dir, &["init", "-q"], None);
        for path in ["issues/00/1.toml", "issues/00/2.toml", "issues/01/1.toml", "issues/01/2.toml"] {
            stage(dir, "100644", path, "one");
        }
        git(dir, &["commit", "-qm", "base"], None);
        stage(dir, "100644", "issues/01/1.toml", "two");
        let prefixes = ["issues/".to_owned()];
        let (ours, theirs) = both(dir, &prefixes);
        assert_eq!(ours.as_ref(), Some(&theirs));
        assert_eq!(theirs.len(), 1);
        let index = dir.join(".git/index");
        let bytes = std::fs::read(&index).expect("read");
        let damage = |path: &str| {
            let mut damaged = bytes.clone();
            let at = damaged.windows(path.len()).position(|w| w == path.as_bytes()).expect("entry");
            damaged[at + path.len()] = b'x';
            std::fs::write(&index, &damaged).expect("write");
            let repository = git2::Repository::open(dir).expect("open");
            let head = repository.head().ok().map(|head| head.peel_to_tree().expect("tree"));
            changes(&repository, &File::open(&index).expect("index"), head.as_ref(), &prefixes)
        };
        // The NUL after a path overwritten: damage that the folder's walk would read.
        assert_eq!(damage("issues/00/2.toml"), Some(theirs));
        assert_eq!(damage("issues/01/2.toml"), None);
    }

    /// Version 3 (an entry marked skip-worktree, as sparse checkouts mark them) and paths of
    /// 4,095 bytes or more (whose length the entry's flags cannot hold) are read, as git reads
    /// them.
    #[test]
    fn version_3_and_long_paths_are_read() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        git(dir, &["init", "-q"], None);
        let long = format!("issues/{}/1.toml", vec!["f".repeat(200); 21].join("/"));
        for path in ["issues/00/1.toml", "issues/00/2.toml", &long, "issues/zz/1.toml"] {
            stage(dir, "100644", path, "one");
        }
        git(dir, &["commit", "-qm", "base"], None);
        git(dir, &["update-index", "--skip-worktree", "issues/00/1.toml"], None);
        stage(dir, "100644", "issues/00/2.toml", "two");
        stage(dir, "100644", &long, "two");
        stage(dir, "100644", &format!("{long}.new"), "new");
        stage(dir, "100644", "issues/zz/1.toml", "two");
        let bytes = std::fs::read(dir.join(".git/index")).expect("read");
        assert_eq!(&bytes[4..8], &3u32.to_be_bytes());
        let (ours, theirs) = both(dir, &["issues/".to_owned()]);
        assert_eq!(theirs.len(), 4, "{theirs:?}");
        assert_eq!(ours, Some(theirs));
    }

    /// Left to git: version 4, an intent-to-add entry, a conflict, a split index, and a file
    /// cut short.
    #[test]
    fn what_it_does_not_follow_is_left_to_git() {
        let setup = || {
            let dir = tempfile::tempdir().expect("dir");
            git(dir.path(), &["init", "-q"], None);
            stage(dir.path(), "100644", "issues/00/1.toml", "one");
            git(dir.path(), &["commit", "-qm", "base"], None);
            dir
        };
        let prefixes = ["issues/".to_owned()];
        let left_to_git = |dir: &Path| both(dir, &prefixes).0.is_none();
        let dir = setup();
        assert!(!left_to_git(dir.path()));
        git(dir.path(), &["update-index", "--index-version", "4"], None);
        assert!(left_to_git(dir.path()));
        let dir = setup();
        std::fs::write(dir.path().join("new.toml"), "x").expect("write");
        git(dir.path(), &["add", "-N", "new.toml"], None);
        assert!(left_to_git(dir.path()));
        let dir = setup();
        git(dir.path(), &["update-index", "--split-index"], None);
        assert!(left_to_git(dir.path()));
        let dir = setup();
        let blob = git(dir.path(), &["hash-object", "-w", "--stdin"], Some("two"));
        let info = format!("100644 {blob} 2\tissues/00/1.toml\n");
        git(dir.path(), &["update-index", "--index-info"], Some(&info));
        assert!(left_to_git(dir.path()));
        let dir = setup();
        let index = dir.path().join(".git/index");
        let bytes = std::fs::read(&index).expect("read");
        std::fs::write(&index, &bytes[..bytes.len() - 1]).expect("write");
        assert!(both(dir.path(), &prefixes).0.is_none());
    }

    /// An index several times the reader's buffer (2,500 entries, each in a folder of its own:
    /// entries and the cache tree, itself larger than the buffer, cut across its refills), with
    /// the optional extensions git writes when asked to (the end-of-entries marker and the
    /// offset table), is read as git reads it.
    #[test]
    fn a_large_index_with_optional_extensions_is_read() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        git(dir, &["init", "-q"], None);
        let blob = git(dir, &["hash-object", "-w", "--stdin"], Some("one"));
        // And folders the prefixes leave out, around them (`src/`, `zz/`): skipped by binary
        // search, probing back and forth across the buffer.
        let info: String = (0..2500)
            .map(|n| format!("100644 {blob}\tissues/{n:04}/{}.toml\n", "x".repeat(1 + n % 60)))
            .chain((0..500).map(|n| format!("100644 {blob}\tsrc/{n:04}.rs\n")))
            .chain(["100644 {blob}\tzz/1.toml\n".replace("{blob}", &blob)])
            .collect();
        git(dir, &["update-index", "--add", "--index-info"], Some(&info));
        git(dir, &["commit", "-qm", "base"], None);
        let extensions =
            ["-c", "index.recordEndOfIndexEntries=true", "-c", "index.recordOffsetTable=true", "-c", "index.threads=4"];
        let changed = git(dir, &["hash-object", "-w", "--stdin"], Some("two"));
        for (n, mode) in [(7, "100644"), (1234, "100755"), (2499, "100644")] {
            let path = format!("issues/{n:04}/{}.toml", "x".repeat(1 + n % 60));
            let mut args = extensions.to_vec();
            let cacheinfo = format!("{mode},{changed},{path}");
            args.extend(["update-index", "--cacheinfo", &cacheinfo]);
            git(dir, &args, None);
        }
        // A new folder among them, of 40 files.
        let added =
            (0..40).map(|n| format!("100644 {changed}\tissues/2400a/{n:02}.toml\n")).collect::<Vec<_>>().concat();
        git(dir, &["update-index", "--add", "--index-info"], Some(&added));
        let removed = format!("issues/0100/{}.toml", "x".repeat(1 + 100 % 60));
        let mut args = extensions.to_vec();
        args.extend(["update-index", "--force-remove", &removed]);
        git(dir, &args, None);
        let bytes = std::fs::read(dir.join(".git/index")).expect("read");
        assert!(bytes.len() > 3 * CHUNK, "{} bytes", bytes.len());
        let has = |signature: &[u8]| bytes.windows(4).any(|w| w == signature);
        assert!(has(b"TREE") && has(b"EOIE") && has(b"IEOT"), "the extensions asked for");
        let (ours, theirs) = both(dir, &["issues/".to_owned()]);
        assert_eq!(theirs.len(), 44, "{theirs:?}");
        assert_eq!(ours, Some(theirs));
        let (ours, theirs) = both(dir, &["issues/2400a/".to_owned(), "zz/".to_owned()]);
        assert_eq!(theirs.len(), 40, "{theirs:?}");
        assert_eq!(ours, Some(theirs));
        // And with the cache tree still vouching for every folder but the changed ones.
        git(dir, &["write-tree"], None);
        let (ours, theirs) = both(dir, &["issues/".to_owned()]);
        assert_eq!(ours, Some(theirs));
    }

    /// Git keeps the cache tree's folders shortest name first (`c` before `bb`), the walk goes
    /// in path order: each folder is matched to its own cached tree by name, even when a
    /// sibling's holds the very same files (here all three folders' trees are one tree in
    /// `HEAD`, and only `bb` changed).
    #[test]
    fn each_folder_is_matched_to_its_own_cached_tree() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        git(dir, &["init", "-q"], None);
        for folder in ["a", "bb", "c"] {
            stage(dir, "100644", &format!("issues/{folder}/1.toml"), "same");
        }
        git(dir, &["commit", "-qm", "base"], None);
        stage(dir, "100644", "issues/bb/1.toml", "changed");
        let (ours, theirs) = both(dir, &["issues/".to_owned()]);
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert_eq!(ours, Some(theirs));
    }

    /// A new file whose name starts another entry's (`1.toml` beside `1.toml.bak`) is one file:
    /// the entries after it are not new with it.
    #[test]
    fn a_new_file_named_as_the_start_of_another_is_one_file() {
        let dir = tempfile::tempdir().expect("dir");
        let dir = dir.path();
        git(dir, &["init", "-q"], None);
        stage(dir, "100644", "issues/00/1.toml.bak", "old");
        git(dir, &["commit", "-qm", "base"], None);
        stage(dir, "100644", "issues/00/1.toml", "new");
        let (ours, theirs) = both(dir, &["issues/".to_owned()]);
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert_eq!(ours, Some(theirs));
    }
}
