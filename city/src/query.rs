//! Reading the city views: every centre at a glance, and one centre in detail.
//! The results serialise to the JSON the city page and `dashboard city watch` read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::Client;

use crate::CityError;

/// One centre's row on the city page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreSummary {
    pub centre: String,
    pub name: String,
    pub last_seq: i64,
    /// Hall time of the last shipped event.
    pub last_at: Option<DateTime<Utc>>,
    /// When the city database received it.
    pub shipped_at: Option<DateTime<Utc>>,
    pub waiting: i64,
    pub longest_wait_s: Option<i64>,
    pub open_windows: i64,
    pub windows: i64,
    pub open_alerts: i64,
    pub cases_in_progress: i64,
    pub mean_rating: Option<f64>,
}

/// Reads `city_overview`, one row per centre, by centre code.
///
/// # Errors
/// Database errors.
pub async fn overview(c: &Client) -> Result<Vec<CentreSummary>, CityError> {
    let rows = c
        .query(
            "SELECT centre, name, last_seq, last_at, shipped_at, waiting,
                CAST(longest_wait_s AS BIGINT), open_windows, windows, open_alerts,
                cases_in_progress, CAST(mean_rating AS DOUBLE PRECISION)
             FROM city_overview ORDER BY centre",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| CentreSummary {
            centre: r.get(0),
            name: r.get(1),
            last_seq: r.get(2),
            last_at: r.get(3),
            shipped_at: r.get(4),
            waiting: r.get(5),
            longest_wait_s: r.get(6),
            open_windows: r.get(7),
            windows: r.get(8),
            open_alerts: r.get(9),
            cases_in_progress: r.get(10),
            mean_rating: r.get(11),
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub queue: String,
    pub waiting: i64,
    pub longest_wait_s: Option<i64>,
    pub mean_wait_s: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowRow {
    pub window: i32,
    pub state: String,
    pub queues: String,
    pub ticket: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRow {
    pub id: String,
    pub kind: String,
    pub queue: Option<String>,
    pub window: Option<i32>,
    pub raised_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseCount {
    pub department: String,
    pub state: String,
    pub cases: i64,
}

/// One centre in detail (the drill-down).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CentreDetail {
    pub summary: CentreSummary,
    pub queues: Vec<QueueRow>,
    pub windows: Vec<WindowRow>,
    pub alerts: Vec<AlertRow>,
    pub cases: Vec<CaseCount>,
}

/// One centre's queues, windows, open alerts and case counts; `None` for an unknown centre.
///
/// # Errors
/// Database errors.
pub async fn centre(c: &Client, code: &str) -> Result<Option<CentreDetail>, CityError> {
    let Some(summary) = overview(c).await?.into_iter().find(|s| s.centre == code) else {
        return Ok(None);
    };
    let queues = c
        .query(
            "SELECT q.queue, COALESCE(l.waiting, 0), CAST(w.longest_wait_s AS BIGINT),
                CAST(w.mean_wait_s AS BIGINT)
             FROM (SELECT DISTINCT queue FROM city_tickets WHERE centre = $1) q
             LEFT JOIN city_queue_lengths l ON l.centre = $1 AND l.queue = q.queue
             LEFT JOIN city_waits w ON w.centre = $1 AND w.queue = q.queue
             ORDER BY q.queue",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| QueueRow {
            queue: r.get(0),
            waiting: r.get(1),
            longest_wait_s: r.get(2),
            mean_wait_s: r.get(3),
        })
        .collect();
    let windows = c
        .query(
            "SELECT win, state, queues, ticket FROM city_windows WHERE centre = $1 ORDER BY win",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| WindowRow {
            window: r.get(0),
            state: r.get(1),
            queues: r.get(2),
            ticket: r.get(3),
        })
        .collect();
    let alerts = c
        .query(
            "SELECT id, kind, queue, win, raised_at FROM city_open_alerts WHERE centre = $1
             ORDER BY raised_at",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| AlertRow {
            id: r.get(0),
            kind: r.get(1),
            queue: r.get(2),
            window: r.get(3),
            raised_at: r.get(4),
        })
        .collect();
    let cases = c
        .query(
            "SELECT department, state, cases FROM city_case_counts WHERE centre = $1
             ORDER BY department, state",
            &[&code],
        )
        .await?
        .iter()
        .map(|r| CaseCount {
            department: r.get(0),
            state: r.get(1),
            cases: r.get(2),
        })
        .collect();
    Ok(Some(CentreDetail {
        summary,
        queues,
        windows,
        alerts,
        cases,
    }))
}
