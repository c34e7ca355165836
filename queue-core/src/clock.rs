//! The hall clock. The engine never reads the time itself: the clock is passed in, so tests and
//! demos can run the hall faster than real time (`--time-scale`) from a chosen start.

use std::time::Instant;

use chrono::{DateTime, Duration, FixedOffset, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<FixedOffset>;
}

/// Wall-clock time in the centre's offset.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    pub offset: FixedOffset,
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Utc::now().with_timezone(&self.offset)
    }
}

/// Runs `scale` times faster than real time from `start`.
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    start: DateTime<FixedOffset>,
    real_start: Instant,
    scale: f64,
}

impl ScaledClock {
    #[must_use]
    pub fn new(start: DateTime<FixedOffset>, scale: f64) -> Self {
        Self {
            start,
            real_start: Instant::now(),
            scale,
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> DateTime<FixedOffset> {
        let real = self.real_start.elapsed().as_secs_f64() * self.scale;
        // Saturate rather than overflow on absurd scales.
        let micros = (real * 1e6).min(1e15) as i64;
        self.start + Duration::microseconds(micros)
    }
}

/// A clock a test moves by hand.
#[derive(Debug)]
pub struct ManualClock {
    now: std::sync::Mutex<DateTime<FixedOffset>>,
}

impl ManualClock {
    #[must_use]
    pub fn new(start: DateTime<FixedOffset>) -> Self {
        Self {
            now: std::sync::Mutex::new(start),
        }
    }

    pub fn set(&self, t: DateTime<FixedOffset>) {
        if let Ok(mut g) = self.now.lock() {
            *g = t;
        }
    }

    pub fn advance(&self, d: Duration) {
        if let Ok(mut g) = self.now.lock() {
            *g += d;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<FixedOffset> {
        match self.now.lock() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        }
    }
}
