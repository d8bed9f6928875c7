-- Browser sessions, authorization codes, grants (refresh-token families), refresh tokens,
-- remembered consent and the login-failure counters behind the lockout.

-- tower-sessions records; the id is stored only as a keyed hash.
create table browser_sessions (
    id_hash text primary key,
    data text not null,
    expires_at timestamptz not null
);
create index browser_sessions_expires_at on browser_sessions (expires_at);

create table grants (
    id uuid primary key,
    client_id text not null references clients (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    scope text not null,
    auth_time timestamptz not null,
    sid text,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    revoked_at timestamptz
);
create index grants_user_id on grants (user_id);
create index grants_client_id on grants (client_id);

create table authorization_codes (
    code_hash text primary key,
    client_id text not null references clients (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    redirect_uri text not null,
    scope text not null,
    nonce text,
    code_challenge text not null,
    auth_time timestamptz not null,
    sid text,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    consumed_at timestamptz,
    grant_id uuid references grants (id) on delete set null
);
create index authorization_codes_expires_at on authorization_codes (expires_at);

create table refresh_tokens (
    token_hash text primary key,
    grant_id uuid not null references grants (id) on delete cascade,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    consumed_at timestamptz
);
create index refresh_tokens_grant_id on refresh_tokens (grant_id);

create table consents (
    user_id uuid not null references users (id) on delete cascade,
    client_id text not null references clients (id) on delete cascade,
    scope text not null,
    granted_at timestamptz not null,
    primary key (user_id, client_id)
);

-- Keys are "account:<email>" or "address:<ip>"; unknown emails are counted too.
create table login_failures (
    key text primary key,
    failures integer not null,
    locked_until timestamptz,
    updated_at timestamptz not null
);
