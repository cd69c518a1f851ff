//! Command-line conventions shared by the examples: quick mode, output directory, progress.
#![allow(dead_code)] // Not every example reports progress the same way.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Whether the example was asked to run briefly: `--quick` or `GRAD_QUICK=1`.
pub fn quick_requested() -> bool {
    std::env::args().any(|arg| arg == "--quick")
        || std::env::var("GRAD_QUICK").is_ok_and(|v| v == "1")
}

/// Where the examples write their pictures: the first command-line argument that is not a
/// flag, else `target/examples-output/` of this workspace.
pub fn output_dir() -> PathBuf {
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/examples-output");
    std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .map_or(default, Into::into)
}

/// Prints one status line per step with a text bar such as `[#######   ]`. On a terminal
/// each step redraws the line in place and every tenth of the run is kept; elsewhere (a log,
/// a test) only the kept lines are printed, so the output stays short.
pub struct Progress {
    total: usize,
    live: bool,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        let live = std::io::stdout().is_terminal();
        Progress { total, live }
    }

    /// Reports step `done` (counted from 1) with `status` after the bar.
    pub fn step(&self, done: usize, status: &str) {
        let keep = done == self.total || done * 10 / self.total != (done - 1) * 10 / self.total;
        if !keep && !self.live {
            return;
        }
        let width = self.total.to_string().len();
        let line = format!(
            "{done:>width$}/{} {} {status}",
            self.total,
            bar(done, self.total)
        );
        // `print!` rather than a locked stdout, so that the test harness captures it.
        if self.live {
            print!("\r\x1b[2K{line}{}", if keep { "\n" } else { "" });
            let _ = std::io::stdout().flush();
        } else {
            println!("{line}");
        }
    }
}

fn bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 20;
    let filled = (done * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!("[{}{}]", "#".repeat(filled), " ".repeat(WIDTH - filled))
}
