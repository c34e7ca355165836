//! Input limits: a slow or hostile client may cost itself, never the hall.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest frame answered normally; larger ones get an error.
    pub max_frame: usize,
    /// Largest frame read at all; beyond this the socket is closed.
    pub max_read: usize,
    pub max_connections: usize,
    /// Sustained commands per second per connection.
    pub commands_per_second: f64,
    /// Burst allowance per connection.
    pub command_burst: f64,
    /// Commands submitted and not yet answered, per connection.
    pub max_in_flight: usize,
    /// Event batches buffered for all subscribers; a client further behind gets a snapshot.
    pub broadcast_batches: usize,
    /// A client that cannot take a frame for this long is dropped.
    pub send_timeout: Duration,
    /// A connection that has not said a valid hello by then is closed.
    pub hello_timeout: Duration,
    /// Largest hello frame; a larger one is refused before it is parsed.
    pub max_hello: usize,
    /// Connections that have not yet said a valid hello, in all and per client address.
    pub preauth_budget: usize,
    pub preauth_per_address: usize,
    /// Time for a request's headers (and for a TLS handshake); also ends idle keep-alive.
    pub header_read_timeout: Duration,
    /// On shutdown, connections get this long to finish before they are dropped.
    pub shutdown_grace: Duration,
    /// How often the token table is read for revocations and expiries.
    pub token_poll: Duration,
    /// Kernel send buffer per client socket (bytes); `None` leaves the system default. Smaller
    /// bounds what a slow client can pin in kernel memory; it then lags sooner and resyncs.
    pub send_buffer: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame: 64 * 1024,
            max_read: 1024 * 1024,
            max_connections: 2000,
            commands_per_second: 50.0,
            command_burst: 100.0,
            max_in_flight: 256,
            broadcast_batches: 1024,
            send_timeout: Duration::from_secs(10),
            hello_timeout: Duration::from_secs(5),
            max_hello: 4 * 1024,
            preauth_budget: 256,
            preauth_per_address: 64,
            header_read_timeout: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(2),
            token_poll: Duration::from_secs(1),
            send_buffer: None,
        }
    }
}

/// Token bucket for one connection's commands.
#[derive(Debug)]
pub struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    #[must_use]
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            tokens: burst,
            rate,
            burst,
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one.
    pub fn take(&mut self) -> bool {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
