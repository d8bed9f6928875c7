-- Users, roles and clients: what the server needs before it can sign anyone in.

create table users (
    id uuid primary key,
    -- lower-cased by the application (domain::Email); the index keeps it unique even if not.
    email text not null,
    name text,
    -- argon2id PHC string; null for accounts that cannot sign in with a password.
    password_hash text,
    status text not null default 'active' check (status in ('active', 'suspended')),
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index users_email_key on users (lower(email));

create table roles (
    name text primary key,
    created_at timestamptz not null
);

create table user_roles (
    user_id uuid not null references users (id) on delete cascade,
    role_name text not null references roles (name) on delete cascade,
    created_at timestamptz not null,
    primary key (user_id, role_name)
);
create index user_roles_role_name on user_roles (role_name);

create table clients (
    id text primary key,
    name text not null,
    -- keyed SHA-256 (HMAC) of the secret; null for public clients.
    secret_hash text,
    kind text not null check (kind in ('public', 'confidential')),
    first_party boolean not null,
    redirect_uris jsonb not null,
    post_logout_redirect_uris jsonb not null,
    grant_types jsonb not null,
    scopes jsonb not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check ((kind = 'confidential') = (secret_hash is not null))
);
