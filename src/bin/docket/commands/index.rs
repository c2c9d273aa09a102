//! `docket index`: the search index's status, or a rebuild.

use std::process::ExitCode;

use docket::index::{Scope, SearchIndex};

use super::Env;
use super::search::index_error;
use crate::cli::IndexArgs;
use crate::error::CliError;
use crate::ui::Ui;

#[allow(clippy::cast_precision_loss)] // a size in MiB, for people
pub fn cmd_index(ui: &Ui, env: &Env, args: &IndexArgs) -> Result<ExitCode, CliError> {
    let tracker = env.tracker()?;
    let mut index = SearchIndex::open(&tracker).map_err(|e| index_error(&e))?.with_limits(env.context.index_limits());
    let progress = ui.progress("indexing");
    let refresh = if args.rebuild {
        index.rebuild(&tracker, &|done, total| progress.set(done, total))
    } else {
        index.fold(&tracker, Scope::Every, &[])
    }
    .map_err(|e| index_error(&e))?;
    progress.finish();
    if refresh.busy {
        ui.err("note: another docket process holds the index's writer; try again when it is done\n");
    } else if refresh.rebuilt {
        ui.err(&format!("rebuilt the index from {} files\n", refresh.updated.len()));
    } else if !refresh.updated.is_empty() || !refresh.removed.is_empty() {
        ui.err(&format!("updated {} and removed {} documents\n", refresh.updated.len(), refresh.removed.len()));
    }
    let status = index.status(&tracker);
    if args.json {
        ui.json(&serde_json::to_value(&status).expect("the status serialises"));
    } else {
        ui.out(&format!(
            "index:      {}\ndocuments:  {}\nreflects:   {} (HEAD tree) and the work tree\nfolders:    {}\nsize:       {:.1} MiB\nschema:     version {}\nwatcher:    {}\n",
            status.path.display(),
            status.documents,
            status.tree.as_deref().unwrap_or("(no commit yet)"),
            status.folders,
            status.bytes as f64 / 1_048_576.0,
            status.schema_version,
            if status.watched { "running (searches compare only what it saw change)" } else { "none (searches compare every file's stamp)" }
        ));
    }
    Ok(ExitCode::SUCCESS)
}
