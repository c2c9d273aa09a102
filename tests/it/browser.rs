//! The board's page in a real browser: Debian's Chromium driven by Playwright
//! (`tests/browser/board.mjs`, with `playwright-core` from npm) against a real `docket serve`
//! on a copy of the ops example. It drags cards to legal and illegal columns, moves one with
//! the keyboard, edits a file on disk and waits for the card to move by itself, and comments
//! from the record's panel, checking the files on disk each time. With `DOCKET_BLESS=1` its
//! screenshots replace the book's (`book/src/images/board-*.png`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::serve::Board;
use crate::support::Sandbox;

/// The folder of the browser test, its `node_modules` installed from the lock file when
/// missing (CI starts without them).
fn browser_folder() -> PathBuf {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !folder.join("node_modules/playwright-core").is_dir() {
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&folder)
            .status()
            .unwrap_or_else(|e| {
                panic!("npm cannot run ({e}): install Node.js and npm (`apt-get install -y nodejs npm`; .ci/run does)")
            });
        assert!(installed.success(), "`npm ci` in {} failed", folder.display());
    }
    folder
}

fn chromium() -> PathBuf {
    let chromium = std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        chromium.is_file(),
        "no browser at {}: install Debian's chromium (`apt-get install -y chromium`; .ci/run does) or set CHROMIUM",
        chromium.display()
    );
    chromium
}

#[test]
fn the_board_works_in_a_real_browser_with_mouse_keyboard_and_edits_on_disk() {
    let folder = browser_folder();
    let chromium = chromium();
    let sandbox = Sandbox::example("ops");
    sandbox.docket(&["setup"]).ok();
    let board = Board::start(&sandbox, &[]);
    let screenshots = if std::env::var_os("DOCKET_BLESS").is_some() {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/images")
    } else {
        sandbox.outside("screenshots")
    };
    let run = Command::new("node")
        .arg(folder.join("board.mjs"))
        .env("DOCKET_BOARD_URL", &board.url)
        .env("DOCKET_TRACKER", sandbox.root())
        .env("DOCKET_SCREENSHOTS", &screenshots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs");
    let out = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert!(run.status.success(), "the browser test failed:\n{out}");
    // What the board wrote is what the hook accepts.
    let status = sandbox.git(&["status", "--porcelain"]);
    assert!(!status.trim().is_empty(), "the browser test changed no file");
    sandbox.git(&["add", "-A"]);
    let commit = sandbox.git_with(&["commit", "-m", "Board changes"], &[]);
    assert_eq!(commit.code, 0, "the hook refused what the board wrote:\n{}", commit.both());
}
