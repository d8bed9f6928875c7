-- Management: permissions bundled into roles, a reason beside a user's status, and a version on
-- every row the admin API lets two people edit (its ETag; a write names the version it read).
--
-- The built-in roles (admin, manager, user) take their permissions from the code, so that a
-- permission added later reaches them; `role_permissions` holds the custom roles' permissions.

alter table roles add column description text not null default '';
alter table roles add column builtin integer not null default 0;
alter table roles add column version integer not null default 1;

insert into roles (name, created_at)
    values ('admin', strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now')),
           ('manager', strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now')),
           ('user', strftime('%Y-%m-%dT%H:%M:%S.000000Z', 'now'))
    on conflict (name) do nothing;
update roles set builtin = 1 where name in ('admin', 'manager', 'user');

create table role_permissions (
    role_name text not null references roles (name) on delete cascade,
    permission text not null,
    primary key (role_name, permission)
);

alter table users add column version integer not null default 1;
alter table users add column status_reason text;

-- Every update of a row moves its version on, whichever statement made it (an update that sets
-- the version itself is the trigger's own, and stops there).
create trigger users_version after update on users
    for each row when new.version = old.version
begin
    update users set version = old.version + 1 where id = old.id;
end;

create trigger roles_version after update on roles
    for each row when new.version = old.version
begin
    update roles set version = old.version + 1 where name = old.name;
end;

-- A user's roles are part of the user; a role's permissions part of the role.
create trigger user_roles_version_insert after insert on user_roles
begin
    update users set version = version + 1 where id = new.user_id;
end;
create trigger user_roles_version_delete after delete on user_roles
begin
    update users set version = version + 1 where id = old.user_id;
end;
create trigger role_permissions_version_insert after insert on role_permissions
begin
    update roles set version = version + 1 where name = new.role_name;
end;
create trigger role_permissions_version_delete after delete on role_permissions
begin
    update roles set version = version + 1 where name = old.role_name;
end;

-- Clients: a version for the admin API, and the roles a client holds when it acts for itself
-- (client_credentials: a service account calling the admin API).
alter table clients add column version integer not null default 1;
create trigger clients_version after update on clients
    for each row when new.version = old.version
begin
    update clients set version = old.version + 1 where id = old.id;
end;

create table client_roles (
    client_id text not null references clients (id) on delete cascade,
    role_name text not null references roles (name) on delete cascade,
    created_at text not null,
    primary key (client_id, role_name)
);
create index client_roles_role_name on client_roles (role_name);

-- A client's roles are part of the client.
create trigger client_roles_version_insert after insert on client_roles
begin
    update clients set version = version + 1 where id = new.client_id;
end;
create trigger client_roles_version_delete after delete on client_roles
begin
    update clients set version = version + 1 where id = old.client_id;
end;

-- The admin listing's default order, walked by keyset.
create index users_created_at_id on users (created_at, id);
-- Its `q` filter: a prefix of the address or the name is a range of these (users_email_key covers
-- the address).
create index users_name_prefix on users (lower(name));
