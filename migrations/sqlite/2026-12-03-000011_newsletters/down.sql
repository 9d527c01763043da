CREATE TABLE outbox_prev (
    id               TEXT PRIMARY KEY NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    reply_to         TEXT,
    list_unsubscribe TEXT,
    subscriber_id    TEXT REFERENCES subscribers (id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);
INSERT INTO outbox_prev
    SELECT id, recipient, subject, body, reply_to, list_unsubscribe, subscriber_id,
           status, attempts, next_attempt_at, last_error, created_at, sent_at
    FROM outbox WHERE newsletter_id IS NULL AND status != 'skipped';
DROP TABLE outbox;
ALTER TABLE outbox_prev RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);
CREATE INDEX outbox_page ON outbox (created_at, id);
CREATE INDEX outbox_status_page ON outbox (status, created_at, id);
ALTER TABLE posts DROP COLUMN email_subscribers;
DROP TABLE newsletters;
