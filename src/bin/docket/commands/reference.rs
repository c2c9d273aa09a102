//! `docket reference` (hidden): the command reference as Markdown, generated from the clap
//! definitions so that the book cannot drift from the CLI (a test compares the two).

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::ui::Ui;

pub fn cmd_reference(ui: &Ui) -> ExitCode {
    ui.out(&reference());
    ExitCode::SUCCESS
}

fn reference() -> String {
    let mut command = Cli::command();
    command.build();
    let mut text = String::from(
        "# Command reference\n\n<!-- Generated from the CLI by `docket reference`; a test keeps it in step. Do not edit by hand. -->\n\n",
    );
    let _ = writeln!(text, "{}\n", command.get_about().map(ToString::to_string).unwrap_or_default());
    let _ = writeln!(text, "Global options, accepted by every command:\n");
    for arg in command.get_arguments().filter(|a| a.is_global_set()) {
        let _ = writeln!(text, "{}", argument(arg));
    }
    text.push('\n');
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        section(&mut text, sub, &format!("docket {}", sub.get_name()));
    }
    text
}

/// One command's section, then its visible subcommands' (`docket hook install`).
fn section(text: &mut String, command: &clap::Command, full_name: &str) {
    let _ = writeln!(text, "## `{full_name}`\n");
    let about = command.get_long_about().or_else(|| command.get_about()).map(ToString::to_string).unwrap_or_default();
    let _ = writeln!(text, "{about}\n");
    let usage = command.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ");
    let _ = writeln!(text, "```text\n{usage}\n```\n");
    let arguments: Vec<String> = command
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set() && !matches!(a.get_id().as_str(), "help" | "version"))
        .map(argument)
        .collect();
    if !arguments.is_empty() {
        let _ = writeln!(text, "{}\n", arguments.join("\n"));
    }
    if let Some(after) = command.get_after_help() {
        let _ = writeln!(text, "```text\n{after}\n```\n");
    }
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        section(text, sub, &format!("{full_name} {}", sub.get_name()));
    }
}

fn argument(arg: &clap::Arg) -> String {
    let value_name = || {
        arg.get_value_names()
            .and_then(|v| v.first())
            .map_or_else(|| arg.get_id().to_string().to_uppercase(), ToString::to_string)
    };
    let name = match (arg.get_short(), arg.get_long()) {
        (Some(short), Some(long)) => format!("`-{short}`, `--{long}`"),
        (None, Some(long)) => format!("`--{long}`"),
        (Some(short), None) => format!("`-{short}`"),
        (None, None) => format!("`<{}>`", value_name()),
    };
    let named = arg.get_short().is_some() || arg.get_long().is_some();
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values()) && named;
    let value = if takes_value { format!(" `{}`", value_name()) } else { String::new() };
    let mut line = format!("- {name}{value}: {}", arg.get_help().map(ToString::to_string).unwrap_or_default());
    if let Some(aliases) = arg.get_visible_aliases() {
        let aliases: Vec<String> = aliases.iter().map(|a| format!("`--{a}`")).collect();
        let _ = write!(line, " (also {})", aliases.join(", "));
    }
    let possible: Vec<String> =
        arg.get_possible_values().iter().filter(|v| !v.is_hide_set()).map(|v| format!("`{}`", v.get_name())).collect();
    if !possible.is_empty() {
        let _ = write!(line, " (one of {})", possible.join(", "));
    }
    let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if !defaults.is_empty() && takes_value {
        let _ = write!(line, " [default: {}]", defaults.join(", "));
    }
    line
}
