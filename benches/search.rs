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
    // Two floors: parsing with `toml`, and parsing as docket does (its own reader of the TOML
    // subset records are written in, which is faster).
    let (mut floor, mut quick, mut rebuild) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        floor.push(support::read_and_parse(&root, support::Parser::Toml));
        quick.push(support::read_and_parse(&root, support::Parser::Docket));
        rebuild.push(support::time_once(&root, docket, &["index", "--rebuild"]));
    }
    let rebuild = (support::median(rebuild), support::peak_mib(&root, docket, &["index", "--rebuild"]));
    let floor = (support::median(floor), f64::NAN);
    let quick = (support::median(quick), f64::NAN);
    support::row("`docket index --rebuild`", rebuild, "list, read + parse every file with `toml` (2 threads)", floor);
    support::row(
        "`docket index --rebuild`",
        rebuild,
        "list, read + parse every file as docket does (2 threads)",
        quick,
    );

    // One file edited the way editors save (a new file renamed over the old one), a different
    // one before each run; `kumquat` is in no other record.
    let edit = |n: usize| {
        let id = support::id_of((12_345 + 7_919 * n) % records);
        let path = root.join(format!("issues/{}/{id}.toml", &id[..2]));
        let text = std::fs::read_to_string(&path).unwrap().replacen("title = \"", "title = \"Kumquat ", 1);
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, text).unwrap();
        std::fs::rename(&temporary, &path).unwrap();
        (id, path)
    };
    let rg = support::measure(&root, "rg", &["-l", "kumquat", "issues"], 5);
    // The first search after an edit that has settled (saved more than two seconds before, as
    // for a person who then turns to search; the times are set back rather than waited out):
    // it reads the file's folder anew. Each run starts from an index with no edit pending.
    let mut settled = Vec::new();
    for n in 0..7 {
        let (_, path) = edit(n);
        let ten_seconds_ago =
            format!("@{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 10);
        let touched = std::process::Command::new("touch")
            .args(["-d", &ten_seconds_ago])
            .arg(&path)
            .arg(path.parent().unwrap())
            .status()
            .unwrap();
        assert!(touched.success());
        settled.push(support::time_once(&root, docket, &["search", "kumquat"]));
        support::index(&root, docket);
    }
    let settled = (support::median(settled), f64::NAN);
    support::row("`docket search kumquat`, first after 1 settled edit", settled, "`rg -l kumquat issues`", rg);
    // One file saved again and again, a search right after each save: the edit is read from
    // the file each time (its folder's time has not settled), indexed in memory.
    let mut fresh = Vec::new();
    let mut last = String::new();
    for _ in 0..7 {
        let (id, _) = edit(7);
        fresh.push(support::time_once(&root, docket, &["search", "kumquat"]));
        last = id;
    }
    let fresh = (support::median(fresh), support::peak_mib(&root, docket, &["search", "kumquat"]));
    support::row("`docket search kumquat`, just after saving 1 file", fresh, "`rg -l kumquat issues`", rg);
    // The same with `docket watch` running: it vouches for the index (it has folded every
    // change it was told of), so a search compares only the folders and the tree, not every
    // file's stamp. The edit is made in place (the folder's time does not move), which only
    // the stamps or the watcher can see.
    let mut watcher = support::watcher(&root, docket);
    // Nothing pending: the watcher answers the cookie with no paths.
    let idle = support::measure(&root, docket, &["search", "kumquat"], 15);
    support::row(
        "`docket search kumquat`, `docket watch` running, nothing pending",
        idle,
        "`rg -l kumquat issues`",
        rg,
    );
    let mut vouched = Vec::new();
    for n in 20..27 {
        let id = support::id_of((12_345 + 7_919 * n) % records);
        let path = root.join(format!("issues/{}/{id}.toml", &id[..2]));
        let text = std::fs::read_to_string(&path).unwrap().replacen("title = \"", "title = \"Kumquat ", 1);
        std::fs::write(&path, text).unwrap();
        vouched.push(support::time_once(&root, docket, &["search", "kumquat"]));
    }
    let vouched = (support::median(vouched), f64::NAN);
    support::row(
        "`docket search kumquat`, `docket watch` running, just after 1 in-place edit",
        vouched,
        "`rg -l kumquat issues`",
        rg,
    );
    let _ = watcher.kill();
    let _ = watcher.wait();
    let filtered = support::measure(&root, docket, &["search", "macro stage:development weight:>=3"], 15);
    support::row("`docket search 'macro stage:development weight:>=3'`", filtered, "`rg -l kumquat issues`", rg);
    let output =
        std::process::Command::new(docket).args(["search", "--json", "kumquat"]).current_dir(&root).output().unwrap();
    let found = String::from_utf8_lossy(&output.stdout);
    assert!(found.contains(&last), "the edited record is found: {found}");
    assert_eq!(found.matches("\"id\"").count(), 15, "every edited record is found: {found}");
    support::git(&root, &["checkout", "-q", "--", "."]);
}
