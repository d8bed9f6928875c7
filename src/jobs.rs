//! Background work: signing-key rotation, the periodic maintenance round (reloads and sweeps),
//! following the change feed, and delivering the mail outbox.

pub mod change_feed;
pub mod key_rotation;
pub mod mail_delivery;
pub mod maintenance;
