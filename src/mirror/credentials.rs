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

fn credentials_file() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(config.join("docket").join("credentials.toml"))
}
