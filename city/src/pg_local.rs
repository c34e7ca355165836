//! A throw-away PostgreSQL for tests and the load tool: Debian's `postgresql` binaries,
//! `initdb` into a fresh temporary directory, started on a free loopback port with its unix
//! socket inside that directory, stopped and removed on drop. Never the system-wide service.
//! As root, the server runs as the unprivileged `postgres` user (via `runuser`), since
//! PostgreSQL refuses to run as root.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, thiserror::Error)]
pub enum LocalPgError {
    #[error("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (install Debian's `postgresql` package; scripts/test.sh does)")]
    NotInstalled,
    #[error("{what}: {detail}")]
    Step { what: String, detail: String },
}

fn step(what: &str, detail: impl std::fmt::Display) -> LocalPgError {
    LocalPgError::Step {
        what: what.to_string(),
        detail: detail.to_string(),
    }
}

/// A running private PostgreSQL cluster.
#[derive(Debug)]
pub struct LocalPg {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    dirs.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> Result<u16, LocalPgError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| step("free port", e))?;
    Ok(l.local_addr().map_err(|e| step("free port", e))?.port())
}

impl LocalPg {
    /// Creates and starts a cluster (`max_connections` for many shippers at once).
    ///
    /// # Errors
    /// PostgreSQL not installed, or initdb/start failing (with its output).
    pub fn start(max_connections: u32) -> Result<Self, LocalPgError> {
        static N: AtomicU32 = AtomicU32::new(0);
        let bin = bin_dir().ok_or(LocalPgError::NotInstalled)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "city-pg-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| step("temp dir", e))?;
        let as_postgres = is_root();
        let pg = Self {
            dir,
            bin,
            port: free_port()?,
            as_postgres,
        };
        if as_postgres {
            // The server's own user must own its directory; /tmp itself is world-searchable.
            run_checked(
                Command::new("chown").arg("postgres:postgres").arg(&pg.dir),
                "chown",
            )?;
        }
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data().display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let conf = format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             max_connections = {max_connections}\nshared_buffers = 64MB\n",
            pg.port,
            pg.dir.display()
        );
        let auto = pg.data().join("postgresql.auto.conf");
        let mut existing = std::fs::read_to_string(&auto).unwrap_or_default();
        existing.push_str(&conf);
        std::fs::write(&auto, existing).map_err(|e| step("postgresql.auto.conf", e))?;
        pg.start_again()?;
        Ok(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable`.
    #[must_use]
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), LocalPgError> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(&self.dir);
        run_checked(&mut cmd, tool)
    }

    /// Starts the (stopped) server again, on the same port and data.
    ///
    /// # Errors
    /// pg_ctl failing.
    pub fn start_again(&self) -> Result<(), LocalPgError> {
        let log = self.dir.join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
    }

    /// Stops the server (`fast`: clients are disconnected, like a database going away).
    ///
    /// # Errors
    /// pg_ctl failing.
    pub fn stop(&self) -> Result<(), LocalPgError> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
    }
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<(), LocalPgError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| step(what, e))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(step(
            what,
            format!(
                "{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ))
    }
}

impl Drop for LocalPg {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        // Already stopped is fine; nothing to report from a destructor.
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
