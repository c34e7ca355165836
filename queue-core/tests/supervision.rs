//! Alerts and staffing advice driven by the hall clock (GZ Art 6, 8, 10).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, kiosk, manager, Driver};
use queue_core::supervision::AlertKind;
use serde_json::{json, Value};

fn kinds(d: &Driver) -> Vec<(AlertKind, String)> {
    d.hall
        .supervision
        .alerts
        .values()
        .map(|a| (a.kind, a.id.clone()))
        .collect()
}

fn has(d: &Driver, id: &str) -> bool {
    d.hall.supervision.alerts.contains_key(id)
}

fn events_of(d: &Driver, kind: &str) -> Vec<Value> {
    d.log
        .iter()
        .map(|r| serde_json::to_value(&r.event).unwrap())
        .filter(|v| v["kind"] == kind)
        .collect()
}

#[test]
fn piling_up_raises_alerts_and_a_recommendation_and_opening_windows_clears_them() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    // Queue C (不动产登记): windows 7, 8 and the assisted window 14 serve it; 16-minute
    // services; target 20 min.
    for _ in 0..18 {
        d.run(kiosk(), json!({"kind":"issue_ticket","queue":"C"}))
            .unwrap();
        d.advance_minutes(1);
    }
    d.tick();
    assert!(has(&d, "estimate_over_target:C"), "{:?}", kinds(&d));
    d.advance_minutes(15);
    d.tick();
    assert!(
        has(&d, "long_wait:C"),
        "first ticket has waited 33 min > 30: {:?}",
        kinds(&d)
    );
    let rec = events_of(&d, "recommendation")
        .into_iter()
        .rev()
        .find(|r| r["queue"] == "C")
        .unwrap();
    let open = rec["open_windows"].as_u64().unwrap();
    let recommended = rec["recommended_windows"].as_u64().unwrap();
    assert_eq!(open, 3);
    assert!(recommended > open, "more windows recommended: {rec}");
    assert!(
        rec["predicted_wait_seconds_recommended"].as_f64().unwrap()
            < rec["predicted_wait_seconds"]
                .as_f64()
                .unwrap_or(f64::INFINITY),
        "the recommendation predicts a shorter wait: {rec}"
    );
    let closed: Vec<u64> = rec["closed_windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(closed.contains(&11) && closed.contains(&12), "{rec}");
    // The manager opens the recommended windows for C; windows call and the line shrinks.
    let extra = usize::try_from(recommended - open).unwrap();
    let mut windows = vec![7u32, 8, 14];
    for w in closed.iter().take(extra) {
        let w = u32::try_from(*w).unwrap();
        d.run(
            manager(),
            json!({"kind":"set_window","window":w,"state":"open","queues":["C"]}),
        )
        .unwrap();
        windows.push(w);
    }
    for _ in 0..6 {
        for &w in &windows {
            if d.call(w).is_ok() {
                d.run(counter(w), json!({"kind":"finish"})).unwrap();
            }
        }
        d.advance_minutes(2);
        d.tick();
    }
    assert!(
        !has(&d, "long_wait:C"),
        "long-wait alert cleared: {:?}",
        kinds(&d)
    );
    assert!(
        !has(&d, "estimate_over_target:C"),
        "estimate alert cleared: {:?}",
        kinds(&d)
    );
    let cleared = events_of(&d, "alert_cleared");
    assert!(cleared.iter().any(|c| c["alert"]["id"] == "long_wait:C"));
    // Raised once, not on every tick.
    let raised = events_of(&d, "alert_raised")
        .into_iter()
        .filter(|a| a["alert"]["id"] == "long_wait:C")
        .count();
    assert_eq!(raised, 1);
}

#[test]
fn an_idle_window_with_people_waiting_is_flagged() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    d.run(kiosk(), json!({"kind":"issue_ticket","queue":"E"}))
        .unwrap();
    d.advance_minutes(3);
    d.tick();
    assert!(!has(&d, "idle_window:10"));
    d.advance_minutes(3);
    d.tick();
    assert!(has(&d, "idle_window:10"), "{:?}", kinds(&d));
    d.call(10).unwrap();
    d.tick();
    assert!(!has(&d, "idle_window:10"));
}

#[test]
fn a_deferred_notice_due_tomorrow_alerts_the_supervisor() {
    let mut d = Driver::new(at(2026, 9, 30, 10, 0));
    let c = d
        .run(counter(1), json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"李四","id_number":"440524188001010014"}}))
        .unwrap();
    let serial = c["case"]["serial"].as_str().unwrap().to_string();
    d.run(
        counter(1),
        json!({"kind":"case_decide","case":serial,"decision":"defer_notice"}),
    )
    .unwrap();
    let id = format!("notice_due:{serial}");
    d.now = at(2026, 10, 9, 10, 0); // due 10-13; next working day after 10-09 is 10-10 (make-up Saturday)
    d.tick();
    assert!(!has(&d, &id));
    d.now = at(2026, 10, 12, 10, 0); // due tomorrow
    d.tick();
    assert!(has(&d, &id), "{:?}", kinds(&d));
    d.now = at(2026, 10, 14, 9, 0); // past: deemed accepted, alert gone
    d.tick();
    assert!(!has(&d, &id));
    assert_eq!(events_of(&d, "case_deemed_accepted").len(), 1);
}

#[test]
fn an_id_card_reader_fault_is_named_as_such() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    d.run(
        counter(3),
        json!({"kind":"report_device","device":"id_reader","ok":false,"message":"阅读器安全模块自检失败"}),
    )
    .unwrap();
    d.tick();
    let alert = d
        .hall
        .supervision
        .alerts
        .get("device_fault:3:id_reader")
        .expect("alert raised");
    assert!(
        alert.message.contains("3 号窗口身份证阅读器故障"),
        "{}",
        alert.message
    );
    d.run(
        counter(3),
        json!({"kind":"report_device","device":"id_reader","ok":true}),
    )
    .unwrap();
    d.tick();
    assert!(!has(&d, "device_fault:3:id_reader"));
}

#[test]
fn device_faults_and_urgent_refusals_are_reported_until_resolved() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    d.run(
        counter(3),
        json!({"kind":"report_device","device":"printer","ok":false,"message":"缺纸 paper out"}),
    )
    .unwrap();
    d.tick();
    assert!(has(&d, "device_fault:3:printer"));
    d.run(
        counter(3),
        json!({"kind":"report_device","device":"printer","ok":true}),
    )
    .unwrap();
    d.tick();
    assert!(!has(&d, "device_fault:3:printer"));
    // The entrance kiosk has no window: its faults are reported as the kiosk's.
    d.run(
        kiosk(),
        json!({"kind":"report_device","device":"printer","ok":false,"message":"缺纸"}),
    )
    .unwrap();
    d.tick();
    assert!(has(&d, "device_fault:kiosk:printer"), "{:?}", kinds(&d));
    d.run(
        counter(1),
        json!({"kind":"refuse_urgent","queue":"A","reason":"非本中心事项"}),
    )
    .unwrap();
    d.tick();
    let id = d
        .hall
        .supervision
        .alerts
        .values()
        .find(|a| a.kind == AlertKind::UrgentRefused)
        .map(|a| a.id.clone())
        .expect("urgent refusal reported");
    let sup = queue_core::auth::Actor {
        role: queue_core::auth::Role::Supervisor,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    };
    d.run(sup, json!({"kind":"ack_alert","alert":id})).unwrap();
    d.tick();
    assert!(!has(&d, &id), "acknowledged refusal cleared");
    let e = d.run(
        counter(1),
        json!({"kind":"refuse_urgent","queue":"A","reason":"  "}),
    );
    assert_eq!(e.unwrap_err().0, "bad_request", "a refusal needs a reason");
}

#[test]
fn unacknowledged_refusal_alerts_are_capped() {
    // Issue #10: every refusal raised its own alert until acknowledged, without bound.
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    let n = queue_core::supervision::MAX_OPEN_REFUSALS + 15;
    for i in 0..n {
        d.run(
            counter(1),
            json!({"kind":"refuse_urgent","queue":"A","reason":format!("理由 {i}")}),
        )
        .unwrap();
        d.now += chrono::Duration::seconds(1);
        d.tick();
    }
    let refusals: Vec<_> = d
        .hall
        .supervision
        .alerts
        .values()
        .filter(|a| a.kind == AlertKind::UrgentRefused)
        .collect();
    assert_eq!(
        refusals.len(),
        queue_core::supervision::MAX_OPEN_REFUSALS + 1
    );
    let folded = refusals
        .iter()
        .find(|a| a.id == "urgent_refused:earlier")
        .expect("a summary of the older ones");
    assert!(
        folded.message_en.contains("15 earlier"),
        "{}",
        folded.message_en
    );
    // The newest stay one by one.
    assert!(refusals
        .iter()
        .any(|a| a.message.contains(&format!("理由 {}", n - 1))));
    // Replay gives the same alerts.
    assert_eq!(d.replayed().supervision, d.hall.supervision);
}
