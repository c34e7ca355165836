//! Test helper: submits tickets from several threads to a hall on DB_PATH and prints
//! `ACK <key> <ticket id> <seq>` for each acknowledged one, until killed.
use std::io::Write;
use std::sync::Arc;

use chrono::TimeZone;
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::clock::ManualClock;
use queue_core::config::HallConfig;
use queue_core::hall::{Command, Hall};
use queue_core::service::{HallService, ServiceOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let db = args
        .next()
        .ok_or("usage: crash_writer DB_PATH THREADS ROUND")?;
    let threads: usize = args.next().unwrap_or_else(|| "4".into()).parse()?;
    let round = args.next().unwrap_or_else(|| "0".into());
    let offset = chrono::FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
    let start = offset
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .single()
        .ok_or("time")?;
    let hall = Hall::new(
        HallConfig::sample()?,
        Calendar::embedded(),
        ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]),
    );
    let svc = HallService::start(
        std::path::Path::new(&db),
        hall,
        Arc::new(ManualClock::new(start)),
        Box::new(|_| {}),
        ServiceOptions::default(),
    )?;
    let queues = ["A", "B", "C", "D", "E"];
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let svc = svc.clone();
            let round = round.clone();
            std::thread::spawn(move || {
                let actor = Actor {
                    role: Role::Kiosk,
                    window: None,
                    token: None,
                    departments: queue_core::auth::DepartmentScope::ALL,
                };
                for i in 0.. {
                    let q = queues[(t + i) % queues.len()];
                    let cmd = serde_json::json!({"kind":"issue_ticket","queue":q});
                    let Ok(cmd) = Command::from_json(&cmd) else {
                        return;
                    };
                    let key = format!("crash:{round}:{t}:{i}");
                    let o = svc.submit_wait(actor, cmd, Some(key.clone()));
                    if o.ok {
                        let id = o
                            .result
                            .as_ref()
                            .and_then(|r| r["ticket"]["id"].as_str().map(str::to_string))
                            .unwrap_or_default();
                        let mut out = std::io::stdout().lock();
                        let _ = writeln!(out, "ACK {key} {id} {}", o.seq.unwrap_or(0));
                        let _ = out.flush();
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    Ok(())
}
