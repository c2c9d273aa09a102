//! `docket serve`: the web board ([`docket::serve`]). Prints the board's address with its
//! token, opens it in the browser when asked, and warns when the board is reachable from other
//! machines.

use std::process::ExitCode;
use std::time::Duration;

use docket::serve::{Options, ServeError, Server};

use super::Env;
use crate::cli::ServeArgs;
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_serve(ui: &Ui, env: &Env, args: &ServeArgs) -> Result<ExitCode, CliError> {
    let options = Options { bind: args.bind, port: args.port, settle: Duration::from_millis(50) };
    let server = Server::bind(&env.start, &env.context, &options).map_err(serve_error)?;
    if !args.bind.is_loopback() {
        ui.err(&format!(
            "{} the board listens on {}: other machines can reach it, and only its token guards it; use the default (127.0.0.1) unless you mean it\n",
            ui.err_style().warning("warning:"),
            server.address()
        ));
    }
    ui.out(&format!("board: {}\n", server.url()));
    ui.err("the board never commits: commit its changes with git, as always (Ctrl-C to stop)\n");
    if args.open {
        open_browser(ui, &server.url());
    }
    server.run().map_err(serve_error)?;
    Ok(ExitCode::SUCCESS)
}

fn serve_error(error: ServeError) -> CliError {
    match error {
        ServeError::Tracker(error) => error.into(),
        ServeError::Index(error) => super::search::index_error(&error),
        ServeError::Live(error) => super::watch::live_error(error),
        ServeError::Bind { address, source } => CliError::Usage {
            message: format!("cannot listen on {address}: {source}"),
            hint: Some(match source.kind() {
                std::io::ErrorKind::AddrInUse => {
                    "another program uses that port: pick another with --port N (0 picks a free one)".to_owned()
                }
                _ => "check the address given to --bind".to_owned(),
            }),
        },
        ServeError::Runtime(source) => CliError::Io { message: "the board's server failed".to_owned(), source },
    }
}

/// Opens `url` with the desktop's opener (`$BROWSER`, else `xdg-open`, else `open`).
fn open_browser(ui: &Ui, url: &str) {
    use std::process::{Command, Stdio};
    let openers: Vec<String> = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .into_iter()
        .chain(["xdg-open".to_owned(), "open".to_owned()])
        .collect();
    for opener in &openers {
        let started =
            Command::new(opener).arg(url).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
        if started.is_ok() {
            return;
        }
    }
    ui.err("note: no browser could be started (set $BROWSER); open the address above yourself\n");
}
