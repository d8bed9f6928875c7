-- Mail waiting to leave. A message is written in the same transaction as the change that causes
-- it; a sender on any instance claims due messages with a lease (claimed_until), delivers them
-- over SMTP and marks them sent. Bodies are erased once a message is sent or given up on.
create table mail_outbox (
    id uuid primary key,
    kind text not null,
    recipient text not null,
    subject text not null,
    text_body text not null,
    html_body text not null,
    created_at timestamptz not null,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    claimed_until timestamptz,
    sent_at timestamptz,
    failed_at timestamptz,
    last_error text
);
-- What the sender looks for: unfinished messages by when they are due.
create index mail_outbox_due on mail_outbox (next_attempt_at)
    where sent_at is null and failed_at is null;
-- What the sweep looks for: finished messages by age.
create index mail_outbox_created_at on mail_outbox (created_at);
