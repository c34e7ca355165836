//! Shared helpers for queue-core's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod desk;

use chrono::{DateTime, FixedOffset, TimeZone};
use ed25519_dalek::SigningKey;
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::hall::{Command, Event, Hall};
use queue_core::store::EventRecord;
use serde_json::{json, Value};

pub fn hall() -> Hall {
    Hall::new(
        HallConfig::sample().unwrap(),
        Calendar::embedded(),
        SigningKey::from_bytes(&[7u8; 32]),
    )
}

pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
}

pub fn counter(w: u32) -> Actor {
    Actor {
        role: Role::Counter,
        window: Some(w),
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

pub fn kiosk() -> Actor {
    Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

pub fn manager() -> Actor {
    Actor {
        role: Role::Manager,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

/// Runs a command against an in-memory hall, applying its events; keeps a log for replay.
pub struct Driver {
    pub hall: Hall,
    pub log: Vec<EventRecord>,
    pub now: DateTime<FixedOffset>,
}

impl Driver {
    pub fn new(now: DateTime<FixedOffset>) -> Self {
        Self {
            hall: hall(),
            log: Vec::new(),
            now,
        }
    }

    pub fn run(&mut self, actor: Actor, cmd: Value) -> Result<Value, (String, String)> {
        let c = Command::from_json(&cmd).map_err(|e| (e.code().to_string(), e.to_string()))?;
        let d = self
            .hall
            .decide(&c, actor, self.now)
            .map_err(|e| (e.code().to_string(), e.to_string()))?;
        for ev in d.events {
            self.push(ev);
        }
        Ok(d.result)
    }

    pub fn push(&mut self, ev: Event) {
        let seq = self.log.len() as u64 + 1;
        self.hall.apply(&ev, self.now);
        self.log.push(EventRecord {
            seq,
            at: self.now,
            event: ev,
        });
    }

    /// As the writer does: settle time-driven events in a few rounds at the same instant.
    pub fn tick(&mut self) {
        for _ in 0..3 {
            let events = self.hall.tick(self.now);
            if events.is_empty() {
                break;
            }
            for ev in events {
                self.push(ev);
            }
        }
    }

    pub fn issue(&mut self, queue: &str, channel: &str) -> Value {
        self.run(
            kiosk(),
            json!({"kind":"issue_ticket","queue":queue,"channel":channel}),
        )
        .unwrap()["ticket"]
            .clone()
    }

    pub fn call(&mut self, w: u32) -> Result<Value, (String, String)> {
        self.run(counter(w), json!({"kind":"call_next"}))
            .map(|r| r["ticket"].clone())
    }

    pub fn advance_minutes(&mut self, m: i64) {
        self.now += chrono::Duration::minutes(m);
    }

    pub fn replayed(&self) -> Hall {
        let mut h = hall();
        for r in &self.log {
            h.apply(&r.event, r.at);
        }
        h
    }
}
