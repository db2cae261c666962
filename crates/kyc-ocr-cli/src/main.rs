//! `kyc-ocr`: reads, validates and checks travel-document MRZs from the command line.
//!
//! Exit codes: 0 consistent / every check digit valid, 1 inconsistent / some check invalid,
//! 2 error (input that is not an MRZ, unreadable files, bad flags). A closed stdout pipe is not an
//! error.
#![forbid(unsafe_code)]

mod cmd;
mod debug_image;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reads the machine readable zone of passports, ID cards and visas.
#[derive(Debug, Parser)]
#[command(name = "kyc-ocr", version, about)]
struct Cli {
    /// When to colour the output: auto (when the stream is a terminal), always, never.
    #[arg(long, global = true, value_enum, default_value_t = output::ColorArg::Auto, value_name = "WHEN")]
    color: output::ColorArg,
    /// Log stages and timings on stderr (never field values, MRZ text or file names).
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

// One value of this enum exists per run; boxing subcommands' flags would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and validate MRZ text given as arguments (one line each) or on stdin.
    Parse(cmd::parse::Args),
    /// Check a typed KYC form against a document's MRZ (exit 0 consistent, 1 prompt, unreadable or
    /// refused, 2 input error).
    Check(cmd::check::Args),
    /// Find and read the MRZ in images (exit 0 every MRZ valid, 1 some missing or invalid, 2 error).
    Read(cmd::read::Args),
    /// Read many images in parallel, in input order, with a summary on stderr (exit 0 every MRZ
    /// valid, 1 some missing or invalid, 2 some file unreadable).
    Batch(cmd::batch::Args),
    /// Measure accuracy and speed on a folder with truth.jsonl (documents) or lines.tsv (line crops).
    Eval(cmd::eval::Args),
    /// Render synthetic documents with ground truth (images and truth.jsonl) into a directory.
    Synth(cmd::synth::Args),
}

/// What a subcommand reports: the process exit code.
pub(crate) type Outcome = anyhow::Result<u8>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_color(cli.color);
    output::init_logger(cli.verbose);
    let result = match cli.command {
        Command::Parse(args) => cmd::parse::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Read(args) => cmd::read::run(args),
        Command::Batch(args) => cmd::batch::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Synth(args) => cmd::synth::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            output::error_line(&e);
            ExitCode::from(2)
        }
    }
}

/// A reader that closed our stdout (`kyc-ocr parse ... | head -1`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
