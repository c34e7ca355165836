//! queue-core: the rules of a Guangdong government service hall.
//!
//! Pure domain logic (queue engine, intake state machine, working-day calendar, identifiers,
//! staffing maths) plus the durable SQLite event store. No terminal, websocket or serial crate
//! may ever be a dependency of this crate (see ARCHITECTURE.md).

pub mod auth;
pub mod calendar;
pub mod catalogue;
pub mod checkpoint;
pub mod clock;
pub mod config;
pub mod document;
pub mod error;
pub mod estimate;
pub mod forecast;
pub mod hall;
pub mod health;
pub mod hygiene;
pub mod ids;
pub mod intake;
pub mod notify;
pub mod queue;
pub mod redress;
pub mod service;
pub mod staffing;
pub mod store;
pub mod supervision;
