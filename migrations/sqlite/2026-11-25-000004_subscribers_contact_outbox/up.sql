-- Subscribers (double opt-in), contact messages, and the outbox every e-mail goes through.

CREATE TABLE subscribers (
    id              TEXT PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    source          TEXT,
    created_at      TIMESTAMP NOT NULL,
    confirmed_at    TIMESTAMP,
    unsubscribed_at TIMESTAMP
);
CREATE INDEX subscribers_status ON subscribers (status, created_at);

-- Only SHA-256 hashes of tokens are stored.
CREATE TABLE subscriber_tokens (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    subscriber_id TEXT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    expires_at    TIMESTAMP,
    used_at       TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX subscriber_tokens_subscriber ON subscriber_tokens (subscriber_id);

CREATE TABLE contact_messages (
    id         TEXT PRIMARY KEY NOT NULL,
    email      TEXT NOT NULL,
    name       TEXT,
    subject    TEXT,
    message    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('unread', 'read', 'archived', 'spam')),
    ip         TEXT,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX contact_messages_status ON contact_messages (status, created_at);

-- Written in the same transaction as what causes the e-mail; drained by the mail worker.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY NOT NULL,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    reply_to         TEXT,
    list_unsubscribe TEXT,
    -- Erasing a subscriber erases the e-mails to them.
    subscriber_id    TEXT REFERENCES subscribers (id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- For 'sending' rows, when the claim lapses (a crashed sender's message is retried).
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);
