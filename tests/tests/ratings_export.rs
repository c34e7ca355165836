//! `dashboard ratings export` (好差评 for the provincial platform) on a real hall's database:
//! the CSV parsed back gives the same records as the JSON, the counts match the ratings
//! given, the fields are those the platform takes, and no personal data is in either.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hall::{Conn, TestHall};
use dashboard::ratings::{RatingRecord, COLUMNS};
use serde_json::json;

const NAME: &str = "王小明";
const ID: &str = "440524188001010014";
const MOBILE: &str = "13800138000";

/// RFC 4180 rows (quoted fields with doubled quotes, CRLF or LF line ends).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

fn record(header: &[String], row: &[String]) -> RatingRecord {
    let obj: serde_json::Map<String, serde_json::Value> = header
        .iter()
        .zip(row)
        .map(|(k, v)| {
            let v = match k.as_str() {
                "window" if v.is_empty() => json!(null),
                "window" | "level" => json!(v.parse::<u64>().unwrap()),
                "follow_up_overdue" => json!(v.parse::<bool>().unwrap()),
                _ => json!(v),
            };
            (k.clone(), v)
        })
        .collect();
    serde_json::from_value(serde_json::Value::Object(obj)).unwrap()
}

async fn open_case(counter: &mut Conn, item: &str) -> String {
    let r = counter
        .command(json!({"kind":"case_open","item":item,
            "applicant":{"kind":"person","name":NAME,"id_number":ID},"mobile":MOBILE}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    r["result"]["case"]["serial"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_round_trips_and_holds_no_personal_data() {
    let h = TestHall::start().await;
    let mut counter = h.connect("counter", Some(1)).await;
    let mut kiosk = h.connect("kiosk", None).await;
    let mut sup = h.connect("supervisor", None).await;
    // A ticket served and rated at the kiosk (5), a case rated badly on the applicant's
    // behalf with a reason carrying a phone and an ID number (1), another case rated 3.
    let t = kiosk
        .command(json!({"kind":"issue_ticket","queue":"A","channel":"walk_in"}))
        .await;
    assert_eq!(t["ok"], true, "{t}");
    let number = t["result"]["ticket"]["number"]
        .as_str()
        .unwrap()
        .to_string();
    let r = counter.command(json!({"kind":"call_next"})).await;
    assert_eq!(r["ok"], true, "{r}");
    let r = counter.command(json!({"kind":"finish"})).await;
    assert_eq!(r["ok"], true, "{r}");
    let r = kiosk
        .command(json!({"kind":"evaluate","ticket":number,"rating":5}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let bad = open_case(&mut counter, "QY001").await;
    let reason = format!("等了很久，\"窗口\",请回电 {MOBILE}，证件 {ID}");
    let r = sup
        .command(json!({"kind":"evaluate","case":bad,"rating":1,"reason":reason}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let fine = open_case(&mut counter, "BDC001").await;
    let r = sup
        .command(json!({"kind":"evaluate","case":fine,"rating":3}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    drop((counter, kiosk, sup));
    let db = h.db.clone();
    let dir = h.dir.path().to_path_buf();
    h.hall.stop().await.unwrap();

    let today = chrono::Utc::now()
        .with_timezone(&queue_core::config::UTC8)
        .date_naive();
    let (from, to) = (
        today.pred_opt().unwrap().to_string(),
        today.succ_opt().unwrap().to_string(),
    );
    let mut texts = Vec::new();
    for format in ["csv", "json"] {
        let out = dir.join(format!("ratings.{format}"));
        let r = common::run_dashboard(&[
            "ratings",
            "export",
            "--db",
            db.to_str().unwrap(),
            "--from",
            &from,
            "--to",
            &to,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        texts.push(std::fs::read_to_string(&out).unwrap());
    }
    let (csv, json_text) = (&texts[0], &texts[1]);
    let from_json: Vec<RatingRecord> = serde_json::from_str(json_text).unwrap();
    let rows = parse_csv(csv);
    assert_eq!(rows[0], COLUMNS.map(String::from).to_vec(), "header row");
    let from_csv: Vec<RatingRecord> = rows[1..].iter().map(|r| record(&rows[0], r)).collect();
    assert_eq!(from_csv, from_json, "CSV and JSON differ");
    assert_eq!(from_json.len(), 3, "{from_json:#?}");

    let by_level = |l: u8| from_json.iter().find(|r| r.level == l).unwrap();
    let five = by_level(5);
    assert_eq!(five.channel, "kiosk");
    assert_eq!(five.level_label, "非常满意");
    assert_eq!(five.window, Some(1));
    assert!(
        !five.staff_number.is_empty(),
        "the serving staff member's number"
    );
    assert_eq!(five.follow_up, "none");
    let one = by_level(1);
    assert_eq!(one.channel, "on_behalf");
    assert_eq!(one.item_code, "QY001");
    assert!(!one.item_name.is_empty());
    assert_eq!(one.department, "花都区市场监督管理局");
    assert_eq!(one.level_label, "非常不满意");
    assert_eq!(one.follow_up, "open");
    assert!(!one.follow_up_overdue);
    assert!(one.reason.starts_with("等了很久"), "{}", one.reason);
    assert!(one.reason.contains("138****8000"), "{}", one.reason);
    let three = by_level(3);
    assert_eq!(three.department, "花都区不动产登记中心");
    assert_eq!(three.level_label, "基本满意");
    // Evaluation time in the centre's local time.
    assert!(
        one.evaluated_at.starts_with(&today.to_string())
            || one.evaluated_at.len() == "2026-04-01 10:00:00".len(),
        "{}",
        one.evaluated_at
    );

    // No personal data in either file: no name, no ID or mobile number, no serials.
    for text in [csv, json_text] {
        for secret in [NAME, ID, MOBILE, &bad, &fine, &number] {
            assert!(!text.contains(secret), "{secret} in the export:\n{text}");
        }
    }
}

#[test]
fn reasons_are_masked_and_defused() {
    use dashboard::ratings::clean_reason;
    assert_eq!(clean_reason("请回电13800138000"), "请回电138****8000");
    assert_eq!(
        clean_reason("证件４４０５２４１８８００１０１００１４"),
        format!("证件{}", queue_core::ids::mask(ID))
    );
    assert_eq!(clean_reason("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    assert_eq!(clean_reason("等了20分钟"), "等了20分钟");
}
