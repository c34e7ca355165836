//! Bad-rating follow-ups and 办不成事/complaint records (issue 14): a low rating opens a
//! follow-up in the same decision with a deadline in working days of the hall calendar; it is
//! carried through 回访 → 整改 → 反馈; near-deadline and overdue alerts are raised once and
//! cleared; a complaint goes through 转办 → 督办 → 反馈; roles are enforced.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::{at, counter, kiosk, manager, Driver};
use queue_core::auth::{Actor, Role};
use queue_core::hall::Event;
use queue_core::redress::{FollowUpState, RedressEvent, RequestState};
use queue_core::supervision::SupervisionEvent;
use serde_json::json;

fn supervisor() -> Actor {
    Actor {
        role: Role::Supervisor,
        window: None,
        token: Some(77),
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

fn clerk(window: u32) -> Actor {
    Actor {
        token: Some(40 + i64::from(window)),
        departments: queue_core::auth::DepartmentScope::ALL,
        ..counter(window)
    }
}

/// Issues, serves and finishes one ticket in queue A at window 1; returns its number.
fn served(d: &mut Driver) -> String {
    d.issue("A", "walk_in");
    d.run(clerk(1), json!({"kind":"call_next"})).unwrap();
    let r = d.run(clerk(1), json!({"kind":"finish"})).unwrap();
    r["ticket"]["number"].as_str().unwrap().to_string()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Alert events of the log from `from` on: (raised?, id).
fn alert_events(d: &Driver, from: usize, prefix: &str) -> Vec<(bool, String)> {
    d.log[from..]
        .iter()
        .filter_map(|r| match &r.event {
            Event::Supervision(SupervisionEvent::AlertRaised { alert }) => {
                Some((true, alert.id.clone()))
            }
            Event::Supervision(SupervisionEvent::AlertCleared { alert }) => {
                Some((false, alert.id.clone()))
            }
            _ => None,
        })
        .filter(|(_, id)| id.starts_with(prefix))
        .collect()
}

#[test]
fn a_low_rating_opens_a_follow_up_due_in_working_days_over_the_qingming_holiday() {
    // Thursday 2 April 2026; 4–6 April is the Qingming holiday (Saturday to Monday).
    let mut d = Driver::new(at(2026, 4, 2, 10, 0));
    let number = served(&mut d);
    let before = d.log.len();
    let r = d
        .run(
            kiosk(),
            json!({"kind":"evaluate","ticket":number,"rating":1,"reason":"等太久"}),
        )
        .unwrap();
    // Rating and follow-up in one decision.
    let kinds: Vec<&str> = d.log[before..].iter().map(|r| r.event.kind()).collect();
    assert_eq!(kinds, ["evaluation_recorded", "follow_up_opened"]);
    let f = d.hall.redress.follow_ups.values().next().unwrap();
    assert_eq!(r["follow_up_id"], json!(f.id));
    assert_eq!(f.id, "440114-H20260402-001");
    assert_eq!(f.state, FollowUpState::Open);
    assert_eq!(f.rating, 1);
    assert_eq!(f.reason, "等太久");
    assert_eq!(f.window, Some(1));
    assert_eq!(f.staff, Some(41));
    assert_eq!(f.ticket_number.as_deref(), Some(number.as_str()));
    // Queue A is the market regulator's: its chief owns the follow-up.
    assert_eq!(f.owner.department.as_deref(), Some("花都区市场监督管理局"));
    assert_eq!(f.owner.staff, "SJ0101");
    // Fri 3 (1), holiday 4–6, Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5).
    assert_eq!(f.deadline.due_on, day(2026, 4, 10));
    assert_eq!(f.deadline.warn_on, day(2026, 4, 9));

    // A satisfied rating opens nothing.
    let number = served(&mut d);
    d.run(
        kiosk(),
        json!({"kind":"evaluate","ticket":number,"rating":3}),
    )
    .unwrap();
    assert_eq!(d.hall.redress.follow_ups.len(), 1);
}

#[test]
fn a_follow_up_goes_through_callback_rectification_and_feedback() {
    let mut d = Driver::new(at(2026, 3, 2, 9, 0));
    let number = served(&mut d);
    d.run(
        kiosk(),
        json!({"kind":"evaluate","ticket":number,"rating":2,"reason":"态度差"}),
    )
    .unwrap();
    let id = d.hall.redress.follow_ups.keys().next().unwrap().clone();
    // Out of order: rectification and feedback need the call-back first.
    for kind in ["follow_up_rectify", "follow_up_feedback"] {
        let e = d
            .run(supervisor(), json!({"kind":kind,"follow_up":id,"note":"x"}))
            .unwrap_err();
        assert_eq!(e.0, "conflict", "{kind}: {e:?}");
    }
    let e = d
        .run(
            supervisor(),
            json!({"kind":"follow_up_callback","follow_up":id,"note":"  "}),
        )
        .unwrap_err();
    assert_eq!(e.0, "bad_request", "an empty note is refused");
    let steps = [
        (
            "follow_up_callback",
            "已电话回访，申请人反映窗口解释不清",
            FollowUpState::CalledBack,
        ),
        (
            "follow_up_rectify",
            "窗口人员重新培训一次性告知",
            FollowUpState::Rectified,
        ),
        (
            "follow_up_feedback",
            "已告知申请人整改结果，申请人表示认可",
            FollowUpState::Closed,
        ),
    ];
    for (kind, note, state) in steps {
        d.advance_minutes(60);
        let r = d
            .run(manager(), json!({"kind":kind,"follow_up":id,"note":note}))
            .unwrap();
        assert_eq!(r["follow_up"]["state"], json!(state));
        assert_eq!(d.hall.redress.follow_ups[&id].state, state);
    }
    let f = &d.hall.redress.follow_ups[&id];
    assert_eq!(f.steps.len(), 3);
    assert!(f.closed_at.is_some());
    assert!(!f.closed_late());
    let e = d
        .run(
            supervisor(),
            json!({"kind":"follow_up_feedback","follow_up":id,"note":"again"}),
        )
        .unwrap_err();
    assert_eq!(e.0, "conflict", "closed stays closed");
}

#[test]
fn deadline_alerts_are_raised_once_and_cleared_once() {
    // Thursday 2 April 2026: due Friday 10 April, due soon from Thursday 9 April.
    let mut d = Driver::new(at(2026, 4, 2, 10, 0));
    let number = served(&mut d);
    d.run(
        kiosk(),
        json!({"kind":"evaluate","ticket":number,"rating":1,"reason":"材料被退回三次"}),
    )
    .unwrap();
    let id = d.hall.redress.follow_ups.keys().next().unwrap().clone();
    let due = format!("follow_up_due:{id}");
    let over = format!("follow_up_overdue:{id}");
    let start = d.log.len();
    d.tick();
    // Wednesday 8 April: nothing yet.
    d.now = at(2026, 4, 8, 9, 0);
    d.tick();
    assert!(alert_events(&d, start, "follow_up").is_empty());
    // Thursday 9 April: due soon, once however often the hall ticks.
    d.now = at(2026, 4, 9, 9, 0);
    d.tick();
    d.advance_minutes(30);
    d.tick();
    assert_eq!(alert_events(&d, start, "follow_up"), [(true, due.clone())]);
    let a = &d.hall.supervision.alerts[&due];
    assert_eq!(a.record.as_deref(), Some(id.as_str()));
    assert!(a.message.contains("2026-04-10"), "{}", a.message);
    // Saturday 11 April: overdue replaces due soon (in one tick: raises come first).
    d.now = at(2026, 4, 11, 9, 0);
    d.tick();
    d.tick();
    assert_eq!(
        alert_events(&d, start, "follow_up"),
        [
            (true, due.clone()),
            (true, over.clone()),
            (false, due.clone())
        ]
    );
    // Closing it late clears the overdue alert, once.
    for kind in [
        "follow_up_callback",
        "follow_up_rectify",
        "follow_up_feedback",
    ] {
        d.run(
            supervisor(),
            json!({"kind":kind,"follow_up":id,"note":"办理"}),
        )
        .unwrap();
    }
    d.tick();
    d.advance_minutes(10);
    d.tick();
    assert_eq!(
        alert_events(&d, start, "follow_up"),
        [
            (true, due.clone()),
            (true, over.clone()),
            (false, due),
            (false, over)
        ]
    );
    assert!(d.hall.redress.follow_ups[&id].closed_late());
}

#[test]
fn a_complaint_goes_through_referral_supervision_and_feedback() {
    let mut d = Driver::new(at(2026, 3, 2, 9, 0));
    let r = d
        .run(
            clerk(3),
            json!({"kind":"request_record","category":"complaint",
                   "applicant":{"name":"欧阳测甲","id_number":"440114199001011235"},
                   "matter":"营业执照变更被要求重复提交材料","item":"QY001"}),
        )
        .unwrap();
    let id = r["request"]["id"].as_str().unwrap().to_string();
    assert_eq!(id, "440114-T20260302-001");
    // The reply shows the applicant masked, even to the window that recorded it.
    assert_eq!(r["request"]["applicant"]["name"], "欧阳测甲", "raw result");
    let shown = queue_core::hall::Viewer::new(Role::Counter, Some(3)).reply(&r);
    assert_eq!(shown["request"]["applicant"]["name"], "欧***");
    assert_eq!(
        shown["request"]["applicant"]["id_number"],
        "4401**********1235"
    );
    let req = &d.hall.redress.requests[&id];
    assert_eq!(req.first_window, 3);
    assert_eq!(req.first_staff, Some(43));
    assert_eq!(req.state, RequestState::Received);
    assert_eq!(req.department.as_deref(), Some("花都区市场监督管理局"));
    assert_eq!(req.deadline.due_on, day(2026, 3, 9));

    // Another window is not the first responder.
    let e = d
        .run(
            clerk(2),
            json!({"kind":"request_refer","request":id,"department":"花都区市场监督管理局","note":"转"}),
        )
        .unwrap_err();
    assert_eq!(e.0, "forbidden", "{e:?}");
    let e = d
        .run(
            clerk(3),
            json!({"kind":"request_refer","request":id,"department":"没有这个局","note":"转"}),
        )
        .unwrap_err();
    assert_eq!(e.0, "not_found", "{e:?}");
    d.run(
        clerk(3),
        json!({"kind":"request_refer","request":id,"department":"花都区市场监督管理局","note":"请登记注册科核实"}),
    )
    .unwrap();
    assert_eq!(d.hall.redress.requests[&id].state, RequestState::Referred);
    // 督办 is a supervisor's: the counter is refused.
    let e = d
        .run(
            clerk(3),
            json!({"kind":"request_supervise","request":id,"note":"催办"}),
        )
        .unwrap_err();
    assert_eq!(e.0, "forbidden", "{e:?}");
    d.run(
        supervisor(),
        json!({"kind":"request_supervise","request":id,"note":"请两个工作日内答复"}),
    )
    .unwrap();
    assert_eq!(d.hall.redress.requests[&id].state, RequestState::Supervised);
    let r = d
        .run(
            clerk(3),
            json!({"kind":"request_answer","request":id,"note":"已告知申请人：材料一次性补齐即可办理"}),
        )
        .unwrap();
    assert_eq!(r["request"]["state"], "answered");
    let req = &d.hall.redress.requests[&id];
    let steps: Vec<_> = req.steps.iter().map(|s| s.step).collect();
    use queue_core::redress::StepKind::{Feedback, Referral, Supervision};
    assert_eq!(steps, [Referral, Supervision, Feedback]);
    assert!(req.closed_at.is_some());
    let e = d
        .run(
            supervisor(),
            json!({"kind":"request_answer","request":id,"note":"again"}),
        )
        .unwrap_err();
    assert_eq!(e.0, "conflict");
}

#[test]
fn a_counter_cannot_act_as_supervisor_and_public_terminals_record_nothing() {
    let mut d = Driver::new(at(2026, 3, 2, 9, 0));
    let number = served(&mut d);
    d.run(
        kiosk(),
        json!({"kind":"evaluate","ticket":number,"rating":1,"reason":"不满意"}),
    )
    .unwrap();
    let id = d.hall.redress.follow_ups.keys().next().unwrap().clone();
    for kind in [
        "follow_up_callback",
        "follow_up_rectify",
        "follow_up_feedback",
    ] {
        let e = d
            .run(
                clerk(1),
                json!({"kind":kind,"follow_up":id,"note":"自己回访"}),
            )
            .unwrap_err();
        assert_eq!(e.0, "forbidden", "{kind}");
    }
    let record = json!({"kind":"request_record","category":"cannot_do",
                        "applicant":{"name":"张三"},"matter":"跨区业务无法办理"});
    for a in [kiosk(), supervisor()] {
        let e = d.run(a, record.clone()).unwrap_err();
        assert_eq!(e.0, "forbidden", "{a:?}");
    }
    // A bad ID number is refused; one without is fine (personal data minimal).
    let mut bad = record.clone();
    bad["applicant"]["id_number"] = json!("440114199001011230");
    assert_eq!(d.run(clerk(2), bad).unwrap_err().0, "invalid_id");
    let r = d.run(clerk(2), record).unwrap();
    assert_eq!(r["request"]["id"], "440114-B20260302-001");
    let events: Vec<_> = d
        .log
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                Event::Redress(RedressEvent::RequestRecorded { .. })
            )
        })
        .collect();
    assert_eq!(events.len(), 1);
}

#[test]
fn serials_continue_after_replay() {
    let mut d = Driver::new(at(2026, 3, 2, 9, 0));
    let rec = |n: &str| {
        json!({"kind":"request_record","category":"cannot_do",
               "applicant":{"name":n},"matter":"事项无法办理"})
    };
    d.run(clerk(2), rec("甲")).unwrap();
    d.run(clerk(2), rec("乙")).unwrap();
    let mut replayed = d.replayed();
    assert_eq!(replayed.redress, d.hall.redress);
    std::mem::swap(&mut d.hall, &mut replayed);
    let r = d.run(clerk(2), rec("丙")).unwrap();
    assert_eq!(r["request"]["id"], "440114-B20260302-003");
    d.now = at(2026, 3, 3, 9, 0);
    let r = d.run(clerk(2), rec("丁")).unwrap();
    assert_eq!(r["request"]["id"], "440114-B20260303-001");
}

#[test]
fn the_redress_policy_and_chiefs_are_validated_with_their_keys() {
    use queue_core::config::{HallConfig, SAMPLE_HALL_TOML};
    let sample = HallConfig::sample().unwrap();
    assert_eq!(sample.redress.follow_up_working_days, 5);
    assert!(sample.departments.iter().all(|d| d.chief.is_some()));
    for (from, to, key) in [
        (
            "follow_up_working_days = 5",
            "follow_up_working_days = 0",
            "redress.follow_up_working_days",
        ),
        (
            "warn_working_days = 1",
            "warn_working_days = 5",
            "redress.warn_working_days",
        ),
        (
            r#"chief = { staff = "SJ0101", name = "陈首席" }"#,
            r#"chief = { staff = "SJ 01", name = "陈首席" }"#,
            "departments[0].chief.staff",
        ),
        (
            r#"chief = { staff = "ZX0001", name = "中心值班主任" }"#,
            r#"chief = { staff = "ZX0001", name = " " }"#,
            "redress.chief.name",
        ),
    ] {
        assert!(SAMPLE_HALL_TOML.contains(from), "{from}");
        let e = HallConfig::from_toml_str(&SAMPLE_HALL_TOML.replacen(from, to, 1), "t.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains(key), "{key}: {e}");
    }
}
