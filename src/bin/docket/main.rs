//! The `docket` command line: parses arguments, runs one command, renders its result and
//! maps failures to the exit codes of PRODUCT.md §6 (0 ok, 1 violations, 2 usage or input
//! error, 101 internal error).

mod cli;
mod commands;
mod editor;
mod error;
mod render;
mod ui;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a rebuild of the index allocates millions of small strings on four threads, and
/// glibc's allocator spent a tenth of its time on them. Built without transparent huge pages
/// (`no_thp`): zeroing 2 MiB pages that are soon given back cost another tenth. Measured in
/// `book/src/performance.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: docket hit an internal error (a bug in docket, not in your files): {info}");
        eprintln!("hint: your files were not changed by the failed step; please report this with the command you ran");
    }));
    let cli = cli::Cli::parse();
    let ui = ui::Ui::new(cli.color);
    match commands::run(&cli, &ui) {
        Ok(code) => code,
        Err(error) => {
            ui.err(&error.render(ui.err_style()));
            error.exit_code()
        }
    }
}
