//! The hosted pages: in real headless Chromium, and their headers and forms over HTTP.

mod browser;
mod security;
