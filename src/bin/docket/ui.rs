//! All output goes through [`Ui`]: results on stdout, messages on stderr, colour only where it
//! is wanted (a terminal, no `NO_COLOR`, or `--color always`).

use std::io::{self, IsTerminal, Write};

use crate::cli::ColorChoice;

/// Where and how docket writes.
pub struct Ui {
    pub color_stdout: bool,
    pub color_stderr: bool,
    /// Whether standard input is a terminal a person can answer prompts on.
    pub interactive: bool,
}

/// ANSI styles, empty when colour is off.
#[derive(Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    pub fn error(self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn warning(self, text: &str) -> String {
        self.paint("1;33", text)
    }
    pub fn hint(self, text: &str) -> String {
        self.paint("1;36", text)
    }
    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
    pub fn id(self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn added(self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn removed(self, text: &str) -> String {
        self.paint("31", text)
    }
}

impl Ui {
    pub fn new(choice: ColorChoice) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        Self {
            color_stdout: decide(io::stdout().is_terminal()),
            color_stderr: decide(io::stderr().is_terminal()),
            interactive: io::stdin().is_terminal(),
        }
    }

    /// Styles for text bound for stdout.
    pub fn out_style(&self) -> Style {
        Style { on: self.color_stdout }
    }

    /// Styles for text bound for stderr.
    pub fn err_style(&self) -> Style {
        Style { on: self.color_stderr }
    }

    /// Writes a result to stdout, with control characters from records shown as escapes
    /// ([`docket::visible`]; colour codes pass only when colour is on). A closed pipe
    /// (`docket list | head`) ends the process quietly.
    pub fn out(&self, text: &str) {
        self.write_out(&docket::visible::visible(text, self.color_stdout));
    }

    fn write_out(&self, text: &str) {
        let mut stdout = io::stdout().lock();
        if let Err(error) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush())
            && error.kind() == io::ErrorKind::BrokenPipe
        {
            std::process::exit(0);
        }
    }

    /// Writes a message to stderr, with control characters shown as escapes, as [`Ui::out`].
    pub fn err(&self, text: &str) {
        let text = docket::visible::visible(text, self.color_stderr);
        let _ = io::stderr().lock().write_all(text.as_bytes());
    }

    /// Prints `value` as pretty JSON on stdout: the exact text (JSON escapes control
    /// characters itself).
    pub fn json(&self, value: &serde_json::Value) {
        let text = serde_json::to_string_pretty(value).expect("a JSON value serialises");
        self.write_out(&format!("{text}\n"));
    }

    /// Asks a yes/no question on stderr and reads the answer from stdin. End of input or
    /// anything but yes counts as `default` when empty, else no.
    pub fn confirm(&self, question: &str, default: bool) -> bool {
        self.err(&format!("{question} [{}] ", if default { "Y/n" } else { "y/N" }));
        let mut answer = String::new();
        match io::stdin().read_line(&mut answer) {
            Ok(0) | Err(_) => {
                self.err("\n");
                false
            }
            Ok(_) => match answer.trim().to_lowercase().as_str() {
                "" => default,
                "y" | "yes" => true,
                _ => false,
            },
        }
    }
}

/// A progress bar on stderr for long work, drawn only on a terminal.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Ui {
    /// A progress bar for `what` (hidden when stderr is not a terminal).
    pub fn progress(&self, what: &str) -> Progress {
        if !io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
            .map_or_else(|_| indicatif::ProgressStyle::default_bar(), |s| s.progress_chars("=> "));
        bar.set_style(style);
        bar.set_message(what.to_owned());
        Progress { bar: Some(bar) }
    }
}

impl Progress {
    /// Moves the bar to `done` of `total`.
    pub fn set(&self, done: usize, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl docket::diagnostic::Paint for Style {
    fn error(&self, text: &str) -> String {
        Style::error(*self, text)
    }
    fn warning(&self, text: &str) -> String {
        Style::warning(*self, text)
    }
    fn hint(&self, text: &str) -> String {
        Style::hint(*self, text)
    }
    fn bold(&self, text: &str) -> String {
        Style::bold(*self, text)
    }
}
