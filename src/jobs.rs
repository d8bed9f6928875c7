//! Background work: signing-key rotation, the periodic maintenance round (reloads and sweeps),
//! and following the change feed.

pub mod change_feed;
pub mod key_rotation;
pub mod maintenance;
