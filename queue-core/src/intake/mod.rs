//! Intake (受理): the case (办件) state machine of the comprehensive window.
//!
//! Event sourced and pure: [`Cases::decide`] checks a command against the rules and returns the
//! events it causes without changing anything; [`Cases::apply`] folds an event into the
//! projection and cannot fail; [`Cases::tick`] yields the events the passing of time causes
//! (deemed acceptance five working days after receipt when no notice was given). The clock, catalogue, calendar and signing key come in [`IntakeCtx`].
//!
//! # Rules (GD = 《广东省政务服务数字化条例》)
//! - Materials not obtainable by data sharing may be demanded; shared ones never (GD 19(5)).
//! - Incomplete materials: one correction notice listing everything, on the spot, or in writing
//!   within five working days; a later round may raise nothing new; no notice in time means the
//!   case is accepted from the day the materials were received (GD 19(3)).
//! - Supplemented as the notice asked: the case must be accepted (here automatically).
//! - Every acceptance or non-acceptance gets a sealed, dated document (GD 19(4)); materials
//!   taken in for review get a 收件回执 (PY Art 11). Non-acceptance only for a reason code
//!   outside the materials (`one_time_notice_required` otherwise); refusal after review states
//!   reasons and the complaint, reconsideration (60 days, the deciding department's 复议机关)
//!   and litigation (6 months) routes (GD Art 21).
//! - Extensions issue a 延期告知书 and are reported (报备); special procedures stop the clock.
//! - Committed time limit counted in working days from acceptance, never beyond the legal limit
//!   (GD Art 20, GZ Art 13), extensions included.
//! - Tolerated (容缺) and commitment (告知承诺) statuses only where the catalogue allows them.
//! - An agent is refused when the item requires personal attendance (GD Art 24).
//!
//! # Serial (申请流水号)
//! `{centre code}-{YYYYMMDD}-{NNNNN}`, e.g. `440114-20260930-00017`: the centre's code, the hall's
//! local date of receipt and the per-day sequence from 00001 (a 100 000th case of a day widens
//! to six digits, still unique). The sequence is kept in [`Cases`] and carried by the
//! `case_opened` event, so replaying the log restores it and a restart cannot reuse a serial.
//! The case id equals the serial.

mod alerts;
mod case;
mod command;
mod decide;
mod error;
mod event;
mod materials;
mod open;
mod outcome;
mod receipt;
mod statement;
mod timeline;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate};
use ed25519_dalek::SigningKey;

pub use alerts::{Due, DueKind};
pub use case::{
    Action, Agent, Applicant, ApplicantKind, Authorisation, BundleItem, BundleTerms, Case,
    CaseState, Deficiency, Delivery, Extension, IdentityCheck, MaterialLine, MaterialStatus,
    Notice, Pause, Procedure, RejectCode, Terms,
};
pub use command::{
    CaseCommand, CaseRef, DecideCase, Decision, ExtendCase, MaterialReport, OpenCase, PauseCase,
    RecordMaterials, ReportedStatus,
};
pub use error::IntakeError;
pub use event::CaseEvent;
pub use receipt::{LITIGATION_MONTHS, RECONSIDERATION_DAYS};

use crate::calendar::Calendar;
use crate::config::HallConfig;

/// Everything a decision depends on besides the projection. Plain references: no I/O.
#[derive(Debug, Clone, Copy)]
pub struct IntakeCtx<'a> {
    /// The hall clock.
    pub now: DateTime<FixedOffset>,
    pub hall: &'a HallConfig,
    pub calendar: &'a Calendar,
    /// The centre's key: signs every document's verification string.
    pub signer: &'a SigningKey,
    /// The window acting, if any.
    pub window: Option<u32>,
}

impl IntakeCtx<'_> {
    /// The clock in the centre's local offset.
    #[must_use]
    pub fn local_now(&self) -> DateTime<FixedOffset> {
        self.now.with_timezone(&self.hall.centre.offset())
    }

    /// The hall's local date: what "today" means for every deadline.
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        self.local_now().date_naive()
    }
}

/// The projection of all cases.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cases {
    all: BTreeMap<String, Case>,
    /// Last sequence used per day of receipt.
    sequences: BTreeMap<NaiveDate, u32>,
    /// Normalised applicant ID number → case ids (progress query, PY Art 13).
    by_id: BTreeMap<String, BTreeSet<String>>,
}

/// Upper-case, no surrounding spaces: `x` and `X` are the same check character.
fn normalise_id(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

impl Cases {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one event in. Infallible: the event carries the whole resulting case.
    pub fn apply(&mut self, ev: &CaseEvent) {
        let case = ev.case();
        if let CaseEvent::CaseOpened { sequence, .. } = ev {
            let last = self.sequences.entry(case.received_on).or_insert(0);
            *last = (*last).max(*sequence);
        }
        if let Some(old) = self.all.get(&case.id) {
            let key = normalise_id(&old.applicant.id_number);
            if let Some(ids) = self.by_id.get_mut(&key) {
                ids.remove(&case.id);
                if ids.is_empty() {
                    self.by_id.remove(&key);
                }
            }
        }
        self.by_id
            .entry(normalise_id(&case.applicant.id_number))
            .or_default()
            .insert(case.id.clone());
        self.all.insert(case.id.clone(), case.clone());
    }

    #[must_use]
    pub fn get(&self, case_id: &str) -> Option<&Case> {
        self.all.get(case_id)
    }

    #[must_use]
    pub fn by_serial(&self, serial: &str) -> Option<&Case> {
        self.all.get(serial.trim())
    }

    /// Cases whose applicant has this ID number, oldest first.
    #[must_use]
    pub fn by_id_number(&self, id_number: &str) -> Vec<&Case> {
        self.by_id
            .get(&normalise_id(id_number))
            .into_iter()
            .flatten()
            .filter_map(|id| self.all.get(id))
            .collect()
    }

    /// All cases in serial order.
    pub fn iter(&self) -> impl Iterator<Item = &Case> {
        self.all.values()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.all.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The sequence the next case received on `day` will get.
    #[must_use]
    pub fn next_sequence(&self, day: NaiveDate) -> u32 {
        self.sequences.get(&day).map_or(1, |n| n.saturating_add(1))
    }
}

/// `{centre}-{YYYYMMDD}-{NNNNN}`; see the module docs.
#[must_use]
pub fn format_serial(centre_code: &str, day: NaiveDate, sequence: u32) -> String {
    format!("{centre_code}-{}-{sequence:05}", day.format("%Y%m%d"))
}
