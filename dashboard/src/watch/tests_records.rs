//! Follow-ups and 办不成事/complaint records in `watch`: from a real hall's supervisor
//! snapshot and events, open ones listed by urgency, applicants masked, closed ones gone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use chrono::{DateTime, FixedOffset};
use queue_core::auth::{Actor, Role};
use queue_core::calendar::Calendar;
use queue_core::config::HallConfig;
use queue_core::document::SigningKey;
use queue_core::hall::{Command, Event, Hall, Viewer};
use serde_json::{json, Value};

use super::tests::{render, screen};
use super::*;
use crate::client::{Incoming, Link};

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn run(hall: &mut Hall, actor: Actor, now: DateTime<FixedOffset>, cmd: Value) -> Vec<Event> {
    let d = hall
        .decide(&Command::from_json(&cmd).unwrap(), actor, now)
        .unwrap();
    for e in &d.events {
        hall.apply(e, now);
    }
    d.events
}

const KIOSK: Actor = Actor {
    role: Role::Kiosk,
    window: None,
    token: None,
    departments: queue_core::auth::DepartmentScope::ALL,
};
const CLERK: Actor = Actor {
    role: Role::Counter,
    window: Some(1),
    token: Some(41),
    departments: queue_core::auth::DepartmentScope::ALL,
};
const SUPERVISOR: Actor = Actor {
    role: Role::Supervisor,
    window: None,
    token: Some(9),
    departments: queue_core::auth::DepartmentScope::ALL,
};

#[test]
fn records_are_listed_by_urgency_masked_and_leave_when_closed() {
    let mut hall = Hall::new(
        HallConfig::sample().unwrap(),
        Calendar::embedded(),
        SigningKey::from_bytes(&[7; 32]),
    );
    // Monday 23 November: a bad rating (due Monday 30th, due soon from Friday 27th).
    let day1 = t("2026-11-23T10:00:00+08:00");
    run(
        &mut hall,
        KIOSK,
        day1,
        json!({"kind":"issue_ticket","queue":"A"}),
    );
    run(&mut hall, CLERK, day1, json!({"kind":"call_next"}));
    run(&mut hall, CLERK, day1, json!({"kind":"finish"}));
    run(
        &mut hall,
        KIOSK,
        day1,
        json!({"kind":"evaluate","ticket":"A001","rating":1,"reason":"态度差"}),
    );
    // Thursday: a complaint (due 3 December).
    let day4 = t("2026-11-26T10:00:00+08:00");
    run(
        &mut hall,
        CLERK,
        day4,
        json!({"kind":"request_record","category":"complaint",
               "applicant":{"name":"张三","id_number":"440524188001010014"},"matter":"推诿"}),
    );
    // Friday: the supervisor's screen.
    let day5 = t("2026-11-27T09:00:00+08:00");
    let state = hall.snapshot(Role::Supervisor, None, day5);
    let mut app = App::new(Lang::Zh, "test");
    let t0 = Instant::now();
    for m in [
        Incoming::Link(Link::Online),
        Incoming::Welcome {
            role: "supervisor".into(),
            window: None,
            seq: 10,
            departments: Vec::new(),
        },
        Incoming::Snapshot { seq: 10, state },
    ] {
        update(&mut app, Msg::Hall(m, t0));
    }
    let s = screen(&render(&app, 160, 48));
    assert!(
        s.contains("差评与诉求") || s.contains("差评回访与诉求"),
        "{s}"
    );
    let follow = s.lines().find(|l| l.contains("H20261123-001")).expect(&s);
    assert!(
        follow.contains("将到期") && follow.contains("待回访") && follow.contains("11-30"),
        "{follow}"
    );
    let complaint = s.lines().find(|l| l.contains("T20261126-001")).expect(&s);
    assert!(
        complaint.contains("投诉") && complaint.contains("张*"),
        "{complaint}"
    );
    assert!(
        !s.contains("张三") && !s.contains("440524188001010014"),
        "{s}"
    );
    // Due soon comes before open.
    assert!(s.find("H20261123-001") < s.find("T20261126-001"));

    // The complaint is answered: it leaves the list; the follow-up moves on.
    let mut seq = 10;
    for (actor, cmd) in [
        (
            CLERK,
            json!({"kind":"request_answer","request":"440114-T20261126-001","note":"已答复"}),
        ),
        (
            SUPERVISOR,
            json!({"kind":"follow_up_callback","follow_up":"440114-H20261123-001","note":"已回访"}),
        ),
    ] {
        for e in run(&mut hall, actor, day5, cmd) {
            seq += 1;
            let shown = Viewer::new(Role::Supervisor, None).event(&e).unwrap();
            update(
                &mut app,
                Msg::Hall(
                    Incoming::Event {
                        seq,
                        at: day5.to_rfc3339(),
                        event: serde_json::to_value(&shown).unwrap(),
                    },
                    t0,
                ),
            );
        }
    }
    let s = screen(&render(&app, 160, 48));
    assert!(!s.contains("T20261126-001"), "{s}");
    let follow = s.lines().find(|l| l.contains("H20261123-001")).expect(&s);
    assert!(follow.contains("已回访"), "{follow}");
    insta::assert_snapshot!("records_160x48_zh", s);
}
