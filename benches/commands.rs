//! The other commands at scale, beside their floors, in one run on the generated tracker of
//! 100k records: `check --range` for one pushed commit (the pre-receive hook and CI) against
//! `git diff --name-only` of that commit; `show`, `list` with a filter, `next`, `plan`, `log`
//! and `report metrics`, each in three states: nothing pending, the first run after a commit
//! the index and caches have not seen, and with no history cache; beside reading and parsing
//! every record file. The milestones are dated from the day of the run. Run with
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

    println!("\n## other commands at {records} records, {}\n", support::date(support::now()));
    support::header();
    let range = format!("{start}..HEAD");
    let floor = support::measure(&root, "git", &["diff", "--name-only", &start, "HEAD"], 9);
    let check = support::measure(&root, docket, &["check", "--range", &range], 9);
    support::row("`docket check --range` (1 pushed commit)", check, "`git diff --name-only A B`", floor);

    let fastest = |parser| (0..3).map(|_| support::read_and_parse(&root, parser)).fold(f64::INFINITY, f64::min);
    let (parse, quick) = (fastest(support::Parser::Toml), fastest(support::Parser::Docket));
    println!(
        "\nread and parse every record file (2 threads), the floor of anything that reads them all: {parse:.0} ms with `toml`, {quick:.0} ms as docket parses\n"
    );

    // Each command in four states, (a)–(c) with `docket watch` running, as a search starts it
    // in a tracker of more than 10,000 records: (a) nothing pending (the index and the history
    // and metrics caches have seen HEAD), (b) the first run after a commit of one record that neither has seen (the
    // state after every `git pull` or commit), (c) no history cache and no metrics cache (a
    // fresh clone); and (d) nothing pending but no watcher (`[index] watch = "never"`), where
    // every run compares every file's stamp.
    println!(
        "| measured | (a) nothing pending | (b) after 1 unseen commit | (c) no history cache | peak RSS (c) | (d) no watcher |"
    );
    println!("|---|---|---|---|---|---|");
    let derived = root.join(".git/docket");
    let forget_history = || {
        let _ = std::fs::remove_dir_all(derived.join("history"));
        let _ = std::fs::remove_file(derived.join("metrics.json"));
    };
    // (a) and (b) start from caches that have seen the tracker (built here once, as the first
    // `report metrics` builds them); each command's (c) removes them, and they are put back
    // after it, a few commits behind (the next command's warm-up brings them forward).
    let saved = root.with_extension("caches");
    let _ = std::fs::remove_dir_all(&saved);
    std::fs::create_dir_all(saved.join("history")).unwrap();
    support::index(&root, docket);
    // Metrics kept from an earlier run at this commit would answer without the history cache,
    // which that run's end (a reset) left off `HEAD`'s line: built afresh, both.
    forget_history();
    support::time_once(&root, docket, &["report", "metrics"]);
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let _ = std::fs::remove_dir_all(to);
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    };
    copy(&derived.join("history"), &saved.join("history"));
    std::fs::copy(derived.join("metrics.json"), saved.join("metrics.json")).unwrap();
    let restore_history = || {
        copy(&saved.join("history"), &derived.join("history"));
        std::fs::copy(saved.join("metrics.json"), derived.join("metrics.json")).unwrap();
    };
    let mut commits = 0;
    let mut commit_one = || {
        commits += 1;
        let id = support::id_of((7919 * commits) % records);
        let path = format!("issues/{}/{id}.toml", &id[..2]);
        let text = std::fs::read_to_string(root.join(&path)).unwrap();
        std::fs::write(root.join(&path), text.replacen("title = \"", "title = \"Moved: ", 1)).unwrap();
        support::git(&root, &["add", &path]);
        support::git(&root, &["-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "--no-verify", "-m", "one"]);
    };
    let commands = [
        ("`docket show ID`", vec!["show", id.as_str()]),
        (
            "`docket list --stage development --assignee lyle`",
            vec!["list", "--stage", "development", "--assignee", "lyle"],
        ),
        ("`docket next --limit 10`", vec!["next", "--limit", "10"]),
        ("`docket next --assignee lyle`", vec!["next", "--assignee", "lyle"]),
        ("`docket plan` (the current milestone)", vec!["plan"]),
        ("`docket log ID`", vec!["log", id.as_str()]),
        ("`docket report metrics`", vec!["report", "metrics"]),
    ];
    support::index(&root, docket);
    let unwatched: Vec<f64> = commands.iter().map(|(_, args)| support::measure(&root, docket, args, 1).0).collect();
    let mut watcher = support::watcher(&root, docket);
    for ((what, args), unwatched) in commands.iter().zip(unwatched) {
        support::index(&root, docket);
        let warm = support::measure(&root, docket, args, 5).0;
        let unseen = support::median(
            (0..3)
                .map(|_| {
                    commit_one();
                    support::time_once(&root, docket, args)
                })
                .collect(),
        );
        let cold = support::median(
            (0..2)
                .map(|_| {
                    forget_history();
                    support::time_once(&root, docket, args)
                })
                .collect(),
        );
        forget_history();
        let peak = support::peak_mib(&root, docket, args);
        restore_history();
        println!("| {what} | {warm:.1} ms | {unseen:.1} ms | {cold:.1} ms | {peak:.0} MiB | {unwatched:.1} ms |");
    }
    let _ = watcher.kill();
    let _ = watcher.wait();
    let _ = std::fs::remove_dir_all(&saved);
    support::git(&root, &["reset", "-q", "--hard", &start]);
}
