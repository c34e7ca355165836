//! Kill -9 the writer at random points: every acknowledged command survives, numbering goes on
//! without reuse or gaps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::Rng;

#[test]
fn acknowledged_commands_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut acked: Vec<(String, String, u64)> = Vec::new();
    let mut rng = rand::thread_rng();
    for round in 0..6 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
            .arg(&db)
            .arg("4")
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                lines.push(line);
            }
            lines
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(150..700)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        for line in reader.join().unwrap() {
            let parts: Vec<&str> = line.split_whitespace().collect();
            // A line cut by the kill is simply not an acknowledgement.
            if parts.len() == 4 && parts[0] == "ACK" {
                acked.push((parts[1].into(), parts[2].into(), parts[3].parse().unwrap()));
            }
        }
    }
    assert!(
        acked.len() > 20,
        "the writer made progress: {}",
        acked.len()
    );
    let store = queue_core::store::Store::open(&db).unwrap();
    let events = store.load_events().unwrap();
    let mut issued: Vec<String> = Vec::new();
    for r in &events {
        let v = serde_json::to_value(&r.event).unwrap();
        if v["kind"] == "ticket_issued" {
            issued.push(v["ticket"]["id"].as_str().unwrap().to_string());
        }
    }
    let issued_set: HashSet<&String> = issued.iter().collect();
    assert_eq!(issued_set.len(), issued.len(), "no ticket id issued twice");
    for (key, id, seq) in &acked {
        assert!(issued_set.contains(id), "acknowledged {key} ({id}) lost");
        assert!(
            events.iter().any(|r| r.seq == *seq),
            "acknowledged seq {seq} lost"
        );
    }
    // Per queue the numbers are 1..=n with no gap: numbering continued across every restart.
    let mut per_queue: BTreeMap<char, Vec<u32>> = BTreeMap::new();
    for id in &issued {
        let number = id.split('-').nth(1).unwrap();
        let q = number.chars().next().unwrap();
        per_queue
            .entry(q)
            .or_default()
            .push(number[1..].parse().unwrap());
    }
    for (q, mut ns) in per_queue {
        ns.sort_unstable();
        let expect: Vec<u32> = (1..=u32::try_from(ns.len()).unwrap()).collect();
        assert_eq!(ns, expect, "queue {q} numbering");
    }
}
