//! The hall server and the operator tools behind the `dashboard` binary.
pub mod backup;
pub mod backtest;
pub mod client;
pub mod demo;
pub mod disk;
pub mod doctor;
pub mod document_page;
pub mod history;
pub mod keys;
pub mod paths;
pub mod report;
pub mod server;
pub mod simulate;
pub mod tokens;
pub mod tools;
pub mod watch;
