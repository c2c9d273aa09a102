//! The integration tests: one binary driving the real `docket` executable and the real `git` in
//! hermetic temporary repositories (see `support`).

mod book;
mod browser;
mod cli_edit;
mod cli_list;
mod cli_new;
mod cli_set;
mod cli_show;
mod collaboration;
mod errors;
mod examples;
mod fake_gitlab;
mod fake_launchpad;
mod freshness;
mod fuzz;
mod hooks;
mod import;
mod mirror_gitlab;
mod mirror_launchpad;
mod planning;
mod schema;
mod search;
mod serve;
mod support;
mod workflows;
