//! `dashboard`: the hall server, the supervisor TUI and the operator commands.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use dashboard::{keys, logtools, paths, server, tokens, tools};

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
    /// Run the hall server (websocket protocol, web pages, documents).
    Serve(ServeArgs),
    /// Supervisor view in the terminal: live queues, windows, alerts; managers open windows.
    Watch(dashboard::watch::WatchArgs),
    /// Create, list and revoke access tokens.
    Token(tokens::TokenArgs),
    /// The centre's signing key for receipts.
    Keys(keys::KeysArgs),
    /// TLS for the hall: `tls init` makes a centre CA and a server certificate.
    Tls(dashboard::tls::TlsArgs),
    /// Check a receipt's verification string offline.
    VerifyReceipt(keys::VerifyReceiptArgs),
    /// Walk the event log: name the first damaged event, count them all, check signed heads.
    VerifyLog(logtools::VerifyLogArgs),
    /// Erase personal data older than the retention period (the log still verifies).
    Purge(logtools::PurgeArgs),
    /// Monthly statistics (GZ Art 19): CSV tables and an HTML summary.
    Report(dashboard::report::ReportArgs),
    /// 好差评: `ratings export` for the provincial platform (CSV or JSON, no personal data).
    Ratings(dashboard::ratings::RatingsArgs),
    /// Working-day calendar: list working days, add working days.
    Calendar(tools::CalendarArgs),
    /// Validate a resident ID number or unified social credit code.
    CheckId(tools::CheckIdArgs),
    /// Smallest number of windows meeting a service level (Erlang C).
    Staffing(tools::StaffingArgs),
    /// Ship this hall's events (no personal data) to the city database, then exit (or --follow).
    Ship(dashboard::city::ShipArgs),
    /// The city-wide view on PostgreSQL: `city serve`, `city watch`, `city report`.
    City(dashboard::city::CityArgs),
    /// Consistent copy of the database while the hall serves, verified.
    Backup(dashboard::backup::BackupArgs),
    /// Put a backup in place of the database (never over a newer one without --force).
    Restore(dashboard::backup::RestoreArgs),
    /// Check disk, permissions, calendar, backups, clock, log chain; exit 1 on FAIL.
    Doctor(dashboard::doctor::DoctorArgs),
    /// Replay the log: the wait estimates' coverage and errors against the queue-length baseline.
    Backtest(dashboard::backtest::BacktestArgs),
    /// Seeded scenario days through the real engine: waits, estimate quality, staffing plan.
    Simulate(dashboard::simulate::SimulateArgs),
    /// A local receiver for the notification webhook: checks signatures, dedupes, prints.
    NotifySink(dashboard::notify::NotifySinkArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on; loopback unless you mean otherwise.
    #[arg(long, default_value = "127.0.0.1:7700")]
    listen: SocketAddr,
    /// SQLite database (created if missing). With --demo and no --db, a temporary one.
    #[arg(long)]
    db: Option<PathBuf>,
    /// The centre's hall.toml (queues, windows, catalogue); the sample centre if absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The centre's working-day calendar file; the shipped 2025–2026 calendar if absent.
    #[arg(long)]
    calendar: Option<PathBuf>,
    /// The centre's signing key (see `dashboard keys init`); created beside the database if absent.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Run the hall clock this many times faster than real time (demos, tests).
    #[arg(long)]
    time_scale: Option<f64>,
    /// Hall time to start from (RFC 3339), e.g. 2026-11-23T08:55:00+08:00.
    #[arg(long)]
    start: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// Feed a realistic day: arrivals, windows calling and serving. Starts today at 08:55 at
    /// 10× speed unless --start/--time-scale say otherwise.
    #[arg(long)]
    demo: bool,
    /// Log to this file instead of stderr.
    #[arg(long)]
    log: Option<PathBuf>,
    /// Also ship the hall's committed events (no personal data) to this city database, in the
    /// background; the hall never waits for it (see README, "City-wide view").
    #[arg(long, value_parser = parse_pg, env = "CITY_PG", hide_env_values = true)]
    ship_to: Option<city::PgTarget>,
    #[command(flatten)]
    ship: dashboard::city::ShipTargetArgs,
    /// Alert supervisors when free space on the database's disk falls below this many MB.
    #[arg(long, default_value_t = 256)]
    min_free_mb: u64,
    /// Serve https:// and wss:// with this certificate chain (PEM; see `dashboard tls init`).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow listening beyond loopback without TLS (tokens and ID numbers then cross the LAN
    /// in clear).
    #[arg(long)]
    insecure_lan: bool,
}

fn parse_pg(s: &str) -> Result<city::PgTarget, String> {
    s.parse().map_err(|e: city::CityError| e.to_string())
}

fn serve(a: &ServeArgs) -> anyhow::Result<ExitCode> {
    let _guard = dashboard::logging::init(a.log.as_ref())?;
    // A demo never writes into a centre's database unless told to (and even then only into
    // one already run in simulated time, or still empty).
    let demo_dir = if a.demo && a.db.is_none() {
        Some(
            tempfile::Builder::new()
                .prefix("gov-hall-demo-")
                .tempdir()?,
        )
    } else {
        None
    };
    let db = match (&a.db, &demo_dir) {
        (Some(db), _) => db.clone(),
        (None, Some(d)) => d.path().join("hall.db"),
        (None, None) => paths::default_db(),
    };
    if demo_dir.is_some() {
        tracing::info!(db = %db.display(), "demo on a temporary database");
    }
    let mut opts = server::ServeOptions::new(a.listen, db);
    opts.config.clone_from(&a.config);
    opts.calendar.clone_from(&a.calendar);
    opts.key.clone_from(&a.key);
    opts.demo = a.demo;
    opts.min_free_bytes = a.min_free_mb.saturating_mul(1024 * 1024);
    opts.start = a.start;
    opts.insecure_lan = a.insecure_lan;
    if let (Some(cert), Some(key)) = (&a.tls_cert, &a.tls_key) {
        opts.tls = Some(server::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    opts.time_scale = a.time_scale.unwrap_or(if a.demo { 10.0 } else { 1.0 });
    if !(opts.time_scale.is_finite() && opts.time_scale > 0.0) {
        anyhow::bail!("--time-scale must be a positive number");
    }
    if a.demo && a.start.is_none() {
        let offset = chrono::FixedOffset::east_opt(8 * 3600).context("offset")?;
        let today = chrono::Utc::now().with_timezone(&offset).date_naive();
        let t = today.and_hms_opt(8, 55, 0).context("time")?;
        opts.start = t.and_local_timezone(offset).single();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let ship = a
        .ship_to
        .clone()
        .map(|to| {
            dashboard::city::ship_options(opts.db.clone(), a.config.as_ref(), to, a.ship.ship_what)
        })
        .transpose()?;
    rt.block_on(async move {
        let hall = server::start(opts).await?;
        // Started after the hall, which creates and checks the database first.
        let shipper = ship.map(city::ship::ShipHandle::spawn).transpose()?;
        let r = server::run_until_signal(hall).await;
        if let Some(s) = shipper {
            tokio::task::spawn_blocking(move || s.stop()).await.ok();
        }
        r
    })?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.cmd {
        Cmd::Serve(a) => serve(a),
        Cmd::Watch(a) => dashboard::watch::watch(a),
        Cmd::Token(a) => tokens::token(a),
        Cmd::Keys(a) => keys::keys(a),
        Cmd::Tls(a) => dashboard::tls::tls(a),
        Cmd::VerifyReceipt(a) => keys::verify_receipt_cmd(a),
        Cmd::VerifyLog(a) => logtools::verify_log_cmd(a),
        Cmd::Purge(a) => logtools::purge_cmd(a),
        Cmd::Report(a) => dashboard::report::report(a),
        Cmd::Ratings(a) => dashboard::ratings::ratings(a),
        Cmd::Calendar(a) => tools::calendar(a),
        Cmd::CheckId(a) => tools::check_id(a),
        Cmd::Staffing(a) => tools::staffing(a),
        Cmd::Ship(a) => dashboard::city::ship(a),
        Cmd::City(a) => dashboard::city::city(a),
        Cmd::Backup(a) => dashboard::backup::backup(a),
        Cmd::Restore(a) => dashboard::backup::restore(a),
        Cmd::Doctor(a) => dashboard::doctor::doctor(a),
        Cmd::Backtest(a) => dashboard::backtest::backtest(a),
        Cmd::Simulate(a) => dashboard::simulate::simulate(a),
        Cmd::NotifySink(a) => dashboard::notify::notify_sink(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 error: {e:#}");
            ExitCode::from(2)
        }
    }
}
