//! The intake desk: a `Cases` projection driven by protocol-shaped commands on a manual clock.
#![allow(dead_code, clippy::unwrap_used)]

use chrono::{DateTime, FixedOffset, NaiveDate};
use ed25519_dalek::SigningKey;
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::intake::{
    Case, CaseCommand, CaseEvent, Cases, IntakeCtx, IntakeError, MaterialStatus,
};
use serde_json::{json, Value};

pub const PERSON: &str = "440524188001010014";
pub const PERSON2: &str = "11010519491231002X";
pub const USCC: &str = "91350100M000100Y43";
/// Valid characters, wrong check character (expected 3).
pub const USCC_BAD_CHECK: &str = "91350100M000100Y44";

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub struct Desk {
    pub hall: HallConfig,
    pub cal: Calendar,
    pub key: SigningKey,
    pub cases: Cases,
    pub now: DateTime<FixedOffset>,
}

impl Desk {
    pub fn new(date: &str) -> Self {
        Self::with(HallConfig::sample().unwrap(), date)
    }

    pub fn with(hall: HallConfig, date: &str) -> Self {
        let mut h = Self {
            hall,
            cal: Calendar::embedded(),
            key: SigningKey::from_bytes(&[7; 32]),
            cases: Cases::new(),
            now: DateTime::parse_from_rfc3339("2026-01-05T10:00:00+08:00").unwrap(),
        };
        h.at(date);
        h
    }

    /// Moves the hall clock to 10:00 local time on `date`.
    pub fn at(&mut self, date: &str) {
        self.now = DateTime::parse_from_rfc3339(&format!("{date}T10:00:00+08:00")).unwrap();
    }

    pub fn ctx(&self) -> IntakeCtx<'_> {
        IntakeCtx {
            now: self.now,
            hall: &self.hall,
            calendar: &self.cal,
            signer: &self.key,
            window: Some(3),
        }
    }

    /// Decides a protocol-shaped command and applies its events.
    pub fn run(&mut self, cmd: Value) -> Result<Vec<CaseEvent>, IntakeError> {
        let cmd: CaseCommand = serde_json::from_value(cmd).unwrap();
        let before = self.cases.clone();
        let evs = self.cases.decide(&cmd, &self.ctx());
        assert_eq!(before, self.cases, "decide must not mutate");
        let evs = evs?;
        for e in &evs {
            self.cases.apply(e);
        }
        Ok(evs)
    }

    pub fn code(&mut self, cmd: Value) -> &'static str {
        match self.run(cmd) {
            Ok(evs) => panic!("expected a refusal, got {:?}", kinds(&evs)),
            Err(e) => {
                // Every refusal has a bilingual message.
                let msg = e.to_string();
                assert!(msg.contains(" / "), "{msg}");
                e.code()
            }
        }
    }

    pub fn open(&mut self, item: &str) -> String {
        let evs = self
            .run(json!({"kind":"case_open","item":item,
                "applicant":{"kind":"person","name":"张三","id_number":PERSON},"ticket":"C012"}))
            .unwrap();
        assert_eq!(kinds(&evs), ["case_opened"]);
        evs[0].case().id.clone()
    }

    pub fn mats(&mut self, case: &str, m: &[(&str, &str)]) -> Result<Vec<CaseEvent>, IntakeError> {
        self.run(json!({"kind":"case_materials","case":case,"materials":reports(m)}))
    }

    pub fn supplement(
        &mut self,
        case: &str,
        m: &[(&str, &str)],
    ) -> Result<Vec<CaseEvent>, IntakeError> {
        self.run(json!({"kind":"case_supplement","case":case,"materials":reports(m)}))
    }

    pub fn decide(&mut self, case: &str, decision: &str) -> Result<Vec<CaseEvent>, IntakeError> {
        self.run(json!({"kind":"case_decide","case":case,"decision":decision}))
    }

    pub fn tick(&mut self) -> Vec<CaseEvent> {
        let evs = self.cases.tick(&self.ctx());
        for e in &evs {
            self.cases.apply(e);
        }
        evs
    }

    pub fn case(&self, id: &str) -> &Case {
        self.cases.get(id).unwrap()
    }

    pub fn status(&self, id: &str, m: &str) -> MaterialStatus {
        self.case(id).material(m).unwrap().status
    }
}

/// `("M2", "nonconforming:复印件不清晰")` → a report with a note.
pub fn reports(m: &[(&str, &str)]) -> Value {
    m.iter()
        .map(|(id, s)| match s.split_once(':') {
            Some((st, note)) => json!({"material":id,"status":st,"note":note}),
            None => json!({"material":id,"status":s}),
        })
        .collect()
}

pub fn kinds(evs: &[CaseEvent]) -> Vec<&'static str> {
    evs.iter().map(CaseEvent::kind).collect()
}

/// Every material of QY001 (企业设立登记) submitted.
pub const QY001_ALL: [(&str, &str); 5] = [
    ("M1", "submitted"),
    ("M2", "submitted"),
    ("M3", "submitted"),
    ("M4", "submitted"),
    ("M5", "submitted"),
];
