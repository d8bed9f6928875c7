//! The statements PostgreSQL says differently from SQLite.

/// Whether some client lists `$1` among its web origins (jsonb containment).
pub const IS_WEB_ORIGIN: &str = "select exists (select 1 from clients where web_origins ? $1)";
