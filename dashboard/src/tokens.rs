//! `dashboard token create|list|revoke`: access tokens for counters, kiosks, supervisors,
//! managers and displays. Only a hash is stored; the token is shown once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use queue_core::auth::Role;
use queue_core::config::HallConfig;
use queue_core::store::{token_hash, Store};

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub cmd: TokenCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCmd {
    /// Create a token; the token itself is the last line of the output.
    Create {
        /// counter | kiosk | supervisor | manager | display | pad
        #[arg(long)]
        role: String,
        /// Window a counter or rating-pad token acts for (required for both).
        #[arg(long)]
        window: Option<u32>,
        /// A note, e.g. who or which screen holds it.
        #[arg(long, default_value = "")]
        label: String,
        /// The token stops working after this long: 90d, 12h, 30m, 2w (default: until revoked).
        #[arg(long, value_parser = parse_lifetime)]
        expires: Option<chrono::Duration>,
        /// A chief representative (首席事务代表): a supervisor token that sees and acts on
        /// these departments' matters only (code or name from `[[departments]]`; repeatable).
        #[arg(long = "department")]
        departments: Vec<String>,
        /// The hall configuration the departments are checked against (default: the sample).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// List tokens (never the tokens themselves).
    List {
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Revoke a token by its id.
    Revoke {
        id: i64,
        #[arg(long)]
        db: Option<PathBuf>,
    },
}

/// A fresh random token (192 bits, hex).
#[must_use]
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 24]>())
}

/// `90d`, `12h`, `30m`, `45s`, `2w`: a token's lifetime.
///
/// # Errors
/// Anything else, or a lifetime that is zero or beyond ten years.
pub fn parse_lifetime(s: &str) -> Result<chrono::Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("{s:?}: use a number and a unit, e.g. 90d, 12h, 30m"))?;
    let d = match unit {
        "s" => chrono::Duration::try_seconds(n),
        "m" => chrono::Duration::try_minutes(n),
        "h" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        "w" => chrono::Duration::try_weeks(n),
        _ => None,
    }
    .ok_or_else(|| format!("{s:?}: the unit is one of s, m, h, d, w (e.g. 90d)"))?;
    if n <= 0 || d > chrono::Duration::days(3653) {
        return Err(format!(
            "{s:?}: a lifetime is more than zero and at most ten years"
        ));
    }
    Ok(d)
}

/// Creates a token in `db` and returns it.
///
/// # Errors
/// Bad role, a counter or pad without a window, or database errors.
pub fn create(
    db: &Path,
    role: &str,
    window: Option<u32>,
    label: &str,
) -> anyhow::Result<(i64, String)> {
    create_expiring(db, role, window, label, None)
}

/// [`create`], ending after `lifetime` when given.
///
/// # Errors
/// As [`create`].
pub fn create_expiring(
    db: &Path,
    role: &str,
    window: Option<u32>,
    label: &str,
    lifetime: Option<chrono::Duration>,
) -> anyhow::Result<(i64, String)> {
    create_scoped(db, role, window, label, lifetime, &[])
}

/// The department names for `--department` values (codes or names) in `config`.
///
/// # Errors
/// Names every value the configuration does not list, with the codes it does.
pub fn resolve_departments(config: &HallConfig, asked: &[String]) -> anyhow::Result<Vec<String>> {
    let unknown: Vec<&str> = asked
        .iter()
        .filter(|a| config.department_by_code(a).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<String> = config
            .departments
            .iter()
            .map(|d| match &d.code {
                Some(c) => format!("{c} ({})", d.name),
                None => d.name.clone(),
            })
            .collect();
        anyhow::bail!(
            "未知部门 unknown department {}: the hall configuration lists {}",
            unknown.join(", "),
            known.join(", ")
        );
    }
    let mut names: Vec<String> = Vec::new();
    for a in asked {
        if let Some(d) = config.department_by_code(a) {
            if !names.contains(&d.name) {
                names.push(d.name.clone());
            }
        }
    }
    Ok(names)
}

/// [`create_expiring`] scoped to `departments` (names, already resolved; supervisors only).
///
/// # Errors
/// As [`create`], or departments on a token other than a supervisor's.
pub fn create_scoped(
    db: &Path,
    role: &str,
    window: Option<u32>,
    label: &str,
    lifetime: Option<chrono::Duration>,
    departments: &[String],
) -> anyhow::Result<(i64, String)> {
    let role = Role::parse(role).with_context(|| {
        format!("unknown role {role:?}: use counter, kiosk, supervisor, manager, display or pad")
    })?;
    match (role.has_window(), window) {
        (true, None) => anyhow::bail!("a {} token needs --window N", role.as_str()),
        (true, Some(0)) => anyhow::bail!("windows are numbered from 1"),
        (false, Some(_)) => anyhow::bail!("only counter and pad tokens are bound to a window"),
        _ => {}
    }
    if !departments.is_empty() && role != Role::Supervisor {
        anyhow::bail!("only supervisor tokens are scoped to departments (--department)");
    }
    let store = Store::open(db)?;
    let token = new_token();
    let now = chrono::Utc::now();
    let expires = lifetime.map(|d| (now + d).to_rfc3339());
    let id = store.create_token_scoped(
        &token_hash(&token),
        role,
        window,
        label,
        &now.to_rfc3339(),
        expires.as_deref(),
        departments,
    )?;
    Ok((id, token))
}

pub fn token(a: &TokenArgs) -> anyhow::Result<ExitCode> {
    let db_of = |db: &Option<PathBuf>| db.clone().unwrap_or_else(crate::paths::default_db);
    match &a.cmd {
        TokenCmd::Create {
            role,
            window,
            label,
            expires,
            departments,
            config,
            db,
        } => {
            let db = db_of(db);
            let departments = if departments.is_empty() {
                Vec::new()
            } else {
                let config = match config {
                    Some(p) => HallConfig::load(p)?,
                    None => HallConfig::sample()?,
                };
                resolve_departments(&config, departments)?
            };
            let (id, token) = create_scoped(&db, role, *window, label, *expires, &departments)?;
            println!(
                "令牌已创建 token created: id {id}, role {role}{}{}{}",
                window.map_or(String::new(), |w| format!(", window {w}")),
                if departments.is_empty() {
                    String::new()
                } else {
                    format!(", departments {}", departments.join("、"))
                },
                expires.map_or(String::new(), |d| format!(
                    ", expires {}",
                    (chrono::Utc::now() + d).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ))
            );
            println!("数据库 database: {}", db.display());
            println!("请妥善保管，仅显示一次 keep it safe; it is shown only once:");
            println!("{token}");
        }
        TokenCmd::List { db } => {
            let store = Store::open(&db_of(db))?;
            println!(
                "{:>4}  {:<10} {:>6}  {:<8} {:<25} {:<25} label / departments",
                "id", "role", "window", "state", "created", "expires"
            );
            let now = chrono::Utc::now();
            for t in store.list_tokens()? {
                let state = if t.revoked {
                    "revoked"
                } else if t.is_dead(now) {
                    "expired"
                } else {
                    "active"
                };
                println!(
                    "{:>4}  {:<10} {:>6}  {:<8} {:<25} {:<25} {}{}",
                    t.id,
                    t.role.as_str(),
                    t.window.map_or("-".into(), |w| w.to_string()),
                    state,
                    t.created_at,
                    t.expires_at.as_deref().unwrap_or("-"),
                    t.label,
                    if t.departments.is_empty() {
                        String::new()
                    } else {
                        format!(" [部门 departments: {}]", t.departments.join("、"))
                    }
                );
            }
        }
        TokenCmd::Revoke { id, db } => {
            let store = Store::open(&db_of(db))?;
            let now = chrono::Utc::now().to_rfc3339();
            if store.revoke_token(*id, &now)? {
                println!("令牌 {id} 已撤销 token {id} revoked");
            } else {
                eprintln!("没有有效的令牌 {id} no active token {id}");
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_lifetime;

    #[test]
    fn lifetimes_need_a_unit_and_stay_sane() {
        assert_eq!(parse_lifetime("90d"), Ok(chrono::Duration::days(90)));
        assert_eq!(parse_lifetime("12h"), Ok(chrono::Duration::hours(12)));
        assert_eq!(parse_lifetime("2w"), Ok(chrono::Duration::weeks(2)));
        assert_eq!(parse_lifetime("3s"), Ok(chrono::Duration::seconds(3)));
        for bad in ["", "90", "d", "0d", "-1d", "90y", "99999d"] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
