//! `counter`: the comprehensive-window workstation; `counter kiosk`: the entrance ticket machine.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use counter_tui::app::{App, Config};
use counter_tui::i18n::Lang;
use counter_tui::idcard::{self as idcard_glue, IdReaderSetup, ReaderKind};
use counter_tui::kiosk::{Kiosk, KioskConfig};
use counter_tui::msg::{PrinterKind, ScannerKind};
use counter_tui::run::{self, Devices, HallClock, Screen};
use counter_tui::scanning::{self, ScannerSetup};
use counter_tui::setup::{self, HallArgs, HallTarget};
use counter_tui::{printing, slips};
use dashboard::client::{id_prefix, Client, ClientConfig};
use device::idcard::{sample_cards, SimIdReader};
use device::printer::{Printer, SerialPrinter, SerialPrinterConfig, SimPrinter, SimPrinterState};
use device::scanner::SimScanner;

#[derive(Debug, Parser)]
#[command(
    name = "counter",
    version,
    about = "政务服务中心综合窗口 comprehensive-window workstation (and `counter kiosk`)",
    after_help = "Without --hall the hall runs in-process on 127.0.0.1:7700 (or this program attaches to the one already there). Keys: F1 in the program."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// The hall, e.g. ws://10.0.0.5:7700; without it a hall on this machine is used or started.
    #[arg(long, global = true)]
    hall: Option<String>,
    /// Access token (see `dashboard token create`); created automatically for a local hall.
    #[arg(long, global = true, env = "HALL_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The window this counter is (its token is bound to it).
    #[arg(long, default_value_t = 1)]
    window: u32,
    /// Serial barcode scanner, e.g. /dev/ttyACM0; simulated (Ctrl+S) when absent.
    #[arg(long, global = true)]
    scanner: Option<PathBuf>,
    /// Resident ID card reader (SAM protocol, 115200 baud), e.g. /dev/ttyUSB1; simulated
    /// (Ctrl+K places a sample card) when absent.
    #[arg(long, global = true)]
    idreader: Option<PathBuf>,
    /// Serial ESC/POS printer, e.g. /dev/ttyUSB0; simulated (written to a text file) when absent.
    #[arg(long, global = true)]
    printer: Option<PathBuf>,
    /// Screen language (F12 switches).
    #[arg(long, value_enum, default_value_t = Lang::Zh, global = true)]
    lang: Lang,
    /// Database of a hall started in-process (default: the user's data directory).
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    /// Listen address of a hall started in-process.
    #[arg(long, default_value = "127.0.0.1:7700", global = true)]
    listen: SocketAddr,
    /// With an in-process hall: feed a realistic day (arrivals, other windows serving).
    #[arg(long, global = true)]
    demo: bool,
    /// For a `wss://` hall: the centre CA certificate to trust (see `dashboard tls init`).
    #[arg(long, env = "HALL_CA", global = true)]
    ca: Option<PathBuf>,
    /// Let an in-process hall listen beyond loopback without TLS (tokens and ID numbers then
    /// cross the LAN in clear).
    #[arg(long, global = true)]
    insecure_lan: bool,
    /// Who works at the window (shown in the header); the login name by default.
    #[arg(long)]
    staff: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Reception/entrance mode: issue tickets, appointment check-in.
    Kiosk,
}

fn init_logging(name: &str) -> anyhow::Result<tracing_appender::non_blocking::WorkerGuard> {
    let dir = dashboard::paths::log_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("log directory {}", dir.display()))?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, name));
    let filter = tracing_subscriber::EnvFilter::try_from_env("HALL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .init();
    Ok(guard)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match real_main(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main(cli: &Cli) -> anyhow::Result<()> {
    let kiosk = matches!(cli.cmd, Some(Cmd::Kiosk));
    let who = if kiosk {
        "kiosk".to_string()
    } else {
        format!("window-{}", cli.window)
    };
    let _guard = init_logging(&format!("counter-{who}.log"))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async_main(cli, kiosk, &who))
}

async fn async_main(cli: &Cli, kiosk: bool, who: &str) -> anyhow::Result<()> {
    let target: HallTarget = setup::resolve(HallArgs {
        hall: cli.hall.clone(),
        token: cli.token.clone(),
        db: cli.db.clone(),
        listen: cli.listen,
        demo: cli.demo,
        role: if kiosk { "kiosk" } else { "counter" },
        window: (!kiosk).then_some(cli.window),
        ca: cli.ca.clone(),
        insecure_lan: cli.insecure_lan,
    })
    .await?;
    tracing::info!(hall = %target.label, "starting {who}");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();

    // Printer: the real one, or the simulator whose output lands in a text file.
    let (printer, printer_kind, sim_printer, file): (Box<dyn Printer>, _, _, _) = match &cli.printer
    {
        Some(p) => (
            Box::new(SerialPrinter::new(SerialPrinterConfig::new(p))),
            PrinterKind::Serial {
                path: p.display().to_string(),
            },
            None,
            None,
        ),
        None => {
            let sim = SimPrinter::new(SimPrinterState::Normal, slips::PAPER.columns());
            let dir = dashboard::paths::data_dir();
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("data directory {}", dir.display()))?;
            let file = dir.join(format!("printer-{who}.txt"));
            (
                Box::new(sim.clone()),
                PrinterKind::Simulated {
                    file: file.display().to_string(),
                },
                Some(sim),
                Some(file),
            )
        }
    };
    let printer_tx = printing::spawn(printer, file, tx.clone()).context("printer thread")?;

    let (scanner_setup, scanner_kind, sim_scanner) = match &cli.scanner {
        Some(p) => (
            ScannerSetup::Serial(p.clone()),
            ScannerKind::Serial {
                path: p.display().to_string(),
            },
            None,
        ),
        None => {
            let sim = SimScanner::default();
            (
                ScannerSetup::Simulated(sim.clone()),
                ScannerKind::Simulated,
                Some(sim),
            )
        }
    };
    let _scanner = scanning::start(scanner_setup, tx.clone()).context("scanner")?;

    let (idreader_setup, idreader_kind, sim_idreader) = match &cli.idreader {
        Some(p) => (
            IdReaderSetup::Serial(p.clone()),
            ReaderKind::Serial {
                path: p.display().to_string(),
            },
            None,
        ),
        None => {
            let sim = SimIdReader::new();
            (
                IdReaderSetup::Simulated(sim.clone()),
                ReaderKind::Simulated,
                Some((sim, sample_cards())),
            )
        }
    };
    let _idreader = idcard_glue::start(idreader_setup, tx.clone()).context("ID card reader")?;

    let (client, incoming) = Client::spawn(
        ClientConfig::new(&target.url, &target.token, &format!("counter {who}"))
            .with_ca(target.ca.clone()),
    );
    run::feed(incoming, &tx);
    let dev = Devices {
        client: client.clone(),
        printer: printer_tx,
        sim_printer,
        sim_scanner,
        sim_idreader,
    };
    let now = HallClock::default().now();
    let prefix = id_prefix(who);
    let staff = cli
        .staff
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "staff".into());

    // Panics go to the log too; ratatui's hook (installed next) restores the terminal first.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        default_hook(info);
    }));
    let mut terminal = ratatui::try_init().context("terminal")?;
    let result = if kiosk {
        let mut k = Kiosk::new(
            KioskConfig {
                lang: cli.lang,
                id_prefix: prefix,
                printer: printer_kind,
                scanner: scanner_kind,
                hall_label: target.label.clone(),
            },
            now,
        );
        run_screen(&mut terminal, &mut k, &mut rx, &dev).await
    } else {
        let mut app = App::new(
            Config {
                window: cli.window,
                lang: cli.lang,
                id_prefix: prefix,
                printer: printer_kind,
                scanner: scanner_kind,
                hall_label: target.label.clone(),
                staff,
            },
            now,
        );
        app.idcard.kind = idreader_kind;
        run_screen(&mut terminal, &mut app, &mut rx, &dev).await
    };
    ratatui::restore();
    client.stop();
    if let Some(h) = target.hall {
        h.stop().await.context("stopping the in-process hall")?;
    }
    result.context("terminal")
}

async fn run_screen<S: Screen>(
    terminal: &mut ratatui::DefaultTerminal,
    screen: &mut S,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<counter_tui::msg::Msg>,
    dev: &Devices,
) -> std::io::Result<()> {
    run::run(terminal, screen, rx, dev).await
}
