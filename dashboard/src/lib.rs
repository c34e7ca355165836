//! The hall server and the operator tools behind the `dashboard` binary.
pub mod city;
pub mod client;
pub mod demo;
pub mod document_page;
pub mod keys;
pub mod logging;
pub mod paths;
pub mod report;
pub mod server;
pub mod tokens;
pub mod tools;
pub mod watch;
