-- What the account page lists of each signed-in browser: the sign-in's `sid` (the handle a
-- person ends it by, and the claim its grants carry), when it signed in, and the browser's own
-- description of itself. Written from the session's data on every save; null for sessions
-- nobody is signed in to.
alter table browser_sessions add column sid text;
alter table browser_sessions add column signed_in_at text;
alter table browser_sessions add column device text;
-- Grants made through a sign-in end with it when its person signs that browser out.
create index grants_user_sid on grants (user_id, sid) where sid is not null;
