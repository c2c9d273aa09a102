//! A hermetic sandbox: a temporary git repository, its own `HOME`, no global or system git
//! config, pinned dates, a pinned clock and seed for docket, and none of the `GIT_*` variables
//! of an outer git (the suite may itself run inside a hook).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The time every test runs at.
pub const NOW: &str = "2026-11-23T12:00:00Z";

pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What a command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: &Output, root: &Path) -> Self {
        let clean = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&root.display().to_string(), "[ROOT]");
        Self { code: output.status.code().unwrap_or(-1), stdout: clean(&output.stdout), stderr: clean(&output.stderr) }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stdout
    }

    /// Both streams, for snapshots.
    pub fn both(&self) -> String {
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

impl Sandbox {
    /// An empty git repository on branch `main`.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new().prefix("docket-test").tempdir().expect("a temporary folder");
        let sandbox = Self { dir };
        std::fs::create_dir_all(sandbox.home()).expect("home");
        std::fs::create_dir_all(sandbox.root()).expect("repo");
        sandbox.git(&["init", "-q", "-b", "main"]);
        sandbox.git(&["config", "user.name", "Test User"]);
        sandbox.git(&["config", "user.email", "test@example.com"]);
        sandbox
    }

    /// A repository with an initialised tracker, committed.
    pub fn tracker() -> Self {
        let sandbox = Self::new();
        sandbox.docket(&["init"]).ok();
        sandbox.commit_all("init tracker");
        sandbox
    }

    /// A repository holding a copy of `examples/<name>` as its tracker, at the top.
    pub fn example(name: &str) -> Self {
        let sandbox = Self::new();
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name), &sandbox.root());
        sandbox.commit_all("example");
        sandbox
    }

    /// The repository's top.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// The sandbox's `HOME`.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.current_dir(self.root());
        for variable in [
            "GIT_DIR",
            "GIT_INDEX_FILE",
            "GIT_WORK_TREE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_QUARANTINE_PATH",
            "GIT_PREFIX",
            "EDITOR",
            "VISUAL",
            "GIT_EDITOR",
            "DOCKET_EDITOR",
            "NO_COLOR",
            "USER",
            // The mirrors: no real token, credentials file or proxy of the machine running the tests.
            "GITLAB_TOKEN",
            "XDG_CONFIG_HOME",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            command.env_remove(variable);
        }
        command
            .env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_SYSTEM", "/dev/null")
            .env("GIT_AUTHOR_DATE", NOW)
            .env("GIT_COMMITTER_DATE", NOW)
            .env("DOCKET_NOW", NOW)
            .env("DOCKET_SEED", "7")
            // No watcher started in the background by a search (the test that wants one says so).
            .env("DOCKET_INDEX_WATCH_AT", "never")
            .env("TERM", "dumb");
        command
    }

    /// Runs docket with `args` in the repository's top.
    pub fn docket(&self, args: &[&str]) -> Run {
        self.docket_with(args, &[], "")
    }

    /// Runs docket with extra environment variables and `stdin`.
    pub fn docket_with(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
        self.docket_in(&self.root(), args, env, stdin)
    }

    /// Starts docket with `args` in the repository's top and returns at once, for tests that
    /// kill it midway.
    pub fn spawn_docket(&self, args: &[&str]) -> std::process::Child {
        self.spawn_docket_with(args, &[])
    }

    /// [`Self::spawn_docket`] with extra environment variables.
    pub fn spawn_docket_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        let mut command = self.command(env!("CARGO_BIN_EXE_docket"));
        command.current_dir(self.root()).args(args).envs(env.iter().copied());
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        command.spawn().expect("docket starts")
    }

    /// [`Self::spawn_docket_with`] with its standard output and error piped to the caller.
    pub fn spawn_docket_piped(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        let mut command = self.command(env!("CARGO_BIN_EXE_docket"));
        command.current_dir(self.root()).args(args).envs(env.iter().copied());
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command.spawn().expect("docket starts")
    }

    /// Starts `docket watch` with `args` in the repository's top and returns once it watches.
    /// Its standard output is left piped for the caller when `keep_stdout`, else read and
    /// dropped (so the watcher never blocks on a full pipe); so is its standard error.
    pub fn start_watch(&self, args: &[&str], keep_stdout: bool) -> std::process::Child {
        use std::io::{BufRead, BufReader};
        let mut command = self.command(env!("CARGO_BIN_EXE_docket"));
        command.current_dir(self.root()).arg("watch").args(args);
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("docket watch starts");
        let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
        let mut line = String::new();
        while stderr.read_line(&mut line).expect("read") > 0 && !line.contains("watching") {}
        assert!(line.contains("watching"), "docket watch did not start: {line}");
        std::thread::spawn(move || for _ in stderr.lines() {});
        if !keep_stdout {
            let stdout = BufReader::new(child.stdout.take().expect("piped"));
            std::thread::spawn(move || for _ in stdout.lines() {});
        }
        child
    }

    /// Runs docket in folder `dir`.
    pub fn docket_in(&self, dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
        let mut command = self.command(env!("CARGO_BIN_EXE_docket"));
        command.current_dir(dir).args(args).envs(env.iter().copied());
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("docket starts");
        {
            use std::io::Write;
            let mut input = child.stdin.take().expect("stdin is piped");
            let _ = input.write_all(stdin.as_bytes());
        }
        Run::from(&child.wait_with_output().expect("docket runs"), &self.dir.path().canonicalize().expect("exists"))
    }

    /// Runs git in `dir` with extra environment variables, whatever its exit status.
    pub fn git_in(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let output =
            self.command("git").current_dir(dir).args(args).envs(env.iter().copied()).output().expect("git runs");
        Run::from(&output, &self.dir.path().canonicalize().expect("exists"))
    }

    /// Runs git in the repository with extra environment variables, whatever its exit status.
    pub fn git_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.git_in(&self.root(), args, env)
    }

    /// A folder in the sandbox, outside the repository (for bare remotes, worktrees).
    pub fn outside(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs git and asserts it succeeded.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.command("git").args(args).output().expect("git runs");
        assert!(output.status.success(), "git {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    pub fn write(&self, path: &str, text: &str) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("folder");
        std::fs::write(path, text).expect("write");
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path)).expect("read")
    }

    /// Writes an executable shell script into the sandbox (outside the repository) and returns
    /// its path, e.g. to stand in for `$EDITOR`.
    pub fn script(&self, name: &str, body: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path.display().to_string()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("read example") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// The pack files of the history cache in `dir` (`.git/docket/history`); at least one.
pub fn history_packs(dir: &Path) -> Vec<PathBuf> {
    let packs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the history cache")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    assert!(!packs.is_empty(), "the cache is kept in pack files");
    packs
}

/// Lines of `after` that differ from `before`, paired, when both have the same number of lines.
pub fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    assert_eq!(before.lines().count(), after.lines().count(), "line count changed:\n{after}");
    before.lines().zip(after.lines()).filter(|(a, b)| a != b).map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
}
