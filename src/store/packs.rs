//! Blobs stored whole in the repository's pack files, read straight from them, for commands
//! that read many (building the history cache reads every version of every record: a million
//! blobs at a million records).
//!
//! Each pack's index (version 2: the object names in order, after a table of where each first
//! byte's names start, then their offsets in the pack) is read into memory once; a blob is
//! found there, its bytes read from the pack with one `pread`, and inflated by libdeflate.
//! libgit2, which sets up a zlib stream and takes its locks for each object, took 8.1 s for
//! the million blobs of the bench's tracker on one thread, this reader 5.7 s (4.6 s with the
//! pack mapped; it is not, see below). Like git, nothing here hashes the object again: git
//! checked it when it entered the repository, and the zlib stream's own checksum (checked by
//! libdeflate) catches a damaged pack. The pack is read rather than mapped: a mapping counts
//! in the process's memory as it is read (the 700 MB pack of a million records), and would be
//! the crate's second `unsafe` block.
//!
//! Only what is simple is read here: a blob stored whole in a pack whose index is version 2.
//! Anything else — a loose object, a delta, a pack with another index, a pack that does not
//! read as it should — is `None`, and the caller asks libgit2, which knows every case. Packs
//! written after [`Packs::open`] are not seen (their objects come from libgit2); packs removed
//! since stay readable through their open files.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The bytes of an object name (SHA-1).
const NAME: usize = 20;

/// A pack index (version 2) begins with this magic and version.
const INDEX_HEADER: [u8; 8] = [0xff, b't', b'O', b'c', 0, 0, 0, 2];

/// The type of a blob in a pack's object header.
const BLOB: u8 = 3;

/// Blobs larger than this are left to libgit2 (records are at most 1 MiB; this bounds what a
/// damaged header can make a reader allocate).
const LARGEST: usize = 64 << 20;

/// How much of the pack is read at first for an object: most records' blobs, compressed, and
/// their header fit.
const FIRST_READ: usize = 4096;

/// The pack files of a repository's object directory, with their indexes in memory.
#[derive(Default)]
pub struct Packs {
    packs: Vec<Pack>,
}

/// One pack file and its index.
struct Pack {
    file: File,
    /// The pack's size less its trailing checksum: where objects end.
    end: u64,
    /// For each first byte of a name, how many names come before the next first byte.
    fanout: Vec<u32>,
    /// The object names, in order, `NAME` bytes each.
    names: Vec<u8>,
    /// Each object's offset in the pack; with the high bit set, its place in `large`.
    offsets: Vec<u32>,
    large: Vec<u64>,
}

impl Packs {
    /// The packs of the object directory `objects` (`.git/objects`): every `pack/*.idx` of
    /// version 2 beside its `.pack`. One that cannot be read is left out (libgit2 reads its
    /// objects); so, when there is no such directory, are all.
    pub fn open(objects: &Path) -> Self {
        let mut packs = Vec::new();
        for entry in std::fs::read_dir(objects.join("pack")).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "idx")
                && let Some(pack) = Pack::open(&path)
            {
                packs.push(pack);
            }
        }
        Self { packs }
    }

    /// How many objects the packs hold, counted once in each pack that holds them.
    pub fn objects(&self) -> usize {
        self.packs.iter().map(|pack| pack.offsets.len()).sum()
    }

    /// A reader of blobs from these packs, for one thread.
    pub fn reader(&self) -> Reader<'_> {
        Reader { packs: self, inflater: libdeflater::Decompressor::new(), buffer: Vec::new() }
    }
}

impl Pack {
    fn open(index: &Path) -> Option<Self> {
        let bytes = std::fs::read(index).ok()?;
        if !bytes.starts_with(&INDEX_HEADER) {
            return None;
        }
        let word = |at: usize| -> Option<u32> { Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
        let fanout = (0..256).map(|n| word(8 + 4 * n)).collect::<Option<Vec<u32>>>()?;
        if fanout.windows(2).any(|pair| pair[0] > pair[1]) {
            return None;
        }
        let count = usize::try_from(fanout[255]).ok()?;
        let names_at: usize = 8 + 256 * 4;
        // Names, then a CRC and an offset each.
        let offsets_at = names_at.checked_add(count.checked_mul(NAME + 4)?)?;
        let large_at = offsets_at.checked_add(count.checked_mul(4)?)?;
        // The large offsets, then the pack's and the index's checksums.
        let large_bytes = bytes.len().checked_sub(large_at)?.checked_sub(2 * NAME)?;
        if large_bytes % 8 != 0 {
            return None;
        }
        let offsets = (0..count).map(|n| word(offsets_at + 4 * n)).collect::<Option<Vec<u32>>>()?;
        let large = bytes[large_at..large_at + large_bytes]
            .chunks_exact(8)
            .map(|chunk| u64::from_be_bytes(chunk.try_into().expect("eight bytes")))
            .collect();
        let file = File::open(index.with_extension("pack")).ok()?;
        let mut header = [0_u8; 8];
        file.read_exact_at(&mut header, 0).ok()?;
        if &header[..4] != b"PACK" || !matches!(header[4..], [0, 0, 0, 2 | 3]) {
            return None;
        }
        let end = file.metadata().ok()?.len().checked_sub(NAME as u64)?;
        Some(Self { file, end, fanout, names: bytes[names_at..offsets_at - 4 * count].to_vec(), offsets, large })
    }

    /// Where the object named `name` starts in the pack, when the index lists it.
    fn offset_of(&self, name: &[u8; NAME]) -> Option<u64> {
        let first = usize::from(name[0]);
        let mut low = if first == 0 { 0 } else { self.fanout[first - 1] as usize };
        let mut high = self.fanout[first] as usize;
        // Names are hashes, spread evenly: the first guesses are where the name would fall
        // between the two ends (two or three guesses find it among a million, where halving
        // took a dozen reads of memory no cache held); then halving, whatever the names.
        let key = |at: usize| u64::from_be_bytes(self.names[at * NAME..at * NAME + 8].try_into().expect("eight bytes"));
        let wanted = u64::from_be_bytes(name[..8].try_into().expect("eight bytes"));
        let mut guesses = 0;
        while low < high {
            let middle = if guesses < 3 && high - low > 8 {
                guesses += 1;
                let (from, to) = (key(low), key(high - 1));
                if wanted < from || wanted > to {
                    return None;
                }
                let span = u128::from(to - from).max(1);
                low + usize::try_from(u128::from(wanted - from) * (high - 1 - low) as u128 / span).expect("within")
            } else {
                low + (high - low) / 2
            };
            debug_assert!((low..high).contains(&middle), "a guess within the range");
            match self.names[middle * NAME..(middle + 1) * NAME].cmp(name) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => {
                    let offset = self.offsets[middle];
                    return if offset & 0x8000_0000 == 0 {
                        Some(u64::from(offset))
                    } else {
                        self.large.get((offset & 0x7fff_ffff) as usize).copied()
                    };
                }
            }
        }
        None
    }
}

/// Reads blobs from [`Packs`]: one for each thread (it keeps its own inflater and buffer).
pub struct Reader<'a> {
    packs: &'a Packs,
    inflater: libdeflater::Decompressor,
    buffer: Vec<u8>,
}

impl Reader<'_> {
    /// The content of the blob named `name` when a pack holds it whole and it reads as it
    /// should; `None` otherwise (ask libgit2).
    pub fn blob(&mut self, name: &[u8; NAME]) -> Option<Vec<u8>> {
        let pack = self.packs.packs.iter().find_map(|pack| Some((pack, pack.offset_of(name)?)));
        let (pack, offset) = pack?;
        let available = usize::try_from(pack.end.checked_sub(offset)?).ok()?;
        self.buffer.resize(FIRST_READ.min(available), 0);
        pack.file.read_exact_at(&mut self.buffer, offset).ok()?;
        // The header: the type in bits 4–6 of the first byte, the size in its low four bits
        // and seven more in each byte that follows while the high bit is set.
        let mut at = 0;
        let mut byte = *self.buffer.first()?;
        if (byte >> 4) & 0x7 != BLOB {
            return None;
        }
        let mut size = usize::from(byte & 0x0f);
        let mut shift = 4;
        while byte & 0x80 != 0 {
            at += 1;
            byte = *self.buffer.get(at)?;
            size |= usize::from(byte & 0x7f).checked_shl(shift).filter(|_| shift < 64)?;
            shift += 7;
        }
        at += 1;
        if size > LARGEST {
            return None;
        }
        // At most what zlib can take to store `size` bytes (its stored blocks cost 5 bytes in
        // 16 KiB, its header and checksum 6), read when the first read held less.
        let most = at + size + (size >> 10) + 64;
        if self.buffer.len() < most.min(available) {
            let read = self.buffer.len();
            self.buffer.resize(most.min(available), 0);
            pack.file.read_exact_at(&mut self.buffer[read..], offset + read as u64).ok()?;
        }
        let mut content = vec![0_u8; size];
        let inflated = self.inflater.zlib_decompress(&self.buffer[at..], &mut content).ok()?;
        (inflated == size).then_some(content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(root: &Path, args: &[&str]) -> String {
        crate::store::run_git_at(root, args, 1_000)
    }

    fn name(hex: &str) -> [u8; NAME] {
        let mut name = [0_u8; NAME];
        for (n, byte) in name.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * n..2 * n + 2], 16).expect("hex");
        }
        name
    }

    /// Every blob a pack holds whole reads as git gives it; a delta, a tree, a loose object and
    /// a name no pack lists are left to libgit2; and blobs of every size (empty, one that
    /// does not compress, one larger than the first read) come back whole.
    #[test]
    fn blobs_stored_whole_read_as_git_gives_them() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path();
        git(root, &["init", "-q"]);
        let mut random = 0x2545_f491_4f6c_dd1d_u64;
        let mut noise = |len: usize| -> String {
            (0..len)
                .map(|_| {
                    random ^= random << 13;
                    random ^= random >> 7;
                    random ^= random << 17;
                    char::from(b'!' + u8::try_from(random % 90).expect("small"))
                })
                .collect()
        };
        let long = "a record that deltas well\n".repeat(400);
        let files = [
            ("empty.toml", String::new()),
            ("small.toml", "title = \"x\"\n".to_owned()),
            ("noise.toml", noise(20_000)),
            // Bytes that do not compress at all: zlib stores them with its own few bytes more.
            ("bytes.bin", String::new()),
            ("long.toml", long.clone()),
            ("unicode.toml", "title = \"é 日本 😀\"\n".to_owned()),
        ];
        for (path, text) in &files {
            std::fs::write(root.join(path), text).expect("write");
        }
        let mut state = 0x853c_49e6_748f_ea9b_u64;
        let bytes: Vec<u8> = (0..100_000)
            .map(|_| {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                u8::try_from(state >> 56).expect("a byte")
            })
            .collect();
        std::fs::write(root.join("bytes.bin"), bytes).expect("write");
        git(root, &["add", "."]);
        git(root, &["commit", "-qm", "first"]);
        // A second version of the long file, which git stores as a delta of the other.
        std::fs::write(root.join("long.toml"), format!("{long}one more line\n")).expect("write");
        git(root, &["commit", "-qam", "second"]);
        git(root, &["repack", "-adq", "--window=10", "--depth=10"]);
        // A loose object, written after the pack.
        std::fs::write(root.join("loose.toml"), "title = \"loose\"\n").expect("write");
        git(root, &["add", "loose.toml"]);
        let loose = git(root, &["hash-object", "loose.toml"]).trim().to_owned();

        let packs = Packs::open(&root.join(".git/objects"));
        let listed = git(root, &["rev-list", "--objects", "--all"]).lines().count();
        assert_eq!(packs.objects(), listed, "every object of the commits, in one pack");
        let mut reader = packs.reader();
        let mut whole = 0;
        let mut deltas = 0;
        for line in git(root, &["verify-pack", "-v", &pack_index(root)]).lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [id, kind, ..] = fields[..] else { continue };
            if id.len() != 40 {
                continue;
            }
            let read = reader.blob(&name(id));
            let is_delta = fields.len() > 6;
            if kind == "blob" && !is_delta {
                let content = std::process::Command::new("git")
                    .args(["cat-file", "blob", id])
                    .current_dir(root)
                    .output()
                    .expect("git cat-file")
                    .stdout;
                assert_eq!(read, Some(content), "{id}");
                whole += 1;
            } else {
                assert_eq!(read, None, "{kind} {id} is left to libgit2");
                deltas += usize::from(kind == "blob" && is_delta);
            }
        }
        assert_eq!(whole, files.len() + 1 - deltas, "every blob but the delta, read here");
        assert_eq!(deltas, 1, "the long file's older version is a delta");
        assert_eq!(reader.blob(&name(&loose)), None, "a loose object");
        assert_eq!(reader.blob(&[0xab; NAME]), None, "a name no pack lists");
        assert!(Packs::open(&root.join("no such directory")).packs.is_empty());
    }

    fn pack_index(root: &Path) -> String {
        let dir = root.join(".git/objects/pack");
        let index = std::fs::read_dir(&dir)
            .expect("packs")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "idx"));
        index.expect("a pack index").display().to_string()
    }

    /// Every object of a pack of thousands (a dozen names to each first byte, where the search
    /// guesses before it halves) is found at the offset git gives it, and a name between two
    /// listed ones, before the first or after the last is not found.
    #[test]
    fn every_object_is_found_at_its_offset() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path();
        git(root, &["init", "-q"]);
        for n in 0..3000 {
            std::fs::write(root.join(format!("{n}.toml")), format!("n = {n}\n")).expect("write");
        }
        git(root, &["add", "."]);
        git(root, &["commit", "-qm", "many"]);
        git(root, &["repack", "-adq"]);
        let packs = Packs::open(&root.join(".git/objects"));
        let pack = &packs.packs[0];
        let mut listed = Vec::new();
        for line in git(root, &["verify-pack", "-v", &pack_index(root)]).lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() >= 5 && fields[0].len() == 40 {
                assert_eq!(pack.offset_of(&name(fields[0])), Some(fields[4].parse().expect("an offset")), "{line}");
                listed.push(name(fields[0]));
            }
        }
        assert_eq!(listed.len(), 3002, "the blobs, the tree and the commit");
        listed.sort_unstable();
        for pair in listed.windows(2) {
            // One more than a listed name, when that is not the next listed one.
            let mut between = pair[0];
            if let Some(last) = between.iter().rposition(|byte| *byte != 0xff) {
                between[last] += 1;
                between[last + 1..].fill(0);
            }
            if between != pair[1] {
                assert_eq!(pack.offset_of(&between), None);
            }
        }
        assert_eq!(pack.offset_of(&[0; NAME]), None, "before the first");
        assert_eq!(pack.offset_of(&[0xff; NAME]), None, "after the last");
    }

    /// A repository whose one commit, of `a.toml` holding `text`, is packed; the file's blob.
    fn packed_repository(text: &str) -> (tempfile::TempDir, [u8; NAME]) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path();
        git(root, &["init", "-q"]);
        std::fs::write(root.join("a.toml"), text).expect("write");
        git(root, &["add", "."]);
        git(root, &["commit", "-qm", "first"]);
        git(root, &["repack", "-adq"]);
        let blob = name(git(root, &["rev-parse", "HEAD:a.toml"]).trim());
        (dir, blob)
    }

    /// An offset the index keeps in its table of large offsets (a pack over 2 GiB) is read
    /// from there: an index made by hand, its blob's offset moved into that table as its second
    /// entry; one naming an entry past the table's end is not found; an index whose length
    /// leaves a part of a large offset is left out.
    #[test]
    fn offsets_in_the_large_table_are_read_from_there() {
        let (dir, blob) = packed_repository("title = \"a\"\n");
        let root = dir.path();
        let index = std::path::PathBuf::from(pack_index(root));
        let objects = root.join(".git/objects");
        let packs = Packs::open(&objects);
        let pack = &packs.packs[0];
        assert!(pack.large.is_empty(), "a small pack has no large offsets");
        assert_eq!(pack.names.len(), NAME * pack.offsets.len(), "the names alone");
        let offset = pack.offset_of(&blob).expect("listed");
        let place = (0..pack.offsets.len()).find(|n| pack.names[n * NAME..(n + 1) * NAME] == blob).expect("listed");
        let count = pack.offsets.len();
        let good = std::fs::read(&index).expect("index");
        let offsets_at = 8 + 256 * 4 + count * (NAME + 4);
        let large_at = offsets_at + 4 * count;
        let with_large = |entry: u32, large: &[u64], extra: &[u8]| {
            let mut bytes = good.clone();
            bytes[offsets_at + 4 * place..offsets_at + 4 * place + 4].copy_from_slice(&entry.to_be_bytes());
            let table: Vec<u8> = large.iter().flat_map(|n| n.to_be_bytes()).chain(extra.iter().copied()).collect();
            bytes.splice(large_at..large_at, table);
            std::fs::write(&index, &bytes).expect("write");
            Packs::open(&objects)
        };
        let packs = with_large(0x8000_0001, &[0xdead_beef, offset], &[]);
        assert_eq!(packs.packs[0].large, [0xdead_beef, offset]);
        assert_eq!(packs.packs[0].offset_of(&blob), Some(offset));
        let content = std::fs::read(root.join("a.toml")).expect("the file");
        assert_eq!(packs.reader().blob(&blob), Some(content));
        let packs = with_large(0x8000_0002, &[0xdead_beef, offset], &[]);
        assert_eq!(packs.packs[0].offset_of(&blob), None, "an entry past the table");
        assert!(with_large(0x8000_0001, &[0xdead_beef, offset], &[0; 4]).packs.is_empty(), "half an offset");
    }

    /// A pack whose index or pack file is damaged or of another version is left out or reads
    /// as `None`, never as other bytes: each header field, a cut index, a cut pack, a bad
    /// checksum in a stream.
    #[test]
    fn a_damaged_pack_reads_as_nothing() {
        let (dir, blob) = packed_repository(&"title = \"a\"\n".repeat(50));
        let root = dir.path();
        let index = std::path::PathBuf::from(pack_index(root));
        let pack = index.with_extension("pack");
        let objects = root.join(".git/objects");
        assert!(Packs::open(&objects).reader().blob(&blob).is_some(), "reads before any damage");
        let (good_index, good_pack) = (std::fs::read(&index).expect("index"), std::fs::read(&pack).expect("pack"));
        let opened = |index_bytes: &[u8], pack_bytes: &[u8]| {
            std::fs::write(&index, index_bytes).expect("write");
            std::fs::write(&pack, pack_bytes).expect("write");
            Packs::open(&objects)
        };
        // Another index version, a cut index, fanout counts that go down.
        let mut version = good_index.clone();
        version[7] = 3;
        assert!(opened(&version, &good_pack).packs.is_empty(), "index version 3");
        assert!(opened(&good_index[..good_index.len() - 1], &good_pack).packs.is_empty(), "a cut index");
        assert!(opened(&good_index[..100], &good_pack).packs.is_empty(), "a cut fanout");
        let mut fanout = good_index.clone();
        fanout[8 + 3] = 0xff;
        assert!(opened(&fanout, &good_pack).packs.is_empty(), "a fanout that goes down");
        // Not a pack, another pack version.
        let mut magic = good_pack.clone();
        magic[0] = b'X';
        assert!(opened(&good_index, &magic).packs.is_empty(), "not a pack");
        let mut pack_version = good_pack.clone();
        pack_version[7] = 4;
        assert!(opened(&good_index, &pack_version).packs.is_empty(), "pack version 4");
        // A damaged stream: every byte of the blob's data changed in turn reads as nothing or
        // as the blob itself, never as other bytes.
        let content = std::fs::read(root.join("a.toml")).expect("the file");
        let packs = opened(&good_index, &good_pack);
        let offset = usize::try_from(packs.packs[0].offset_of(&blob).expect("listed")).expect("small");
        for at in offset..good_pack.len() - NAME {
            let mut damaged = good_pack.clone();
            damaged[at] ^= 0x21;
            let read = opened(&good_index, &damaged).reader().blob(&blob);
            assert!(read.is_none() || read.as_deref() == Some(&content[..]), "byte {at} changed");
        }
        // A pack cut inside the object.
        assert_eq!(opened(&good_index, &good_pack[..offset + 10]).reader().blob(&blob), None, "a cut pack");
        // A header claiming more than the largest blob read here (2^62 bytes, and one more than
        // the bound) reads as nothing, before anything is allocated for it.
        let first = 0x80 | (BLOB << 4);
        for header in [
            [first, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x04],
            [first | 1, 0x80, 0x80, 0x80, 0x02, 0, 0, 0, 0, 0],
        ] {
            let mut claiming = good_pack.clone();
            claiming[offset..offset + header.len()].copy_from_slice(&header);
            assert_eq!(opened(&good_index, &claiming).reader().blob(&blob), None, "{header:?}");
        }
    }
}
