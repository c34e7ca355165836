//! `dashboard ship` and `dashboard city …`: the hall's side of the city-wide view (shipping
//! to PostgreSQL) and the city manager's tools (web page and stream, TUI, monthly report).
//! The database work itself is in the `city` crate; this module is commands and screens.

mod serve;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use city::facts::ShipSet;
use city::ship::{CentreInfo, ShipOptions, Shipper};
use city::PgTarget;
use queue_core::config::HallConfig;

pub use serve::{start as start_city_server, CityServeOptions, RunningCity};
pub use watch::{CityWatchArgs, CityWatchView};

fn parse_pg(s: &str) -> Result<PgTarget, String> {
    s.parse().map_err(|e: city::CityError| e.to_string())
}

fn parse_ship_set(s: &str) -> Result<ShipSet, String> {
    ShipSet::parse(s)
}

/// What `serve --ship-to` and `ship` share.
#[derive(Debug, Clone, clap::Args)]
pub struct ShipTargetArgs {
    /// What to ship: any of tickets, windows, alerts, cases, ratings (or all). Never any
    /// personal data: see ARCHITECTURE.md, "What leaves the centre".
    #[arg(long, value_parser = parse_ship_set, default_value = "all")]
    pub ship_what: ShipSet,
}

#[derive(Debug, clap::Args)]
pub struct ShipArgs {
    /// The hall's SQLite database.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The city database, e.g. postgres://hall@city-db.example/city?sslmode=require.
    #[arg(long, value_parser = parse_pg, env = "CITY_PG", hide_env_values = true)]
    pub to: PgTarget,
    /// The centre's hall.toml (centre code, name, departments); the sample centre if absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Keep shipping new events until interrupted (otherwise: catch up, then exit).
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub what: ShipTargetArgs,
}

/// Shipping options for a hall database and configuration.
///
/// # Errors
/// An unreadable configuration file.
pub fn ship_options(
    db: PathBuf,
    config: Option<&PathBuf>,
    to: PgTarget,
    what: ShipSet,
) -> anyhow::Result<ShipOptions> {
    let config = match config {
        Some(p) => HallConfig::load(p)?,
        None => HallConfig::sample()?,
    };
    let mut o = ShipOptions::new(db, to, CentreInfo::from_config(&config));
    o.set = what;
    Ok(o)
}

/// `dashboard ship`: catch the city database up with an existing hall database.
///
/// # Errors
/// Configuration, database or chain errors.
pub fn ship(a: &ShipArgs) -> anyhow::Result<ExitCode> {
    let db = a.db.clone().unwrap_or_else(crate::paths::default_db);
    if !db.exists() {
        anyhow::bail!("大厅数据库不存在 no hall database at {}", db.display());
    }
    let opts = ship_options(db, a.config.as_ref(), a.to.clone(), a.what.ship_what)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async {
        let centre = opts.centre.code.clone();
        let target = opts.target.to_string();
        let mut shipper = Shipper::open(opts)?;
        if a.follow {
            let (stop, stop_rx) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop.send(true);
            });
            shipper.run(stop_rx).await?;
        } else {
            let n = shipper.ship_available().await?;
            let status = shipper.status();
            let seq = status.lock().map(|s| s.shipped_seq).unwrap_or(0);
            println!("已发送 shipped {n} events of centre {centre} to {target}; the city now holds up to seq {seq}");
        }
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct CityArgs {
    #[command(subcommand)]
    pub cmd: CityCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum CityCmd {
    /// Serve the city page `/city` and its stream `/city/ws` from the city database.
    Serve(serve::CityServeArgs),
    /// Every centre in the terminal, live; Enter drills into one.
    Watch(CityWatchArgs),
    /// GZ 19 monthly figures per centre and per department across the city (CSV).
    Report(CityReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct CityReportArgs {
    /// The month, YYYY-MM.
    #[arg(long)]
    pub month: String,
    /// The city database.
    #[arg(long, value_parser = parse_pg, env = "CITY_PG", hide_env_values = true)]
    pub pg: PgTarget,
    /// Write centres.csv and departments.csv (UTF-8 with BOM, for spreadsheets) here;
    /// otherwise print both to standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs a `dashboard city …` command.
///
/// # Errors
/// As the command's.
pub fn city(a: &CityArgs) -> anyhow::Result<ExitCode> {
    match &a.cmd {
        CityCmd::Serve(s) => serve::serve_cmd(s),
        CityCmd::Watch(w) => watch::watch(w),
        CityCmd::Report(r) => report(r),
    }
}

fn report(a: &CityReportArgs) -> anyhow::Result<ExitCode> {
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", a.month), "%Y-%m-%d")
        .with_context(|| format!("--month {:?}: expected YYYY-MM", a.month))?;
    let month = crate::report::Month::of(first);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let m = rt.block_on(async {
        let client = a.pg.connect(None).await?;
        city::report::month(&client, month.first_day(), month.last_day()).await
    })?;
    let centres = m.centres_csv();
    let departments = m.departments_csv();
    match &a.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
            for (name, body) in [("centres.csv", &centres), ("departments.csv", &departments)] {
                let path = dir.join(name);
                std::fs::write(&path, format!("\u{feff}{body}"))
                    .with_context(|| format!("{}", path.display()))?;
                println!("{}", path.display());
            }
        }
        None => {
            println!(
                "# {} — {}\n{centres}\n{departments}",
                m.first_day, m.last_day
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
