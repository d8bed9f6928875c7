-- Every instance keeps revocations, users and clients in memory; these triggers announce each
-- change on the `portcullis_changes` channel as it commits, so the other instances catch up in
-- milliseconds instead of at their next periodic reload. Payloads (space-separated):
--   t <expires_at, unix seconds> <jti>     an access token was revoked
--   g <revoked_at, unix seconds> <grant>   a grant (refresh-token family) was revoked, or deleted
--                                          while live
--   u <user id>                            a user, or their roles, changed
--   c <client id>                          a client changed

create index grants_revoked_at on grants (revoked_at) where revoked_at is not null;

create function portcullis_announce_revoked_access_token() returns trigger language plpgsql as $$
begin
    perform pg_notify('portcullis_changes',
        't ' || floor(extract(epoch from new.expires_at))::bigint || ' ' || new.jti);
    return null;
end $$;

create trigger revoked_access_tokens_announce after insert on revoked_access_tokens
    for each row execute function portcullis_announce_revoked_access_token();

create function portcullis_announce_revoked_grant() returns trigger language plpgsql as $$
begin
    perform pg_notify('portcullis_changes',
        'g ' || floor(extract(epoch from new.revoked_at))::bigint || ' ' || new.id);
    return null;
end $$;

create function portcullis_announce_deleted_grant() returns trigger language plpgsql as $$
begin
    perform pg_notify('portcullis_changes',
        'g ' || floor(extract(epoch from now()))::bigint || ' ' || old.id);
    return null;
end $$;

create trigger grants_announce_revocation after update of revoked_at on grants
    for each row when (old.revoked_at is null and new.revoked_at is not null)
    execute function portcullis_announce_revoked_grant();

-- A live grant deleted outright (its user or client deleted) ends its access tokens like a
-- revocation. Grants swept long after they expired or were revoked are not announced.
create trigger grants_announce_deletion after delete on grants
    for each row when (old.revoked_at is null and old.expires_at > now())
    execute function portcullis_announce_deleted_grant();

create function portcullis_announce_user() returns trigger language plpgsql as $$
begin
    perform pg_notify('portcullis_changes', 'u ' || coalesce(new.id, old.id));
    return null;
end $$;

create trigger users_announce after update or delete on users
    for each row execute function portcullis_announce_user();

create function portcullis_announce_user_roles() returns trigger language plpgsql as $$
begin
    perform pg_notify('portcullis_changes', 'u ' || coalesce(new.user_id, old.user_id));
    return null;
end $$;

create trigger user_roles_announce after insert or update or delete on user_roles
    for each row execute function portcullis_announce_user_roles();

create function portcullis_announce_client() returns trigger language plpgsql as $$
begin
    perform pg_notify('portcullis_changes', 'c ' || coalesce(new.id, old.id));
    return null;
end $$;

create trigger clients_announce after update or delete on clients
    for each row execute function portcullis_announce_client();
