//! `docket hook install` puts docket's hooks in place; `docket hook run` is what they call.

use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};

use docket::check;
use docket::hooks;
use docket::store::Repo;

use super::Env;
use super::check::finish;
use crate::cli::{HookAction, HookArgs, HookInstallArgs, HookRunArgs};
use crate::error::CliError;
use crate::ui::Ui;

pub fn cmd_hook(ui: &Ui, env: &Env, args: &HookArgs) -> Result<ExitCode, CliError> {
    match &args.action {
        HookAction::Install(install) => cmd_install(ui, env, install),
        HookAction::Run(run) => cmd_run(ui, env, run),
    }
}

fn cmd_install(ui: &Ui, env: &Env, args: &HookInstallArgs) -> Result<ExitCode, CliError> {
    let (repo, root) = if args.server {
        let repo = Repo::discover_any(&env.start)?;
        (repo, normalise_root(args.root.as_deref().unwrap_or("")))
    } else {
        let (repo, root) = docket::tracker::Tracker::locate(&env.start)?;
        let prefix = docket::tracker::Tracker::prefix_of(&repo, &root);
        (repo, prefix)
    };
    let docket = std::env::current_exe()
        .map_err(|source| CliError::Io { message: "cannot tell where the docket program is".into(), source })?;
    let installed = hooks::install(&repo, args.server, &docket, &root).map_err(|error| match error {
        hooks::HookError::Write { path, source } => {
            CliError::Io { message: format!("cannot write {}", path.display()), source }
        }
        hooks::HookError::Store(error) => CliError::from(error),
    })?;
    for hook in &installed {
        let verb = if hook.refreshed { "refreshed" } else { "installed" };
        ui.err(&format!("{verb} {}\n", hook.path.display()));
        if let Some(chained) = &hook.chained {
            ui.err(&format!("  the hook that was there runs after docket's check, from {}\n", chained.display()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn normalise_root(root: &str) -> String {
    let root = root.trim_matches('/');
    if root.is_empty() { String::new() } else { format!("{root}/") }
}

fn cmd_run(ui: &Ui, env: &Env, args: &HookRunArgs) -> Result<ExitCode, CliError> {
    let prefix = normalise_root(&args.root);
    let repo = Repo::discover_any(&env.start)?;
    let mut input = String::new();
    if args.name == "pre-push" || args.name == "pre-receive" {
        std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|source| CliError::Io { message: "cannot read what git passed the hook".into(), source })?;
    }
    let (report, what) = match args.name.as_str() {
        "pre-commit" | "pre-merge-commit" => {
            (check::check_staged(&repo, &prefix, env.context.commit_time())?, "commit")
        }
        "pre-push" | "pre-receive" => {
            // Each new commit, and what each ref update does: a protected branch is not
            // rewound or deleted, and no record ends where no series of moves leads.
            let pre_push = args.name == "pre-push";
            let updates = hooks::ref_updates(&input, pre_push);
            let mut report = check::check_commits(&repo, &prefix, &hooks::pushed_commits(&repo, &updates, pre_push)?)?;
            report.absorb(check::check_updates(&repo, &prefix, &updates, env.context.commit_time())?);
            (report, "push")
        }
        other => {
            return Err(CliError::usage(
                format!("docket has no `{other}` hook"),
                "reinstall with `docket hook install`",
            ));
        }
    };
    let code = finish(ui, &report, false, Some(what));
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    run_chained(ui, &repo, &args.name, &args.args, &input)
}

/// Runs the hooks that were there before docket's, with git's arguments and input; the first
/// to fail decides the exit status.
fn run_chained(ui: &Ui, repo: &Repo, name: &str, args: &[String], input: &str) -> Result<ExitCode, CliError> {
    for (chained, executable) in hooks::chained(repo, name) {
        if !executable {
            // As git says of a hook it ignores.
            ui.err(&format!(
                "hint: the hook {} was ignored because it is not set as executable (as git did before docket's hook was installed)\nhint: `chmod +x` it to run it, or delete it\n",
                chained.display()
            ));
            continue;
        }
        let mut child = Command::new(&chained).args(args).stdin(Stdio::piped()).spawn().map_err(|source| {
            CliError::Io { message: format!("cannot run the chained hook {}", chained.display()), source }
        })?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        let status = child.wait().map_err(|source| CliError::Io {
            message: format!("the chained hook {} failed", chained.display()),
            source,
        })?;
        if !status.success() {
            return Ok(ExitCode::from(u8::try_from(status.code().unwrap_or(1)).unwrap_or(1)));
        }
    }
    Ok(ExitCode::SUCCESS)
}
