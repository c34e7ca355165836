//! The resident ID card reader at the window: the device crate's reader (or the in-process
//! simulator) delivers on a std channel; a small thread forwards to the application. Also what
//! the counter remembers of a read card: only the name and number it put into the form, so
//! `case_open` can say the identity was checked by card. The photo never reaches this crate.

use std::path::PathBuf;
use std::sync::mpsc;

use device::idcard::{IdCardReader, IdReaderConfig, IdReaderEvent, SimIdReader};
use queue_core::intake::IdentityCheck;
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

use crate::msg::Msg;

pub enum IdReaderSetup {
    Simulated(SimIdReader),
    Serial(PathBuf),
}

/// Keeps the reader running; dropping it stops delivery.
pub enum IdReaderHandle {
    Serial(IdCardReader),
    Sim(SimIdReader),
}

impl Drop for IdReaderHandle {
    fn drop(&mut self) {
        if let Self::Sim(sim) = self {
            sim.detach();
        }
    }
}

/// Starts delivering reader events as [`Msg::IdCard`].
///
/// # Errors
/// If the reader or the forwarding thread cannot start.
pub fn start(setup: IdReaderSetup, out: UnboundedSender<Msg>) -> std::io::Result<IdReaderHandle> {
    let (tx, rx) = mpsc::channel();
    let handle = match setup {
        IdReaderSetup::Simulated(sim) => {
            sim.attach(tx);
            IdReaderHandle::Sim(sim)
        }
        IdReaderSetup::Serial(path) => {
            IdReaderHandle::Serial(IdCardReader::spawn(IdReaderConfig::new(path), tx)?)
        }
    };
    std::thread::Builder::new()
        .name("idcard-forward".into())
        .spawn(move || {
            for ev in rx {
                if out.send(Msg::IdCard(ev)).is_err() {
                    return;
                }
            }
        })?;
    Ok(handle)
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReaderKind {
    #[default]
    Simulated,
    Serial {
        path: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReaderState {
    #[default]
    Unknown,
    Connected,
    Fault(String),
    Disconnected(String),
}

/// A person whose card was read into the form: (name, ID number) exactly as filled in.
pub type Checked = Option<(String, String)>;

/// The reader as the counter sees it, and which form entries came from a card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IdCardState {
    pub kind: ReaderKind,
    pub state: ReaderState,
    pub applicant: Checked,
    pub agent: Checked,
    /// Simulated reader only: the sample card placed last (Ctrl+K cycles).
    pub sim_next: usize,
}

impl IdCardState {
    /// Adds `identity_checked: "id_card"` to the applicant and agent of a `case_open` whose
    /// name and number are still the ones read from a card (an edit after the read drops it).
    pub fn mark(&self, cmd: &mut Value) {
        for (key, checked) in [("applicant", &self.applicant), ("agent", &self.agent)] {
            let Some((name, id)) = checked else { continue };
            let party = &mut cmd[key];
            let same = party["name"].as_str() == Some(name.as_str())
                && party["id_number"]
                    .as_str()
                    .is_some_and(|v| v.eq_ignore_ascii_case(id));
            if party.is_object() && same {
                party["identity_checked"] = json!(IdentityCheck::IdCard);
            }
        }
    }

    /// Forgets the card entries (a new intake, or the case was opened).
    pub fn forget(&mut self) {
        self.applicant = None;
        self.agent = None;
    }
}

/// The printed slip's identity line, e.g. `申请人已核验身份证`, when a card was read.
#[must_use]
pub fn checked_line(b: &queue_core::document::DocumentBody) -> Option<String> {
    let parts: Vec<String> = [
        ("申请人", b.applicant.identity_checked),
        ("代理人", b.agent.as_ref().and_then(|a| a.identity_checked)),
    ]
    .into_iter()
    .filter_map(|(who, c)| c.map(|c| format!("{who}{}", c.label_zh())))
    .collect();
    (!parts.is_empty()).then(|| parts.join("，"))
}

/// Events that show the reader is present and working.
#[must_use]
pub fn is_up(e: &IdReaderEvent) -> bool {
    matches!(
        e,
        IdReaderEvent::Connected { .. } | IdReaderEvent::Card(_) | IdReaderEvent::Removed
    )
}
