//! The real `counter` binary with `--idreader` on a pseudo-terminal reader, against a real
//! hall: a corrupt frame is survived, the card fills intake, the case is accepted and the
//! printed receipt says 已核验身份证; an unplug is reported. Then the card's photo is looked
//! for — raw, hex and base64 — in the SQLite files, every file the counter wrote (logs,
//! printouts) and every websocket frame a manager received: it must be nowhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::hall::{next_json, raw, Conn, TestHall};
use common::tmux::{counter_bin, have_tmux, wait_file, Tmux};
use device::idcard::{sample_cards, VirtualIdReader};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

/// Every file under `dir`, recursively, with its bytes.
fn files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
}

/// Ways the photo could appear if it leaked: raw windows, hex, base64 (all three alignments).
fn photo_needles(photo: &[u8]) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for at in [4usize, 100, 500, 1000] {
        v.push(photo[at..at + 16].to_vec());
    }
    let hex: String = photo[200..232].iter().map(|b| format!("{b:02x}")).collect();
    v.push(hex.clone().into_bytes());
    v.push(hex.to_uppercase().into_bytes());
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for shift in 0..3 {
            let b = engine.encode(&photo[300 + shift..348 + shift]);
            v.push(b.as_bytes()[4..40].to_vec());
        }
    }
    // As a JSON array of numbers.
    v.push(
        photo[600..608]
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",")
            .into_bytes(),
    );
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn counter_reads_a_card_into_intake_and_the_photo_is_nowhere() {
    if !have_tmux() {
        eprintln!("skipping: tmux is not available and could not be installed");
        return;
    }
    let bin = counter_bin();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let hall = rt.block_on(TestHall::start());
    let url = format!("ws://{}", hall.addr());
    let counter_token = hall.token("counter", Some(1));
    let manager_token = hall.token("manager", None);

    // A manager records every frame the hall sends while the counter works.
    let frames: Arc<Mutex<Vec<String>>> = Arc::default();
    let rec = Arc::clone(&frames);
    let addr = hall.addr();
    let recorder = rt.spawn(async move {
        let mut ws = raw(addr).await;
        Conn::handshake(&mut ws, &manager_token, None).await;
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m {
                rec.lock().unwrap().push(t.to_string());
            }
        }
    });
    // …and the counter's frames are what the hall stored and broadcast; a second client
    // proves the recorder is live before the counter starts.
    rt.block_on(async {
        let mut c = raw(addr).await;
        Conn::handshake(&mut c, &hall.token("supervisor", None), None).await;
        assert_eq!(next_json(&mut c).await.unwrap()["type"], "welcome");
    });

    let card = sample_cards()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let data = dir.path().join("data");
    let link = dir.path().join("idreader");
    let env = format!(
        "env HOME={} XDG_DATA_HOME={}",
        home.display(),
        data.display()
    );
    let tmux = Tmux::new("idcard-e2e");
    tmux.start(
        "counter",
        160,
        48,
        &format!(
            "{env} {} --hall {url} --token {counter_token} --window 1 --idreader {}",
            bin.display(),
            link.display()
        ),
    );
    // The reader is plugged in only now: the tmux server, forked above, must not inherit the
    // pseudo-terminal (it would keep it open and hide the unplug at the end).
    let reader = VirtualIdReader::start().unwrap();
    device::replace_symlink(reader.path(), &link).unwrap();
    tmux.wait("counter", "the counter online", |s| s.contains("在线"));
    tmux.keys("counter", &["F9"]);
    tmux.text("counter", "QY001");
    tmux.wait("counter", "the item found", |s| s.contains("▸ QY001"));
    tmux.keys("counter", &["Enter"]);

    // The first read comes back corrupted; the warning shows, the next poll reads the card.
    reader.corrupt_next_read();
    reader.place(card.clone());
    tmux.wait("counter", "the card in the form", |s| {
        s.contains("已读身份证并核验") && s.contains(&card.name)
    });
    assert!(
        reader.commands().len() >= 7,
        "polled twice at least: {:?}",
        reader.commands()
    );
    tmux.keys("counter", &["Enter"]);
    tmux.wait("counter", "the case opened", |s| s.contains("材料清单"));
    tmux.keys("counter", &["1", "1", "1", "1", "1", "a"]);
    tmux.wait("counter", "the draft preview", |s| s.contains("预览"));
    tmux.keys("counter", &["Enter"]);
    let printer = data.join("gov-hall").join("printer-window-1.txt");
    let printed = wait_file(&printer, "the receipt", |s| s.contains("受理通知书"));
    assert!(printed.contains("申请人已核验身份证"), "{printed}");
    assert!(!printed.contains(&card.id_number), "masked on paper");

    // Unplugged: the counter says so and keeps running.
    drop(reader);
    tmux.wait("counter", "the unplug reported", |s| {
        s.contains("身份证阅读器断开")
    });
    tmux.keys("counter", &["Escape", "C-q", "Enter"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(tmux);
    recorder.abort();
    rt.block_on(hall.hall.stop()).unwrap();

    // The case in the store carries the check…
    let frames = frames.lock().unwrap().clone();
    assert!(
        frames
            .iter()
            .any(|f| f.contains("\"identity_checked\":\"id_card\"")),
        "the check is in the broadcast case"
    );
    // …and the photo is nowhere.
    let mut stored = Vec::new();
    files(hall.dir.path(), &mut stored);
    files(&data, &mut stored);
    files(&home, &mut stored);
    assert!(
        stored.iter().any(|(p, _)| p.ends_with("hall.db")),
        "{:?}",
        stored.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    assert!(
        stored.iter().any(|(p, _)| p.contains("logs")),
        "the counter's log was written"
    );
    for f in &frames {
        stored.push(("frame".into(), f.as_bytes().to_vec()));
    }
    let photo = card.photo();
    // The needles do find a leaked photo in each of those forms.
    let mut leaky = photo.clone();
    leaky.extend(
        photo
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .bytes(),
    );
    leaky.extend(
        photo
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
            .bytes(),
    );
    for pad in 0..3 {
        // Base64 depends on where the photo starts in what is encoded: every alignment.
        let mut shifted = vec![0u8; pad];
        shifted.extend_from_slice(&photo);
        leaky.extend(
            base64::engine::general_purpose::STANDARD
                .encode(&shifted)
                .bytes(),
        );
        leaky.extend(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(&shifted)
                .bytes(),
        );
    }
    leaky.extend(serde_json::to_string(&photo).unwrap().bytes());
    for needle in photo_needles(&photo) {
        assert!(contains(&leaky, &needle), "needle would miss a leak");
    }
    for needle in photo_needles(&photo) {
        for (name, bytes) in &stored {
            assert!(
                !contains(bytes, &needle),
                "photo bytes found in {name} ({:?})",
                String::from_utf8_lossy(&needle)
            );
        }
    }
    // Logs carry masked numbers only.
    for (name, bytes) in stored.iter().filter(|(p, _)| p.contains("logs")) {
        assert!(
            !contains(bytes, card.id_number.as_bytes()),
            "full ID number in the log {name}"
        );
    }
}

/// The quick start's simulated reader: no `--idreader`, Ctrl+K places the first sample card
/// and the intake form gets it; an expired one (the second) warns.
#[test]
fn counter_without_a_reader_uses_the_simulated_one_on_ctrl_k() {
    if !have_tmux() {
        eprintln!("skipping: tmux is not available and could not be installed");
        return;
    }
    let bin = counter_bin();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let hall = rt.block_on(TestHall::start());
    let url = format!("ws://{}", hall.addr());
    let token = hall.token("counter", Some(2));
    let dir = tempfile::tempdir().unwrap();
    let env = format!(
        "env HOME={} XDG_DATA_HOME={}",
        dir.path().join("home").display(),
        dir.path().join("data").display()
    );
    let tmux = Tmux::new("idcard-sim-e2e");
    tmux.start(
        "counter",
        120,
        40,
        &format!(
            "{env} {} --hall {url} --token {token} --window 2",
            bin.display()
        ),
    );
    tmux.wait("counter", "the counter online", |s| s.contains("在线"));
    tmux.keys("counter", &["F9"]);
    tmux.text("counter", "QY001");
    tmux.wait("counter", "the item found", |s| s.contains("▸ QY001"));
    tmux.keys("counter", &["Enter", "C-k"]);
    tmux.wait("counter", "the sample card in the form", |s| {
        s.contains("已读身份证并核验") && s.contains("陈明华")
    });
    tmux.keys("counter", &["C-k"]);
    tmux.wait("counter", "the expired card warned", |s| {
        s.contains("已过有效期") && s.contains("黄丽娟")
    });
    tmux.keys("counter", &["Escape", "Escape", "C-q", "Enter"]);
    drop(tmux);
    rt.block_on(hall.hall.stop()).unwrap();
}
