//! Search at scale, beside its floors, in one run: a fresh `docket search` process after one
//! edited file against `rg -l WORD` over the same record folders, and the full index rebuild
//! against reading and parsing every file. Run with `cargo bench --bench search`
//! (`DOCKET_BENCH_RECORDS` changes the size; `rg` must be installed).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

mod support;

fn main() {
    let (records, root) = support::sized_tracker();
    let docket = env!("CARGO_BIN_EXE_docket");
    support::git(&root, &["reset", "-q", "--hard"]);
    println!("\n## search at {records} records\n");
    support::header();

    // The rebuild against reading and parsing every file (the floor), both warm, taken in
    // turns so that both see the same machine (a shared one drifts by 1.5× within minutes):
    // the median of five of each.
    support::time_once(&root, docket, &["index", "--rebuild"]);
    let (mut floor, mut rebuild) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        floor.push(support::read_and_parse(&root));
        rebuild.push(support::time_once(&root, docket, &["index", "--rebuild"]));
    }
    let rebuild = (support::median(rebuild), support::peak_mib(&root, docket, &["index", "--rebuild"]));
    let floor = (support::median(floor), f64::NAN);
    support::row("`docket index --rebuild`", rebuild, "read + parse every file (2 threads)", floor);

    // One file edited the way editors save (a new file renamed over the old one).
    let id = support::id_of(12_345 % records);
    let path = root.join(format!("issues/{}/{id}.toml", &id[..2]));
    let text = std::fs::read_to_string(&path).unwrap().replacen("title = \"", "title = \"Kumquat ", 1);
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, &path).unwrap();
    // Let the folder's time settle past the index's racy window, as for a person typing.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let rg = support::measure(&root, "rg", &["-l", "kumquat", "issues"], 5);
    let search = support::measure(&root, docket, &["search", "kumquat"], 15);
    support::row("`docket search kumquat`, 1 file edited", search, "`rg -l kumquat issues`", rg);
    let filtered = support::measure(&root, docket, &["search", "macro stage:development weight:>=3"], 15);
    support::row("`docket search 'macro stage:development weight:>=3'`", filtered, "`rg -l kumquat issues`", rg);
    let output =
        std::process::Command::new(docket).args(["search", "--json", "kumquat"]).current_dir(&root).output().unwrap();
    let found = String::from_utf8_lossy(&output.stdout);
    assert!(found.contains(&id), "the edited record is found: {found}");
    support::git(&root, &["checkout", "-q", "--", "."]);
}
