//! Access tokens: only their hashes are stored.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::auth::Role;

/// A stored access token (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: i64,
    pub role: Role,
    pub window: Option<u32>,
    pub label: String,
    pub created_at: String,
    pub revoked: bool,
    /// RFC 3339; the token is refused from then on.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Department names a supervisor token is scoped to (empty: the whole hall).
    #[serde(default)]
    pub departments: Vec<String>,
}

impl TokenInfo {
    /// Revoked, or expired at `now`. An unreadable expiry counts as expired (fail closed).
    #[must_use]
    pub fn is_dead(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.revoked
            || self
                .expires_at
                .as_deref()
                .is_some_and(|e| chrono::DateTime::parse_from_rfc3339(e).map_or(true, |e| e <= now))
    }
}

impl Store {
    /// Stores a new token's hash and returns its id.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn create_token(
        &self,
        token_hash: &str,
        role: Role,
        window: Option<u32>,
        label: &str,
        now: &str,
    ) -> Result<i64, StoreError> {
        self.create_token_until(token_hash, role, window, label, now, None)
    }

    /// [`Store::create_token`] with an optional expiry (RFC 3339).
    ///
    /// # Errors
    /// SQLite errors.
    pub fn create_token_until(
        &self,
        token_hash: &str,
        role: Role,
        window: Option<u32>,
        label: &str,
        now: &str,
        expires_at: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.create_token_scoped(token_hash, role, window, label, now, expires_at, &[])
    }

    /// [`Store::create_token_until`] scoped to `departments` (names; empty for none).
    ///
    /// # Errors
    /// SQLite errors.
    #[allow(clippy::too_many_arguments)]
    pub fn create_token_scoped(
        &self,
        token_hash: &str,
        role: Role,
        window: Option<u32>,
        label: &str,
        now: &str,
        expires_at: Option<&str>,
        departments: &[String],
    ) -> Result<i64, StoreError> {
        let departments =
            (!departments.is_empty()).then(|| serde_json::Value::from(departments).to_string());
        self.conn
            .execute(
                "INSERT INTO tokens (hash, role, window, label, created_at, expires_at, departments) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![token_hash, role.as_str(), window, label, now, expires_at, departments],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Looks up a live (neither revoked nor expired) token by its hash.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn find_token(&self, token_hash: &str) -> Result<Option<TokenInfo>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, role, window, label, created_at, revoked_at, expires_at, departments FROM tokens WHERE hash = ?1",
                params![token_hash],
                token_row,
            )
            .optional()
            .map_err(|e| self.err(e))
            .map(|t| t.flatten().filter(|t| !t.is_dead(chrono::Utc::now())))
    }

    /// All tokens, revoked ones included.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, role, window, label, created_at, revoked_at, expires_at, departments FROM tokens ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], token_row).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(t) = r.map_err(|e| self.err(e))? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Revokes a token by id; false when there is no such live token.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn revoke_token(&self, id: i64, now: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<TokenInfo>> {
    let role: String = r.get(1)?;
    let Some(role) = Role::parse(&role) else {
        return Ok(None);
    };
    Ok(Some(TokenInfo {
        id: r.get(0)?,
        role,
        window: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        revoked: r.get::<_, Option<String>>(5)?.is_some(),
        expires_at: r.get(6)?,
        // An unreadable scope is an empty-but-scoped one: the token sees no department.
        departments: r
            .get::<_, Option<String>>(7)?
            .map(|s| {
                serde_json::from_str(&s).unwrap_or_else(|_| vec!["\u{0}unreadable".to_string()])
            })
            .unwrap_or_default(),
    }))
}

/// Hash of a bearer token as stored: tokens themselves are never written down.
#[must_use]
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
