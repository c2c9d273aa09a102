//! Reports from history at scale: `docket report metrics` on a tracker of 10k issues and 50k
//! commits, first run (reads every commit), second run at the same commit (from the cache), and
//! the first run after one more commit (the cache brought forward by the record it changed),
//! beside `git rev-list --count HEAD` on the same repository. Run with `cargo bench --bench history`
//! (`DOCKET_BENCH_RECORDS`, `DOCKET_BENCH_COMMITS` change the size).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

mod support;

fn main() {
    let records: usize = std::env::var("DOCKET_BENCH_RECORDS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let commits: usize = std::env::var("DOCKET_BENCH_COMMITS").ok().and_then(|n| n.parse().ok()).unwrap_or(50_000);
    let docket = env!("CARGO_BIN_EXE_docket");
    println!("generating {records} issues and {commits} commits (reused between runs)…");
    let root = support::history_tracker(&format!("history-{records}-{commits}"), records, commits);
    // No cache: neither the history's nor the metrics'.
    let _ = std::fs::remove_dir_all(root.join(".git/docket/history"));
    let _ = std::fs::remove_file(root.join(".git/docket/metrics.json"));
    let start = support::git(&root, &["rev-parse", "HEAD"]).trim().to_owned();
    println!("\n## report metrics at {records} records, {commits} commits\n");
    support::header();
    let floor = support::measure(&root, "git", &["rev-list", "--count", "HEAD"], 5);
    let started = std::time::Instant::now();
    let first = std::process::Command::new(docket).args(["report", "metrics"]).current_dir(&root).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    support::row(
        "`docket report metrics`, first run (no cache)",
        (first_ms, f64::NAN),
        "`git rev-list --count HEAD`",
        floor,
    );
    let second = support::measure(&root, docket, &["report", "metrics"], 5);
    support::row("`docket report metrics`, second run (cached)", second, "`git rev-list --count HEAD`", floor);
    // One more commit moving one issue on: a run reads the history of that record only.
    let path = support::git(&root, &["ls-files", "issues"]).lines().nth(records / 2).unwrap().to_owned();
    let text = std::fs::read_to_string(root.join(&path)).unwrap();
    let moved =
        text.replace("stage = \"refinement\"", "stage = \"done\"").replace("stage = \"in_dev\"", "stage = \"done\"");
    std::fs::write(root.join(&path), moved + "\n").unwrap();
    support::git(&root, &["add", &path]);
    support::git(
        &root,
        &["-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "--no-verify", "-m", "one more"],
    );
    let after = (support::time_once(&root, docket, &["report", "metrics"]), f64::NAN);
    support::row(
        "`docket report metrics`, first run after one more commit",
        after,
        "`git rev-list --count HEAD`",
        floor,
    );
    support::git(&root, &["reset", "-q", "--hard", &start]);
}
