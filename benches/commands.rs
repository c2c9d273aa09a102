//! The other commands at scale, beside their floors, in one run on the generated tracker of
//! 100k records: `check --range` for one pushed commit (the pre-receive hook and CI) against
//! `git diff --name-only` of that commit; `show`, `list` with a filter, `next`, `plan`, `log`
//! and `report metrics` (again at one commit, and the first run after a commit) against
//! reading and parsing every record file. Run with
//! `cargo bench --bench commands` (`DOCKET_BENCH_RECORDS` changes the size).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

mod support;

fn main() {
    let (records, root) = support::sized_tracker();
    let docket = env!("CARGO_BIN_EXE_docket");
    let start = support::git(&root, &["rev-parse", "HEAD"]).trim().to_owned();

    // One pushed commit changing one record, as the pre-receive hook sees it.
    let id = support::id_of(4242 % records);
    let path = format!("issues/{}/{id}.toml", &id[..2]);
    let text = std::fs::read_to_string(root.join(&path)).unwrap();
    std::fs::write(root.join(&path), text.replacen("title = \"", "title = \"Pushed: ", 1)).unwrap();
    support::git(&root, &["add", &path]);
    support::git(
        &root,
        &["-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-q", "--no-verify", "-m", "edit"],
    );

    println!("\n## other commands at {records} records\n");
    support::header();
    let range = format!("{start}..HEAD");
    let floor = support::measure(&root, "git", &["diff", "--name-only", &start, "HEAD"], 9);
    let check = support::measure(&root, docket, &["check", "--range", &range], 9);
    support::row("`docket check --range` (1 pushed commit)", check, "`git diff --name-only A B`", floor);

    let parse: Vec<f64> = (0..3).map(|_| support::read_and_parse(&root)).collect();
    let parse = (parse.iter().copied().fold(f64::INFINITY, f64::min), f64::NAN);
    let floor_name = "list, read + parse every file (2 threads)";
    support::index(&root, docket);
    for (what, args) in [
        ("`docket show ID`", vec!["show", id.as_str()]),
        (
            "`docket list --stage development --assignee lyle`",
            vec!["list", "--stage", "development", "--assignee", "lyle"],
        ),
        ("`docket next --limit 10`", vec!["next", "--limit", "10"]),
        ("`docket next --assignee lyle`", vec!["next", "--assignee", "lyle"]),
        ("`docket plan 16-7`", vec!["plan", "16-7"]),
        ("`docket log ID`", vec!["log", id.as_str()]),
        ("`docket report metrics`, again at one commit", vec!["report", "metrics"]),
    ] {
        let measured = support::measure(&root, docket, &args, 5);
        support::row(what, measured, floor_name, parse);
    }

    // `report metrics` the first time after a commit of one record: the parts kept at the
    // commit before are brought forward by that record. Each run follows a new commit.
    let mut after_commit = Vec::new();
    let mut peak = f64::NAN;
    for n in 0..6 {
        let id = support::id_of((7919 * (n + 1)) % records);
        let path = format!("issues/{}/{id}.toml", &id[..2]);
        let text = std::fs::read_to_string(root.join(&path)).unwrap();
        std::fs::write(root.join(&path), text.replacen("title = \"", "title = \"Moved: ", 1)).unwrap();
        support::git(&root, &["add", &path]);
        support::git(&root, &["-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "--no-verify", "-m", "one"]);
        if n == 5 {
            peak = support::peak_mib(&root, docket, &["report", "metrics"]);
        } else {
            after_commit.push(support::time_once(&root, docket, &["report", "metrics"]));
        }
    }
    let first = (support::median(after_commit), peak);
    support::row("`docket report metrics`, first run after a 1-record commit", first, floor_name, parse);
    support::git(&root, &["reset", "-q", "--hard", &start]);
}
