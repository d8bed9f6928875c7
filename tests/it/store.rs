//! The storage layer's promises, checked on both backends.

mod accounts_contract;
mod cancellation;
mod contract;
mod grants_contract;
mod migrations;
mod outbox_contract;
mod plans;
mod sign_in_and_keys_contract;
