//! A mutation fuzzer for the parsers and the merge driver, with no dependencies.
//!
//! It starts from every real file in the repository (examples, built-in workflows, schema
//! samples, the invalid samples), mutates them with TOML's own tokens, and asserts that the
//! record parser, `docket fmt`'s canonical layout, the workflow and `docket.toml` parsers, the
//! search query parser and the merge driver never panic, and that the properties below hold.
//! The suite runs a short fixed budget; a longer, bounded run is
//!
//! ```text
//! DOCKET_FUZZ_SECONDS=300 cargo test --release --test it fuzz -- --nocapture
//! ```
//!
//! with `DOCKET_FUZZ_SEED` to replay a run. A failure prints the input that broke.

use std::path::Path;
use std::time::{Duration, Instant};

use docket::format::parse::{RecordRules, check_document, check_document_located, parse_record};
use docket::model::Kind;

/// TOML's tokens and values, spliced into inputs.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\"",
    "\"\"\"",
    "'''",
    "'",
    "=",
    ",",
    ".",
    "\n",
    "#",
    "\\",
    "\\u00e9",
    "\\U0001F600",
    "0",
    "-1",
    "3.5",
    "1e400",
    "true",
    "nan",
    "inf",
    "2026-11-23",
    "2026-11-23T10:00:00Z",
    "10:00:00",
    "title",
    "stage",
    "comments",
    "weight",
    "labels",
    "id",
    "\u{0}",
    "\u{7f}",
    "é",
    "\u{feff}",
    "\r\n",
    "\t",
    "states",
    "transitions",
    "\\e",
    "\\x41",
    "\\\n",
    "\"\"\"\"",
    "''''",
    "1_000",
    "0x1f",
    "1e3",
    "01",
    "+",
    "2026-11-23 10:00:00",
    "a.b",
    "[a.b]",
    "{ x = 1 }",
    "\u{85}",
    "\u{1}",
];

/// Queries the search box gets, mutated like the files.
const QUERIES: &[&str] = &[
    "refund macro",
    "\"refund macro\"",
    "stage:triage weight:>3",
    "title:crash -label:wontfix",
    "a OR (b AND c)",
    "due:<2026-12-01",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).expect("fits")
    }
}

fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut stack: Vec<_> =
        ["examples", "schema/workflows", "schema/samples", "tests/data/invalid"].iter().map(|d| root.join(d)).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "toml")
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                files.push(text);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "the seeds are the repository's own files");
    files
}

/// One to four mutations of `text`: a token inserted, a range deleted or duplicated, a
/// character replaced, or a piece of another seed spliced in.
fn mutate(rng: &mut Rng, text: &str, seeds: &[String]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                chars.splice(at..at, token.chars());
            }
            1 if !chars.is_empty() => {
                let end = (at + rng.below(16)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            2 if !chars.is_empty() => {
                let end = (at + rng.below(64)).min(chars.len());
                let piece: Vec<char> = chars[at.min(end)..end].to_vec();
                chars.splice(end..end, piece);
            }
            3 if at < chars.len() => chars[at] = char::from(u8::try_from(rng.below(128)).expect("ascii")),
            _ => {
                let other: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
                let start = rng.below(other.len());
                let end = (start + rng.below(200)).min(other.len());
                chars.splice(at..at, other[start..end].iter().copied());
            }
        }
    }
    chars.into_iter().collect()
}

/// Checks every property on one input; panics (with the input) when one fails.
/// Returns how many of the readings gave a record (the quick path), to show the comparison
/// below is not made on broken files only, and whether the quick TOML reading read it.
fn exercise(input: &str, other: &str) -> (usize, bool) {
    // The quick TOML reading gives `toml`'s table whenever it gives one.
    let quick = docket::format::quick::table(input);
    if quick.is_some() {
        assert_eq!(quick, docket::format::node::plain_by_toml(input), "the quick reading is toml's");
    }
    let mut records = 0;
    let rules = RecordRules {
        states: Some(vec!["triage".to_owned(), "done".to_owned()]),
        workflow: "fuzz".to_owned(),
        custom_fields: vec!["titel".to_owned()],
        is_record: true,
    };
    for kind in Kind::ALL {
        // The quick plain reading and the located one agree on every file: the same fields
        // and the same problems, with their places.
        for rules in [&RecordRules::default(), &rules] {
            let specs = docket::format::fields::fields_of(kind);
            let quick = check_document("issues/fuzz.toml", Some("fuzz"), input, specs, rules);
            let located = check_document_located("issues/fuzz.toml", Some("fuzz"), input, specs, rules);
            assert_eq!(quick, located, "both readings agree");
            records += usize::from(quick.0.is_some());
        }
        let parsed = parse_record(kind, "fuzz", "issues/fuzz.toml", input, &RecordRules::default());
        if parsed.record.is_some() {
            assert!(parsed.diagnostics.iter().all(|d| !d.is_error()), "a record is returned only without errors");
        }
        // `docket fmt` is idempotent and keeps the record's fields.
        if let Ok(canonical) = docket::format::canonical::canonical(kind, input) {
            let again = docket::format::canonical::canonical(kind, &canonical).expect("canonical output parses");
            assert_eq!(again, canonical, "fmt is idempotent");
            let before = parse_record(kind, "fuzz", "issues/fuzz.toml", input, &RecordRules::default()).record;
            let after = parse_record(kind, "fuzz", "issues/fuzz.toml", &canonical, &RecordRules::default()).record;
            if let (Some(before), Some(after)) = (before, after) {
                assert_eq!(before.fields, after.fields, "fmt keeps every field");
            }
        }
    }
    let _ = docket::workflow::Workflow::parse("workflows/fuzz.toml", input);
    let _ = docket::config::Config::parse("docket.toml", input);
    // The merge driver: a side equal to the base takes the other side's fields.
    if let Ok(merged) = docket::merge::merge(input, input, other) {
        assert!(merged.conflicts.is_empty(), "nothing changed on our side: no conflict");
        let theirs: toml::Table = other.parse().expect("merge accepted theirs");
        let result: toml::Table = merged.text.parse().expect("a clean merge is valid TOML");
        assert_eq!(result, theirs, "an unchanged side takes the other side");
    }
    if let Ok(merged) = docket::merge::merge(input, other, other) {
        assert!(merged.conflicts.is_empty(), "both sides alike: no conflict");
    }
    (records, quick.is_some())
}

#[test]
fn parsers_and_merge_driver_survive_mutated_input() {
    let seeds = seeds();
    let budget = std::env::var("DOCKET_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs);
    let seed = std::env::var("DOCKET_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x00d0_c4e7_u64);
    let mut rng = Rng(seed | 1);
    let started = Instant::now();
    let mut runs = 0u64;
    let records = std::sync::atomic::AtomicUsize::new(0);
    let quick = std::sync::atomic::AtomicUsize::new(0);
    loop {
        let done = budget.map_or(runs >= 3000, |budget| started.elapsed() >= budget);
        if done {
            break;
        }
        let base = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, base, &seeds);
        let other = mutate(&mut rng, base, &seeds);
        let query_seed = QUERIES[rng.below(QUERIES.len())];
        let query = mutate(&mut rng, query_seed, &seeds);
        let outcome = std::panic::catch_unwind(|| {
            let (read, quickly) = exercise(&input, &other);
            records.fetch_add(read, std::sync::atomic::Ordering::Relaxed);
            quick.fetch_add(usize::from(quickly), std::sync::atomic::Ordering::Relaxed);
            let _ = docket::index::query::parse(&query);
        });
        assert!(
            outcome.is_ok(),
            "run {runs} (DOCKET_FUZZ_SEED={seed}) broke on\n--- input\n{input}\n--- other\n{other}\n--- query\n{query}"
        );
        runs += 1;
    }
    let (records, quick) = (records.into_inner(), quick.into_inner());
    eprintln!(
        "fuzz: {runs} inputs, {records} readings that gave a record, {quick} read quickly, in {:.1?} (seed {seed})",
        started.elapsed()
    );
    let runs = usize::try_from(runs).expect("fits");
    assert!(records * 20 > runs, "mutations leave enough files valid: {records}");
    assert!(quick * 10 > runs, "the quick reading is compared on enough files: {quick}");
}
