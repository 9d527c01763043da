-- Webhooks and their deliveries, sent through a durable queue like the e-mail outbox.

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY NOT NULL,
    url        TEXT NOT NULL,
    -- Comma-separated event names, or '*'.
    events     TEXT NOT NULL,
    -- Signs each delivery (HMAC-SHA256); kept in clear because signing needs it.
    secret     TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_status_code INTEGER,
    -- The start of the receiver's last answer, or the network error.
    last_response    TEXT,
    duration_ms      INTEGER,
    created_at       TIMESTAMP NOT NULL,
    delivered_at     TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);

-- When post.published was announced for a post's current publication (NULL: not yet), so a
-- scheduled post is announced once, when its time comes.
ALTER TABLE posts ADD COLUMN announced_at TIMESTAMP;
UPDATE posts SET announced_at = published_at WHERE status = 'published' AND published_at IS NOT NULL;
