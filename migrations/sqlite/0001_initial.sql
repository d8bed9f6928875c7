-- Users, roles and clients: what the server needs before it can sign anyone in.
-- Types: uuid as 16-byte blob, timestamps as RFC 3339 text, lists as JSON text.

create table users (
    id blob primary key not null,
    -- lower-cased by the application (domain::Email); the index keeps it unique even if not.
    email text not null,
    name text,
    -- argon2id PHC string; null for accounts that cannot sign in with a password.
    password_hash text,
    status text not null default 'active' check (status in ('active', 'suspended')),
    created_at text not null,
    updated_at text not null
);
create unique index users_email_key on users (lower(email));

create table roles (
    name text primary key not null,
    created_at text not null
);

create table user_roles (
    user_id blob not null references users (id) on delete cascade,
    role_name text not null references roles (name) on delete cascade,
    created_at text not null,
    primary key (user_id, role_name)
);
create index user_roles_role_name on user_roles (role_name);

create table clients (
    id text primary key not null,
    name text not null,
    -- keyed SHA-256 (HMAC) of the secret; null for public clients.
    secret_hash text,
    kind text not null check (kind in ('public', 'confidential')),
    first_party integer not null,
    redirect_uris text not null,
    post_logout_redirect_uris text not null,
    grant_types text not null,
    scopes text not null,
    created_at text not null,
    updated_at text not null,
    check ((kind = 'confidential') = (secret_hash is not null))
);
