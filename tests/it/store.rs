//! The storage layer's promises, checked on both backends.

mod contract;
mod migrations;
