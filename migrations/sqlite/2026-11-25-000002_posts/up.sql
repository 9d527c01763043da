-- Posts, tags, revisions, idempotency keys, and the full-text index.

CREATE TABLE posts (
    id               TEXT PRIMARY KEY NOT NULL,
    slug             TEXT NOT NULL UNIQUE,
    -- 'published' with a future published_at is shown as 'scheduled'.
    status           TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at     TIMESTAMP,
    author_id        TEXT NOT NULL REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    comments_enabled BOOLEAN NOT NULL,
    comment_count    INTEGER NOT NULL DEFAULT 0,
    word_count       INTEGER NOT NULL,
    title            TEXT NOT NULL,
    feature_image    TEXT,
    meta_title       TEXT,
    meta_description TEXT,
    -- False when the excerpt was derived from the body (and follows it on edits).
    excerpt_is_custom BOOLEAN NOT NULL,
    excerpt          TEXT NOT NULL,
    -- The large columns last: filtering and sorting never walk their overflow pages.
    markdown         TEXT,
    html             TEXT NOT NULL
);
CREATE INDEX posts_live ON posts (status, published_at DESC);
CREATE INDEX posts_author ON posts (author_id);

CREATE TABLE tags (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE post_tags (
    post_id  TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id   TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id);

-- The state of a post before each update.
CREATE TABLE post_revisions (
    id           TEXT PRIMARY KEY NOT NULL,
    post_id      TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    slug         TEXT NOT NULL,
    excerpt      TEXT NOT NULL,
    markdown     TEXT,
    html         TEXT NOT NULL,
    status       TEXT NOT NULL,
    published_at TIMESTAMP,
    edited_by    TEXT,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX post_revisions_post ON post_revisions (post_id, created_at);

-- Replays of POST /posts with the same Idempotency-Key.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    location     TEXT,
    body         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- SQLite-only: full-text search, maintained by services::search; rowid = posts.rowid.
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
