//! Connecting to the city database: `postgres://` URLs (or key=value strings), with TLS by
//! rustls when the `tls` feature is on (the default). `sslmode=disable` connects in plain,
//! `prefer` (the default) tries TLS first, `require` insists on it. Trusted roots: the
//! system's store, plus the PEM file named by `PGSSLROOTCERT` if set.

use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config};

use crate::CityError;

/// A parsed connection target; the password never appears in `Display`.
#[derive(Clone)]
pub struct PgTarget {
    config: Config,
    shown: String,
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Display for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::str::FromStr for PgTarget {
    type Err = CityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut config: Config = s.parse().map_err(|e: tokio_postgres::Error| {
            CityError::Config(format!("PostgreSQL address: {e}"))
        })?;
        if config.get_application_name().is_none() {
            config.application_name("gov-hall-city");
        }
        config.connect_timeout(std::time::Duration::from_secs(5));
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(t) => t.clone(),
                tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
            })
            .collect();
        let shown = format!(
            "postgres://{}@{}:{}/{}",
            config.get_user().unwrap_or(""),
            hosts.join(","),
            config
                .get_ports()
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(","),
            config.get_dbname().unwrap_or("")
        );
        Ok(Self { config, shown })
    }
}

impl PgTarget {
    /// Connects; the connection's I/O runs as a task on the current runtime. Notifications
    /// (LISTEN) arrive on the returned channel when `notifications` is set.
    ///
    /// # Errors
    /// Connection, TLS or authentication failures.
    pub async fn connect(
        &self,
        notifications: Option<tokio::sync::mpsc::UnboundedSender<tokio_postgres::Notification>>,
    ) -> Result<Client, CityError> {
        if self.config.get_ssl_mode() == SslMode::Disable {
            let (client, conn) = self.config.connect(tokio_postgres::NoTls).await?;
            spawn_connection(conn, notifications);
            return Ok(client);
        }
        self.connect_tls(notifications).await
    }

    #[cfg(feature = "tls")]
    async fn connect_tls(
        &self,
        notifications: Option<tokio::sync::mpsc::UnboundedSender<tokio_postgres::Notification>>,
    ) -> Result<Client, CityError> {
        let tls = tls_connector()?;
        let (client, conn) = self.config.connect(tls).await?;
        spawn_connection(conn, notifications);
        Ok(client)
    }

    #[cfg(not(feature = "tls"))]
    async fn connect_tls(
        &self,
        notifications: Option<tokio::sync::mpsc::UnboundedSender<tokio_postgres::Notification>>,
    ) -> Result<Client, CityError> {
        if self.config.get_ssl_mode() == SslMode::Require {
            return Err(CityError::Config(
                "sslmode=require, but this build has no TLS (feature `tls` of crate `city`)".into(),
            ));
        }
        let (client, conn) = self.config.connect(tokio_postgres::NoTls).await?;
        spawn_connection(conn, notifications);
        Ok(client)
    }
}

#[cfg(feature = "tls")]
fn tls_connector() -> Result<tokio_postgres_rustls::MakeRustlsConnect, CityError> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    // Unreadable system certificates are skipped: the explicit file may still suffice.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = std::env::var_os("PGSSLROOTCERT") {
        let certs = rustls::pki_types::CertificateDer::pem_file_iter(&path)
            .map_err(|e| CityError::Config(format!("PGSSLROOTCERT: {e}")))?;
        for cert in certs {
            let cert = cert.map_err(|e| CityError::Config(format!("PGSSLROOTCERT: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| CityError::Config(format!("PGSSLROOTCERT: {e}")))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CityError::Config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn spawn_connection<S, T>(
    mut conn: tokio_postgres::Connection<S, T>,
    notifications: Option<tokio::sync::mpsc::UnboundedSender<tokio_postgres::Notification>>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| conn.poll_message(cx));
        while let Some(msg) = futures_util::StreamExt::next(&mut messages).await {
            match msg {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if let Some(tx) = &notifications {
                        let _ = tx.send(n);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!("city database connection closed: {e}");
                    break;
                }
            }
        }
    });
}
