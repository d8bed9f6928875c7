//! Periodic work: signing-key rotation and reload, and sweeping what has expired.

pub mod key_rotation;
