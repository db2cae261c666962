//! Output shared by every command: colour choice, styles, the one-line error format and the
//! `--verbose` logger.
//!
//! Colour goes through `anstream`, which strips the escape codes when the stream is not a terminal
//! (or when `--color never` / `NO_COLOR` say so), so the commands write styled text unconditionally
//! and pipes still get plain text.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use anstyle::{AnsiColor, Style};

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorArg {
    /// Colour when the stream is a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour, even into pipes and files.
    Always,
    /// Never colour.
    Never,
}

/// Applies `--color` to every stream written through `anstream`.
pub fn init_color(choice: ColorArg) {
    let c = match choice {
        ColorArg::Auto => anstream::ColorChoice::Auto,
        ColorArg::Always => anstream::ColorChoice::Always,
        ColorArg::Never => anstream::ColorChoice::Never,
    };
    c.write_global();
}

/// Good news: a match, a valid check digit, a consistent verdict.
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
/// Bad news: a mismatch, an invalid check digit, an error.
pub const BAD: Style = AnsiColor::Red.on_default().bold();
/// Needs attention without being wrong: repairs, unprotected fields, refusals of policy.
pub const WARN: Style = AnsiColor::Yellow.on_default();
/// Secondary text: raw MRZ lines, timings.
pub const DIM: Style = Style::new().dimmed();
/// Headings and verdicts.
pub const BOLD: Style = Style::new().bold();

/// `text` wrapped in `style`'s escape codes (stripped later by `anstream` where colour is off).
pub fn paint(style: Style, text: impl Display) -> String {
    format!("{style}{text}{style:#}")
}

/// An error and its causes on one line, `outer: inner: root`. A cause whose message the one
/// before already ends with is left out (wrapper errors often repeat their source's message), and
/// line breaks inside messages (some decoders write them) become spaces, so the diagnostic stays
/// one line.
pub fn chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let msg = cause
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if msg.is_empty() || parts.last().is_some_and(|last| last.ends_with(&msg)) {
            continue;
        }
        parts.push(msg);
    }
    parts.join(": ")
}

/// The one-line diagnostic every command prints for an error: `kyc-ocr: <cause chain>`.
pub fn error_line(e: &anyhow::Error) {
    let mut err = anstream::stderr().lock();
    // A failed write to stderr leaves nowhere to report it.
    let _ = writeln!(err, "{}: {}", paint(BAD, "kyc-ocr"), chain(e));
}

/// Whether a progress bar or other live display on stderr would be seen by a person.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The `--verbose` logger: stages and timings on stderr, with the time since start.
///
/// Personal data never reaches it: the commands log counts, stages and milliseconds, never field
/// values, MRZ text or file names (which often carry a customer's name).
struct StderrLogger {
    start: Instant,
    level: log::LevelFilter,
}

impl log::Log for StderrLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(
                err,
                "{} {:>5} {}",
                paint(
                    DIM,
                    format_args!("[{:8.3}s]", self.start.elapsed().as_secs_f64())
                ),
                record.level().as_str().to_ascii_lowercase(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}

/// Logs one read's stage timings under its 1-based input index (never its file name).
pub fn log_timings(index: usize, t: &kyc_ocr::engine::Timings) {
    log::info!(
        "image {index}: read in {:.0} ms (decode {:.0}, locate {:.0}, detect {:.0}, rectify {:.0}, recognise {:.0}, parse {:.1})",
        t.total_ms,
        t.decode_ms,
        t.locate_ms,
        t.detect_ms,
        t.rectify_ms,
        t.recognise_ms,
        t.parse_ms
    );
}

/// Installs the stderr logger: `info` and above with `--verbose`, warnings only otherwise.
pub fn init_logger(verbose: bool) {
    let level = if verbose {
        log::LevelFilter::Info
    } else {
        log::LevelFilter::Warn
    };
    let logger = StderrLogger {
        start: Instant::now(),
        level,
    };
    // Leaked once per process: the logger lives as long as the program. `set_logger` only fails
    // when a logger is already set, which would be a programming error in main.
    if log::set_logger(Box::leak(Box::new(logger))).is_ok() {
        log::set_max_level(level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_wraps_text_in_escape_codes_that_strip_back_to_the_text() {
        for (style, text) in [(GOOD, "match"), (BAD, "mismatch"), (DIM, "12 ms")] {
            let painted = paint(style, text);
            assert!(painted.starts_with("\u{1b}["), "{painted:?}");
            assert_eq!(anstream::adapter::strip_str(&painted).to_string(), text);
        }
    }

    #[test]
    fn chain_joins_causes_and_drops_repeats() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::new(io).context("cannot read a.jpg");
        assert_eq!(chain(&e), "cannot read a.jpg: no such file");
        let e = anyhow::anyhow!("same").context("same").context("outer");
        assert_eq!(chain(&e), "outer: same");
        let e = anyhow::anyhow!("bad bytes\n")
            .context("image is corrupt: bad bytes\n")
            .context("cannot read a.jpg");
        assert_eq!(chain(&e), "cannot read a.jpg: image is corrupt: bad bytes");
    }

    #[test]
    fn plain_style_adds_nothing() {
        assert_eq!(paint(Style::new(), "x"), "x");
    }
}
