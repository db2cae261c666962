//! One module per subcommand: raw flags in, an exit code out.

pub mod batch;
pub mod check;
pub mod eval;
pub mod eval_check;
pub mod parse;
pub mod read;
pub mod synth;
