-- Origins whose browser code may call /token, /userinfo and /revoke (CORS). Clients registered
-- before this get the origins of their redirect URIs, as new clients do by default (read back in
-- browser form: domain::WebOrigin::from_stored).
alter table clients add column web_origins text not null default '[]';
update clients set web_origins = coalesce((
    select json_group_array(distinct origin) from (
        select lower(substr(uri.value, 1, instr(substr(uri.value, 9), '/') + 7)) as origin
        from json_each(clients.redirect_uris) as uri
        where (uri.value like 'https://%' or uri.value like 'http://%')
          and instr(substr(uri.value, 9), '/') > 0
    )
), '[]');
