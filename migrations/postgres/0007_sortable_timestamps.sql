-- SQLite's timestamps become one fixed-width text form in this step; PostgreSQL's timestamptz
-- already compares and indexes correctly. (Same migration list on both backends.)
select 1;
