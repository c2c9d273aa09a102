//! `[mirror.<service>]` of `docket.toml` as every service reads it: the table, its text
//! settings (with the service's examples in errors), its address and its user map.

use std::collections::BTreeMap;

use super::MirrorError;
use crate::tracker::Tracker;

/// One service's table.
pub(super) struct Section<'a> {
    service: &'static str,
    table: &'a toml::Table,
}

impl<'a> Section<'a> {
    /// `[mirror.<service>]`; when absent, an error saying to add it with `needs`.
    pub(super) fn of(tracker: &'a Tracker, service: &'static str, needs: &str) -> Result<Self, MirrorError> {
        let table = tracker
            .config()
            .table
            .get("mirror")
            .and_then(|m| m.get(service))
            .and_then(toml::Value::as_table)
            .ok_or_else(|| {
            MirrorError::Config(format!("docket.toml has no [mirror.{service}] table: add one with {needs}"))
        })?;
        Ok(Self { service, table })
    }

    /// The text setting `key` (an integer is taken as its digits when `integer`), trimmed;
    /// `default` when absent. `example` shows a good value in the error.
    pub(super) fn text(
        &self,
        key: &str,
        default: Option<&str>,
        example: &str,
        integer: bool,
    ) -> Result<String, MirrorError> {
        let service = self.service;
        match self.table.get(key) {
            Some(toml::Value::String(value)) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
            Some(toml::Value::Integer(value)) if integer => Ok(value.to_string()),
            Some(_) => Err(MirrorError::Config(format!(
                "docket.toml: [mirror.{service}] {key} must be a non-empty string, e.g. {example}"
            ))),
            None => default
                .map(str::to_owned)
                .ok_or_else(|| MirrorError::Config(format!("docket.toml: [mirror.{service}] needs `{key}`"))),
        }
    }

    /// The `url` setting, which must be an http(s) address; without a trailing slash.
    pub(super) fn url(&self, default: Option<&str>, example: &str) -> Result<String, MirrorError> {
        let url = self.text("url", default, example, false)?;
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(MirrorError::Config(format!(
                "docket.toml: [mirror.{}] url `{url}` must start with https:// (or http://)",
                self.service
            )));
        }
        Ok(url.trim_end_matches('/').to_owned())
    }

    /// `[mirror.<service>.users]`: docket name → the service's name.
    pub(super) fn users(&self) -> BTreeMap<String, String> {
        self.table
            .get("users")
            .and_then(toml::Value::as_table)
            .map(|users| {
                users.iter().filter_map(|(name, login)| Some((name.clone(), login.as_str()?.to_owned()))).collect()
            })
            .unwrap_or_default()
    }
}
