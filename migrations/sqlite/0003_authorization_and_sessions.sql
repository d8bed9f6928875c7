-- Browser sessions, authorization codes, grants (refresh-token families), refresh tokens,
-- remembered consent and the login-failure counters behind the lockout.

-- tower-sessions records; the id is stored only as a keyed hash.
create table browser_sessions (
    id_hash text primary key not null,
    data text not null,
    expires_at text not null
);
create index browser_sessions_expires_at on browser_sessions (expires_at);

create table grants (
    id blob primary key not null,
    client_id text not null references clients (id) on delete cascade,
    user_id blob not null references users (id) on delete cascade,
    scope text not null,
    auth_time text not null,
    sid text,
    created_at text not null,
    expires_at text not null,
    revoked_at text
);
create index grants_user_id on grants (user_id);
create index grants_client_id on grants (client_id);

create table authorization_codes (
    code_hash text primary key not null,
    client_id text not null references clients (id) on delete cascade,
    user_id blob not null references users (id) on delete cascade,
    redirect_uri text not null,
    scope text not null,
    nonce text,
    code_challenge text not null,
    auth_time text not null,
    sid text,
    created_at text not null,
    expires_at text not null,
    consumed_at text,
    grant_id blob references grants (id) on delete set null
);
create index authorization_codes_expires_at on authorization_codes (expires_at);

create table refresh_tokens (
    token_hash text primary key not null,
    grant_id blob not null references grants (id) on delete cascade,
    created_at text not null,
    expires_at text not null,
    consumed_at text
);
create index refresh_tokens_grant_id on refresh_tokens (grant_id);

create table consents (
    user_id blob not null references users (id) on delete cascade,
    client_id text not null references clients (id) on delete cascade,
    scope text not null,
    granted_at text not null,
    primary key (user_id, client_id)
);

-- Keys are "account:<email>" or "address:<ip>"; unknown emails are counted too.
create table login_failures (
    key text primary key not null,
    failures integer not null,
    locked_until text,
    updated_at text not null
);
