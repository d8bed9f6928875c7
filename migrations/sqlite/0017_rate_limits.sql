-- Rate-limit counters shared by every instance: one fixed window per key. Keys are keyed hashes
-- of "<family>:<kind>:<value>" (an address or an account's email), never the value itself.
create table rate_limit_counters (
    key text primary key not null,
    window_start text not null,
    hits integer not null
);
create index rate_limit_counters_window_start on rate_limit_counters (window_start);
