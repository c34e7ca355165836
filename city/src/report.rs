//! The GZ 19 monthly figures across the city, per centre and per department, from SQL.
//!
//! The definitions follow the hall's own monthly report (`dashboard report`): tickets count by
//! their issue date (hall local time), a wait is issue to first call (negative clamped to 0),
//! the 90th percentile is nearest-rank (`percentile_disc`), case steps count by the date of
//! the event, a low rating is 1 or 2.

use chrono::NaiveDate;
use serde::Serialize;
use tokio_postgres::Client;

use crate::CityError;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CentreMonth {
    pub centre: String,
    pub name: String,
    pub issued: i64,
    pub transferred_in: i64,
    pub served: i64,
    pub no_show: i64,
    pub cancelled: i64,
    pub transferred_out: i64,
    pub unfinished: i64,
    pub wait_mean_s: Option<f64>,
    pub wait_p90_s: Option<i64>,
    pub ratings: i64,
    pub rating_mean: Option<f64>,
    pub low_ratings: i64,
    pub alerts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentMonth {
    /// Empty for the whole city.
    pub centre: String,
    pub department: String,
    pub opened: i64,
    pub accepted: i64,
    pub deemed_accepted: i64,
    pub rejected: i64,
    pub completed: i64,
    pub notices: i64,
    pub deferred_notices: i64,
    pub extensions: i64,
    /// Refused after acceptance (不予许可), as the hall's report counts it.
    pub refused: i64,
    pub paused: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CityMonth {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub centres: Vec<CentreMonth>,
    /// Per centre and department, then the city's totals per department (`centre` empty).
    pub departments: Vec<DepartmentMonth>,
}

const CENTRES_SQL: &str = "
WITH t AS (
    SELECT centre, transferred_in, state,
        CASE WHEN first_called_at IS NOT NULL THEN
            GREATEST(0, CAST(floor(extract(epoch FROM (first_called_at - issued_at))) AS BIGINT))
        END AS wait_s
    FROM city_tickets WHERE day BETWEEN $1 AND $2
), tq AS (
    SELECT centre,
        count(*) FILTER (WHERE NOT transferred_in) AS issued,
        count(*) FILTER (WHERE transferred_in) AS transferred_in,
        count(*) FILTER (WHERE state = 'done') AS served,
        count(*) FILTER (WHERE state = 'no_show') AS no_show,
        count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
        count(*) FILTER (WHERE state = 'transferred') AS transferred_out,
        count(*) FILTER (WHERE state IN ('waiting', 'called', 'serving')) AS unfinished,
        CAST(avg(wait_s) AS DOUBLE PRECISION) AS wait_mean_s,
        percentile_disc(0.9) WITHIN GROUP (ORDER BY wait_s) AS wait_p90_s
    FROM t GROUP BY centre
), r AS (
    SELECT centre, count(*) AS ratings, CAST(avg(rating) AS DOUBLE PRECISION) AS rating_mean,
        count(*) FILTER (WHERE rating <= 2) AS low_ratings
    FROM city_ratings WHERE on_date BETWEEN $1 AND $2 GROUP BY centre
), a AS (
    SELECT centre, count(*) AS alerts FROM city_alerts
    WHERE on_date BETWEEN $1 AND $2 GROUP BY centre
)
SELECT c.centre, c.name,
    COALESCE(tq.issued, 0), COALESCE(tq.transferred_in, 0), COALESCE(tq.served, 0),
    COALESCE(tq.no_show, 0), COALESCE(tq.cancelled, 0), COALESCE(tq.transferred_out, 0),
    COALESCE(tq.unfinished, 0), tq.wait_mean_s, tq.wait_p90_s,
    COALESCE(r.ratings, 0), r.rating_mean, COALESCE(r.low_ratings, 0), COALESCE(a.alerts, 0)
FROM city_centres c
LEFT JOIN tq ON tq.centre = c.centre
LEFT JOIN r ON r.centre = c.centre
LEFT JOIN a ON a.centre = c.centre
ORDER BY c.centre";

const STEPS: &str = "
    count(*) FILTER (WHERE step = 'opened'),
    count(*) FILTER (WHERE step = 'accepted'),
    count(*) FILTER (WHERE step = 'deemed_accepted'),
    count(*) FILTER (WHERE step = 'rejected'),
    count(*) FILTER (WHERE step = 'completed'),
    count(*) FILTER (WHERE step = 'notice_issued'),
    count(*) FILTER (WHERE step = 'notice_deferred'),
    count(*) FILTER (WHERE step = 'extended'),
    count(*) FILTER (WHERE step = 'refused'),
    count(*) FILTER (WHERE step = 'paused')";

/// The month `first_day ..= last_day` across every centre in the database.
///
/// # Errors
/// Database errors.
pub async fn month(
    c: &Client,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<CityMonth, CityError> {
    let centres = c
        .query(CENTRES_SQL, &[&first_day, &last_day])
        .await?
        .iter()
        .map(|r| CentreMonth {
            centre: r.get(0),
            name: r.get(1),
            issued: r.get(2),
            transferred_in: r.get(3),
            served: r.get(4),
            no_show: r.get(5),
            cancelled: r.get(6),
            transferred_out: r.get(7),
            unfinished: r.get(8),
            wait_mean_s: r.get(9),
            wait_p90_s: r.get(10),
            ratings: r.get(11),
            rating_mean: r.get(12),
            low_ratings: r.get(13),
            alerts: r.get(14),
        })
        .collect();
    let per_centre = format!(
        "SELECT centre, department, {STEPS} FROM city_case_steps
         WHERE on_date BETWEEN $1 AND $2 GROUP BY centre, department ORDER BY centre, department"
    );
    let city = format!(
        "SELECT '' AS centre, department, {STEPS} FROM city_case_steps
         WHERE on_date BETWEEN $1 AND $2 GROUP BY department ORDER BY department"
    );
    let mut departments = Vec::new();
    for sql in [per_centre, city] {
        for r in c.query(sql.as_str(), &[&first_day, &last_day]).await? {
            departments.push(DepartmentMonth {
                centre: r.get(0),
                department: r.get(1),
                opened: r.get(2),
                accepted: r.get(3),
                deemed_accepted: r.get(4),
                rejected: r.get(5),
                completed: r.get(6),
                notices: r.get(7),
                deferred_notices: r.get(8),
                extensions: r.get(9),
                refused: r.get(10),
                paused: r.get(11),
            });
        }
    }
    Ok(CityMonth {
        first_day,
        last_day,
        centres,
        departments,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl CityMonth {
    /// Per-centre figures as CSV (UTF-8, header in Chinese and English).
    #[must_use]
    pub fn centres_csv(&self) -> String {
        let mut out = String::from(
            "中心 centre,名称 name,取号 issued,转入 transferred_in,办理 served,过号 no_show,\
             取消 cancelled,转出 transferred_out,未完成 unfinished,平均等候秒 wait_mean_s,\
             90%等候秒 wait_p90_s,评价 ratings,平均评价 rating_mean,差评 low_ratings,告警 alerts\n",
        );
        for c in &self.centres {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                csv_field(&c.centre),
                csv_field(&c.name),
                c.issued,
                c.transferred_in,
                c.served,
                c.no_show,
                c.cancelled,
                c.transferred_out,
                c.unfinished,
                opt(c.wait_mean_s.map(|m| format!("{m:.1}"))),
                opt(c.wait_p90_s),
                c.ratings,
                opt(c.rating_mean.map(|m| format!("{m:.2}"))),
                c.low_ratings,
                c.alerts,
            ));
        }
        out
    }

    /// Per-department case figures as CSV; rows with an empty centre are the city's totals.
    #[must_use]
    pub fn departments_csv(&self) -> String {
        let mut out = String::from(
            "中心 centre,部门 department,收件 opened,受理 accepted,视为受理 deemed_accepted,\
             不予受理 rejected,办结 completed,一次性告知 notices,延后告知 deferred_notices,\
             延期 extensions,不予许可 refused,中止 paused\n",
        );
        for d in &self.departments {
            let centre = if d.centre.is_empty() {
                "全市 city"
            } else {
                &d.centre
            };
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{},{}\n",
                csv_field(centre),
                csv_field(&d.department),
                d.opened,
                d.accepted,
                d.deemed_accepted,
                d.rejected,
                d.completed,
                d.notices,
                d.deferred_notices,
                d.extensions,
                d.refused,
                d.paused,
            ));
        }
        out
    }
}
