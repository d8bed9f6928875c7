-- The refresh-token rotation transaction as Portcullis runs it (consume with compare-and-set,
-- read the grant, insert the successor), for pgbench. Rows are seeded by bench/run.sh.
\set id random(1, 20000)
BEGIN;
UPDATE refresh_tokens SET consumed_at = now()
    WHERE token_hash = 'pgbench-' || :id AND consumed_at IS NULL RETURNING grant_id, expires_at;
SELECT * FROM grants WHERE id = '00000000-0000-4000-8000-000000000001';
INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at)
    VALUES (gen_random_uuid()::text, '00000000-0000-4000-8000-000000000001', now(), now() + interval '14 days');
COMMIT;
