//! The bytes of a stored bucket of the history cache: a small binary form, written and read
//! without a serializer.
//!
//! A bucket lists the commits its versions come from, once each (id, time, author), then each
//! record (in path order) with its versions, which name their commit by its place in that list
//! — the commit's id, time and author were more than a third of each version, written a
//! million times at a million records. Each record's versions are preceded by their length in
//! bytes, so that a reader wanting only some records steps over the others.
//!
//! ```text
//! bucket   = FORM commits records                      (and nothing after)
//! commits  = count { text(id) signed(time) text(author) }
//! records  = count { text(path) length count { version } }
//! version  = count(place) text(state) optional(weight) optional-text(milestone)
//!            count { text(label) } optional-text(blob)
//! ```
//!
//! Numbers are LEB128 varints (`signed` zigzag-encoded first); a text is its length and its
//! UTF-8 bytes; `optional` is 0 for none or the value plus one. It replaced JSON, whose
//! writing (escaping every string byte by byte) was a tenth of building the cache afresh at a
//! million records.

use std::collections::{BTreeMap, BTreeSet};

use super::{Bucket, Version};
use crate::time::Timestamp;

/// The first byte of a bucket in this form: a bucket of another form (JSON began with `[`)
/// does not read.
const FORM: u8 = 0xd7;

/// `records` (in path order) as a stored bucket.
pub(super) fn encode<'a>(records: impl Iterator<Item = (&'a String, &'a Vec<Version>)>) -> Vec<u8> {
    let mut commits: Vec<(&str, Timestamp, &str)> = Vec::new();
    // Most buckets' versions come from a few commits: looked for in the list, newest first,
    // rather than hashed; a long list is hashed.
    let mut places: std::collections::HashMap<(&str, Timestamp, &str), usize> = std::collections::HashMap::new();
    let mut place_of = |commit: (&'a str, Timestamp, &'a str)| {
        let found = if commits.len() <= 32 {
            // The time first: the cheapest to compare, and different between most commits.
            commits.iter().rposition(|c| c.1 == commit.1 && c.0 == commit.0 && c.2 == commit.2)
        } else {
            if places.is_empty() {
                places.extend(commits.iter().enumerate().map(|(place, c)| (*c, place)));
            }
            places.get(&commit).copied()
        };
        found.unwrap_or_else(|| {
            commits.push(commit);
            if !places.is_empty() {
                places.insert(commit, commits.len() - 1);
            }
            commits.len() - 1
        })
    };
    let mut body = Vec::new();
    let mut block = Vec::new();
    let mut count = 0_usize;
    for (record, versions) in records {
        block.clear();
        put_count(&mut block, versions.len());
        for v in versions {
            put_count(&mut block, place_of((v.commit.as_str(), v.time, v.author.as_str())));
            put_text(&mut block, &v.state);
            put_number(&mut block, v.weight.map_or(0, |w| u64::from(w) + 1));
            put_optional_text(&mut block, v.milestone.as_deref());
            put_count(&mut block, v.labels.len());
            for label in &v.labels {
                put_text(&mut block, label);
            }
            put_optional_text(&mut block, v.blob.as_deref());
        }
        put_text(&mut body, record);
        put_count(&mut body, block.len());
        body.extend_from_slice(&block);
        count += 1;
    }
    let mut bytes = Vec::with_capacity(body.len() + 16 + commits.len() * 64);
    bytes.push(FORM);
    put_count(&mut bytes, commits.len());
    for (id, time, author) in &commits {
        put_text(&mut bytes, id);
        put_number(&mut bytes, zigzag(*time));
        put_text(&mut bytes, author);
    }
    put_count(&mut bytes, count);
    bytes.extend_from_slice(&body);
    bytes
}

/// A stored bucket read back (only the records in `wanted`, when given; the others are
/// stepped over); `None` when it is not one this form wrote whole: another form, cut short,
/// bytes after its end, a text that is not UTF-8, a version naming a commit it does not list.
pub(super) fn decode(bytes: &[u8], wanted: Option<&BTreeSet<&str>>) -> Option<Bucket> {
    let mut reader = Reader { bytes, at: 0 };
    if reader.byte()? != FORM {
        return None;
    }
    let listed = reader.count()?;
    let mut commits = Vec::with_capacity(listed);
    for _ in 0..listed {
        let id = reader.text()?;
        let time = unzigzag(reader.number()?);
        commits.push((id, time, reader.text()?));
    }
    let mut bucket = BTreeMap::new();
    for _ in 0..reader.count()? {
        let record = reader.text()?;
        let length = reader.count()?;
        let end = reader.at.checked_add(length).filter(|end| *end <= bytes.len())?;
        if wanted.is_some_and(|wanted| !wanted.contains(record)) {
            reader.at = end;
            continue;
        }
        let count = reader.count()?;
        let mut versions = Vec::with_capacity(count);
        for _ in 0..count {
            // A place, not a count: it may be larger than the bytes left.
            let place = usize::try_from(reader.number()?).ok()?;
            let &(commit, time, author) = commits.get(place)?;
            let state = reader.text()?.to_owned();
            let weight = match reader.number()? {
                0 => None,
                n => Some(u8::try_from(n - 1).ok()?),
            };
            let milestone = reader.optional_text().ok()?.map(str::to_owned);
            let labels = (0..reader.count()?).map(|_| reader.text().map(str::to_owned)).collect::<Option<_>>()?;
            let blob = reader.optional_text().ok()?.map(str::to_owned);
            versions.push(Version {
                commit: commit.to_owned(),
                time,
                author: author.to_owned(),
                state,
                weight,
                milestone,
                labels,
                blob,
            });
        }
        if reader.at != end {
            return None;
        }
        bucket.insert(record.to_owned(), versions);
    }
    (reader.at == bytes.len()).then_some(bucket)
}

fn put_number(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push(u8::try_from(n & 0x7f).expect("seven bits") | 0x80);
        n >>= 7;
    }
    out.push(u8::try_from(n).expect("below 0x80"));
}

fn put_count(out: &mut Vec<u8>, n: usize) {
    put_number(out, n as u64);
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_count(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_optional_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        None => out.push(0),
        Some(text) => {
            put_count(out, text.len() + 1);
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// A signed number as an unsigned one, small either side of zero.
fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)).cast_unsigned()
}

fn unzigzag(n: u64) -> i64 {
    (n >> 1).cast_signed() ^ -(n & 1).cast_signed()
}

/// A bucket that does not read.
struct Damaged;

/// A stored bucket being read: every read checks the bytes it takes are there.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    /// A varint of at most ten bytes.
    fn number(&mut self) -> Option<u64> {
        let mut n = 0_u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A count or length, which can be no more than the bytes left (each thing counted takes
    /// at least one): a damaged one never makes a reader allocate more than the bucket's size.
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.number()?).ok().filter(|n| *n <= self.bytes.len() - self.at)
    }

    fn text(&mut self) -> Option<&'a str> {
        let length = self.count()?;
        self.take(length)
    }

    fn optional_text(&mut self) -> Result<Option<&'a str>, Damaged> {
        match self.number().and_then(|n| usize::try_from(n).ok()).ok_or(Damaged)? {
            0 => Ok(None),
            length => self.take(length - 1).map(Some).ok_or(Damaged),
        }
    }

    fn take(&mut self, length: usize) -> Option<&'a str> {
        let bytes = self.bytes.get(self.at..self.at.checked_add(length)?)?;
        self.at += length;
        std::str::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(commit: &str, time: Timestamp, state: &str) -> Version {
        Version {
            commit: commit.into(),
            time,
            author: "ana".into(),
            state: state.into(),
            weight: Some(3),
            milestone: Some("m1".into()),
            labels: vec!["Deliverable".into(), "a\"quote".into()],
            blob: Some("5ab23addcdd90190d6a0d155a6e6c6a1c0b30829".into()),
        }
    }

    fn occurrences(bytes: &[u8], part: &[u8]) -> usize {
        bytes.windows(part.len()).filter(|window| *window == part).count()
    }

    /// A stored bucket lists each commit once (id, time, author: a version of the same commit id
    /// at another time is another entry) and reads back as it was written, whole or only the
    /// records wanted.
    #[test]
    fn a_bucket_lists_its_commits_once() {
        let bucket: Bucket = BTreeMap::from([
            ("issues/a.toml".to_owned(), vec![version("c1", 10, "triage"), version("c2", 20, "done")]),
            ("issues/b.toml".to_owned(), vec![version("c1", 10, "triage"), version("c1", 30, "")]),
            (
                "issues/c.toml".to_owned(),
                vec![Version { blob: None, milestone: None, weight: None, labels: vec![], ..version("c3", -5, "") }],
            ),
            ("issues/d.toml".to_owned(), vec![Version { weight: Some(255), ..version("c2", 20, "done") }]),
            ("issues/é.toml".to_owned(), vec![Version { milestone: Some(String::new()), ..version("c1", 10, "") }]),
        ]);
        let bytes = encode(bucket.iter());
        assert_eq!(occurrences(&bytes, b"c1"), 2, "c1 at 10 and c1 at 30");
        assert_eq!(occurrences(&bytes, b"c2"), 1);
        assert_eq!(occurrences(&bytes, b"ana"), 4);
        assert_eq!(decode(&bytes, None), Some(bucket.clone()));
        let wanted = BTreeSet::from(["issues/b.toml", "issues/d.toml", "issues/none.toml"]);
        let few = decode(&bytes, Some(&wanted)).expect("reads");
        assert_eq!(few.keys().collect::<Vec<_>>(), ["issues/b.toml", "issues/d.toml"]);
        assert_eq!(few["issues/b.toml"], bucket["issues/b.toml"]);
        assert_eq!(few["issues/d.toml"], bucket["issues/d.toml"]);
        assert_eq!(decode(&encode(std::iter::empty()), None), Some(Bucket::new()));
        // Past 32 commits the list is hashed: every commit still listed once, in order.
        let many: Bucket = BTreeMap::from([(
            "issues/d.toml".to_owned(),
            (0..100).map(|n| version(&format!("c{}", n % 50), n % 50, "triage")).collect(),
        )]);
        let bytes = encode(many.iter());
        assert_eq!(occurrences(&bytes, b"ana"), 50);
        assert!(bytes.starts_with(&[FORM, 50, 2, b'c', b'0', 0, 3, b'a', b'n', b'a', 2, b'c', b'1', 2]), "{bytes:?}");
        assert_eq!(decode(&bytes, None), Some(many));
        // Versions of nothing but their commit, the last naming a place larger than the bytes
        // that follow it.
        let bare = |n: i64| Version {
            commit: format!("c{n}"),
            time: n,
            author: String::new(),
            state: String::new(),
            weight: None,
            milestone: None,
            labels: Vec::new(),
            blob: None,
        };
        let sparse: Bucket = BTreeMap::from([("issues/e.toml".to_owned(), (0..300).map(bare).collect())]);
        let bytes = encode(sparse.iter());
        assert_eq!(bytes[bytes.len() - 7..], [0xab, 0x02, 0, 0, 0, 0, 0], "place 299, then five empty fields");
        assert_eq!(decode(&bytes, None), Some(sparse));
    }

    /// Numbers round-trip through their varints at every width, signed ones either side of
    /// zero.
    #[test]
    fn numbers_round_trip() {
        for n in [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, u64::from(u32::MAX), u64::MAX] {
            let mut bytes = Vec::new();
            put_number(&mut bytes, n);
            assert_eq!(Reader { bytes: &bytes, at: 0 }.number(), Some(n), "{n}");
        }
        let mut bytes = Vec::new();
        put_number(&mut bytes, 0x80);
        assert_eq!(bytes, [0x80, 0x01]);
        for n in [0, 1, -1, 63, -64, 1_700_000_000, -1_700_000_000, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(n)), n, "{n}");
        }
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)], [0, 1, 2, 3]);
        // Eleven bytes of continuation is no number.
        assert_eq!(Reader { bytes: &[0xff; 11], at: 0 }.number(), None);
    }

    /// Every damage a bucket can take reads as no bucket, never as another one, and never
    /// panics: cut anywhere, a byte changed anywhere (those still whole read as what they
    /// say), bytes added at the end, another form.
    #[test]
    fn a_damaged_bucket_does_not_read() {
        let bucket: Bucket = BTreeMap::from([
            ("issues/a.toml".to_owned(), vec![version("c1", 10, "triage")]),
            ("issues/b.toml".to_owned(), vec![version("c2", 20, "done"), version("c1", 10, "review")]),
        ]);
        let bytes = encode(bucket.iter());
        for end in 0..bytes.len() {
            assert_eq!(decode(&bytes[..end], None), None, "cut at {end}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer, None), None, "a byte after the end");
        assert_eq!(decode(b"[[],{}]", None), None, "a bucket of an earlier version (JSON)");
        for at in 0..bytes.len() {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] = value;
                // Whatever it reads as, it does not panic; a version naming an unlisted commit
                // is refused (checked below), the rest may read as other text.
                let _ = decode(&damaged, None);
                let wanted = BTreeSet::from(["issues/b.toml"]);
                let _ = decode(&damaged, Some(&wanted));
            }
        }
        // The first version's place (0, after the path and lengths of issues/a.toml) set to 2:
        // a commit the bucket does not list.
        let place = 1 + 1 + 2 * (1 + 2 + 1 + 1 + 3) + 1 + (1 + 13) + 1 + 1;
        assert_eq!(bytes[place], 0);
        let mut unlisted = bytes.clone();
        unlisted[place] = 2;
        assert_eq!(decode(&unlisted, None), None);
        // A version block that says it is longer or shorter than its versions.
        let length = place - 2;
        for wrong in [bytes[length] - 1, bytes[length] + 1] {
            let mut damaged = bytes.clone();
            damaged[length] = wrong;
            assert_eq!(decode(&damaged, None), None, "length {wrong}");
        }
    }
}
