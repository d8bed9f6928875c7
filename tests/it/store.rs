//! The storage layer's promises, checked on both backends.

mod contract;
mod grants_contract;
mod migrations;
mod plans;
mod sign_in_and_keys_contract;
