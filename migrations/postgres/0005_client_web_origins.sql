-- Origins whose browser code may call /token, /userinfo and /revoke (CORS). Clients registered
-- before this get the origins of their redirect URIs, as new clients do by default (read back in
-- browser form: domain::WebOrigin::from_stored).
alter table clients add column web_origins jsonb not null default '[]';
update clients set web_origins = coalesce((
    select jsonb_agg(distinct lower(substring(uri from '^(https?://[^/?#]+)')))
    from jsonb_array_elements_text(redirect_uris) as uri
    where uri ~ '^https?://'
), '[]');
