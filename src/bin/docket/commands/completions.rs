//! `docket completions`: a completion script for bash, zsh, fish, elvish or PowerShell.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::ui::Ui;

pub fn cmd_completions(ui: &Ui, args: &CompletionsArgs) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "docket", &mut script);
    ui.out(&String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}
