-- Newsletters: a post e-mailed to the confirmed subscribers. Each copy is an outbox row, unique
-- per (newsletter, subscriber), rendered when it is sent (so the list is written in one
-- statement, whatever its size). Copies go out on their own lane, paced, so transactional
-- e-mail never waits behind a big list.
CREATE TABLE newsletters (
    id TEXT PRIMARY KEY NOT NULL,
    post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    source TEXT,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'cancelled')),
    total INTEGER NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX newsletters_post ON newsletters (post_id);
CREATE INDEX newsletters_page ON newsletters (created_at, id);
CREATE INDEX newsletters_status ON newsletters (status);

-- The outbox, rebuilt (SQLite cannot alter a CHECK): copies may be `skipped`, an e-mail may have
-- an HTML part, and a copy names its newsletter.
CREATE TABLE outbox_next (
    id               TEXT PRIMARY KEY NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    reply_to         TEXT,
    list_unsubscribe TEXT,
    subscriber_id    TEXT REFERENCES subscribers (id) ON DELETE CASCADE,
    status           TEXT NOT NULL
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    newsletter_id    TEXT REFERENCES newsletters (id) ON DELETE CASCADE,
    html             TEXT
);
INSERT INTO outbox_next (id, recipient, subject, body, reply_to, list_unsubscribe, subscriber_id,
                         status, attempts, next_attempt_at, last_error, created_at, sent_at)
    SELECT id, recipient, subject, body, reply_to, list_unsubscribe, subscriber_id,
           status, attempts, next_attempt_at, last_error, created_at, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);
CREATE INDEX outbox_page ON outbox (created_at, id);
CREATE INDEX outbox_status_page ON outbox (status, created_at, id);
-- The two lanes' claims, and a newsletter's copies by state.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at) WHERE newsletter_id IS NULL;
CREATE INDEX outbox_newsletter_due ON outbox (status, next_attempt_at)
    WHERE newsletter_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_newsletter_copy ON outbox (newsletter_id, subscriber_id)
    WHERE newsletter_id IS NOT NULL;
CREATE INDEX outbox_newsletter_status ON outbox (newsletter_id, status)
    WHERE newsletter_id IS NOT NULL;

-- "Send this post to the subscribers when it goes live."
ALTER TABLE posts ADD COLUMN email_subscribers BOOLEAN NOT NULL DEFAULT 0;
