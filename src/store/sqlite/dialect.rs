//! The statements SQLite says differently from PostgreSQL.

/// Whether some client lists `$1` among its web origins (JSON text, unpacked by `json_each`).
pub const IS_WEB_ORIGIN: &str =
    "select exists (select 1 from clients, json_each(clients.web_origins) as o where o.value = $1)";
