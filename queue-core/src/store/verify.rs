//! `verify-log`: the whole log walked once, every damaged row named, without stopping at the
//! first one.

use ed25519_dalek::VerifyingKey;
use rusqlite::types::Value as Sql;

use super::{heads, log, SignedHead, Store, StoreError};

/// The outcome of walking the log.
#[derive(Debug, Clone, Default)]
pub struct LogCheck {
    /// Rows read.
    pub events: u64,
    /// The last seq in the log.
    pub last_seq: u64,
    /// Every problem found, `(seq, what)`, by seq.
    pub bad: Vec<(u64, String)>,
    pub heads: Vec<SignedHead>,
}

impl LogCheck {
    #[must_use]
    pub fn first_bad(&self) -> Option<u64> {
        self.bad.first().map(|(s, _)| *s)
    }

    /// Distinct sequence numbers with a problem.
    #[must_use]
    pub fn bad_seqs(&self) -> usize {
        let mut s: Vec<u64> = self.bad.iter().map(|(s, _)| *s).collect();
        s.dedup();
        s.len()
    }
}

fn text(v: &Sql) -> Option<&str> {
    match v {
        Sql::Text(t) => Some(t),
        _ => None,
    }
}

fn blob(v: &Sql) -> Option<&[u8]> {
    match v {
        Sql::Blob(b) => Some(b),
        _ => None,
    }
}

impl Store {
    /// Walks the chain, checks every row (sequence, link, hash, readable body, personal-data
    /// digests) and the signed heads against `trusted` keys.
    ///
    /// # Errors
    /// SQLite errors that stop the walk itself.
    pub fn verify_log(&self, trusted: &[VerifyingKey]) -> Result<LogCheck, StoreError> {
        let mut out = LogCheck::default();
        let mut stmt = self
            .conn
            .prepare("SELECT seq, at, body, prev_hash, hash, actor FROM events ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut prev: Vec<u8> = vec![0u8; 32];
        let mut expect = 1u64;
        // Columns are read as raw values: a row of the wrong type is a finding, not a stop.
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            let cols: Vec<Sql> = (0..6)
                .map(|i| r.get::<_, Sql>(i).unwrap_or(Sql::Null))
                .collect();
            let seq = match cols[0] {
                Sql::Integer(s) => u64::try_from(s).unwrap_or(0),
                _ => expect,
            };
            out.events += 1;
            out.last_seq = seq;
            let mut bad = |what: String| out.bad.push((seq, what));
            if seq != expect {
                bad(format!(
                    "expected seq {expect}: events {expect}..{} are missing",
                    seq.saturating_sub(1)
                ));
            }
            let (Some(at), Some(body), Some(prev_hash), Some(hash)) = (
                text(&cols[1]),
                text(&cols[2]),
                blob(&cols[3]),
                blob(&cols[4]),
            ) else {
                bad("row has missing or mistyped columns".into());
                expect = seq + 1;
                continue;
            };
            if prev_hash != prev.as_slice() {
                bad("previous-hash link broken".into());
            }
            if log::record_hash(&prev, seq, at, text(&cols[5]), body) != hash {
                bad("content does not match its hash".into());
            }
            if let Err(e) = log::parse_record(&self.conn, &self.path, &self.secret, seq, at, body) {
                bad(e.to_string());
            }
            // Keep the stored hash as the link: one edited row is one finding, not all after.
            prev = hash.to_vec();
            expect = seq + 1;
        }
        out.bad
            .extend(heads::check(&self.conn, &self.path, trusted)?);
        out.bad.sort_by_key(|(s, _)| *s);
        out.heads = self.signed_heads()?;
        Ok(out)
    }
}
