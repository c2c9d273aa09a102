//! Where the mirrors' secrets come from: the environment, else a credentials file outside every
//! repository. Secrets are returned, never shown: errors name the variable and the file only.

use std::path::PathBuf;

use super::MirrorError;

/// A secret for `service` (its name in messages): the environment variable `variable`, else
/// `key` under `[<table>]` in `~/.config/docket/credentials.toml` (`$XDG_CONFIG_HOME` when set), a file
/// outside every repository. The value is never shown.
pub fn credential(
    service: &'static str,
    table: &str,
    variable: &'static str,
    key: &str,
) -> Result<String, MirrorError> {
    if let Ok(value) = std::env::var(variable)
        && !value.trim().is_empty()
    {
        return Ok(value.trim().to_owned());
    }
    let file = credentials_file();
    let shown =
        file.as_ref().map_or_else(|| "~/.config/docket/credentials.toml".to_owned(), |f| f.display().to_string());
    let missing = || MirrorError::NoToken { service, variable, file: shown.clone() };
    let text = file.and_then(|file| std::fs::read_to_string(file).ok()).ok_or_else(missing)?;
    let parsed: toml::Table = text.parse().map_err(|_| {
        MirrorError::Config(format!("{shown} is not valid TOML (its contents are not shown: they are secrets)"))
    })?;
    let file_table = table;
    let table: &toml::Table = &parsed;
    table.get(file_table).and_then(|t| t.get(key)).and_then(toml::Value::as_str).map(str::to_owned).ok_or_else(missing)
}

/// Sets `pairs` under `[<table>]` in the credentials file, keeping everything else in it, and
/// returns the file. The file is readable by its owner only, and written whole or not at all.
pub fn store(table: &str, pairs: &[(&str, &str)]) -> Result<PathBuf, MirrorError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = credentials_file().ok_or_else(|| {
        MirrorError::Config("neither XDG_CONFIG_HOME nor HOME is set: no place for the credentials file".to_owned())
    })?;
    let shown = file.display().to_string();
    let failed = |error: std::io::Error| MirrorError::Config(format!("cannot write {shown}: {error}"));
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        // What cannot be read is never written over.
        Err(error) => return Err(MirrorError::Config(format!("cannot read {shown}: {error}"))),
    };
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|_| {
        MirrorError::Config(format!("{shown} is not valid TOML (its contents are not shown: they are secrets)"))
    })?;
    let section = document.entry(table).or_insert_with(toml_edit::table);
    let Some(section) = section.as_table_mut() else {
        return Err(MirrorError::Config(format!("{shown}: `{table}` is not a table")));
    };
    for (key, value) in pairs {
        section.insert(key, toml_edit::value(*value));
    }
    if let Some(folder) = file.parent() {
        std::fs::create_dir_all(folder).map_err(failed)?;
    }
    let temporary = file.with_extension("toml.new");
    let _ = std::fs::remove_file(&temporary);
    let mut out =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary).map_err(failed)?;
    out.write_all(document.to_string().as_bytes()).and_then(|()| out.sync_all()).map_err(failed)?;
    std::fs::rename(&temporary, &file).map_err(failed)?;
    Ok(file)
}

fn credentials_file() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("docket").join("credentials.toml"))
}
