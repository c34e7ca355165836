//! The scripted hall behind the report tests: a real database written by the real writer,
//! and readers for the files the report writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use dashboard::report::{self, Month, MonthlyReport};
use ed25519_dalek::SigningKey;
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::clock::{Clock, ManualClock};
use queue_core::config::HallConfig;
use queue_core::hall::{Command, Hall};
use queue_core::service::{HallService, ServiceOptions};
use serde_json::{json, Value};

pub const ID_NUMBER: &str = "440524188001010014";
pub const NAME: &str = "张三";

pub fn at(m: u32, d: u32, h: u32, min: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, m, d, h, min, 0)
        .unwrap()
}

pub fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

pub fn kiosk() -> Actor {
    Actor {
        role: Role::Kiosk,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

/// Each window's clerk signs in with token 100 + window: ratings count per staff member.
pub fn counter(w: u32) -> Actor {
    Actor {
        role: Role::Counter,
        window: Some(w),
        token: Some(100 + i64::from(w)),
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

pub fn supervisor() -> Actor {
    Actor {
        role: Role::Supervisor,
        window: None,
        token: Some(90),
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

/// The real writer with a hand-moved clock. Ticks are an hour of real time apart, so the only
/// tick is the one at start-up: alerts happen exactly where the script restarts the hall.
pub struct HallUnderTest {
    pub db: PathBuf,
    pub clock: Arc<ManualClock>,
    pub svc: HallService,
}

impl HallUnderTest {
    pub fn start(db: &Path, now: DateTime<FixedOffset>) -> Self {
        let clock = Arc::new(ManualClock::new(now));
        let hall = Hall::new(
            HallConfig::sample().unwrap(),
            Calendar::embedded(),
            SigningKey::from_bytes(&[7; 32]),
        );
        let svc = HallService::start(
            db,
            hall,
            clock.clone(),
            Box::new(|_| {}),
            ServiceOptions {
                tick_every: Duration::from_secs(3600),
                ..ServiceOptions::default()
            },
        )
        .unwrap();
        // A refused command is answered only after the start-up tick has been committed.
        let o = svc.submit_wait(
            counter(16),
            Command::from_json(&json!({"kind":"call_next"})).unwrap(),
            None,
        );
        assert!(!o.ok, "nothing to call at start-up: {o:?}");
        Self {
            db: db.to_path_buf(),
            clock,
            svc,
        }
    }

    pub fn restart(self, now: DateTime<FixedOffset>) -> Self {
        self.svc.shutdown();
        Self::start(&self.db, now)
    }

    pub fn run(&self, when: DateTime<FixedOffset>, actor: Actor, cmd: Value) -> Value {
        // The writer never goes back in time; a script that did would test something else.
        assert!(
            when >= self.clock.now(),
            "script goes back in time at {cmd}"
        );
        self.clock.set(when);
        let o = self
            .svc
            .submit_wait(actor, Command::from_json(&cmd).unwrap(), None);
        assert!(o.ok, "{cmd}: {o:?}");
        o.result.unwrap_or(Value::Null)
    }

    pub fn issue(&self, when: DateTime<FixedOffset>, queue: &str, channel: &str) -> String {
        let r = self.run(
            when,
            kiosk(),
            json!({"kind":"issue_ticket","queue":queue,"channel":channel}),
        );
        r["ticket"]["id"].as_str().unwrap().to_string()
    }

    /// Calls the next ticket at `w` and starts serving it; checks which ticket came.
    pub fn call(&self, w: u32, when: DateTime<FixedOffset>, expect: &str) {
        let r = self.run(when, counter(w), json!({"kind":"call_next"}));
        assert_eq!(r["ticket"]["id"], expect, "calling order");
        self.run(when, counter(w), json!({"kind":"start_service"}));
    }

    pub fn finish(&self, w: u32, when: DateTime<FixedOffset>) {
        self.run(when, counter(w), json!({"kind":"finish"}));
    }

    /// The applicant rates at the kiosk; the rating counts for window `w`, which served.
    pub fn rate(&self, w: u32, when: DateTime<FixedOffset>, ticket: &str, rating: u8) {
        let mut cmd = json!({"kind":"evaluate","ticket":ticket,"rating":rating});
        if rating <= 2 {
            cmd["reason"] = json!("等候太久");
        }
        let r = self.run(when, kiosk(), cmd);
        assert_eq!(
            r["evaluation"]["window"], w,
            "counts for the serving window"
        );
    }

    pub fn case(
        &self,
        when: DateTime<FixedOffset>,
        item: &str,
        materials: &[&str],
        decision: &str,
    ) {
        let r = self.run(
            when,
            counter(1),
            json!({"kind":"case_open","item":item,
                   "applicant":{"kind":"person","name":NAME,"id_number":ID_NUMBER}}),
        );
        let case = r["case"]["id"].as_str().unwrap().to_string();
        let mats: Vec<Value> = materials
            .iter()
            .map(|m| json!({"material":m,"status":"submitted"}))
            .collect();
        self.run(
            when,
            counter(1),
            json!({"kind":"case_materials","case":case,"materials":mats}),
        );
        self.run(
            when,
            counter(1),
            json!({"kind":"case_decide","case":case,"decision":decision}),
        );
    }
}

/// March 2026 (Mon 2nd, Tue 3rd) and one ticket at 07:30 on 1 April — 23:30 UTC on 31 March,
/// so a report that used UTC dates would count it in March.
pub fn scripted_hall(dir: &Path) -> PathBuf {
    let db = dir.join("hall.db");
    let h = HallUnderTest::start(&db, at(3, 2, 9, 0));

    // Day 1. A: waits 5, 10, 20 min; service 10, 20, 30 min. B001 no-show after 31 min.
    let a1 = h.run(
        at(3, 2, 9, 0),
        kiosk(),
        json!({"kind":"issue_ticket","queue":"A","id_number":ID_NUMBER}),
    )["ticket"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.issue(at(3, 2, 9, 0), "B", "walk_in");
    h.call(1, at(3, 2, 9, 5), &a1);
    let a2 = h.issue(at(3, 2, 9, 10), "A", "green");
    h.finish(1, at(3, 2, 9, 15));
    h.rate(1, at(3, 2, 9, 15), &a1, 5);
    h.case(
        at(3, 2, 9, 16),
        "QY001",
        &["M1", "M2", "M3", "M4", "M5"],
        "accept",
    );
    h.case(at(3, 2, 9, 17), "QY002", &["M1", "M2", "M3"], "complete");
    h.call(1, at(3, 2, 9, 20), &a2);
    h.run(at(3, 2, 9, 31), counter(4), json!({"kind":"call_next"}));
    h.run(at(3, 2, 9, 36), counter(4), json!({"kind":"no_show"}));
    h.finish(1, at(3, 2, 9, 40));
    h.rate(1, at(3, 2, 9, 40), &a2, 2);
    let a3 = h.issue(at(3, 2, 9, 40), "A", "walk_in");
    h.call(1, at(3, 2, 10, 0), &a3);
    h.finish(1, at(3, 2, 10, 30));

    // Day 2. A: wait 40, service 6 (urgent). B: wait 50, service 20; B002 cancelled.
    let a1 = h.issue(at(3, 3, 9, 0), "A", "urgent");
    let b1 = h.issue(at(3, 3, 9, 0), "B", "walk_in");
    h.call(1, at(3, 3, 9, 40), &a1);
    h.finish(1, at(3, 3, 9, 46));
    h.call(4, at(3, 3, 9, 50), &b1);
    let b2 = h.issue(at(3, 3, 10, 0), "B", "walk_in");
    h.run(
        at(3, 3, 10, 5),
        counter(4),
        json!({"kind":"cancel_ticket","ticket":b2}),
    );
    h.finish(4, at(3, 3, 10, 10));
    h.rate(4, at(3, 3, 10, 10), &b1, 4);
    h.run(
        at(3, 3, 10, 15),
        counter(4),
        json!({"kind":"refuse_urgent","queue":"B","reason":"不属于急事急办范围"}),
    );
    // The 2 March bad rating is called back and rectified, never fed back (overdue at the
    // month's end); a complaint is referred, a 办不成事 request answered.
    let f = "440114-H20260302-001";
    for (m, kind) in [(16, "follow_up_callback"), (17, "follow_up_rectify")] {
        h.run(
            at(3, 3, 10, m),
            supervisor(),
            json!({"kind":kind,"follow_up":f,"note":"已处理"}),
        );
    }
    let r = h.run(
        at(3, 3, 10, 18),
        counter(4),
        json!({"kind":"request_record","category":"complaint",
               "applicant":{"name":NAME,"id_number":ID_NUMBER},"matter":"社保转移被推诿"}),
    );
    h.run(
        at(3, 3, 10, 18),
        counter(4),
        json!({"kind":"request_refer","request":r["request"]["id"],
               "department":"花都区人力资源和社会保障局","note":"转社保科"}),
    );
    let r = h.run(
        at(3, 3, 10, 19),
        counter(1),
        json!({"kind":"request_record","category":"cannot_do",
               "applicant":{"name":NAME},"matter":"跨省迁移无法办理"}),
    );
    h.run(
        at(3, 3, 10, 19),
        counter(1),
        json!({"kind":"request_answer","request":r["request"]["id"],"note":"已告知可网上办理"}),
    );
    // The start-up tick records the refusal as an alert (GZ Art 10) on 3 March.
    let h = h.restart(at(3, 3, 10, 20));

    // Next month, before 08:00 local time.
    let a = h.issue(at(4, 1, 7, 30), "A", "walk_in");
    h.call(1, at(4, 1, 8, 0), &a);
    h.finish(1, at(4, 1, 8, 10));
    h.rate(1, at(4, 1, 8, 10), &a, 1);
    h.svc.shutdown();
    db
}

pub struct Out {
    pub dir: PathBuf,
}

impl Out {
    pub fn text(&self, file: &str) -> String {
        let bytes = std::fs::read(self.dir.join(file)).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    /// CSV rows without the BOM, split on commas (the figures contain none).
    pub fn csv(&self, file: &str) -> Vec<Vec<String>> {
        let text = self.text(file);
        let body = text.strip_prefix('\u{feff}').expect("BOM");
        body.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    /// The row whose first cell is `key`, as column name → value.
    pub fn row(&self, file: &str, key: &str) -> std::collections::BTreeMap<String, String> {
        let rows = self.csv(file);
        let header = rows[0].clone();
        let row = rows
            .iter()
            .find(|r| r[0] == key)
            .unwrap_or_else(|| panic!("{file}: no row {key}"));
        assert_eq!(row.len(), header.len(), "{file} {key}");
        header.into_iter().zip(row.iter().cloned()).collect()
    }
}

pub fn assert_cols(row: &std::collections::BTreeMap<String, String>, expect: &[(&str, &str)]) {
    for (col, v) in expect {
        let got = row
            .get(*col)
            .unwrap_or_else(|| panic!("no column {col} in {row:?}"));
        assert_eq!(got, v, "column {col}");
    }
}

pub fn make(db: &Path, month: &str, today: NaiveDate, out: &Path) -> (MonthlyReport, Out) {
    let month: Month = month.parse().unwrap();
    let r = report::build(db, month, today).unwrap();
    report::write(&r, out).unwrap();
    (
        r,
        Out {
            dir: out.to_path_buf(),
        },
    )
}
