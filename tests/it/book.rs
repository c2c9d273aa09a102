//! The book cannot drift from the CLI: its command reference is what `docket reference`
//! prints. Run with `DOCKET_BLESS=1` to rewrite the page after changing the CLI.

use std::path::Path;

#[test]
fn the_command_reference_is_up_to_date() {
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_docket")).arg("reference").output().expect("docket runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("utf-8");
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/reference/cli.md");
    if std::env::var_os("DOCKET_BLESS").is_some() {
        std::fs::create_dir_all(page.parent().expect("folder")).expect("folder");
        std::fs::write(&page, &generated).expect("write");
    }
    let current = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        current == generated,
        "book/src/reference/cli.md is out of date: run `DOCKET_BLESS=1 cargo test --test it book`"
    );
}

#[test]
fn every_page_in_the_summary_exists() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).expect("SUMMARY.md");
    let mut pages = 0;
    for link in summary.split("](").skip(1) {
        let target = link.split(')').next().expect("link target");
        assert!(src.join(target).is_file(), "SUMMARY.md links to a missing page: {target}");
        pages += 1;
    }
    assert!(pages >= 5, "the book has too few pages");
}
