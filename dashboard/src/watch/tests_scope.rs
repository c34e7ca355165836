//! A department-scoped supervisor (chief representative, GZ 8) sees in the header which
//! departments it is shown, as the hall's welcome names them; managers and unscoped
//! supervisors see "all".
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use super::i18n::Lang;
use super::tests::{fixture, render, screen};
use super::*;
use crate::client::{Incoming, Link};

fn header(role: &str, departments: &[&str], lang: Lang, width: u16) -> String {
    let mut app = App::new(lang, "test");
    let t0 = Instant::now();
    for m in [
        Incoming::Link(Link::Online),
        Incoming::Welcome {
            role: role.into(),
            window: None,
            seq: 100,
            departments: departments.iter().map(|d| (*d).to_string()).collect(),
        },
        Incoming::Snapshot {
            seq: 100,
            state: fixture(),
        },
    ] {
        update(&mut app, Msg::Hall(m, t0));
    }
    screen(&render(&app, width, 30))
        .lines()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn the_header_names_a_scoped_supervisors_departments() {
    let line = header("supervisor", &["花都区市场监督管理局"], Lang::Zh, 160);
    assert!(
        line.contains("首席事务代表（本部门：花都区市场监督管理局）"),
        "{line}"
    );
    let line = header(
        "supervisor",
        &["花都区市场监督管理局", "花都区不动产登记中心"],
        Lang::En,
        160,
    );
    assert!(
        line.contains("(scope: 花都区市场监督管理局, 花都区不动产登记中心)"),
        "{line}"
    );
    // At 80 columns too: the scope is what a chief representative must not misread.
    let line = header("supervisor", &["花都区市场监督管理局"], Lang::Zh, 80);
    assert!(line.contains("本部门"), "{line}");
}

#[test]
fn managers_and_unscoped_supervisors_see_all_departments() {
    assert!(header("manager", &[], Lang::Zh, 160).contains("中心负责人（全部）"));
    assert!(header("supervisor", &[], Lang::En, 80).contains("supervisor (all depts)"));
}

#[test]
fn a_department_name_cannot_carry_an_escape_sequence_to_the_terminal() {
    let line = header("supervisor", &["市场\u{1b}[2J监管局"], Lang::Zh, 160);
    assert!(!line.contains('\u{1b}'), "{line:?}");
    assert!(
        line.contains("市场[2J监管局") || line.contains("市场监管局"),
        "{line}"
    );
}
