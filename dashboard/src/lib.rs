//! The hall server and the operator tools behind the `dashboard` binary.
pub mod backup;
pub mod client;
pub mod demo;
pub mod disk;
pub mod doctor;
pub mod document_page;
pub mod keys;
pub mod paths;
pub mod printable;
pub mod report;
pub mod server;
pub mod tokens;
pub mod tools;
pub mod watch;
