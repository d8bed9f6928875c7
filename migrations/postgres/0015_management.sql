-- Management: permissions bundled into roles, a reason beside a user's status, and a version on
-- every row the admin API lets two people edit (its ETag; a write names the version it read).
--
-- The built-in roles (admin, manager, user) take their permissions from the code, so that a
-- permission added later reaches them; `role_permissions` holds the custom roles' permissions.

alter table roles add column description text not null default '';
alter table roles add column builtin boolean not null default false;
alter table roles add column version bigint not null default 1;

insert into roles (name, created_at) values ('admin', now()), ('manager', now()), ('user', now())
    on conflict (name) do nothing;
update roles set builtin = true where name in ('admin', 'manager', 'user');

create table role_permissions (
    role_name text not null references roles (name) on delete cascade,
    permission text not null,
    primary key (role_name, permission)
);

alter table users add column version bigint not null default 1;
alter table users add column status_reason text;

-- Every update of a row moves its version on, whichever statement made it.
create function portcullis_next_version() returns trigger language plpgsql as $$
begin
    new.version := old.version + 1;
    return new;
end $$;

create trigger users_version before update on users
    for each row execute function portcullis_next_version();
create trigger roles_version before update on roles
    for each row execute function portcullis_next_version();

-- A user's roles are part of the user; a role's permissions part of the role.
create function portcullis_user_roles_version() returns trigger language plpgsql as $$
begin
    update users set version = version + 1 where id = coalesce(new.user_id, old.user_id);
    return null;
end $$;

create trigger user_roles_version after insert or delete on user_roles
    for each row execute function portcullis_user_roles_version();

create function portcullis_role_permissions_version() returns trigger language plpgsql as $$
begin
    update roles set version = version + 1 where name = coalesce(new.role_name, old.role_name);
    return null;
end $$;

create trigger role_permissions_version after insert or delete on role_permissions
    for each row execute function portcullis_role_permissions_version();

-- Clients: a version for the admin API, and the roles a client holds when it acts for itself
-- (client_credentials: a service account calling the admin API).
alter table clients add column version bigint not null default 1;
create trigger clients_version before update on clients
    for each row execute function portcullis_next_version();

create table client_roles (
    client_id text not null references clients (id) on delete cascade,
    role_name text not null references roles (name) on delete cascade,
    created_at timestamptz not null,
    primary key (client_id, role_name)
);
create index client_roles_role_name on client_roles (role_name);

-- A client's roles are part of the client (and its update announces the change to every
-- instance's cache).
create function portcullis_client_roles_version() returns trigger language plpgsql as $$
begin
    update clients set version = version + 1 where id = coalesce(new.client_id, old.client_id);
    return null;
end $$;

create trigger client_roles_version after insert or delete on client_roles
    for each row execute function portcullis_client_roles_version();

-- The admin listing's default order, walked by keyset.
create index users_created_at_id on users (created_at, id);
-- Its `q` filter: a prefix of the address or the name is a range of these (byte order whatever the
-- database's collation, so the range is exactly the prefix).
create index users_email_prefix on users ((lower(email) collate "C"));
create index users_name_prefix on users ((lower(name) collate "C"));
