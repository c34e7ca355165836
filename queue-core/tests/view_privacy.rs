//! The one per-role view (issue #10): random command sequences under every role against the
//! real `Hall`; every frame any client could receive — events, snapshot, reply, `query_case`
//! answer — is built through `Viewer` and checked: kiosk and display frames carry no full ID
//! number, no name and no staff free text; a counter's frames carry no full ID number of a case
//! its window is not handling; supervisors and managers see ID numbers masked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, kiosk, manager, Driver};
use proptest::prelude::*;
use queue_core::auth::{Actor, Role};
use queue_core::hall::Viewer;
use serde_json::{json, Value};

/// GB 11643 check character.
fn with_check(base17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = base17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{base17}{check}")
}

fn ids() -> Vec<String> {
    (1..=6)
        .map(|n| with_check(&format!("4401141990010{n}{:03}", 100 + n)))
        .collect()
}

const NAMES: [&str; 6] = [
    "欧阳测甲",
    "司马测乙",
    "诸葛测丙",
    "上官测丁",
    "东方测戊",
    "皇甫测己",
];
const MARK: &str = "FREETEXT";
/// Mobile numbers left at the kiosk and counter: no viewer ever sees one whole.
const MOBILES: [&str; 6] = [
    "13800000001",
    "13900000002",
    "15000000003",
    "16600000004",
    "17700000005",
    "19900000006",
];

/// Applicants of 办不成事 requests and complaints: masked in every view, staff's included.
const REQ_NAMES: [&str; 3] = ["慕容请甲", "公孙请乙", "令狐请丙"];

fn req_ids() -> Vec<String> {
    (1..=3)
        .map(|n| with_check(&format!("4401141985050{n}{:03}", 200 + n)))
        .collect()
}

fn supervisor(token: Option<i64>) -> Actor {
    Actor {
        role: Role::Supervisor,
        window: None,
        token,
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

fn display() -> Actor {
    Actor {
        role: Role::Display,
        window: None,
        token: None,
        departments: queue_core::auth::DepartmentScope::ALL,
    }
}

fn actor(i: u8) -> Actor {
    match i % 7 {
        0 => kiosk(),
        1 => display(),
        2 => supervisor(Some(90)),
        3 => manager(),
        n => Actor {
            token: Some(i64::from(n)),
            departments: queue_core::auth::DepartmentScope::ALL,
            ..counter(u32::from(n) - 3)
        },
    }
}

fn viewers() -> Vec<Viewer> {
    let mut v = vec![
        Viewer::new(Role::Kiosk, None),
        Viewer::new(Role::Display, None),
        Viewer::new(Role::Pad, Some(1)),
        Viewer::new(Role::Supervisor, None),
        Viewer::new(Role::Manager, None),
    ];
    v.extend((1..=3).map(|w| Viewer::new(Role::Counter, Some(w))));
    v.push(Viewer::new(Role::Pad, Some(1)));
    v
}

#[derive(Debug, Clone)]
enum Op {
    Issue { id: Option<usize> },
    Book { id: usize, minutes: u32 },
    CheckIn { k: usize, right: bool },
    Call { pick: Option<usize> },
    Start,
    Finish,
    NoShow,
    Cancel { k: usize },
    Reinstate { k: usize },
    Refuse,
    Open { p: usize },
    Materials { k: usize },
    Decide { k: usize, d: u8 },
    Extend { k: usize },
    TakeOver { k: usize },
    Rate { k: usize, r: u8 },
    Record { p: usize, cat: u8 },
    Step { k: usize, s: u8 },
    Wait(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop::option::of(0..6usize).prop_map(|id| Op::Issue { id }),
        1 => (0..6usize, 30..400u32).prop_map(|(id, minutes)| Op::Book { id, minutes }),
        1 => (0..8usize, any::<bool>()).prop_map(|(k, right)| Op::CheckIn { k, right }),
        3 => prop::option::of(0..8usize).prop_map(|pick| Op::Call { pick }),
        1 => Just(Op::Start),
        2 => Just(Op::Finish),
        1 => Just(Op::NoShow),
        1 => (0..8usize).prop_map(|k| Op::Cancel { k }),
        1 => (0..8usize).prop_map(|k| Op::Reinstate { k }),
        1 => Just(Op::Refuse),
        2 => (0..6usize).prop_map(|p| Op::Open { p }),
        2 => (0..8usize).prop_map(|k| Op::Materials { k }),
        2 => (0..8usize, 0..4u8).prop_map(|(k, d)| Op::Decide { k, d }),
        1 => (0..8usize).prop_map(|k| Op::Extend { k }),
        1 => (0..8usize).prop_map(|k| Op::TakeOver { k }),
        1 => (0..8usize, 1..=5u8).prop_map(|(k, r)| Op::Rate { k, r }),
        1 => (0..3usize, 0..3u8).prop_map(|(p, cat)| Op::Record { p, cat }),
        2 => (0..8usize, 0..7u8).prop_map(|(k, s)| Op::Step { k, s }),
        1 => (1..30i64).prop_map(Op::Wait),
    ]
}

fn pick<T: Clone>(v: &[T], k: usize) -> Option<T> {
    (!v.is_empty()).then(|| v[k % v.len()].clone())
}

fn command(d: &Driver, op: &Op, n: usize) -> Option<Value> {
    let ids = ids();
    let tickets: Vec<String> = d.hall.queue.tickets.keys().cloned().collect();
    let cases: Vec<String> = d.hall.cases.iter().map(|c| c.id.clone()).collect();
    let codes: Vec<(String, Option<String>)> = d
        .hall
        .queue
        .appointments
        .values()
        .map(|a| (a.code.clone(), a.id_number.clone()))
        .collect();
    let mark = format!("{MARK}-{n}");
    Some(match op {
        Op::Issue { id } => {
            let mut c = json!({"kind":"issue_ticket","queue":"A"});
            if let Some(i) = id {
                c["id_number"] = json!(ids[*i]);
                c["mobile"] = json!(MOBILES[*i]);
            }
            c
        }
        Op::Book { id, minutes } => {
            let slot = d.now + chrono::Duration::minutes(i64::from(*minutes));
            json!({"kind":"book_appointment","queue":"A","slot":slot.format("%Y-%m-%dT%H:%M").to_string(),"id_number":ids[*id]})
        }
        Op::CheckIn { k, right } => {
            let (code, idn) = pick(&codes, *k)?;
            let last4 = if *right {
                idn.map(|s| s[s.len() - 4..].to_string())
                    .unwrap_or_default()
            } else {
                "0000".into()
            };
            json!({"kind":"check_in","appointment_code":code,"id_last4":last4})
        }
        Op::Call { pick: None } => json!({"kind":"call_next"}),
        Op::Call { pick: Some(k) } => {
            json!({"kind":"call_next","ticket":pick(&tickets, *k)?,"reason":mark})
        }
        Op::Start => json!({"kind":"start_service"}),
        Op::Finish => json!({"kind":"finish","outcome":mark}),
        Op::NoShow => json!({"kind":"no_show"}),
        Op::Cancel { k } => {
            json!({"kind":"cancel_ticket","ticket":pick(&tickets, *k)?,"reason":mark})
        }
        Op::Reinstate { k } => json!({"kind":"reinstate","ticket":pick(&tickets, *k)?}),
        Op::Refuse => json!({"kind":"refuse_urgent","queue":"A","reason":mark}),
        Op::Open { p } => json!({"kind":"case_open","item":"QY001","mobile":MOBILES[*p],
            "applicant":{"kind":"person","name":NAMES[*p],"id_number":ids[*p]},
            "agent":{"name":NAMES[(*p + 1) % 6],"id_number":ids[(*p + 1) % 6]}}),
        Op::Materials { k } => json!({"kind":"case_materials","case":pick(&cases, *k)?,
            "materials":[{"material":"M1","status":"submitted"},{"material":"M2","status":"nonconforming","note":mark},
                         {"material":"M3","status":"submitted"},{"material":"M4","status":"submitted"},{"material":"M5","status":"submitted"}]}),
        Op::Decide { k, d: which } => {
            let decision = ["accept", "notice", "reject", "defer_notice"][usize::from(*which)];
            json!({"kind":"case_decide","case":pick(&cases, *k)?,"decision":decision,"reasons":[mark]})
        }
        Op::Extend { k } => {
            json!({"kind":"case_extend","case":pick(&cases, *k)?,"days":1,"reason":mark})
        }
        Op::TakeOver { k } => {
            json!({"kind":"case_take_over","case":pick(&cases, *k)?,"reason":mark})
        }
        Op::Rate { k, r } => {
            json!({"kind":"evaluate","ticket":pick(&tickets, *k)?,"rating":r,"reason":mark})
        }
        Op::Record { p, cat } => json!({"kind":"request_record",
            "category":(["cannot_do","complaint","enquiry"][usize::from(*cat)]),
            "applicant":{"name":REQ_NAMES[*p],"id_number":req_ids()[*p]},
            "matter":mark,"item":"QY001"}),
        Op::Step { k, s } => {
            let follow_ups: Vec<String> = d.hall.redress.follow_ups.keys().cloned().collect();
            let requests: Vec<String> = d.hall.redress.requests.keys().cloned().collect();
            match s {
                0..=2 => {
                    let kind = [
                        "follow_up_callback",
                        "follow_up_rectify",
                        "follow_up_feedback",
                    ][usize::from(*s)];
                    json!({"kind":kind,"follow_up":pick(&follow_ups, *k)?,"note":mark})
                }
                3 => json!({"kind":"request_refer","request":pick(&requests, *k)?,
                             "department":"花都区市场监督管理局","note":mark}),
                4 => json!({"kind":"request_supervise","request":pick(&requests, *k)?,"note":mark}),
                _ => json!({"kind":"request_answer","request":pick(&requests, *k)?,"note":mark}),
            }
        }
        Op::Wait(_) => return None,
    })
}

/// The full ID numbers `v` may not see in the hall's current state.
fn forbidden_ids(d: &Driver, v: Viewer) -> Vec<String> {
    let handled: Vec<String> = d
        .hall
        .cases
        .iter()
        .filter(|c| v.handles(c))
        .flat_map(|c| {
            let mut ids = vec![c.applicant.id_number.clone()];
            ids.extend(c.agent.as_ref().map(|a| a.id_number.clone()));
            ids
        })
        .collect();
    ids()
        .into_iter()
        .filter(|i| !handled.contains(i))
        .chain(req_ids())
        .collect()
}

fn check_frame(
    forbidden: &[String],
    v: Viewer,
    what: &str,
    frame: &str,
) -> Result<(), TestCaseError> {
    for id in forbidden {
        prop_assert!(
            !frame.contains(id.as_str()),
            "{:?} {} carries full ID {}: {}",
            v,
            what,
            id,
            frame
        );
    }
    for n in REQ_NAMES {
        prop_assert!(
            !frame.contains(n),
            "{:?} {} carries a request's applicant {}: {}",
            v,
            what,
            n,
            frame
        );
    }
    for m in MOBILES {
        prop_assert!(
            !frame.contains(m),
            "{:?} {} carries a full mobile number: {}",
            v,
            what,
            frame
        );
    }
    if matches!(v.role, Role::Kiosk | Role::Display | Role::Pad) {
        prop_assert!(
            !frame.contains("\"mobile\""),
            "{:?} {} carries a mobile number, even masked: {}",
            v,
            what,
            frame
        );
    }
    // Judged by role, not by the code under test.
    if matches!(v.role, Role::Kiosk | Role::Display | Role::Pad) {
        for word in ["follow_up", "request_", "first_window"] {
            prop_assert!(
                !frame.contains(word),
                "{:?} {} carries follow-up or request data ({}): {}",
                v,
                what,
                word,
                frame
            );
        }
        for n in NAMES {
            prop_assert!(
                !frame.contains(n),
                "{:?} {} carries name {}: {}",
                v,
                what,
                n,
                frame
            );
        }
        prop_assert!(
            !frame.contains(MARK),
            "{:?} {} carries staff free text: {}",
            v,
            what,
            frame
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn no_frame_shows_more_than_its_role_may_see(
        ops in prop::collection::vec((any::<u8>(), op()), 1..60)
    ) {
        let mut d = Driver::new(at(2026, 11, 23, 9, 0));
        for (n, (who, op)) in ops.iter().enumerate() {
            if let Op::Wait(m) = op {
                d.advance_minutes(*m);
                d.tick();
            }
            let Some(cmd) = command(&d, op, n) else { continue };
            let before = d.log.len();
            // Counters do the staff work; any role may try anything.
            let a = match op {
                Op::Call { .. } | Op::Start | Op::Finish | Op::NoShow | Op::Open { .. }
                | Op::Materials { .. } | Op::Decide { .. } | Op::Extend { .. }
                | Op::TakeOver { .. } | Op::Record { .. } if who % 2 == 0 => actor(4 + who % 3),
                // Rated by the applicant at the kiosk; followed up by a supervisor.
                Op::Rate { .. } if who % 2 == 0 => kiosk(),
                Op::Step { s, .. } if who % 2 == 0 && *s < 5 => actor(2),
                _ => actor(*who),
            };
            let reply = d.run(a, cmd);
            let all_cases: Vec<Value> = d.hall.cases.iter().map(|c| json!(c)).collect();
            let query = json!({ "cases": all_cases });
            for v in viewers() {
                let forbidden = forbidden_ids(&d, v);
                for r in &d.log[before..] {
                    let shown = v.event(&r.event);
                    check_frame(&forbidden, v, "event", &serde_json::to_string(&shown).unwrap())?;
                    prop_assert_eq!(&r.event.for_role(v.role, v.window), &shown);
                }
                if let Ok(result) = &reply {
                    check_frame(&forbidden, v, "reply", &v.reply(result).to_string())?;
                }
                check_frame(&forbidden, v, "query_case", &v.reply(&query).to_string())?;
                // The snapshot is the costliest frame; every few steps is enough to cover it.
                if n % 4 == 0 || n + 1 == ops.len() {
                    let board = queue_core::estimate::board::Board::compute_now(&d.hall.queue, &d.hall.config.rules, 0, d.now);
                    check_frame(&forbidden, v, "snapshot", &v.snapshot(&d.hall, d.now, &board).to_string())?;
                }
            }
        }
    }
}

#[test]
fn a_public_reply_shows_the_ticket_without_its_id_number() {
    let mut d = Driver::new(at(2026, 11, 23, 9, 0));
    let id = &ids()[0];
    let r = d
        .run(
            kiosk(),
            json!({"kind":"issue_ticket","queue":"A","id_number":id}),
        )
        .unwrap();
    assert!(r.to_string().contains(id.as_str()), "the raw result has it");
    let shown = Viewer::new(Role::Kiosk, None).reply(&r);
    assert_eq!(shown["ticket"]["number"], "A001");
    assert!(shown["ticket"].get("id_number").is_none(), "{shown}");
    let staff = Viewer::new(Role::Supervisor, None).reply(&r);
    assert_eq!(
        staff["ticket"]["id_number"],
        queue_core::ids::mask(id),
        "staff see it masked"
    );
}
