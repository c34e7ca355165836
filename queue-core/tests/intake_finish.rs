//! Finishing an accepted case (办结): the completion slip, the end of its deadline alert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{at, counter, Driver};
use serde_json::json;

#[test]
fn an_accepted_case_is_completed_when_the_department_finishes_it() {
    let mut d = Driver::new(at(2026, 11, 23, 10, 0));
    let c = d
        .run(counter(1), json!({"kind":"case_open","item":"QY001","applicant":{"kind":"person","name":"李四","id_number":"440524188001010014"}}))
        .unwrap();
    let serial = c["case"]["serial"].as_str().unwrap().to_string();
    let all = ["M1", "M2", "M3", "M5"].map(|m| json!({"material": m, "status": "submitted"}));
    let mut materials = all.to_vec();
    materials.push(json!({"material":"M4","status":"tolerated"}));
    d.run(
        counter(1),
        json!({"kind":"case_materials","case":serial,"materials":materials}),
    )
    .unwrap();
    let a = d
        .run(
            counter(1),
            json!({"kind":"case_decide","case":serial,"decision":"accept"}),
        )
        .unwrap();
    assert_eq!(a["case"]["due_on"], "2026-11-24");
    // The deadline alert comes up the day before the committed date.
    d.tick();
    assert!(d
        .hall
        .supervision
        .alerts
        .contains_key(&format!("deadline:{serial}")));
    // Not while a tolerated material is still owed.
    let e = d.run(
        counter(1),
        json!({"kind":"case_decide","case":serial,"decision":"complete"}),
    );
    assert_eq!(e.unwrap_err().0, "conflict");
    d.run(counter(1), json!({"kind":"case_materials","case":serial,"materials":[{"material":"M4","status":"submitted"}]})).unwrap();
    d.now = at(2026, 11, 24, 15, 0);
    let done = d
        .run(
            counter(1),
            json!({"kind":"case_decide","case":serial,"decision":"complete"}),
        )
        .unwrap();
    assert_eq!(done["case"]["state"], "completed");
    assert_eq!(done["case"]["completed_on"], "2026-11-24");
    assert_eq!(done["document"]["kind"], "completion");
    d.tick();
    assert!(
        !d.hall
            .supervision
            .alerts
            .contains_key(&format!("deadline:{serial}")),
        "deadline alert ends with the case"
    );
    // And a finished case is final.
    let e = d.run(
        counter(1),
        json!({"kind":"case_decide","case":serial,"decision":"complete"}),
    );
    assert_eq!(e.unwrap_err().0, "conflict");
}
