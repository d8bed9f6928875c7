-- A second factor: one TOTP secret per user (RFC 6238), sealed with AES-256-GCM under
-- `keys.encryption_key` (the user id is the associated data, so a sealed secret cannot be moved
-- to another row). Pending (`confirmed_at` null) until a code made from it is entered; a new
-- enrolment replaces a pending secret, never a confirmed one.
create table second_factors (
    user_id uuid primary key references users (id) on delete cascade,
    sealed_secret bytea not null,
    confirmed_at timestamptz,
    -- The newest time step accepted: each step is accepted once (RFC 6238 §5.2).
    last_used_step bigint,
    -- Wrong codes (TOTP or recovery) since `failures_since`; at `mfa.max_failures` every code is
    -- refused until `mfa.failure_window` after `failures_since`.
    failures integer not null default 0,
    failures_since timestamptz,
    created_at timestamptz not null
);

-- Single-use recovery codes, as keyed hashes (HMAC-SHA-256 under `secrets.hash_key`): a code is
-- found by its hash, so one attempt costs one hash, and a dump without the key reveals none.
create table recovery_codes (
    code_hash text primary key,
    user_id uuid not null references users (id) on delete cascade,
    used_at timestamptz,
    created_at timestamptz not null
);
create index recovery_codes_user_id on recovery_codes (user_id);

-- A sign-in whose password was right, waiting for its second factor: on the sign-in page (the
-- browser session holds the handle) or at the authorization challenge endpoint (the client
-- holds it as `auth_session`, bound to the client and its PKCE challenge). Only the handle's
-- keyed hash is stored; each answer replaces it.
create table second_factor_challenges (
    id uuid primary key,
    handle_hash text not null unique,
    user_id uuid not null references users (id) on delete cascade,
    client_id text references clients (id) on delete cascade,
    code_challenge text,
    scope text,
    guesses integer not null default 0,
    created_at timestamptz not null,
    expires_at timestamptz not null
);
create index second_factor_challenges_expires_at on second_factor_challenges (expires_at);
create index second_factor_challenges_user_id on second_factor_challenges (user_id);
create index second_factor_challenges_client_id on second_factor_challenges (client_id);

-- How the user authenticated (RFC 8176 values, space-separated), carried from the sign-in to the
-- code and the grant, so every ID token of the grant states it.
alter table authorization_codes add column amr text not null default 'pwd';
alter table grants add column amr text not null default 'pwd';
