-- Self-service accounts: a verified email, one-time codes and links for verification and
-- recovery, and browser sessions that know whose they are (so a password reset can end them).

-- Accounts made before self-registration were made by an operator, who vouched for the address.
alter table users add column email_verified_at text;
update users set email_verified_at = created_at;

-- A code and a link sent in one mail, for one purpose and one user. Both are stored only as
-- HMAC-SHA-256 under the server's hash key; the code's hash is bound to the row, its purpose and
-- its user, so a 6-digit code is never a lookup key. Single use through consumed_at.
create table account_tokens (
    id blob primary key not null,
    user_id blob not null references users (id) on delete cascade,
    purpose text not null check (purpose in ('verify_email', 'recover_password')),
    -- the address the mail went to (verifying it marks this address verified, not another)
    email text not null,
    code_hash text not null,
    link_hash text not null unique,
    attempts integer not null default 0,
    created_at text not null,
    expires_at text not null,
    consumed_at text
);
create index account_tokens_user_purpose on account_tokens (user_id, purpose, created_at);
create index account_tokens_expires_at on account_tokens (expires_at);

alter table browser_sessions add column user_id blob;
create index browser_sessions_user_id on browser_sessions (user_id) where user_id is not null;
