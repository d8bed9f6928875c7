-- no-transaction
-- A mailed code and link can confirm a new address before it replaces the old one, and an
-- account its owner deleted stays as a tombstone: its id (which grants, and later the audit
-- log, refer to) with every personal field erased.
--
-- SQLite cannot change a check constraint, so both tables are rebuilt (sqlite.org/lang_altertable
-- "Making Other Kinds Of Table Schema Changes"). Other tables refer to users, so foreign keys are
-- off while it is rebuilt (dropping it would otherwise cascade), which can only be switched
-- outside a transaction: hence no-transaction, with an explicit one inside.
pragma foreign_keys = off;
begin immediate;

create table users_rebuilt (
    id blob primary key not null,
    -- lower-cased by the application (domain::Email); the index keeps it unique even if not.
    email text not null,
    name text,
    -- argon2id PHC string; null for accounts that cannot sign in with a password.
    password_hash text,
    status text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
    created_at text not null,
    updated_at text not null,
    email_verified_at text,
    given_name text,
    family_name text,
    picture text,
    gender text,
    phone_number text,
    phone_number_verified integer not null default 0,
    locale text,
    zoneinfo text
);
insert into users_rebuilt (id, email, name, password_hash, status, created_at, updated_at,
        email_verified_at, given_name, family_name, picture, gender, phone_number,
        phone_number_verified, locale, zoneinfo)
    select id, email, name, password_hash, status, created_at, updated_at,
        email_verified_at, given_name, family_name, picture, gender, phone_number,
        phone_number_verified, locale, zoneinfo
    from users;
drop table users;
alter table users_rebuilt rename to users;
create unique index users_email_key on users (lower(email));

create table account_tokens_rebuilt (
    id blob primary key not null,
    user_id blob not null references users (id) on delete cascade,
    purpose text not null
        check (purpose in ('verify_email', 'recover_password', 'change_email')),
    -- the address the mail went to (verifying it marks this address verified, not another)
    email text not null,
    code_hash text not null,
    link_hash text not null unique,
    attempts integer not null default 0,
    created_at text not null,
    expires_at text not null,
    consumed_at text
);
insert into account_tokens_rebuilt
    select id, user_id, purpose, email, code_hash, link_hash, attempts, created_at, expires_at,
        consumed_at
    from account_tokens;
drop table account_tokens;
alter table account_tokens_rebuilt rename to account_tokens;
create index account_tokens_user_purpose on account_tokens (user_id, purpose, created_at);
create index account_tokens_expires_at on account_tokens (expires_at);

commit;
pragma foreign_keys = on;
