//! The hall server and the operator tools behind the `dashboard` binary.
pub mod tools;
