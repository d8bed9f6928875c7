//! Outgoing mail: messages rendered from `templates/email`, queued in the outbox (the store),
//! and delivered by a sender any instance may run, over SMTP or, without an SMTP server, as
//! `.eml` files (development).

pub mod message;
pub mod messages;
pub mod sender;
pub mod transport;

pub use sender::Sender;
pub use transport::Transport;
