//! The queue engine: tickets, windows, calling order.

pub mod command;
pub mod event;
mod appointments;
mod calling;
mod decide;
pub mod state;
pub mod ticket;
pub mod window;

pub use command::{DeviceKind, QueueCommand, WindowSetting};
pub use event::{Appointment, Evaluation, QueueEvent};
pub use appointments::appointment_code;
pub use state::{ticket_id, Completion, Ctx, Decision, QueueState};
pub use ticket::{Channel, Ticket, TicketState};
pub use window::{Window, WindowState};
