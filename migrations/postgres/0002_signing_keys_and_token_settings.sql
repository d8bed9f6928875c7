-- Signing keys (private parts sealed with the key-encryption key), per-client token settings, and
-- the revocation list for JWT access tokens.

create table signing_keys (
    kid text primary key,
    alg text not null check (alg in ('RS256', 'ES256')),
    -- AES-256-GCM: nonce, ciphertext of the PKCS#8 key, tag; the kid is the associated data.
    private_key bytea not null,
    created_at timestamptz not null,
    activates_at timestamptz not null
);
create index signing_keys_alg_activates_at on signing_keys (alg, activates_at);

-- Audience of the client's access tokens; null means the issuer.
alter table clients add column audience text;
alter table clients add column access_token_alg text not null default 'ES256'
    check (access_token_alg in ('RS256', 'ES256'));
alter table clients add column id_token_alg text not null default 'RS256'
    check (id_token_alg in ('RS256', 'ES256'));
-- Null means tokens.access_token_ttl.
alter table clients add column access_token_ttl_seconds bigint;

-- JWT access tokens revoked before they expire, kept until they would have expired.
create table revoked_access_tokens (
    jti text primary key,
    expires_at timestamptz not null
);
create index revoked_access_tokens_expires_at on revoked_access_tokens (expires_at);
