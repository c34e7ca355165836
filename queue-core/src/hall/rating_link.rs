//! The rating link on a printed ticket slip (`/rate/<token>`): the applicant scans it with a
//! phone after the service and rates it (issue 14: "a signed, single-use rating link").
//!
//! A token names a ticket id and the last day it is valid, and carries a tag by the centre:
//! `base64url(version ‖ expiry ‖ ticket id ‖ tag)`, where the tag is the first 16 bytes of
//! HMAC-SHA256 under a key derived from the centre's signing key. A MAC rather than an Ed25519
//! signature: only this hall ever checks a link (nobody verifies one offline, unlike receipts),
//! and 16 bytes instead of 64 keep the token at 43 characters, so the slip's QR stays small
//! (version 4 with a typical hall address instead of 7–8). Ticket ids are guessable
//! (`20261123-A001`); without the tag nobody can rate a stranger's service. Single use is the
//! hall's rule of one rating per service, decided by the writer.
//!
//! Rotating the centre key (`dashboard keys rotate`) invalidates the links of slips printed
//! before it; they would have expired by the next working day anyway.

use chrono::{DateTime, Days, FixedOffset, NaiveDate};

use super::Hall;
use crate::error::DomainError;
use crate::queue::{Ticket, TicketState};
use crate::store::pii::hmac_sha256;

const VERSION: u8 = 1;
const TAG_LEN: usize = 16;
/// Longest ticket id accepted (`YYYYMMDD-` + queue code + number, with room to spare).
const MAX_ID_LEN: usize = 40;
/// Transfers followed from the slip's ticket to the one that was served.
const MAX_TRANSFERS: usize = 8;

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("评价链接无效 this rating link is not valid")]
    Malformed,
    #[error("评价链接签名不符 this rating link was not issued by this centre")]
    Forged,
    #[error("评价链接已过期 this rating link has expired")]
    Expired,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingLink {
    pub ticket: String,
    /// The last day (centre local) the link may be used.
    pub valid_until: NaiveDate,
}

/// The key for rating links, derived from the centre key (never the key itself).
#[must_use]
pub fn link_key(centre_key: &[u8; 32]) -> [u8; 32] {
    hmac_sha256(centre_key, &[b"rating-link-key-v1"])
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

fn tag(key: &[u8; 32], body: &[u8]) -> [u8; TAG_LEN] {
    let full = hmac_sha256(key, &[b"rating-link-v1\0", body]);
    let mut t = [0u8; TAG_LEN];
    t.copy_from_slice(&full[..TAG_LEN]);
    t
}

/// The token for `ticket`, valid through `valid_until`.
#[must_use]
pub fn make(key: &[u8; 32], ticket: &str, valid_until: NaiveDate) -> String {
    use base64::Engine;
    let days = u16::try_from((valid_until - epoch()).num_days().max(0)).unwrap_or(u16::MAX);
    let mut bytes = vec![VERSION];
    bytes.extend_from_slice(&days.to_be_bytes());
    bytes.extend_from_slice(ticket.as_bytes());
    let t = tag(key, &bytes);
    bytes.extend_from_slice(&t);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Checks `token` and its expiry against `today` (centre local).
///
/// # Errors
/// `Malformed` for anything that is not a token, `Forged` when the tag does not match,
/// `Expired` after its last day.
pub fn open(key: &[u8; 32], token: &str, today: NaiveDate) -> Result<RatingLink, LinkError> {
    use base64::Engine;
    if token.len() > 4 * (3 + MAX_ID_LEN + TAG_LEN) / 3 + 4 {
        return Err(LinkError::Malformed);
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| LinkError::Malformed)?;
    if bytes.len() < 3 + 1 + TAG_LEN || bytes[0] != VERSION {
        return Err(LinkError::Malformed);
    }
    let (body, given) = bytes.split_at(bytes.len() - TAG_LEN);
    let expected = tag(key, body);
    // Constant time: the comparison must not tell how many leading bytes were right.
    let diff = expected
        .iter()
        .zip(given)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if diff != 0 {
        return Err(LinkError::Forged);
    }
    let days = u16::from_be_bytes([body[1], body[2]]);
    let valid_until = epoch()
        .checked_add_days(Days::new(u64::from(days)))
        .ok_or(LinkError::Malformed)?;
    let ticket = std::str::from_utf8(&body[3..])
        .map_err(|_| LinkError::Malformed)?
        .to_string();
    if today > valid_until {
        return Err(LinkError::Expired);
    }
    Ok(RatingLink {
        ticket,
        valid_until,
    })
}

/// What the rating page shows and the evaluation counts: the service a link rates.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedService<'a> {
    pub link: RatingLink,
    /// The ticket that was served: the slip's, or where transfers led it.
    pub ticket: &'a Ticket,
    /// The number printed on the slip.
    pub slip_number: String,
}

impl Hall {
    /// The link path printed on `t`'s slip (`/rate/<token>`), when it has a rating day.
    #[must_use]
    pub fn rating_link(&self, t: &Ticket) -> Option<String> {
        t.rating_until
            .map(|u| format!("/rate/{}", make(&self.rating_link_key, &t.id, u)))
    }

    /// The service `token` rates, as of `now`.
    ///
    /// # Errors
    /// `Forbidden` for a forged or malformed link, `Expired` past its day, `NotFound` for a ticket
    /// the hall no longer holds.
    pub fn linked_service(
        &self,
        token: &str,
        now: DateTime<FixedOffset>,
    ) -> Result<LinkedService<'_>, DomainError> {
        let link = open(&self.rating_link_key, token, now.date_naive()).map_err(|e| match e {
            LinkError::Expired => DomainError::Expired(e.to_string()),
            LinkError::Malformed | LinkError::Forged => DomainError::Forbidden(e.to_string()),
        })?;
        let gone = || DomainError::Expired(LinkError::Expired.to_string());
        let slip = self
            .queue
            .ticket_or_rateable(&link.ticket)
            .ok_or_else(gone)?;
        let slip_number = slip.number.clone();
        let mut t = slip;
        for _ in 0..MAX_TRANSFERS {
            match (&t.state, &t.transferred_to) {
                (TicketState::Transferred, Some(next)) => {
                    t = self.queue.ticket_or_rateable(next).ok_or_else(gone)?;
                }
                _ => break,
            }
        }
        Ok(LinkedService {
            link,
            ticket: t,
            slip_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_token_round_trips_and_is_short_enough_for_a_small_qr() {
        let t = make(&KEY, "20261123-A001", day("2026-11-24"));
        assert!(t.len() <= 44, "{} chars: {t}", t.len());
        assert!(t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let link = open(&KEY, &t, day("2026-11-23")).unwrap();
        assert_eq!(link.ticket, "20261123-A001");
        assert_eq!(link.valid_until, day("2026-11-24"));
        // Valid through its last day.
        assert!(open(&KEY, &t, day("2026-11-24")).is_ok());
    }

    #[test]
    fn a_tampered_byte_is_refused() {
        use base64::Engine;
        let t = make(&KEY, "20261123-A001", day("2026-11-24"));
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&t)
            .unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&b);
            let r = open(&KEY, &forged, day("2026-11-23"));
            assert!(
                matches!(r, Err(LinkError::Forged | LinkError::Malformed)),
                "byte {i}: {r:?}"
            );
        }
        // Another centre's key.
        assert_eq!(
            open(&[8; 32], &t, day("2026-11-23")),
            Err(LinkError::Forged)
        );
        assert_eq!(
            open(&KEY, "not a token!", day("2026-11-23")),
            Err(LinkError::Malformed)
        );
        assert_eq!(open(&KEY, "", day("2026-11-23")), Err(LinkError::Malformed));
    }

    #[test]
    fn an_expired_token_is_refused() {
        let t = make(&KEY, "20261123-A001", day("2026-11-24"));
        assert_eq!(open(&KEY, &t, day("2026-11-25")), Err(LinkError::Expired));
    }

    #[test]
    fn the_link_key_is_not_the_centre_key() {
        let k = [3u8; 32];
        assert_ne!(link_key(&k), k);
        assert_ne!(link_key(&k), link_key(&[4; 32]));
    }
}
