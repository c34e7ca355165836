//! `dashboard token create|list|revoke`: access tokens for counters, kiosks, supervisors,
//! managers and displays. Only a hash is stored; the token is shown once.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use queue_core::auth::Role;
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
    let role = Role::parse(role).with_context(|| {
        format!("unknown role {role:?}: use counter, kiosk, supervisor, manager, display or pad")
    })?;
    match (role.has_window(), window) {
        (true, None) => anyhow::bail!("a {} token needs --window N", role.as_str()),
        (true, Some(0)) => anyhow::bail!("windows are numbered from 1"),
        (false, Some(_)) => anyhow::bail!("only counter and pad tokens are bound to a window"),
        _ => {}
    }
    let store = Store::open(db)?;
    let token = new_token();
    let now = chrono::Utc::now().to_rfc3339();
    let id = store.create_token(&token_hash(&token), role, window, label, &now)?;
    Ok((id, token))
}

pub fn token(a: &TokenArgs) -> anyhow::Result<ExitCode> {
    let db_of = |db: &Option<PathBuf>| db.clone().unwrap_or_else(crate::paths::default_db);
    match &a.cmd {
        TokenCmd::Create {
            role,
            window,
            label,
            db,
        } => {
            let db = db_of(db);
            let (id, token) = create(&db, role, *window, label)?;
            println!(
                "令牌已创建 token created: id {id}, role {role}{}",
                window.map_or(String::new(), |w| format!(", window {w}"))
            );
            println!("数据库 database: {}", db.display());
            println!("请妥善保管，仅显示一次 keep it safe; it is shown only once:");
            println!("{token}");
        }
        TokenCmd::List { db } => {
            let store = Store::open(&db_of(db))?;
            println!(
                "{:>4}  {:<10} {:>6}  {:<8} {:<25} label",
                "id", "role", "window", "state", "created"
            );
            for t in store.list_tokens()? {
                println!(
                    "{:>4}  {:<10} {:>6}  {:<8} {:<25} {}",
                    t.id,
                    t.role.as_str(),
                    t.window.map_or("-".into(), |w| w.to_string()),
                    if t.revoked { "revoked" } else { "active" },
                    t.created_at,
                    t.label
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
