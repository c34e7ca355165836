//! `device`: field tool for scanners, ID card readers and receipt printers.

mod idcard_cli;

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use device::printer::{
    document, render_bytes, sample_document, sample_ticket, ticket, PaperWidth, Printer,
    PrinterError, PtyPrinterSim, SerialPrinter, SerialPrinterConfig, SimPrinterState,
};
use device::scanner::{
    AppointmentPattern, ScannerConfig, ScannerEvent, ScannerReader, VirtualScanner,
};

#[derive(Parser)]
#[command(
    name = "device",
    version,
    about = "Scanner, ID card reader and receipt printer field tool"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print one JSON object per scan; runs until interrupted.
    Scan {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        /// Prefix the scanner adds to every scan.
        #[arg(long, default_value = "")]
        prefix: String,
        /// Suffix the scanner adds before the terminator.
        #[arg(long, default_value = "")]
        suffix: String,
        /// Silence that ends a frame without a terminator.
        #[arg(long, default_value_t = 50)]
        gap_ms: u64,
        #[arg(long, default_value_t = 4096)]
        max_len: usize,
        #[arg(long, default_value = "YY")]
        appointment_prefix: String,
        #[arg(long, default_value_t = 10)]
        appointment_digits: usize,
    },
    /// Print a sample slip with Chinese text and a QR code.
    PrintTest {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        #[arg(long, value_enum, default_value_t = Width::W80)]
        width: Width,
        #[arg(long, value_enum, default_value_t = SampleKind::Ticket)]
        kind: SampleKind,
        /// How long to wait for each status answer.
        #[arg(long, default_value_t = 500)]
        timeout_ms: u64,
    },
    /// Ask the printer for its state.
    Status {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 9600)]
        baud: u32,
        #[arg(long, default_value_t = 500)]
        timeout_ms: u64,
    },
    /// Render a captured ESC/POS byte file as text.
    Preview {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Width::W80)]
        width: Width,
    },
    /// Write a sample slip's ESC/POS bytes to a file (for preview or replay).
    Sample {
        #[arg(long, value_enum, default_value_t = Width::W80)]
        width: Width,
        #[arg(long, value_enum, default_value_t = SampleKind::Ticket)]
        kind: SampleKind,
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a virtual printer on a pseudo-terminal; prints its path, then each
    /// job as text. Lines on stdin (normal, paper_out, cover_open, silent)
    /// change its state.
    SimulatePrinter {
        #[arg(long, value_enum, default_value_t = SimState::Normal)]
        state: SimState,
        #[arg(long, value_enum, default_value_t = Width::W80)]
        width: Width,
        /// Also make this symlink point at the pty.
        #[arg(long)]
        link: Option<PathBuf>,
    },
    /// Run a virtual scanner on a pseudo-terminal; prints its path, then
    /// sends each stdin line as a scan (CR-terminated).
    SimulateScanner {
        #[arg(long)]
        link: Option<PathBuf>,
    },
    /// Read one resident ID card and print its fields (number masked) as
    /// JSON; exit 0 when a card was read.
    Idcard {
        #[arg(long)]
        port: PathBuf,
        #[arg(long, default_value_t = 115_200)]
        baud: u32,
        /// Give up after this many seconds without a card.
        #[arg(long, default_value_t = 30)]
        timeout_s: u64,
    },
    /// Run a virtual ID card reader on a pseudo-terminal; prints its path.
    /// Lines on stdin: `place N`, `remove`, `corrupt` (next read), `fault`,
    /// `ok`, `silent`, `talk`.
    SimulateIdreader {
        /// JSON array of cards (default: device/data/idcards.json, built in).
        #[arg(long)]
        cards: Option<PathBuf>,
        #[arg(long)]
        link: Option<PathBuf>,
        /// Place card N (from 1) at start.
        #[arg(long)]
        place: Option<usize>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Width {
    #[value(name = "58")]
    W58,
    #[value(name = "80")]
    W80,
}

impl From<Width> for PaperWidth {
    fn from(w: Width) -> Self {
        match w {
            Width::W58 => PaperWidth::Mm58,
            Width::W80 => PaperWidth::Mm80,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum SampleKind {
    Ticket,
    Receipt,
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "snake_case")]
enum SimState {
    Normal,
    PaperOut,
    CoverOpen,
    Silent,
}

impl From<SimState> for SimPrinterState {
    fn from(s: SimState) -> Self {
        match s {
            SimState::Normal => SimPrinterState::Normal,
            SimState::PaperOut => SimPrinterState::PaperOut,
            SimState::CoverOpen => SimPrinterState::CoverOpen,
            SimState::Silent => SimPrinterState::Silent,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Scan {
            port,
            baud,
            prefix,
            suffix,
            gap_ms,
            max_len,
            appointment_prefix,
            appointment_digits,
        } => {
            let mut config = ScannerConfig::new(port);
            config.baud = baud;
            config.framing.gap = Duration::from_millis(gap_ms);
            config.framing.max_len = max_len;
            config.decode.prefix = prefix.into_bytes();
            config.decode.suffix = suffix.into_bytes();
            config.decode.classify.appointment = AppointmentPattern {
                prefix: appointment_prefix,
                digits: appointment_digits,
            };
            scan(config)
        }
        Command::PrintTest {
            port,
            baud,
            width,
            kind,
            timeout_ms,
        } => {
            let job = sample_job(kind, width.into())?;
            let mut printer = serial_printer(port, baud, timeout_ms);
            printer.print(&job).map_err(explain)?;
            println!("printed {} bytes", job.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            port,
            baud,
            timeout_ms,
        } => {
            let mut printer = serial_printer(port, baud, timeout_ms);
            let status = printer.status().map_err(explain)?;
            println!("{status}");
            Ok(if status.fault().is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Preview { file, width } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            print!(
                "{}",
                render_bytes(&bytes, PaperWidth::from(width).columns())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sample { width, kind, out } => {
            let job = sample_job(kind, width.into())?;
            std::fs::write(&out, job).with_context(|| format!("cannot write {}", out.display()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::SimulatePrinter { state, width, link } => {
            simulate_printer(state.into(), width.into(), link.as_deref())
        }
        Command::SimulateScanner { link } => simulate_scanner(link.as_deref()),
        Command::Idcard {
            port,
            baud,
            timeout_s,
        } => idcard_cli::read_one(port, baud, Duration::from_secs(timeout_s)),
        Command::SimulateIdreader { cards, link, place } => {
            idcard_cli::simulate(cards.as_deref(), link.as_deref(), place)
        }
    }
}

fn explain(e: PrinterError) -> anyhow::Error {
    anyhow::Error::msg(e.to_string())
}

fn serial_printer(port: PathBuf, baud: u32, timeout_ms: u64) -> SerialPrinter {
    let mut config = SerialPrinterConfig::new(port);
    config.baud = baud;
    config.status_timeout = Duration::from_millis(timeout_ms);
    SerialPrinter::new(config)
}

fn sample_job(kind: SampleKind, paper: PaperWidth) -> Result<Vec<u8>> {
    let job = match kind {
        SampleKind::Ticket => ticket(&sample_ticket(), paper)?,
        SampleKind::Receipt => document(&sample_document(), paper)?,
    };
    if job.fallback_used() {
        eprintln!("warning: printed fallback for {:?}", job.replaced);
    }
    Ok(job.bytes)
}

fn scan(config: ScannerConfig) -> Result<ExitCode> {
    let path = config.path.clone();
    let (tx, rx) = mpsc::channel();
    let _reader = ScannerReader::spawn(config, tx).context("cannot start scanner reader")?;
    let mut stdout = std::io::stdout();
    for event in rx {
        match event {
            ScannerEvent::Scan(scan) => {
                // Stop quietly when whoever reads our output goes away.
                if writeln!(stdout, "{}", scan.to_json()).is_err() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            ScannerEvent::Warning(w) => eprintln!("warning: {w}"),
            ScannerEvent::Connected { path } => eprintln!("connected: {}", path.display()),
            ScannerEvent::Disconnected { reason } => {
                eprintln!("disconnected: {reason}; waiting for {}", path.display());
            }
        }
    }
    bail!("scanner reader stopped")
}

fn link_to(target: &Path, link: Option<&Path>) -> Result<()> {
    if let Some(link) = link {
        device::replace_symlink(target, link)
            .with_context(|| format!("cannot create link {}", link.display()))?;
    }
    Ok(())
}

fn simulate_printer(
    state: SimPrinterState,
    paper: PaperWidth,
    link: Option<&Path>,
) -> Result<ExitCode> {
    let sim = PtyPrinterSim::start(state, paper.columns()).context("cannot create pty")?;
    link_to(sim.path(), link)?;
    println!("{}", sim.path().display());
    let jobs = sim.subscribe();
    std::thread::spawn(move || {
        let mut stdout = std::io::stdout();
        for job in jobs {
            if writeln!(stdout, "{}", job.text).is_err() {
                break;
            }
        }
    });
    // stdin lines switch the state; at EOF keep running until interrupted.
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        match SimState::from_str(line.trim(), true) {
            Ok(s) => {
                sim.set_state(s.into());
                eprintln!("state: {}", line.trim());
            }
            Err(_) if line.trim().is_empty() => {}
            Err(_) => eprintln!("unknown state {line:?}"),
        }
    }
    loop {
        std::thread::park();
    }
}

fn simulate_scanner(link: Option<&Path>) -> Result<ExitCode> {
    let mut sim = VirtualScanner::new().context("cannot create pty")?;
    link_to(sim.path(), link)?;
    println!("{}", sim.path().display());
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read stdin")?;
        sim.send_frame(line.trim_end_matches('\r'))
            .context("cannot write to pty")?;
    }
    loop {
        std::thread::park();
    }
}
