-- A mailed code and link can confirm a new address before it replaces the old one, and an
-- account its owner deleted stays as a tombstone: its id (which grants, and later the audit
-- log, refer to) with every personal field erased.
alter table account_tokens drop constraint account_tokens_purpose_check;
alter table account_tokens add constraint account_tokens_purpose_check
    check (purpose in ('verify_email', 'recover_password', 'change_email'));
alter table users drop constraint users_status_check;
alter table users add constraint users_status_check
    check (status in ('active', 'suspended', 'deleted'));
