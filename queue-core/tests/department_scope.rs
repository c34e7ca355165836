//! GZ 8 over random command sequences: a department-scoped supervisor's snapshot holds every
//! case, follow-up, request and record alert of its departments and nothing of another's, and
//! its commands on records and alerts succeed only within its departments.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, Driver};
use proptest::prelude::*;
use queue_core::auth::{Actor, DepartmentScope, Role};
use queue_core::hall::scope;
use queue_core::hall::view::Viewer;
use serde_json::{json, Value};

const ITEMS: [&str; 3] = ["QY001", "BDC001", "SB001"];
const DEPARTMENTS: [&str; 3] = [
    "花都区市场监督管理局",
    "花都区不动产登记中心",
    "花都区人力资源和社会保障局",
];

fn supervisor(departments: DepartmentScope) -> Actor {
    Actor {
        role: Role::Supervisor,
        window: None,
        token: Some(99),
        departments,
    }
}

#[derive(Debug, Clone)]
enum Op {
    Open { item: usize, w: u32 },
    Rate { k: usize },
    Record { item: usize, w: u32 },
    Refer { k: usize, dept: usize },
    Wait { days: i64 },
    Chief { k: usize, s: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 1..4u32).prop_map(|(item, w)| Op::Open { item, w }),
        (0..8usize).prop_map(|k| Op::Rate { k }),
        (0..3usize, 1..4u32).prop_map(|(item, w)| Op::Record { item, w }),
        (0..8usize, 0..3usize).prop_map(|(k, dept)| Op::Refer { k, dept }),
        (1..4i64).prop_map(|days| Op::Wait { days }),
        (0..8usize, 0..3u8).prop_map(|(k, s)| Op::Chief { k, s }),
    ]
}

fn pick<T: Clone>(v: &[T], k: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[k % v.len()].clone())
}

/// Whether the record or alert `id` concerns one of `mine`'s departments.
fn concerns(d: &Driver, mine: DepartmentScope, id: &str) -> bool {
    let c = &d.hall.config;
    if let Some(f) = d.hall.redress.follow_ups.get(id) {
        return mine.sees(Some(scope::follow_up_bits(c, f)));
    }
    if let Some(r) = d.hall.redress.requests.get(id) {
        return mine.sees(Some(scope::request_bits(c, r)));
    }
    if let Some(a) = d.hall.supervision.alerts.get(id) {
        return mine.sees(scope::alert_bits(c, a));
    }
    panic!("no record or alert {id}");
}

fn listed(snapshot: &Value, key: &str, field: &str) -> Vec<String> {
    snapshot[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v[field].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_chief_sees_and_acts_on_its_departments_only(
        ops in prop::collection::vec(op(), 1..40)
    ) {
        let mut d = Driver::new(at(2026, 4, 1, 9, 0));
        let mine = scope::scope_of(&d.hall.config, &[DEPARTMENTS[0].to_string()]);
        let everyone = supervisor(DepartmentScope::ALL);
        let chief = supervisor(mine);
        for (n, op) in ops.iter().enumerate() {
            let follow_ups: Vec<String> = d.hall.redress.follow_ups.keys().cloned().collect();
            let requests: Vec<String> = d.hall.redress.requests.keys().cloned().collect();
            let cases: Vec<String> = d.hall.cases.iter().map(|c| c.id.clone()).collect();
            match op {
                Op::Open { item, w } => {
                    let _ = d.run(counter(*w), json!({"kind":"case_open","item":ITEMS[*item],
                        "applicant":{"kind":"person","name":"张三","id_number":"440524188001010014"}}));
                }
                Op::Rate { k } => {
                    if let Some(c) = pick(&cases, *k) {
                        let _ = d.run(everyone, json!({"kind":"evaluate","case":c,"rating":1,"reason":"慢"}));
                    }
                }
                Op::Record { item, w } => {
                    let _ = d.run(counter(*w), json!({"kind":"request_record","category":"cannot_do",
                        "applicant":{"name":"李四"},"matter":"m","item":ITEMS[*item]}));
                }
                Op::Refer { k, dept } => {
                    if let Some(r) = pick(&requests, *k) {
                        let _ = d.run(everyone, json!({"kind":"request_refer","request":r,
                            "department":DEPARTMENTS[*dept],"note":"转办"}));
                    }
                }
                Op::Wait { days } => {
                    d.advance_minutes(days * 24 * 60);
                    d.tick();
                }
                Op::Chief { k, s } => {
                    let alerts: Vec<String> = d.hall.supervision.alerts.keys().cloned().collect();
                    let (id, cmd) = match s {
                        0 => match pick(&follow_ups, *k) {
                            Some(f) => (f.clone(), json!({"kind":"follow_up_callback","follow_up":f,"note":"回访"})),
                            None => continue,
                        },
                        1 => match pick(&requests, *k) {
                            Some(r) => (r.clone(), json!({"kind":"request_supervise","request":r,"note":"督办"})),
                            None => continue,
                        },
                        _ => match pick(&alerts, *k) {
                            Some(a) => (a.clone(), json!({"kind":"ack_alert","alert":a})),
                            None => continue,
                        },
                    };
                    let inside = concerns(&d, mine, &id);
                    match d.run(chief, cmd.clone()) {
                        Ok(_) => prop_assert!(inside, "step {}: {} allowed outside the scope", n, cmd),
                        Err((code, _)) if code == "forbidden" => {
                            prop_assert!(!inside, "step {}: {} refused inside the scope", n, cmd);
                        }
                        // Another refusal (a step out of order, already acknowledged): fine.
                        Err(_) => {}
                    }
                }
            }
            // The snapshot: exactly what concerns its departments.
            let board = queue_core::estimate::board::Board::compute_now(&d.hall.queue, &d.hall.config.rules, 0, d.now);
            let narrow = Viewer::new(Role::Supervisor, None).scoped(mine).snapshot(&d.hall, d.now, &board);
            let wide = Viewer::new(Role::Supervisor, None).snapshot(&d.hall, d.now, &board);
            let c = &d.hall.config;
            let want = |key: &str, field: &str, keep: &dyn Fn(&str) -> bool| -> Vec<String> {
                listed(&wide, key, field).into_iter().filter(|id| keep(id)).collect()
            };
            let case_in = |serial: &str| {
                let case = d.hall.cases.by_serial(serial).unwrap();
                mine.sees(Some(scope::case_bits(c, case)))
            };
            prop_assert_eq!(listed(&narrow, "cases", "serial"), want("cases", "serial", &case_in));
            let rec_in = |id: &str| concerns(&d, mine, id);
            prop_assert_eq!(listed(&narrow, "follow_ups", "id"), want("follow_ups", "id", &rec_in));
            prop_assert_eq!(listed(&narrow, "requests", "id"), want("requests", "id", &rec_in));
            prop_assert_eq!(listed(&narrow, "alerts", "id"), want("alerts", "id", &rec_in));
            // The hall is shared.
            prop_assert_eq!(&narrow["queues"], &wide["queues"]);
            prop_assert_eq!(&narrow["tickets"], &wide["tickets"]);
        }
    }
}
