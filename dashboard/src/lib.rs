//! The hall server and the operator tools behind the `dashboard` binary.
pub mod document_page;
pub mod keys;
pub mod tools;
