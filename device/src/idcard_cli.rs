//! `device idcard` and `device simulate-idreader`.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use device::idcard::{
    sample_cards, IdCardReader, IdReaderConfig, IdReaderEvent, SimCard, VirtualIdReader,
};

/// Waits for one card and prints its fields (number masked) as JSON.
pub fn read_one(port: PathBuf, baud: u32, timeout: Duration) -> Result<ExitCode> {
    let mut config = IdReaderConfig::new(port);
    config.baud = baud;
    let (tx, rx) = mpsc::channel();
    let _reader = IdCardReader::spawn(config, tx).context("cannot start the reader")?;
    eprintln!("place the ID card on the reader…");
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(event) = rx.recv_timeout(left) else {
            bail!("no card read within {} s", timeout.as_secs());
        };
        match event {
            IdReaderEvent::Card(card) => {
                let today = chrono::Local::now().date_naive();
                let mut out = card.to_masked_json();
                out["expired"] = serde_json::json!(card.expired_on(today));
                out["age"] = serde_json::json!(card.age_on(today));
                println!("{out}");
                if card.expired_on(today) {
                    eprintln!("warning: the card is expired (证件已过有效期)");
                }
                return Ok(ExitCode::SUCCESS);
            }
            IdReaderEvent::Connected { path } => eprintln!("connected: {}", path.display()),
            IdReaderEvent::Removed => {}
            IdReaderEvent::Warning(w) => eprintln!("warning: {w}"),
            IdReaderEvent::Fault(s) => bail!("reader fault: {s} ({})", s.zh()),
            IdReaderEvent::Disconnected { reason } => {
                eprintln!("disconnected: {reason}; waiting");
            }
        }
    }
}

/// Runs a virtual reader; prints its path, then obeys stdin lines.
pub fn simulate(
    cards: Option<&Path>,
    link: Option<&Path>,
    place: Option<usize>,
) -> Result<ExitCode> {
    let cards = match cards {
        Some(p) => {
            SimCard::load(p).with_context(|| format!("cannot read cards {}", p.display()))?
        }
        None => sample_cards(),
    };
    if cards.is_empty() {
        bail!("no cards to simulate");
    }
    let sim = VirtualIdReader::start().context("cannot create pty")?;
    if let Some(link) = link {
        device::replace_symlink(sim.path(), link)
            .with_context(|| format!("cannot create link {}", link.display()))?;
    }
    println!("{}", sim.path().display());
    for (i, c) in cards.iter().enumerate() {
        eprintln!("card {}: {} (valid until {})", i + 1, c.name, c.valid_until);
    }
    eprintln!("commands: place N | remove | corrupt | fault | ok | silent | talk");
    if let Some(n) = place {
        place_card(&sim, &cards, n);
    }
    for line in std::io::stdin().lock().lines() {
        let line = line.context("cannot read stdin")?;
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("place"), n) => {
                let n = n.and_then(|n| n.parse().ok()).unwrap_or(1);
                place_card(&sim, &cards, n);
            }
            (Some("remove"), _) => {
                sim.remove();
                eprintln!("card removed");
            }
            (Some("corrupt"), _) => {
                sim.corrupt_next_read();
                eprintln!("next read goes out corrupted");
            }
            (Some("fault"), _) => {
                sim.set_sam_fault(true);
                eprintln!("SAM fault");
            }
            (Some("ok"), _) => {
                sim.set_sam_fault(false);
                eprintln!("SAM ok");
            }
            (Some("silent"), _) => sim.set_silent(true),
            (Some("talk"), _) => sim.set_silent(false),
            (None, _) => {}
            (Some(other), _) => eprintln!("unknown command {other:?}"),
        }
    }
    loop {
        std::thread::park();
    }
}

fn place_card(sim: &VirtualIdReader, cards: &[SimCard], n: usize) {
    match cards.get(n.saturating_sub(1)) {
        Some(c) => {
            sim.place(c.clone());
            eprintln!("card {n} placed");
        }
        None => eprintln!("no card {n} (1–{})", cards.len()),
    }
}
