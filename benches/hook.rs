//! The pre-commit hook at scale: `docket check --staged` on a generated tracker of 100k
//! records with one and with twenty changed files, beside `git diff --cached --name-only` on
//! the same repository, measured in the same run. Run with `cargo bench --bench hook`
//! (`DOCKET_BENCH_RECORDS` changes the size).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

mod support;

fn main() {
    let (records, root) = support::sized_tracker();
    let docket = env!("CARGO_BIN_EXE_docket");
    println!("\n## pre-commit at {records} records\n");
    support::header();
    for changed in [1usize, 20] {
        support::git(&root, &["reset", "-q", "--hard"]);
        for n in 0..changed {
            let id = support::id_of(n * 997 % records);
            let path = format!("issues/{}/{id}.toml", &id[..2]);
            let text = std::fs::read_to_string(root.join(&path)).unwrap();
            std::fs::write(root.join(&path), text.replacen("title = \"", "title = \"Edited: ", 1)).unwrap();
            support::git(&root, &["add", &path]);
        }
        let floor = support::measure(&root, "git", &["diff", "--cached", "--name-only"], 15);
        let hook = support::measure(&root, docket, &["check", "--staged"], 15);
        support::row(
            &format!("`docket check --staged`, {changed} changed"),
            hook,
            "`git diff --cached --name-only`",
            floor,
        );
    }
    support::git(&root, &["reset", "-q", "--hard"]);
}
