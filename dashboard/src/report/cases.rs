//! Case figures of the month, per catalogue item and per deciding department (GZ Art 19).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::load::{CaseSnap, Log, Step};

/// Cases of one catalogue item (or one department).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemStats {
    /// Item code, or the department's name.
    pub item: String,
    pub name: String,
    pub opened: u64,
    pub accepted: u64,
    pub deemed_accepted: u64,
    /// Non-acceptance at intake (不予受理).
    pub rejected: u64,
    /// Refusal after review (不予许可).
    pub refused: u64,
    /// Completed on the spot (当场办结) only.
    pub completed: u64,
    /// Completed after acceptance, by the committed date.
    pub completed_on_time: u64,
    /// Completed after acceptance, after the committed date.
    pub completed_late: u64,
    /// One-time correction notices issued (一次性告知).
    pub notices: u64,
    /// Materials taken in for review with a 收件回执.
    pub deferred_notices: u64,
    /// Accepted, not finished, due before the cut-off: cases of earlier months included.
    pub overdue: u64,
    pub extensions: u64,
    /// Special procedures started (clock stops).
    pub pauses: u64,
}

impl ItemStats {
    fn add_step(&mut self, step: Step) {
        let n = match step {
            Step::Opened => &mut self.opened,
            Step::Accepted => &mut self.accepted,
            Step::DeemedAccepted => &mut self.deemed_accepted,
            Step::Rejected => &mut self.rejected,
            Step::Refused => &mut self.refused,
            Step::CompletedOnTheSpot => &mut self.completed,
            Step::CompletedOnTime => &mut self.completed_on_time,
            Step::CompletedLate => &mut self.completed_late,
            Step::NoticeIssued => &mut self.notices,
            Step::NoticeDeferred => &mut self.deferred_notices,
            Step::Extended => &mut self.extensions,
            Step::Paused => &mut self.pauses,
        };
        *n += 1;
    }

    fn fields(&self) -> [u64; 13] {
        [
            self.opened,
            self.accepted,
            self.deemed_accepted,
            self.rejected,
            self.refused,
            self.completed,
            self.completed_on_time,
            self.completed_late,
            self.notices,
            self.deferred_notices,
            self.overdue,
            self.extensions,
            self.pauses,
        ]
    }

    /// Everything counted, for "did anything happen".
    pub(super) fn steps(&self) -> u64 {
        self.fields().iter().sum()
    }

    fn absorb(&mut self, o: &Self) {
        let muts = [
            &mut self.opened,
            &mut self.accepted,
            &mut self.deemed_accepted,
            &mut self.rejected,
            &mut self.refused,
            &mut self.completed,
            &mut self.completed_on_time,
            &mut self.completed_late,
            &mut self.notices,
            &mut self.deferred_notices,
            &mut self.overdue,
            &mut self.extensions,
            &mut self.pauses,
        ];
        for (m, v) in muts.into_iter().zip(o.fields()) {
            *m += v;
        }
    }
}

/// Overdue at the cut-off: accepted, not finished, not stopped for a special procedure, and
/// due before it — whatever month it was accepted in.
fn overdue(c: &CaseSnap, as_of: NaiveDate) -> bool {
    c.state.is_accepted()
        && c.completed_on.is_none()
        && !c.paused
        && c.due_on.is_some_and(|d| d < as_of)
}

fn tally(
    log: &Log,
    as_of: NaiveDate,
    key: impl Fn(&str, &str, &str) -> (String, String),
    total_label: &str,
) -> (Vec<ItemStats>, ItemStats) {
    fn entry(by: &mut BTreeMap<String, ItemStats>, k: (String, String)) -> &mut ItemStats {
        by.entry(k.0.clone()).or_insert_with(|| ItemStats {
            item: k.0,
            name: k.1,
            ..ItemStats::default()
        })
    }
    let mut by: BTreeMap<String, ItemStats> = BTreeMap::new();
    for s in &log.case_steps {
        entry(&mut by, key(&s.item, &s.item_name, &s.department)).add_step(s.step);
    }
    for c in log.cases.values() {
        if overdue(c, as_of) {
            entry(&mut by, key(&c.item, &c.item_name, &c.department)).overdue += 1;
        }
    }
    let mut total = ItemStats {
        item: total_label.into(),
        ..ItemStats::default()
    };
    for s in by.values() {
        total.absorb(s);
    }
    (by.into_values().collect(), total)
}

pub(super) fn items(log: &Log, as_of: NaiveDate) -> (Vec<ItemStats>, ItemStats) {
    tally(
        log,
        as_of,
        |item, name, _| (item.to_owned(), name.to_owned()),
        "合计 total",
    )
}

/// Per deciding department, total last.
pub(super) fn departments(log: &Log, as_of: NaiveDate) -> Vec<ItemStats> {
    let (mut rows, total) = tally(
        log,
        as_of,
        |_, _, dept| (dept.to_owned(), String::new()),
        "合计 total",
    );
    rows.push(total);
    rows
}
