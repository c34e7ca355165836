//! Which departments a piece of hall data concerns (GZ 8: each department's chief
//! representative supervises its own matters). A concern is a bit set over the configured
//! `[[departments]]` (see [`DepartmentScope`]); `None` means hall-wide: queues, windows and
//! tickets are shared by every department and stay visible to every supervisor.

use super::{Command, Event, Hall};
use crate::auth::{Actor, DepartmentScope, MAX_DEPARTMENTS};
use crate::config::HallConfig;
use crate::error::DomainError;
use crate::intake::Case;
use crate::queue::QueueEvent;
use crate::redress::{FollowUp, RedressCommand, Request};
use crate::supervision::{Alert, SupervisionCommand, SupervisionEvent};

/// The bits of the departments named `names` (names the configuration does not list add none).
fn bits<'a>(config: &HallConfig, names: impl IntoIterator<Item = &'a str>) -> u128 {
    let mut b = 0u128;
    for n in names {
        if let Some(i) = config.departments.iter().position(|d| d.name == n) {
            if i < MAX_DEPARTMENTS {
                b |= 1 << i;
            }
        }
    }
    b
}

/// The scope of a token's department names under this configuration.
#[must_use]
pub fn scope_of(config: &HallConfig, names: &[String]) -> DepartmentScope {
    DepartmentScope::of(config.departments.iter().map(|d| d.name.as_str()), names)
}

/// The names of a scope's departments (for the `welcome` frame); empty when unscoped.
#[must_use]
pub fn names_of(config: &HallConfig, scope: DepartmentScope) -> Vec<String> {
    scope
        .indices()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| config.departments.get(i).map(|d| d.name.clone()))
        .collect()
}

/// A case's departments: its item's, or a bundle's lead and member departments.
#[must_use]
pub fn case_departments(c: &Case) -> Vec<&str> {
    match &c.bundle {
        Some(b) => std::iter::once(b.lead_department.as_str())
            .chain(b.items.iter().map(|i| i.department.as_str()))
            .collect(),
        None => Vec::new(),
    }
}

#[must_use]
pub fn case_bits(config: &HallConfig, c: &Case) -> u128 {
    let item = config.item(&c.item).map(|i| i.department.as_str());
    bits(
        config,
        item.into_iter()
            .chain(std::iter::once(c.terms.department.as_str()))
            .chain(case_departments(c)),
    )
}

#[must_use]
pub fn follow_up_bits(config: &HallConfig, f: &FollowUp) -> u128 {
    bits(config, f.owner.department.as_deref())
}

/// A request concerns the department it was referred to and its item's.
#[must_use]
pub fn request_bits(config: &HallConfig, r: &Request) -> u128 {
    let item = r
        .item
        .as_deref()
        .and_then(|i| config.item(i))
        .map(|i| i.department.as_str());
    bits(config, r.department.as_deref().into_iter().chain(item))
}

/// An alert about a case or record concerns that record's departments (carried in the
/// alert); queue, window and device alerts are hall-wide.
#[must_use]
pub fn alert_bits(config: &HallConfig, a: &Alert) -> Option<u128> {
    (a.case.is_some() || a.record.is_some())
        .then(|| bits(config, a.departments.iter().map(String::as_str)))
}

/// The department names an alert concerns, from the state it was raised on.
#[must_use]
pub fn alert_departments(hall: &Hall, a: &Alert) -> Vec<String> {
    let c = &hall.config;
    let names = |b: u128| {
        c.departments
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < MAX_DEPARTMENTS && b & (1 << i) != 0)
            .map(|(_, d)| d.name.clone())
            .collect::<Vec<_>>()
    };
    if let Some(r) = &a.record {
        if let Some(f) = hall.redress.follow_ups.get(r) {
            return names(follow_up_bits(c, f));
        }
        if let Some(q) = hall.redress.requests.get(r) {
            return names(request_bits(c, q));
        }
    }
    if let Some(serial) = &a.case {
        if let Some(case) = hall.cases.by_serial(serial) {
            return names(case_bits(c, case));
        }
    }
    Vec::new()
}

/// The departments an event concerns; `None` when it is hall-wide.
#[must_use]
pub fn event_bits(config: &HallConfig, ev: &Event) -> Option<u128> {
    match ev {
        Event::Case(e) => Some(case_bits(config, e.case())),
        Event::Redress(e) => match (e.follow_up(), e.request()) {
            (Some(f), _) => Some(follow_up_bits(config, f)),
            (_, Some(r)) => Some(request_bits(config, r)),
            _ => Some(0),
        },
        Event::Supervision(
            SupervisionEvent::AlertRaised { alert }
            | SupervisionEvent::AlertCleared { alert }
            | SupervisionEvent::AlertAcknowledged { alert },
        ) => alert_bits(config, alert),
        // A rating belongs to the department whose service it rates (older ones: hall-wide).
        Event::Queue(QueueEvent::EvaluationRecorded { evaluation }) => evaluation
            .department
            .as_deref()
            .map(|d| bits(config, std::iter::once(d))),
        Event::Supervision(SupervisionEvent::Recommendation(_)) | Event::Queue(_) => None,
    }
}

/// A department-scoped supervisor acts only on its departments' records and alerts.
///
/// # Errors
/// `forbidden` naming the record when it belongs to another department (or to none).
pub fn authorize(hall: &Hall, cmd: &Command, actor: Actor) -> Result<(), DomainError> {
    let scope = actor.departments;
    if !scope.is_scoped() {
        return Ok(());
    }
    let c = &hall.config;
    let (what, concerns) = match cmd {
        Command::Redress(
            RedressCommand::FollowUpCallback { follow_up, .. }
            | RedressCommand::FollowUpRectify { follow_up, .. }
            | RedressCommand::FollowUpFeedback { follow_up, .. },
        ) => (
            follow_up,
            hall.redress
                .follow_ups
                .get(follow_up)
                .map(|f| follow_up_bits(c, f)),
        ),
        Command::Redress(
            RedressCommand::RequestRefer { request, .. }
            | RedressCommand::RequestSupervise { request, .. }
            | RedressCommand::RequestAnswer { request, .. },
        ) => (
            request,
            hall.redress
                .requests
                .get(request)
                .map(|r| request_bits(c, r)),
        ),
        Command::Supervision(SupervisionCommand::AckAlert { alert }) => (
            alert,
            hall.supervision.alerts.get(alert).and_then(|a| {
                // Carried from when it was raised; an older alert is looked up again.
                if a.departments.is_empty() {
                    let names = alert_departments(hall, a);
                    (a.case.is_some() || a.record.is_some())
                        .then(|| bits(c, names.iter().map(String::as_str)))
                } else {
                    alert_bits(c, a)
                }
            }),
        ),
        // Unknown records are reported as such by the command itself.
        _ => return Ok(()),
    };
    match concerns {
        Some(b) if !scope.sees(Some(b)) => Err(DomainError::Forbidden(format!(
            "{what} 属于其他部门 belongs to another department"
        ))),
        _ => Ok(()),
    }
}
