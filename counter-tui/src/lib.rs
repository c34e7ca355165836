//! The comprehensive-window workstation (`counter`) and the entrance kiosk (`counter kiosk`).
//!
//! Elm architecture: [`app::App`] / [`kiosk::Kiosk`] hold the state, `update(Msg) -> Vec<Effect>`
//! changes it without I/O, [`view`] draws it from `&self`, and [`run`] carries out effects
//! (hall commands, print jobs) and feeds messages (keys, hall, scanner, printer) back in.

pub mod app;
pub mod hall_view;
pub mod i18n;
pub mod idcard;
pub mod intake;
pub mod keys;
pub mod kiosk;
pub mod msg;
pub mod printing;
pub mod redress;
pub mod run;
pub mod scanning;
pub mod setup;
pub mod slips;
pub mod view;
