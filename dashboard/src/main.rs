//! `dashboard`: the hall server, the supervisor TUI and the operator commands.
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use dashboard::tools;

#[derive(Debug, Parser)]
#[command(
    name = "dashboard",
    version,
    about = "政务服务中心 hall server, supervisor view and operator tools"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Working-day calendar: list working days, add working days.
    Calendar(tools::CalendarArgs),
    /// Validate a resident ID number or unified social credit code.
    CheckId(tools::CheckIdArgs),
    /// Smallest number of windows meeting a service level (Erlang C).
    Staffing(tools::StaffingArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.cmd {
        Cmd::Calendar(a) => tools::calendar(a),
        Cmd::CheckId(a) => tools::check_id(a),
        Cmd::Staffing(a) => tools::staffing(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            ExitCode::from(2)
        }
    }
}
