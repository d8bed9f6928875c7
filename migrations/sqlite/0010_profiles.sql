-- The OpenID Connect standard claims a person keeps about themselves (Core §5.1), edited on the
-- account page and through /api/v1/account, released by scope (profile, phone).
alter table users add column given_name text;
alter table users add column family_name text;
-- an https URL of the person's picture
alter table users add column picture text;
alter table users add column gender text;
-- E.164, e.g. +14155550123
alter table users add column phone_number text;
alter table users add column phone_number_verified integer not null default 0;
-- BCP 47 language tag, e.g. en-US
alter table users add column locale text;
-- IANA time zone, e.g. Europe/Paris
alter table users add column zoneinfo text;
