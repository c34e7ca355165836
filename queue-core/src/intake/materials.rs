//! Recording material statuses on a case's checklist, with the catalogue's limits.

use std::collections::HashSet;

use super::case::{Action, Case, MaterialStatus, Notice};
use super::command::{MaterialReport, ReportedStatus};
use super::error::IntakeError;

/// Which rules apply to a batch of reports.
pub(crate) enum Mode<'a> {
    /// At the counter or during the deferred review: anything the catalogue allows.
    Intake,
    /// After the one-time notice: only what the notice listed (GD 19(3) "once").
    Supplement(&'a Notice),
    /// After acceptance: only a tolerated (容缺) material arriving.
    AfterAcceptance,
}

/// Validates every report first, then applies them all: a refused batch changes nothing.
pub(crate) fn record(
    case: &mut Case,
    reports: &[MaterialReport],
    mode: &Mode<'_>,
) -> Result<(), IntakeError> {
    if reports.is_empty() {
        return Err(IntakeError::BadRequest(
            "未列出任何材料 / no materials given".into(),
        ));
    }
    let mut seen = HashSet::new();
    for r in reports {
        if !seen.insert(r.material.as_str()) {
            return Err(IntakeError::BadRequest(format!(
                "材料 {0} 重复 / material {0} given twice",
                r.material
            )));
        }
        check(case, r, mode)?;
    }
    for r in reports {
        if let Some(line) = case.materials.iter_mut().find(|m| m.id == r.material) {
            line.status = r.status.into();
            line.note = clean_note(r.note.as_deref());
            line.owed_by = None;
        }
    }
    Ok(())
}

fn clean_note(note: Option<&str>) -> Option<String> {
    note.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

fn check(case: &Case, r: &MaterialReport, mode: &Mode<'_>) -> Result<(), IntakeError> {
    let line = case
        .material(&r.material)
        .ok_or_else(|| IntakeError::UnknownMaterial {
            item: case.item.clone(),
            material: r.material.clone(),
        })?;
    match mode {
        Mode::Intake => {}
        Mode::Supplement(notice) => {
            if !notice.lists(&line.id) {
                return Err(IntakeError::OneTimeNotice {
                    case: case.id.clone(),
                    detail: format!(
                        "材料“{}”不在补正材料通知书所列范围内，不得提出新的要求 / material {} was not listed in the notice",
                        line.name, line.id
                    ),
                });
            }
        }
        Mode::AfterAcceptance => {
            if !(line.status == MaterialStatus::Tolerated && r.status == ReportedStatus::Submitted)
            {
                return Err(IntakeError::IllegalTransition {
                    case: case.id.clone(),
                    state: case.state,
                    action: Action::RecordMaterials.as_str(),
                });
            }
        }
    }
    let name = || (line.id.clone(), line.name.clone());
    match r.status {
        ReportedStatus::Missing | ReportedStatus::Nonconforming if line.shared_data => {
            let (material, name) = name();
            return Err(IntakeError::SharedDataDemanded { material, name });
        }
        ReportedStatus::Nonconforming if clean_note(r.note.as_deref()).is_none() => {
            return Err(IntakeError::BadRequest(format!(
                "材料“{}”不符合要求时须注明问题 / a note saying what is wrong with {} is required",
                line.name, line.id
            )));
        }
        ReportedStatus::Tolerated if !line.tolerable => {
            let (material, name) = name();
            return Err(IntakeError::NotTolerable { material, name });
        }
        ReportedStatus::Committed if !line.commitment => {
            let (material, name) = name();
            return Err(IntakeError::NotCommitment { material, name });
        }
        _ => {}
    }
    Ok(())
}
