-- Pictures people upload for their profile (PNG, JPEG or WebP, at most 1 MB, the type read from
-- the content). Each upload gets a new random id, which is its public address
-- (/pictures/<id>): an old address stops working when the picture is replaced, so what is
-- served under an id never changes and may be cached for long.
create table pictures (
    id uuid primary key,
    user_id uuid not null unique references users (id) on delete cascade,
    content_type text not null check (content_type in ('image/png', 'image/jpeg', 'image/webp')),
    data bytea not null,
    created_at timestamptz not null
);
