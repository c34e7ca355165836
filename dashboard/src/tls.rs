//! TLS for the hall: the server's acceptor (`serve --tls-cert/--tls-key`), the clients'
//! connector (`wss://`, optionally trusting a centre CA with `--ca`), and `dashboard tls init`,
//! which makes a centre CA and a server certificate signed by it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server side: certificate chain and key from PEM files.
///
/// # Errors
/// Unreadable files, no certificate or key in them, or a key that does not match.
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("TLS certificate {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("TLS certificate {}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("no certificate in {}", cert.display());
    }
    let key =
        PrivateKeyDer::from_pem_file(key).with_context(|| format!("TLS key {}", key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the TLS key does not match the certificate")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// The client side: trusts the centre CA in `ca` when given, else the public web roots.
///
/// # Errors
/// An unreadable CA file or one without a usable certificate.
pub fn client_config(ca: Option<&Path>) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for c in CertificateDer::pem_file_iter(path)
                .with_context(|| format!("CA file {}", path.display()))?
            {
                let c = c.with_context(|| format!("CA file {}", path.display()))?;
                roots
                    .add(c)
                    .with_context(|| format!("CA certificate in {}", path.display()))?;
            }
            if roots.is_empty() {
                anyhow::bail!("no certificate in CA file {}", path.display());
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[derive(Debug, clap::Args)]
pub struct TlsArgs {
    #[command(subcommand)]
    pub cmd: TlsCmd,
}

#[derive(Debug, clap::Subcommand)]
pub enum TlsCmd {
    /// Make a centre CA and a server certificate for the hall (PEM files, keys mode 0600).
    Init {
        /// Where to write ca.pem, ca.key, server.pem, server.key (the data directory's tls/ by default).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Host names or IP addresses the counters use to reach the hall (repeatable);
        /// localhost and 127.0.0.1 are always included.
        #[arg(long = "name")]
        names: Vec<String>,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

/// The files `tls init` writes.
#[derive(Debug, Clone)]
pub struct CentreTls {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Makes the CA and the server certificate in `dir`.
///
/// # Errors
/// Files that exist (without `force`), or that cannot be written.
pub fn init(dir: &Path, names: &[String], force: bool) -> anyhow::Result<CentreTls> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let files = CentreTls {
        ca_cert: dir.join("ca.pem"),
        ca_key: dir.join("ca.key"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    if !force {
        for f in [&files.ca_cert, &files.ca_key, &files.cert, &files.key] {
            if f.exists() {
                anyhow::bail!(
                    "{} exists; use --force to replace the centre's TLS files",
                    f.display()
                );
            }
        }
    }
    create_private_dir(dir)?;
    let today = chrono::Utc::now().date_naive();
    let date = |years: i32| {
        use chrono::Datelike;
        let d = today
            .with_year(today.year() + years)
            .unwrap_or(today + chrono::Days::new(365 * u64::try_from(years).unwrap_or(0)));
        rcgen::date_time_ymd(
            d.year(),
            u8::try_from(d.month()).unwrap_or(1),
            u8::try_from(d.day()).unwrap_or(1),
        )
    };
    let mut ca = CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
    ca.distinguished_name
        .push(DnType::CommonName, "Government service centre hall CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.not_before = date(0);
    ca.not_after = date(10);
    let ca_key = KeyPair::generate().context("CA key")?;
    let ca_cert = ca.self_signed(&ca_key).context("CA certificate")?;

    let mut all: Vec<String> = vec!["localhost".into(), "127.0.0.1".into()];
    for n in names {
        let n = n.trim().to_string();
        if !n.is_empty() && !all.contains(&n) {
            all.push(n);
        }
    }
    let mut server = CertificateParams::new(all.clone()).context("server certificate names")?;
    server
        .distinguished_name
        .push(DnType::CommonName, all.last().cloned().unwrap_or_default());
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    server.not_before = date(0);
    server.not_after = date(2);
    let server_key = KeyPair::generate().context("server key")?;
    let server_cert = server
        .signed_by(&server_key, &ca_cert, &ca_key)
        .context("server certificate")?;

    write_file(&files.ca_cert, ca_cert.pem().as_bytes(), 0o644)?;
    write_file(&files.ca_key, ca_key.serialize_pem().as_bytes(), 0o600)?;
    // The chain: server certificate first, then the CA.
    write_file(
        &files.cert,
        format!("{}{}", server_cert.pem(), ca_cert.pem()).as_bytes(),
        0o644,
    )?;
    write_file(&files.key, server_key.serialize_pem().as_bytes(), 0o600)?;
    Ok(files)
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("mode of {}", dir.display()))?;
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(mode);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An existing file keeps its old mode on open: set it explicitly.
        f.set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("mode of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// `dashboard tls …`
///
/// # Errors
/// See [`init`].
pub fn tls(a: &TlsArgs) -> anyhow::Result<ExitCode> {
    match &a.cmd {
        TlsCmd::Init { dir, names, force } => {
            let dir = dir.clone().unwrap_or_else(|| {
                crate::paths::default_db()
                    .parent()
                    .map_or_else(|| PathBuf::from("tls"), |d| d.join("tls"))
            });
            let f = init(&dir, names, *force)?;
            println!("已生成中心证书 centre CA and server certificate written:");
            println!("  CA 证书 certificate   {}", f.ca_cert.display());
            println!(
                "  CA 私钥 key (0600)    {}  -- keep offline if you can",
                f.ca_key.display()
            );
            println!("  服务器证书 server     {}", f.cert.display());
            println!("  服务器私钥 key (0600) {}", f.key.display());
            println!();
            println!("启动 start the hall with TLS:");
            println!(
                "  dashboard serve --listen 0.0.0.0:7700 --tls-cert {} --tls-key {}",
                f.cert.display(),
                f.key.display()
            );
            println!("信任 trust it on each counter and supervisor machine:");
            println!(
                "  counter --hall wss://HOST:7700 --ca {}    dashboard watch --hall wss://HOST:7700 --ca {}",
                f.ca_cert.display(),
                f.ca_cert.display()
            );
            println!("  browsers: import {} as a trusted authority (Chromium: Settings > Privacy and security > Security > Manage certificates > Authorities; Debian system-wide: copy it to /usr/local/share/ca-certificates/hall-ca.crt and run update-ca-certificates)", f.ca_cert.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
