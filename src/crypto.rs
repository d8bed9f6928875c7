//! Security-critical primitives, one small file each: password hashing, random tokens and their
//! keyed hashes, constant-time comparison. Everything else calls these and re-implements nothing.

pub mod constant_time;
pub mod password;
pub mod token;
