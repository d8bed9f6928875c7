-- Revocations are kept in memory and reloaded from here (see the PostgreSQL migration of the same
-- name, which also announces changes to other instances; SQLite serves one process).

create index grants_revoked_at on grants (revoked_at) where revoked_at is not null;
