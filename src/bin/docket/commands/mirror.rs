//! `docket mirror push|pull|sync|status|login`: the library's mirror engine
//! ([`docket::mirror::run`]) with a service (GitLab, Launchpad) built from `docket.toml` and the
//! credentials; this file reports what it did. `login launchpad` walks OAuth's token exchange
//! and keeps the token in the credentials file.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::mirror::gitlab::{self, Gitlab};
use docket::mirror::http::Retry;
use docket::mirror::launchpad::{self, Launchpad};
use docket::mirror::{self, Direction, MirrorError, Options, Prefer, Report, Service};
use serde_json::{Value, json};

use super::Env;
use crate::cli::{MirrorAction, MirrorArgs, MirrorLoginArgs, MirrorRunArgs, MirrorStatusArgs, PreferArg, ServiceArg};
use crate::error::{CliError, EXIT_VIOLATIONS};
use crate::render;
use crate::ui::{Style, Ui};

pub fn cmd_mirror(ui: &Ui, env: &Env, args: &MirrorArgs) -> Result<ExitCode, CliError> {
    match &args.action {
        MirrorAction::Push(run) => cmd_run(ui, env, run, Direction::Push),
        MirrorAction::Pull(run) => cmd_run(ui, env, run, Direction::Pull),
        MirrorAction::Sync(run) => cmd_run(ui, env, run, Direction::Sync),
        MirrorAction::Status(status) => cmd_status(ui, env, status),
        MirrorAction::Login(login) => cmd_login(ui, env, login),
    }
}

fn retry(env: &Env) -> Retry {
    Retry { backoff: env.context.mirror_backoff(), timeout: env.context.mirror_timeout(), ..Retry::default() }
}

/// The service `which` names, from `docket.toml` and the credentials, with the address shown
/// while it works and its name in messages.
fn service(
    env: &Env,
    tracker: &docket::tracker::Tracker,
    which: ServiceArg,
) -> Result<(Box<dyn Service>, String, &'static str), CliError> {
    Ok(match which {
        ServiceArg::Gitlab => {
            let settings = gitlab::Settings::of(tracker).map_err(mirror_error)?;
            let token = mirror::credential("GitLab", "gitlab", "GITLAB_TOKEN", "token").map_err(mirror_error)?;
            (Box::new(Gitlab::new(tracker, &settings, &token, retry(env))), settings.url, "GitLab")
        }
        ServiceArg::Launchpad => {
            let settings = launchpad::Settings::of(tracker).map_err(mirror_error)?;
            let token = launchpad::token().map_err(mirror_error)?;
            (Box::new(Launchpad::new(&settings, &token, retry(env))), settings.url, "Launchpad")
        }
    })
}

fn cmd_run(ui: &Ui, env: &Env, args: &MirrorRunArgs, direction: Direction) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let (mut service, url, shown) = service(env, &tracker, args.service)?;
    let ids =
        args.ids.iter().map(|prefix| tracker.resolve(prefix).map(|file| file.id)).collect::<Result<Vec<_>, _>>()?;
    let options = Options {
        direction,
        dry_run: args.dry_run,
        ids,
        prefer: args.prefer.map(|p| match p {
            PreferArg::Local => Prefer::Local,
            PreferArg::Remote => Prefer::Remote,
        }),
        now: env.context.commit_time(),
    };
    let mut context = env.context.clone();
    let mut new_id = || tracker.new_id(&mut context);
    let progress = ui.progress(&format!("mirroring to {url}"));
    let result =
        mirror::run(&tracker, service.as_mut(), &options, &mut new_id, &|done, total| progress.set(done, total));
    progress.finish();
    let report = result.map_err(mirror_error)?;
    if args.json {
        ui.json(&report_json(&report));
    } else {
        ui.out(&render_report(&report, ui.out_style()));
        for (id, problems) in &report.refused {
            ui.err(&render::diagnostics(problems, ui.err_style()));
            ui.err(&format!(
                "{} {id} was not changed: the workflow refuses the change pulled from {shown}\n",
                ui.err_style().error("error:")
            ));
        }
    }
    Ok(if report.needs_attention() { ExitCode::from(EXIT_VIOLATIONS) } else { ExitCode::SUCCESS })
}

fn cmd_status(ui: &Ui, env: &Env, args: &MirrorStatusArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let configured = |name: &str| tracker.config().table.get("mirror").and_then(|m| m.get(name)).is_some();
    let services: Vec<&str> = match args.service {
        Some(ServiceArg::Gitlab) => vec!["gitlab"],
        Some(ServiceArg::Launchpad) => vec!["launchpad"],
        None => ["gitlab", "launchpad"].into_iter().filter(|name| configured(name)).collect(),
    };
    let statuses = services.iter().map(|name| mirror::status(&tracker, name)).collect::<Result<Vec<_>, _>>();
    let statuses = statuses.map_err(mirror_error)?;
    if args.json {
        ui.json(&serde_json::to_value(&statuses).unwrap_or(Value::Null));
        return Ok(ExitCode::SUCCESS);
    }
    if statuses.is_empty() {
        ui.out("no mirror is configured: add [mirror.gitlab] or [mirror.launchpad] to docket.toml (see the book, \"Mirroring to GitLab\" and \"Mirroring MIR bugs to Launchpad\")\n");
    }
    for status in statuses {
        let mut text = String::new();
        match &status.synced_at {
            None => {
                let _ = writeln!(text, "{}: never synced", status.service);
            }
            Some(synced_at) => {
                let linked: Vec<String> = status
                    .linked
                    .iter()
                    .map(|(kind, n)| {
                        let kind = if kind == "mir" { "MIR bug" } else { kind.as_str() };
                        format!("{n} {kind}{}", if *n == 1 { "" } else { "s" })
                    })
                    .collect();
                let _ = writeln!(text, "{}: last synced {synced_at}", status.service);
                let _ = writeln!(
                    text,
                    "  linked: {}",
                    if linked.is_empty() { "none".to_owned() } else { linked.join(", ") }
                );
                for (kind, since) in &status.remote_since {
                    let _ = writeln!(text, "  latest {kind} change seen on {}: {since}", status.service);
                }
            }
        }
        if !status.pending.is_empty() {
            let _ =
                writeln!(text, "  undecided (conflicts, refusals, uncommitted files): {}", status.pending.join(", "));
        }
        if status.interrupted {
            let _ = writeln!(
                text,
                "  the last run was interrupted; the next `docket mirror push {}` finishes it without duplicates",
                status.service
            );
        }
        let _ = writeln!(text, "  base: {} (share it with `git push origin {}`)", status.reference, status.reference);
        ui.out(&text);
    }
    Ok(ExitCode::SUCCESS)
}

fn cmd_login(ui: &Ui, env: &Env, args: &MirrorLoginArgs) -> Result<ExitCode, CliError> {
    if args.service == ServiceArg::Gitlab {
        return Err(CliError::usage(
            "GitLab has no token exchange for docket to walk",
            "make a personal access token with the `api` scope (GitLab: Preferences → Access tokens) and put it in GITLAB_TOKEN or under [gitlab] token in ~/.config/docket/credentials.toml",
        ));
    }
    let tracker = env.tracker()?;
    let settings = launchpad::Settings::of(&tracker).map_err(mirror_error)?;
    let poll = env.context.mirror_backoff().saturating_mul(4);
    let authorize = |url: &str| {
        ui.err(&format!(
            "Open this address, log in to Launchpad and choose \"Change Anything\" to let docket write bugs:\n  {url}\nwaiting for the authorization…\n"
        ));
    };
    let steps = launchpad::LoginSteps { authorize: &authorize, poll, timeout: env.context.mirror_login_wait() };
    let token = launchpad::login(&settings, retry(env), &steps).map_err(mirror_error)?;
    let file = mirror::store_credentials("launchpad", &[("token", &token.token), ("token_secret", &token.secret)])
        .map_err(mirror_error)?;
    ui.out(&format!(
        "authorized: the token is in {} (readable by you only); `docket mirror push launchpad` uses it\n",
        file.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn mirror_error(error: MirrorError) -> CliError {
    match error {
        MirrorError::Tracker(error) => CliError::Tracker(error),
        MirrorError::Store(error) => CliError::from(error),
        // git or the files failing under one record: reported as themselves.
        MirrorError::Record { error, .. } if matches!(*error, MirrorError::Tracker(_) | MirrorError::Store(_)) => {
            mirror_error(*error)
        }
        other => CliError::Usage { hint: other.hint(), message: other.to_string() },
    }
}

fn report_json(report: &Report) -> Value {
    let mut value = serde_json::to_value(report).unwrap_or(Value::Null);
    let refused: Vec<Value> = report
        .refused
        .iter()
        .map(|(id, problems)| {
            let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
            json!({ "id": id, "messages": messages })
        })
        .collect();
    value["refused"] = json!(refused);
    value
}

/// Each field a dry run would write, as a diff, under its record and side.
fn render_diffs(report: &Report, style: Style, text: &mut String) {
    let service = &report.service;
    let mut last: Option<(&str, &str)> = None;
    for change in &report.changes {
        if last != Some((change.id.as_str(), change.side)) {
            let arrow = if change.side == "remote" { format!("→ {service}") } else { format!("← {service}") };
            let _ = writeln!(text, "{} {arrow}", style.id(&change.id));
            last = Some((change.id.as_str(), change.side));
        }
        let (before, after) = (shown(&change.before), shown(&change.after));
        if before.contains('\n') || after.contains('\n') {
            let _ = writeln!(text, "  {}:", change.field);
            let before = if change.before.is_null() { String::new() } else { format!("{before}\n") };
            for line in render::diff(&before, &format!("{after}\n"), style).lines() {
                let _ = writeln!(text, "    {line}");
            }
        } else if change.before.is_null() {
            let _ = writeln!(text, "  {}: {}", change.field, style.added(&after));
        } else {
            let _ = writeln!(text, "  {}: {} → {}", change.field, style.removed(&before), style.added(&after));
        }
    }
}

/// A value as people read it: text as it is, others as JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn render_report(report: &Report, style: Style) -> String {
    let service = &report.service;
    let mut text = String::new();
    if report.dry_run {
        render_diffs(report, style, &mut text);
    } else {
        // One line per record and side: the fields written.
        let mut last: Option<(&str, &str)> = None;
        for change in &report.changes {
            if last == Some((change.id.as_str(), change.side)) {
                let created = if change.side == "remote" { &report.created_remote } else { &report.created_local };
                if !created.contains(&change.id) {
                    let _ = write!(text, ", {}", change.field);
                }
                continue;
            }
            if last.is_some() {
                text.push('\n');
            }
            let created = if change.side == "remote" { &report.created_remote } else { &report.created_local };
            let arrow = if change.side == "remote" { "→" } else { "←" };
            if created.contains(&change.id) {
                let _ = write!(text, "{} {arrow} {service}: created", style.id(&change.id));
            } else {
                let _ = write!(text, "{} {arrow} {service}: updated {}", style.id(&change.id), change.field);
            }
            last = Some((change.id.as_str(), change.side));
        }
        if last.is_some() {
            text.push('\n');
        }
    }
    for conflict in &report.conflicts {
        let _ = writeln!(
            text,
            "{} {} {}: changed on both sides since the last sync (was {}; here {}; on {service} {})",
            style.error("conflict:"),
            style.id(&conflict.id),
            conflict.field,
            shown(&conflict.base),
            shown(&conflict.local),
            shown(&conflict.remote)
        );
    }
    if !report.conflicts.is_empty() {
        let _ = writeln!(
            text,
            "{} neither side was changed for these fields; make them agree, or run again with --prefer local|remote",
            style.hint("hint:")
        );
    }
    for skipped in &report.skipped {
        let _ = writeln!(text, "{} {}: {}", style.warning("skipped:"), style.id(&skipped.id), skipped.reason);
    }
    let verb = if report.dry_run { "would be" } else { "" };
    let _ = writeln!(
        text,
        "{service}{}: {} created there, {} updated there, {} created here, {} updated here, {} unchanged, {} conflicts, {} skipped; {} comments pushed, {} pulled ({} requests, {} writes){}",
        if verb.is_empty() { String::new() } else { format!(" (dry run, {verb})") },
        report.created_remote.len(),
        report.updated_remote.len(),
        report.created_local.len(),
        report.updated_local.len(),
        report.unchanged,
        report.conflicts.len(),
        report.skipped.len() + report.refused.len(),
        report.comments_pushed,
        report.comments_pulled,
        report.requests,
        report.writes,
        if report.commit.is_some() {
            "\nthe changes here are in one new commit: `git show --stat HEAD` lists them"
        } else {
            ""
        },
    );
    text
}
