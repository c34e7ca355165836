//! Load tool for the city database: N simulated halls (each the real single writer on its own
//! SQLite file, driven by commands at a busy district's rate) shipping to one PostgreSQL.
//! Prints events/s ingested, lag from hall commit to city row (p50/p99/max), and database size
//! per hall-day. Starts its own throw-away PostgreSQL unless `--pg` is given. Bounded: stops by
//! itself after `--duration` seconds. Figures go to docs/benchmarks.md.
//!
//! cargo run --release -p city --bin city-load -- --halls 200 --tickets-per-hour 400 --duration 120

use std::sync::Arc;
use std::time::{Duration, Instant};

use city::pg_local::LocalPg;
use city::ship::{CentreInfo, ShipHandle, ShipOptions};
use queue_core::auth::Actor;
use queue_core::calendar::Calendar;
use queue_core::clock::SystemClock;
use queue_core::config::HallConfig;
use queue_core::document::generate_signing_key;
use queue_core::hall::{Command, Hall};
use queue_core::service::{HallService, ServiceOptions};
use serde_json::json;

struct Args {
    halls: usize,
    tickets_per_hour: f64,
    duration: u64,
    pg: Option<String>,
}

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn parse() -> Result<Args, String> {
    let args: Vec<String> = std::env::args().collect();
    let num = |name: &str, default: f64| -> Result<f64, String> {
        arg_value(&args, name).map_or(Ok(default), |v| {
            v.parse().map_err(|e| format!("{name} {v:?}: {e}"))
        })
    };
    Ok(Args {
        halls: num("--halls", 200.0)? as usize,
        tickets_per_hour: num("--tickets-per-hour", 400.0)?,
        duration: num("--duration", 120.0)? as u64,
        pg: arg_value(&args, "--pg"),
    })
}

fn actor(role: &str, window: Option<u32>) -> Result<Actor, String> {
    // Built from JSON so fields added to `Actor` later (defaulted) need no change here.
    serde_json::from_value(json!({"role": role, "window": window})).map_err(|e| e.to_string())
}

fn command(v: &serde_json::Value) -> Result<Command, String> {
    Command::from_json(v).map_err(|e| e.to_string())
}

#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
fn main() -> Result<(), String> {
    let a = parse()?;
    let local = if a.pg.is_none() {
        Some(
            LocalPg::start(u32::try_from(a.halls).unwrap_or(200) + 20)
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    let url =
        a.pg.clone()
            .or_else(|| local.as_ref().map(LocalPg::url))
            .ok_or("no database")?;
    let target: city::PgTarget = url.parse().map_err(|e: city::CityError| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("city-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let sample = HallConfig::sample().map_err(|e| e.to_string())?;
    let offset = sample.centre.offset();
    let mut halls = Vec::new();
    let mut shippers = Vec::new();
    for i in 0..a.halls {
        let mut cfg = sample.clone();
        cfg.centre.code = format!("L{i:04}");
        cfg.centre.name = format!("模拟中心 {i}");
        let db = dir.join(format!("hall-{i}.db"));
        let hall = Hall::new(cfg.clone(), Calendar::embedded(), generate_signing_key());
        let svc = HallService::start(
            &db,
            hall,
            Arc::new(SystemClock { offset }),
            Box::new(|_| {}),
            ServiceOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        let mut o = ShipOptions::new(db, target.clone(), CentreInfo::from_config(&cfg));
        o.poll = Duration::from_millis(100);
        shippers.push(ShipHandle::spawn(o).map_err(|e| e.to_string())?);
        halls.push(svc);
    }
    eprintln!("{} halls running, shipping to {target}", a.halls);
    let kiosk = actor("kiosk", None)?;
    let counter = actor("counter", Some(1))?;
    let issue = command(&json!({"kind": "issue_ticket", "queue": "A"}))?;
    let steps = [
        command(&json!({"kind": "call_next"}))?,
        command(&json!({"kind": "start_service"}))?,
        command(&json!({"kind": "finish"}))?,
    ];
    // Each ticket: issued, then called, started and finished at window 1.
    let per_second = a.tickets_per_hour * a.halls as f64 / 3600.0;
    let interval = Duration::from_secs_f64(1.0 / per_second.max(0.001));
    let started = Instant::now();
    let end = started + Duration::from_secs(a.duration);
    let mut n = 0usize;
    let mut next = Instant::now();
    while Instant::now() < end {
        let h = &halls[n % halls.len()];
        let _ = h.submit_wait(kiosk, issue.clone(), None);
        for s in &steps {
            let _ = h.submit_wait(counter, s.clone(), None);
        }
        n += 1;
        next += interval;
        if let Some(w) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(w);
        }
    }
    let driven = started.elapsed();
    eprintln!("{n} tickets in {driven:?}; waiting for the city to catch up");
    let heads: u64 = halls.iter().map(|h| h.read().seq).sum();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let report = rt.block_on(async {
        let c = target.connect(None).await.map_err(|e| e.to_string())?;
        let until = Instant::now() + Duration::from_secs(120);
        loop {
            let r = c
                .query_one("SELECT CAST(COALESCE(sum(last_seq), 0) AS BIGINT) FROM city_centres", &[])
                .await
                .map_err(|e| e.to_string())?;
            let shipped: i64 = r.get(0);
            if u64::try_from(shipped).unwrap_or(0) >= heads || Instant::now() > until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let r = c
            .query_one(
                "SELECT count(*),
                    CAST(percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM shipped_at - at)) AS DOUBLE PRECISION),
                    CAST(percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM shipped_at - at)) AS DOUBLE PRECISION),
                    CAST(max(extract(epoch FROM shipped_at - at)) AS DOUBLE PRECISION),
                    CAST(extract(epoch FROM max(shipped_at) - min(shipped_at)) AS DOUBLE PRECISION)
                 FROM city_events",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        let size = c
            .query_one(
                "SELECT CAST(sum(pg_total_relation_size(c.oid)) AS BIGINT) FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'city_%'",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        let events: i64 = r.get(0);
        let p50: f64 = r.get(1);
        let p99: f64 = r.get(2);
        let max: f64 = r.get(3);
        let span: f64 = r.get(4);
        let bytes: i64 = size.get(0);
        Ok::<_, String>((events, p50, p99, max, span, bytes))
    })?;
    let (events, p50, p99, max, span, bytes) = report;
    {
        let events_f = events as f64;
        let per_ticket = events_f / n.max(1) as f64;
        // A busy district centre's day: tickets_per_hour over 8 service hours.
        let day_events = a.tickets_per_hour * 8.0 * per_ticket;
        let bytes_per_event = bytes as f64 / events_f.max(1.0);
        println!("halls                 {}", a.halls);
        println!(
            "tickets driven        {n} ({:.1}/s)",
            n as f64 / driven.as_secs_f64()
        );
        println!("events in the city    {events} ({per_ticket:.1} per ticket; hall heads {heads})");
        println!(
            "ingest rate           {:.0} events/s (over {span:.1} s of shipping)",
            events_f / span.max(0.001)
        );
        println!(
            "lag commit→city row   p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            p50 * 1000.0,
            p99 * 1000.0,
            max * 1000.0
        );
        println!(
            "city tables size      {:.1} MiB, {bytes_per_event:.0} B per event",
            bytes as f64 / 1_048_576.0
        );
        println!(
            "per hall-day          {:.2} MiB ({:.0} events at {} tickets/h × 8 h)",
            day_events * bytes_per_event / 1_048_576.0,
            day_events,
            a.tickets_per_hour
        );
    }
    for s in shippers {
        s.stop();
    }
    for h in &halls {
        h.shutdown();
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
