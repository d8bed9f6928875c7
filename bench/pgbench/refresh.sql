-- The statements Portcullis runs for one refresh on PostgreSQL, for pgbench: read the token with
-- its grant, then rotate in one statement (consume with a compare-and-set while token and grant
-- are live, insert the successor). Rows are seeded by bench/run.sh; a token drawn twice is not
-- consumed again, which only makes this side faster.
\set id random(1, :rows)
SELECT rt.token_hash, rt.expires_at AS token_expires_at, rt.consumed_at, g.*
    FROM refresh_tokens rt JOIN grants g ON g.id = rt.grant_id WHERE rt.token_hash = 'pgbench-' || :id;
WITH consumed AS (
    UPDATE refresh_tokens rt SET consumed_at = now()
    FROM grants g
    WHERE rt.token_hash = 'pgbench-' || :id AND rt.consumed_at IS NULL AND rt.expires_at > now()
      AND g.id = rt.grant_id AND g.revoked_at IS NULL AND g.expires_at > now()
    RETURNING g.*
), successor AS (
    INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at)
    SELECT gen_random_uuid()::text, id, now(), now() + interval '14 days' FROM consumed
)
SELECT * FROM consumed;
