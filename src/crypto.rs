//! Security-critical primitives, one small file each: password hashing, random tokens and their
//! keyed hashes, constant-time comparison, signing keys, JWS, and sealing keys at rest. Everything
//! else calls these and re-implements nothing.

pub mod audit;
pub mod constant_time;
pub mod jwt;
pub mod key_encryption;
pub mod key_ring;
pub mod keys;
pub mod password;
pub mod qr;
pub mod recovery_code;
pub mod token;
pub mod totp;
