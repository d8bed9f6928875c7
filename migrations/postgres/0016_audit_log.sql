-- The audit log: one row per security-relevant event, written in the transaction of the change
-- it records, with an HMAC made at write time. The sealer gives each event its place in a hash
-- chain (`seq`, `chain_hash`) shortly after it commits, and signs checkpoints of the chain's
-- head. Personal data lives beside the event and is committed to only by `personal_hash`, so
-- erasing a person deletes it and the chain still verifies.
create table audit_events (
    id uuid primary key,
    occurred_at timestamptz not null,
    kind text not null,
    outcome text not null,
    actor_kind text not null,
    actor_id text,
    subject text,
    client_id text,
    request_id text,
    details jsonb not null,
    personal_hash text not null,
    mac text not null,
    seq bigint unique,
    chain_hash text
);
create index audit_events_unsealed on audit_events (occurred_at, id) where seq is null;
create index audit_events_occurred_at on audit_events (occurred_at, id);
create index audit_events_subject on audit_events (subject, occurred_at);
create index audit_events_actor on audit_events (actor_id, occurred_at);

create table audit_personal_data (
    event_id uuid primary key references audit_events (id) on delete cascade,
    person uuid,
    salt text not null,
    email text,
    source_address text,
    user_agent text
);
create index audit_personal_data_person on audit_personal_data (person);

-- The chain's head, one row: sealers take turns on it. `pruned_*` is where the chain starts
-- after retention removed older events.
create table audit_chain (
    id integer primary key check (id = 1),
    seq bigint not null,
    chain_hash text not null,
    pruned_through bigint not null,
    pruned_hash text not null
);
insert into audit_chain (id, seq, chain_hash, pruned_through, pruned_hash)
    values (1, 0, 'portcullis audit chain v1', 0, 'portcullis audit chain v1');

create table audit_checkpoints (
    seq bigint not null,
    chain_hash text not null,
    created_at timestamptz not null,
    note text not null,
    signature text not null,
    primary key (seq, created_at)
);
