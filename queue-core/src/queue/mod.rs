//! The queue engine: tickets, windows, calling order.

mod appointments;
mod calling;
pub mod command;
mod decide;
pub mod event;
pub mod state;
pub mod ticket;
pub mod window;

pub use appointments::appointment_code;
pub use command::{DeviceKind, QueueCommand, WindowSetting};
pub use event::{Appointment, Evaluation, QueueEvent, RatingChannel};
pub use state::{ticket_id, Completion, Ctx, Decision, QueueState};
pub use ticket::{Channel, Ticket, TicketState};
pub use window::{Window, WindowState};
