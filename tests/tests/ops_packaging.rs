//! The Debian packaging without a release build: the systemd units pass `systemd-analyze
//! verify` against the real `dashboard` binary and carry the sandboxing the issue asks for,
//! the maintainer scripts parse and do what they must, and the cargo-deb metadata ships every
//! file the units and docs refer to. (`scripts/package.sh` builds the packages and checks them
//! with `dpkg-deb -c`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::workspace_root().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn has_tool(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn units_verify_with_systemd_analyze() {
    assert!(
        has_tool("systemd-analyze"),
        "systemd-analyze is missing: scripts/test.sh installs the `systemd` package"
    );
    let bin = common::dashboard_bin();
    let dir = tempfile::tempdir().unwrap();
    for unit in [
        "gov-hall.service",
        "gov-hall-backup.service",
        "gov-hall-backup.timer",
    ] {
        // The installed path is /usr/bin/dashboard; verify against the binary just built.
        let text = read(&format!("packaging/server/{unit}"))
            .replace("/usr/bin/dashboard", &bin.display().to_string());
        std::fs::write(dir.path().join(unit), text).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .current_dir(dir.path())
        .args([
            "verify",
            "--man=no",
            "./gov-hall.service",
            "./gov-hall-backup.service",
            "./gov-hall-backup.timer",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let about_ours: Vec<&str> = stderr.lines().filter(|l| l.contains("gov-hall")).collect();
    assert!(
        out.status.success() && about_ours.is_empty(),
        "systemd-analyze verify: {stderr}"
    );
}

#[test]
fn server_unit_is_sandboxed_and_runs_as_its_own_user() {
    let unit = read("packaging/server/gov-hall.service");
    for line in [
        "User=gov-hall",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "LimitNOFILE=65536",
        "StateDirectory=gov-hall",
        "StateDirectoryMode=0700",
        "UMask=0077",
        "ReadWritePaths=/var/lib/gov-hall",
        "StandardError=journal",
        "EnvironmentFile=/etc/gov-hall/hall.env",
    ] {
        assert!(
            unit.lines().any(|l| l.trim() == line),
            "gov-hall.service lacks {line}"
        );
    }
    let exec = unit.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    for arg in [
        "serve",
        "--db /var/lib/gov-hall/hall.db",
        "--config /etc/gov-hall/hall.toml",
    ] {
        assert!(exec.contains(arg), "ExecStart lacks {arg}: {exec}");
    }
    let timer = read("packaging/server/gov-hall-backup.timer");
    assert!(timer.contains("OnCalendar=") && timer.contains("Persistent=true"));
    let backup = read("packaging/server/gov-hall-backup.service");
    assert!(backup.contains(
        "dashboard backup --db /var/lib/gov-hall/hall.db --to /var/lib/gov-hall/backups"
    ));
}

#[test]
fn the_serve_command_line_in_the_unit_is_accepted_by_the_binary() {
    // The unit's options must exist: a renamed flag would only show when the service fails.
    let unit = read("packaging/server/gov-hall.service");
    let env = read("packaging/server/hall.env");
    let var = |name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap()
            // systemd strips the quotes of a quoted value.
            .trim_matches('"')
            .to_string()
    };
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart=/usr/bin/dashboard "))
        .unwrap()
        .replace("${HALL_LISTEN}", &var("HALL_LISTEN"))
        .replace("$HALL_ARGS", &var("HALL_ARGS"));
    let mut args: Vec<&str> = exec.split_whitespace().collect();
    args.push("--help");
    let out = Command::new(common::dashboard_bin())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dashboard {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for sub in ["backup", "restore", "doctor"] {
        let r = common::run_dashboard(&[sub, "--help"]);
        assert_eq!(r.code, Some(0), "dashboard {sub} --help: {}", r.stderr);
    }
}

#[test]
fn maintainer_scripts_parse_and_create_the_user_and_private_state() {
    for s in [
        "packaging/server/postinst",
        "packaging/server/prerm",
        "packaging/server/postrm",
        "packaging/counter/postinst",
    ] {
        let path = common::workspace_root().join(s);
        let out = Command::new("sh").arg("-n").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{s}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert!(mode & 0o111 != 0, "{s} must be executable");
        assert!(
            read(s).contains("#DEBHELPER#"),
            "{s} must keep the #DEBHELPER# token"
        );
    }
    let post = read("packaging/server/postinst");
    assert!(post.contains("adduser --system"));
    assert!(post.contains("-m 0700 /var/lib/gov-hall"));
    assert!(post.contains("gov-hall-backup.timer"));
    // A reinstall after a purge may give the user a new uid: the files inside must follow
    // (found installing in a container: the database stayed with the old uid's new owner).
    assert!(post.contains("chown -R gov-hall:gov-hall /var/lib/gov-hall"));
    // Removal masks the backup timer; a later install must unmask it before enabling it, or
    // the nightly backup silently never runs again (found with scripts/try-install.sh).
    let unmask = post.find("deb-systemd-helper unmask gov-hall-backup.timer");
    let enable = post.find("deb-systemd-helper enable gov-hall-backup.timer");
    assert!(unmask.is_some() && unmask < enable, "unmask before enable");
    // Removal stops the nightly timer and purge forgets it (a failed timer and a dangling
    // timers.target.wants link were left before).
    assert!(read("packaging/server/prerm").contains("systemctl stop gov-hall-backup.timer"));
    let postrm = read("packaging/server/postrm");
    assert!(postrm.contains("deb-systemd-helper purge gov-hall-backup.timer"));
    // Purge must never delete the centre's records, nor files the administrator added.
    assert!(!postrm.contains("rm -rf /var/lib/gov-hall"));
    assert!(!postrm.contains("rm -rf /etc/gov-hall"));
    assert!(read("packaging/counter/postinst").contains("dialout"));
}

/// `[package.metadata.deb]` of `crate_dir`, parsed.
fn deb_metadata(crate_dir: &str) -> toml::Value {
    let manifest: toml::Value = toml::from_str(&read(&format!("{crate_dir}/Cargo.toml"))).unwrap();
    manifest["package"]["metadata"]["deb"].clone()
}

fn assets(meta: &toml::Value) -> Vec<(String, String)> {
    meta["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a[0].as_str().unwrap().to_string(),
                a[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn package_metadata_names_existing_files_and_the_right_binaries() {
    let root = common::workspace_root();
    let server = deb_metadata("dashboard");
    assert_eq!(server["name"].as_str(), Some("gov-hall-server"));
    let counter = deb_metadata("counter-tui");
    assert_eq!(counter["name"].as_str(), Some("gov-hall-counter"));
    for (crate_dir, meta) in [("dashboard", &server), ("counter-tui", &counter)] {
        for (src, _) in assets(meta) {
            if src.starts_with("target/") {
                continue; // built by scripts/package.sh
            }
            assert!(
                Path::new(&root.join(crate_dir).join(&src)).exists(),
                "{crate_dir}: asset {src} does not exist"
            );
        }
        let scripts = meta["maintainer-scripts"].as_str().unwrap();
        assert!(root.join(crate_dir).join(scripts).join("postinst").exists());
    }
    let dests: Vec<String> = assets(&server).into_iter().map(|(_, d)| d).collect();
    for d in [
        "usr/bin/",
        "etc/gov-hall/hall.toml",
        "etc/gov-hall/hall.env",
        "usr/lib/systemd/system/gov-hall-backup.timer",
    ] {
        assert!(dests.iter().any(|x| x == d), "server package lacks {d}");
    }
    let bins: Vec<String> = assets(&counter).into_iter().map(|(s, _)| s).collect();
    assert!(bins.contains(&"target/release/counter".to_string()));
    assert!(bins.contains(&"target/release/device".to_string()));
    // The server unit is found by cargo-deb as <unit-name>.service in unit-scripts.
    let units = &server["systemd-units"];
    let dir = root
        .join("dashboard")
        .join(units["unit-scripts"].as_str().unwrap());
    assert!(dir
        .join(format!("{}.service", units["unit-name"].as_str().unwrap()))
        .exists());
    assert!(read("scripts/package.sh").contains("dpkg-deb -c"));
}

#[test]
fn the_environment_file_reads_the_same_in_a_shell_as_in_systemd() {
    // docs/operations.md runs the doctor after `set -a; . /etc/gov-hall/hall.env`: an unquoted
    // value with a space ran `256` as a command there and left HALL_ARGS unset.
    let env = common::workspace_root().join("packaging/server/hall.env");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "set -a; . '{}' && printf '%s|%s' \"$HALL_ARGS\" \"$HALL_DB\"",
            env.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "--min-free-mb 256|/var/lib/gov-hall/hall.db"
    );
}
