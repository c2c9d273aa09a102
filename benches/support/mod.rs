//! Shared by the benchmarks: a generated tracker of realistic records in a real git
//! repository, and timing of whole commands beside their floors.

#![allow(
    dead_code,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const WORDS: &[&str] = &[
    "refund",
    "macro",
    "zendesk",
    "ticket",
    "customer",
    "sandbox",
    "trigger",
    "salesforce",
    "sync",
    "sla",
    "policy",
    "form",
    "field",
    "agent",
    "escalation",
    "queue",
    "priority",
    "gitlab",
    "dedicated",
    "license",
    "renewal",
    "account",
    "owner",
    "organization",
    "survey",
    "csat",
    "automation",
    "view",
    "report",
    "dashboard",
    "token",
    "webhook",
    "api",
    "migration",
    "theme",
    "help",
    "center",
    "article",
    "search",
    "login",
    "sso",
    "saml",
    "billing",
    "invoice",
    "subscription",
    "trial",
    "upgrade",
    "namespace",
    "verification",
    "emergency",
    "on-call",
    "pager",
    "region",
    "timezone",
    "holiday",
    "schedule",
    "business",
    "hours",
    "language",
    "translation",
    "template",
    "signature",
];
const STAGES: &[&str] = &[
    "triage",
    "planning",
    "scheduling",
    "queued",
    "development",
    "validation",
    "implementation",
    "completed",
    "closed",
];

/// A small deterministic generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// `n` words of the generator's text: from [`WORDS`], or with `DOCKET_BENCH_VOCABULARY=N`
    /// from a vocabulary of N made-up words, drawn by Zipf's law (the k-th most common word
    /// about 1/k as often as the first), as in real text.
    pub fn words(&mut self, n: usize) -> String {
        let size = vocabulary();
        (0..n)
            .map(|_| {
                if size == 0 {
                    return WORDS[self.below(WORDS.len())].to_owned();
                }
                let u = (self.next() >> 11) as f64 / (1_u64 << 53) as f64;
                made_up_word((size as f64).powf(u) as usize)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The size of the made-up vocabulary of the generated text (`DOCKET_BENCH_VOCABULARY`; 0, the
/// default, uses [`WORDS`]).
pub fn vocabulary() -> usize {
    std::env::var("DOCKET_BENCH_VOCABULARY").ok().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Word number `k` of the made-up vocabulary: syllables of a consonant and a vowel, one for
/// each base-70 digit of `k` (so every word differs, as pronounceable as `kamotelu`).
fn made_up_word(k: usize) -> String {
    const CONSONANTS: &[u8] = b"bdfgklmnprstvz";
    const VOWELS: &[u8] = b"aeiou";
    let mut word = String::new();
    let mut k = k;
    loop {
        let digit = k % 70;
        word.push(CONSONANTS[digit / 5] as char);
        word.push(VOWELS[digit % 5] as char);
        k /= 70;
        if k == 0 {
            break;
        }
    }
    word
}

/// The id of record `n`: 6 lowercase base32 characters, like `docket new` makes.
pub fn id_of(n: usize) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut x = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 20;
    (0..6)
        .map(|_| {
            let c = ALPHABET[(x & 31) as usize] as char;
            x >>= 5;
            c
        })
        .collect()
}

/// How many issues a milestone of the generated tracker holds, and how many a person has
/// assigned: a team's milestone, not the whole tracker.
pub const PER_MILESTONE: usize = 250;
pub const PER_PERSON: usize = 300;

/// The milestone of issue `n`: the current one (`16-7`) for the first [`PER_MILESTONE`], then
/// past ones, `m1`, `m2`, … going back two days each.
pub fn milestone_of(n: usize) -> String {
    match n / PER_MILESTONE {
        0 => "16-7".to_owned(),
        k => format!("m{k}"),
    }
}

/// The person an issue is assigned to, among one per [`PER_PERSON`] issues; the first three
/// are the ops team of the examples.
fn person(rng: &mut Rng, records: usize) -> String {
    match rng.below((records / PER_PERSON).max(3)) {
        0 => "jason".to_owned(),
        1 => "dylan".to_owned(),
        2 => "lyle".to_owned(),
        n => format!("person{n}"),
    }
}

/// One ops issue of about 1 KB with every artifact of its stage.
pub fn issue(rng: &mut Rng, n: usize, records: usize) -> String {
    let stage = STAGES[rng.below(STAGES.len())];
    let mut text = format!(
        "title = \"{}\"\ntype = \"feature\"\nstage = \"{stage}\"\nlabels = [\"customer::enterprise\", \"system::zendesk\", \"priority::{}\"]\n",
        rng.words(6),
        1 + rng.below(3)
    );
    let _ = writeln!(
        text,
        "assignee = \"{}\"\nmilestone = \"{}\"\niteration = \"2026-w48\"\nweight = {}",
        person(rng, records),
        milestone_of(n),
        1 + rng.below(5)
    );
    let _ = writeln!(text, "created = 2026-{:02}-{:02}T10:00:00Z", 1 + rng.below(11), 1 + rng.below(28));
    let _ = writeln!(
        text,
        "description = \"\"\"\n## Context\n{}.\n\n## Request\n{}.\n\"\"\"",
        rng.words(40),
        rng.words(30)
    );
    let _ = writeln!(text, "gameplan = \"\"\"\n{}\n\"\"\"\nblueprint = \"{}\"", rng.words(25), rng.words(8));
    let _ = writeln!(text, "\n[rice]\nreach = {}\nimpact = 2\nconfidence = 0.8\neffort = 3", 100 + n % 900);
    let _ =
        writeln!(text, "\n[[comments]]\ndate = 2026-11-20T09:30:00Z\nauthor = \"dylan\"\ntext = \"{}\"", rng.words(15));
    text
}

/// A git repository holding a sharded ops tracker of `records` issues, committed; built once
/// and reused (`target/bench-data/<name>`).
pub fn tracker(name: &str, records: usize) -> PathBuf {
    let root = generated(name, records);
    // The benches measure each command on its own: no watcher started in the background by a
    // search (the search bench starts one where it measures with one).
    // Committed, so that the benches' own resets keep it.
    redate(&root, records);
    let config = std::fs::read_to_string(root.join("docket.toml")).unwrap();
    if !config.contains("[index]") {
        std::fs::write(root.join("docket.toml"), format!("{config}[index]\nwatch = \"never\"\n")).unwrap();
        git(&root, &["add", "docket.toml"]);
        git(&root, &["-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-q", "-m", "no background watcher"]);
    }
    root
}

/// The time of the run, as a Unix time.
pub fn now() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    i64::try_from(now).unwrap()
}

/// The day of the run (midnight UTC, as a Unix time).
fn today() -> i64 {
    now() / 86_400 * 86_400
}

/// The current milestone's file, dated from `today`: started 18 days before, ends a week after.
fn current_milestone(today: i64) -> String {
    format!(
        "title = \"16.7\"\nstage = \"active\"\nstart = {}\nend = {}\n",
        date(today - 18 * 86_400),
        date(today + 7 * 86_400)
    )
}

/// Writes the milestones dated from `today`, as a team's would be: the current one (`16-7`)
/// and the past ones, closed, two weeks long, starting two days apart going back from it.
fn write_milestones(root: &Path, records: usize, today: i64) {
    std::fs::create_dir_all(root.join("milestones")).unwrap();
    std::fs::write(root.join("milestones/16-7.toml"), current_milestone(today)).unwrap();
    let day = |n: i64| date(today - 18 * 86_400 - n * 86_400);
    for k in 1..records.div_ceil(PER_MILESTONE) {
        let start = 2 * i64::try_from(k).unwrap();
        std::fs::write(
            root.join(format!("milestones/m{k}.toml")),
            format!(
                "title = \"M{k}\"\nstage = \"closed\"\nstart = {}\nend = {}\n\n[capacity]\njason = 8\ndylan = 8\nlyle = 8\n",
                day(start),
                day(start - 13)
            ),
        )
        .unwrap();
    }
}

/// Dates a reused tracker's milestones from the day of the run ([`write_milestones`]),
/// committed when they change (once a day).
fn redate(root: &Path, records: usize) {
    let today = today();
    if std::fs::read_to_string(root.join("milestones/16-7.toml")).ok() == Some(current_milestone(today)) {
        return;
    }
    write_milestones(root, records, today);
    git(root, &["add", "milestones"]);
    let commit = ["commit", "-q", "--no-verify", "-m", "milestones dated from today"];
    git(root, &[&["-c", "user.name=bench", "-c", "user.email=b@x"][..], &commit[..]].concat());
}

/// Whether the run generates its tracker again rather than reuse the one generated before
/// (`DOCKET_BENCH_FRESH=1`): a fresh tracker has one commit and no caches or index at all.
fn fresh() -> bool {
    std::env::var("DOCKET_BENCH_FRESH").is_ok_and(|v| v == "1")
}

/// The generated tracker `name` of `records` issues, committed, as generated.
fn generated(name: &str, records: usize) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data").join(name);
    if !fresh() && root.join(".git").exists() && root.join("docket.toml").exists() {
        git(&root, &["reset", "-q", "--hard"]);
        git(&root, &["clean", "-qfd"]);
        git(&root, &["config", "gc.auto", "0"]);
        return root;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    // No `git gc --auto` in the background: the first commit of a large tracker started one
    // (a repack of a million loose objects) that ran for minutes beside the measurements and
    // doubled the floors. The objects are packed below, before anything is measured, as a
    // clone's are.
    git(&root, &["config", "gc.auto", "0"]);
    std::fs::write(
        root.join("docket.toml"),
        "layout = \"sharded\"\n[workflows]\nissue = \"ops\"\n[labels]\nrequired_scopes = [\"customer\", \"system\", \"priority\"]\n[[iterations]]\nname = \"2026-w48\"\nstart = 2026-11-23\nend = 2026-11-29\n",
    )
    .unwrap();
    write_milestones(&root, records, today());
    let mut rng = Rng::new(7);
    for n in 0..records {
        let id = id_of(n);
        let folder = root.join("issues").join(&id[..2]);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(format!("{id}.toml")), issue(&mut rng, n, records)).unwrap();
    }
    git(&root, &["add", "-A"]);
    git(&root, &["-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-q", "-m", "generated tracker"]);
    git(&root, &["repack", "-adq"]);
    git(&root, &["prune-packed"]);
    root
}

/// The generated tracker of `DOCKET_BENCH_RECORDS` issues (100,000 unless set) and its size;
/// its text from a larger vocabulary with `DOCKET_BENCH_VOCABULARY`.
pub fn sized_tracker() -> (usize, PathBuf) {
    let records = std::env::var("DOCKET_BENCH_RECORDS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let vocabulary = vocabulary();
    let reuse = if fresh() { "generated again: DOCKET_BENCH_FRESH=1" } else { "reused between runs" };
    if vocabulary == 0 {
        println!("generating a tracker of {records} issues ({reuse})…");
        return (records, tracker(&format!("tracker2-{records}"), records));
    }
    println!("generating a tracker of {records} issues with a vocabulary of {vocabulary} words ({reuse})…");
    (records, tracker(&format!("tracker2-{records}-v{vocabulary}"), records))
}

/// The date (`YYYY-MM-DD`) of a Unix time, for generated files.
pub fn date(unix: i64) -> String {
    // Days to civil date (Howard Hinnant's algorithm).
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let output =
        Command::new("git").current_dir(dir).args(args).env("GIT_CONFIG_GLOBAL", "/dev/null").output().unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The wall time of one run of a command, in milliseconds. A failing command would be timed
/// as fast: it must succeed (exit 0, or 1 for a check that found problems).
pub fn time_once(dir: &Path, program: &str, args: &[&str]) -> f64 {
    let start = Instant::now();
    let status =
        Command::new(program).current_dir(dir).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    assert!(matches!(status.code(), Some(0 | 1)), "{program} {args:?} failed: {status}");
    elapsed
}

/// The median of some measurements.
pub fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The median wall time of `runs` runs of a command (after one warm-up), in milliseconds, and
/// its peak resident memory in MiB (from `/usr/bin/time`).
pub fn measure(dir: &Path, program: &str, args: &[&str], runs: usize) -> (f64, f64) {
    time_once(dir, program, args);
    let median = median((0..runs).map(|_| time_once(dir, program, args)).collect());
    (median, peak_mib(dir, program, args))
}

/// The peak resident memory of one run of a command, in MiB (from `/usr/bin/time`).
pub fn peak_mib(dir: &Path, program: &str, args: &[&str]) -> f64 {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(program)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib: f64 = stderr.lines().last().and_then(|l| l.trim().parse().ok()).unwrap_or(f64::NAN);
    kib / 1024.0
}

/// Brings the tracker's search index up to date (a warm index, as `docket watch` keeps it).
pub fn index(root: &Path, docket: &str) {
    let status = Command::new(docket).current_dir(root).args(["index"]).stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
}

/// Starts `docket watch` on the tracker (a 20 ms debounce) and returns once it is watching;
/// the caller kills it.
pub fn watcher(root: &Path, docket: &str) -> std::process::Child {
    use std::io::BufRead;
    let mut watcher = Command::new(docket)
        .args(["watch", "--debounce", "20"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(watcher.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("watching") {}
    std::thread::spawn(move || for _ in stderr.lines() {});
    watcher
}

/// Prints one row of a results table: the measured command, its floor, and the ratio.
pub fn row(what: &str, (ms, mib): (f64, f64), floor_what: &str, (floor_ms, floor_mib): (f64, f64)) {
    println!(
        "| {what} | {ms:.1} ms | {mib:.0} MiB | {floor_what} | {floor_ms:.1} ms | {floor_mib:.0} MiB | {:.2}× |",
        ms / floor_ms
    );
}

pub fn header() {
    println!("| measured | time (median) | peak RSS | floor | floor time | floor RSS | ratio |");
    println!("|---|---|---|---|---|---|---|");
}

/// How the floor parses each file.
#[derive(Clone, Copy)]
pub enum Parser {
    /// `toml::from_str`, the common way.
    Toml,
    /// The way docket reads a record: its own reader of the subset of TOML records are written
    /// in, `toml` for anything else.
    Docket,
}

/// Lists the record folders, then reads and parses every record file on all cores: the floor
/// of a rebuild.
pub fn read_and_parse(root: &std::path::Path, parser: Parser) -> f64 {
    // Finding the files is part of reading them all, as for `rg` or the rebuild.
    let start = Instant::now();
    let mut files = Vec::new();
    for shard in std::fs::read_dir(root.join("issues")).unwrap().flatten() {
        for file in std::fs::read_dir(shard.path()).unwrap().flatten() {
            files.push(file.path());
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    std::thread::scope(|scope| {
        for chunk in files.chunks(files.len().div_ceil(threads)) {
            scope.spawn(move || {
                for path in chunk {
                    let text = std::fs::read_to_string(path).unwrap();
                    let table: toml::Table = match parser {
                        Parser::Toml => toml::from_str(&text).unwrap(),
                        Parser::Docket => docket::format::node::plain(&text).unwrap(),
                    };
                    std::hint::black_box(table);
                }
            });
        }
    });
    start.elapsed().as_secs_f64() * 1000.0
}

/// A git repository holding a sharded tracker (refinement workflow) of `records` issues and
/// `commits` commits after the first, each moving one issue one stage along, a day apart
/// spread over the history; written with `git fast-import`, built once and reused.
pub fn history_tracker(name: &str, records: usize, commits: usize) -> PathBuf {
    use std::io::Write as _;
    const STAGES: &[&str] = &["refinement", "ready_for_development", "in_dev", "in_review", "done"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data").join(name);
    if root.join(".git").exists() && root.join("docket.toml").exists() {
        return root;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    let mut child = Command::new("git")
        .current_dir(&root)
        .args(["fast-import", "--quiet"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stream = std::io::BufWriter::new(child.stdin.take().unwrap());
    let mut rng = Rng::new(11);
    let body = |rng: &mut Rng, n: usize, stage: &str| {
        let weight = 1 + n % 5;
        format!(
            "title = \"{}\"\ntype = \"feature\"\nstage = \"{stage}\"\nweight = {weight}\nlabels = [\"workflow::{stage}\"]\ndescription = \"\"\"\n## Context\n{}\n## Proposal\n{}\n## Definition of Done\n{}\n\"\"\"\n",
            rng.words(6),
            rng.words(30),
            rng.words(20),
            rng.words(10)
        )
    };
    let path = |n: usize| {
        let id = id_of(n);
        format!("issues/{}/{id}.toml", &id[..2])
    };
    let start: i64 = 1_735_689_600; // 2025-01-01
    let config = "layout = \"sharded\"\n[workflows]\nissue = \"refinement\"\n";
    write!(stream, "commit refs/heads/main\ncommitter bench <b@x> {start} +0000\ndata 5\nfirst\n").unwrap();
    writeln!(stream, "M 100644 inline docket.toml\ndata {}\n{config}", config.len()).unwrap();
    let mut stage_of = vec![0usize; records];
    for n in 0..records {
        let text = body(&mut rng, n, STAGES[0]);
        writeln!(stream, "M 100644 inline {}\ndata {}\n{text}", path(n), text.len()).unwrap();
    }
    for c in 0..commits {
        let n = (c * 7919) % records;
        stage_of[n] = (stage_of[n] + 1) % STAGES.len();
        let text = body(&mut rng, n, STAGES[stage_of[n]]);
        let time = start + 600 + i64::try_from(c).unwrap() * 600;
        write!(stream, "commit refs/heads/main\ncommitter bench <b@x> {time} +0000\ndata 4\nmove\n").unwrap();
        writeln!(stream, "M 100644 inline {}\ndata {}\n{text}", path(n), text.len()).unwrap();
    }
    drop(stream);
    assert!(child.wait().unwrap().success());
    git(&root, &["checkout", "-q", "-f", "main"]);
    root
}
