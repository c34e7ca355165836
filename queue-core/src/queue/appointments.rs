//! Appointments: booking, unguessable codes, check-in with proof of holding the booking.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::decide::ticket_decision;
use super::event::{Appointment, QueueEvent};
use super::state::{Ctx, Decision, QueueState};
use super::ticket::Channel;
use crate::auth::Role;
use crate::error::DomainError;
use crate::ids;

impl QueueState {
    pub(super) fn book(
        &self,
        ctx: &Ctx<'_>,
        queue: &str,
        slot: &str,
        id_number: Option<&str>,
    ) -> Result<Decision<QueueEvent>, DomainError> {
        self.queue_exists(queue)?;
        let naive = NaiveDateTime::parse_from_str(slot, "%Y-%m-%dT%H:%M").map_err(|_| {
            DomainError::BadRequest(format!(
                "slot {slot:?}: expected YYYY-MM-DDTHH:MM local time"
            ))
        })?;
        let offset = ctx.hall.centre.offset();
        let slot_at = naive
            .and_local_timezone(offset)
            .single()
            .ok_or_else(|| DomainError::BadRequest(format!("slot {slot:?} is not a valid time")))?;
        if slot_at <= ctx.now {
            return Err(DomainError::BadRequest(format!(
                "slot {slot} is in the past"
            )));
        }
        let day = naive.date();
        if !ctx.calendar.is_working_day(day).value {
            return Err(DomainError::BadRequest(format!(
                "{day} 不是工作日 is not a working day"
            )));
        }
        let t = naive.time();
        if !ctx
            .hall
            .centre
            .hours()
            .iter()
            .any(|(a, b)| t >= *a && t < *b)
        {
            return Err(DomainError::BadRequest(format!(
                "{} 不在服务时间内 is outside service hours",
                t.format("%H:%M")
            )));
        }
        let id_number = match id_number.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(
                ids::parse_any(raw)
                    .map_err(|e| DomainError::InvalidId(e.to_string()))?
                    .normalized,
            ),
        };
        let seq = self.appointment_counters.get(&day).copied().unwrap_or(0) + 1;
        if seq > 9999 {
            return Err(DomainError::Conflict(format!(
                "{day}: appointments are full"
            )));
        }
        let code = appointment_code(&ctx.appointment_key, day, seq);
        let appointment = Appointment {
            code,
            queue: queue.to_string(),
            slot: slot_at,
            id_number,
            ticket: None,
        };
        Ok(Decision {
            result: json!({ "appointment": appointment }),
            events: vec![QueueEvent::AppointmentBooked { appointment }],
        })
    }

    /// Check-in: the code plus proof of holding the booking (the last four characters of
    /// its ID number). A wrong pair and an unknown code get the same answer, so the reply
    /// tells a guesser nothing. Staff at a counter see the person and may omit the digits.
    pub(super) fn check_in(
        &self,
        ctx: &Ctx<'_>,
        appointment_code: &str,
        id_last4: Option<&str>,
    ) -> Result<Decision<QueueEvent>, DomainError> {
        let rules = &ctx.hall.rules;
        let code = appointment_code.trim().to_ascii_uppercase();
        let unknown = || {
            DomainError::NotFound(format!(
                "预约号或证件号后四位不符 no appointment {code} with those ID characters"
            ))
        };
        let a = self.appointments.get(&code).ok_or_else(unknown)?;
        let given = id_last4.map(|s| s.trim().to_ascii_uppercase());
        if let Some(idn) = &a.id_number {
            let last4: String = idn
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
                .to_ascii_uppercase();
            let proven = match (&given, ctx.actor.role) {
                (Some(g), _) => *g == last4,
                (None, Role::Counter) => true,
                (None, _) => false,
            };
            if !proven {
                return Err(unknown());
            }
        }
        if let Some(t) = &a.ticket {
            return Err(DomainError::Conflict(format!(
                "预约已签到 appointment {code} already checked in as {t}"
            )));
        }
        if a.slot.date_naive() != ctx.now.date_naive() {
            return Err(DomainError::Conflict(format!(
                "预约日期为 {} appointment {code} is for {}",
                a.slot.date_naive(),
                a.slot.date_naive()
            )));
        }
        let grace = Duration::minutes(i64::from(rules.appointment_grace_minutes));
        // Late arrivals are still served (PY Art 9) but without the appointment head start.
        let late = ctx.now > a.slot + grace;
        let channel = if late {
            Channel::WalkIn
        } else {
            Channel::Appointment
        };
        let credit = if ctx.now < a.slot - grace {
            Some(a.slot - grace)
        } else {
            None
        };
        let mut t = self.new_ticket(
            ctx,
            &a.queue,
            channel,
            a.id_number.as_deref(),
            false,
            credit,
        )?;
        t.appointment = Some(code);
        Ok(ticket_decision(
            QueueEvent::TicketIssued { ticket: t.clone() },
            &t,
        ))
    }
}

/// Code alphabet without look-alikes (no 0/O, 1/I).
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// `YY` + `YYMMDD` + 4-digit sequence + 6 characters of a keyed digest (30 bits): the day and
/// sequence keep codes unique and replay deterministic; the tag, derived from the centre's
/// secret, makes a code impossible to guess from its neighbours.
#[must_use]
pub fn appointment_code(key: &[u8; 32], day: NaiveDate, seq: u32) -> String {
    let mut h = Sha256::new();
    h.update(b"appointment-code-v1");
    h.update(key);
    h.update(day.format("%Y%m%d").to_string().as_bytes());
    h.update(seq.to_be_bytes());
    let digest = h.finalize();
    let tag: String = digest
        .iter()
        .take(6)
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect();
    format!("YY{}{seq:04}{tag}", day.format("%y%m%d"))
}

/// The per-day sequence inside a code (restores the counter on replay).
#[must_use]
pub fn appointment_seq(code: &str) -> u32 {
    code.get(8..12).and_then(|s| s.parse().ok()).unwrap_or(0)
}
