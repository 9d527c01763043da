-- Comments: threaded (materialized path), moderated, with private moderation fields.

CREATE TABLE comments (
    id          TEXT PRIMARY KEY NOT NULL,
    post_id     TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id   TEXT REFERENCES comments (id) ON DELETE CASCADE,
    -- Ids from the root down, '/'-separated: ordering by it gives thread order, oldest first.
    path        TEXT NOT NULL,
    depth       INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    -- A deleted comment with replies stays as a "[deleted]" placeholder so threads stay whole.
    deleted     BOOLEAN NOT NULL DEFAULT 0,
    author_name TEXT NOT NULL,
    author_email TEXT,
    user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    ip          TEXT,
    user_agent  TEXT,
    -- SHA-256 of author and text, to refuse the same comment twice.
    fingerprint TEXT NOT NULL,
    body        TEXT NOT NULL,
    html        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX comments_thread ON comments (post_id, status, path);
CREATE INDEX comments_moderation ON comments (status, created_at);
CREATE INDEX comments_fingerprint ON comments (post_id, fingerprint, created_at);
CREATE INDEX comments_parent ON comments (parent_id);
