-- Byline on PostgreSQL (13 or later): the same tables, columns and indexes as the SQLite
-- migrations arrive at, in one step. Ids are UUID v7 strings; timestamps are UTC.
-- Where the backends differ: the full-text index (`posts_search`, a weighted tsvector with a GIN
-- index, instead of FTS5), tag names ordered by `lower(name)` (SQLite: COLLATE NOCASE), and the
-- post counts' triggers (PL/pgSQL functions).

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    password_hash       TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    -- Tokens issued before a password change stop working.
    password_changed_at TIMESTAMP
);
CREATE INDEX users_page ON users (created_at, id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_keys_user_id ON api_keys (user_id);
CREATE INDEX api_keys_page ON api_keys (created_at, id);

-- Internal key/value settings never exposed by the API (e.g. the generated JWT secret).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- The public site settings: exactly one row.
CREATE TABLE site (
    id                 INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    title              TEXT NOT NULL,
    description        TEXT NOT NULL,
    url                TEXT NOT NULL,
    gift_title         TEXT NOT NULL,
    gift_description   TEXT NOT NULL,
    gift_url           TEXT NOT NULL,
    comments_moderated BOOLEAN NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    post_url           TEXT NOT NULL DEFAULT '/posts/{slug}',
    confirm_url        TEXT NOT NULL DEFAULT '',
    unsubscribe_url    TEXT NOT NULL DEFAULT '',
    preview_url        TEXT NOT NULL DEFAULT ''
);
INSERT INTO site (id, title, description, url, gift_title, gift_description, gift_url, comments_moderated, updated_at)
VALUES (1, 'Byline', 'A blog powered by Byline', '', '', '', '', true, (now() AT TIME ZONE 'UTC'));

CREATE TABLE posts (
    id                     TEXT PRIMARY KEY NOT NULL,
    slug                   TEXT NOT NULL UNIQUE,
    -- 'published' with a future published_at is shown as 'scheduled'.
    status                 TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    published_at           TIMESTAMP,
    author_id              TEXT NOT NULL REFERENCES users (id),
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    comments_enabled       BOOLEAN NOT NULL,
    comment_count          INTEGER NOT NULL DEFAULT 0,
    word_count             INTEGER NOT NULL,
    title                  TEXT NOT NULL,
    feature_image          TEXT,
    meta_title             TEXT,
    meta_description       TEXT,
    excerpt_is_custom      BOOLEAN NOT NULL,
    excerpt                TEXT NOT NULL,
    markdown               TEXT,
    html                   TEXT NOT NULL,
    -- When post.published was announced for the current publication (NULL: not yet).
    announced_at           TIMESTAMP,
    email_subscribers      BOOLEAN NOT NULL DEFAULT false,
    -- Moved in from Blogger or WordPress: the item's id in its export and its old URL.
    source_id              TEXT,
    source_url             TEXT,
    feature_image_variants TEXT NOT NULL DEFAULT '[]'
);
-- Live posts newest first; everything by publication, change and title; per author.
CREATE INDEX posts_live ON posts (status, published_at, id);
CREATE INDEX posts_published ON posts (published_at, id);
-- Editors list newest first with never-published drafts last (NULLs sort first descending).
CREATE INDEX posts_published_desc ON posts (published_at DESC NULLS LAST, id DESC);
CREATE INDEX posts_updated ON posts (status, updated_at, id);
CREATE INDEX posts_title ON posts (status, title, id);
CREATE INDEX posts_author ON posts (author_id, status, published_at, id);
CREATE INDEX posts_unannounced ON posts (status, announced_at, published_at);
CREATE INDEX posts_sitemap ON posts (status, published_at, id) INCLUDE (slug, updated_at);
CREATE UNIQUE INDEX posts_source_id ON posts (source_id) WHERE source_id IS NOT NULL;
CREATE INDEX posts_source_url ON posts (source_url) WHERE source_url IS NOT NULL;

CREATE TABLE tags (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX tags_name ON tags (lower(name), slug);

-- A post's state and time beside each of its tags, so a tag's page is one index walk.
CREATE TABLE post_tags (
    post_id      TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id       TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'draft',
    published_at TIMESTAMP,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX post_tags_tag ON post_tags (tag_id, status, published_at, post_id);

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
CREATE INDEX post_revisions_page ON post_revisions (post_id, created_at, id);

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

-- PostgreSQL-only: full-text search, maintained by services::search. Title weight A, body B.
CREATE TABLE posts_search (
    post_id  TEXT PRIMARY KEY NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
CREATE INDEX posts_search_document ON posts_search USING GIN (document);

CREATE TABLE comments (
    id           TEXT PRIMARY KEY NOT NULL,
    post_id      TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id    TEXT REFERENCES comments (id) ON DELETE CASCADE,
    -- Ids from the root down, '/'-separated: ordering by it gives thread order, oldest first
    -- (byte by byte, as SQLite compares: a locale's collation would skip the '/').
    path         TEXT COLLATE "C" NOT NULL,
    depth        INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    deleted      BOOLEAN NOT NULL DEFAULT false,
    author_name  TEXT NOT NULL,
    author_email TEXT,
    user_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    ip           TEXT,
    user_agent   TEXT,
    fingerprint  TEXT NOT NULL,
    body         TEXT NOT NULL,
    html         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    source_id    TEXT
);
CREATE INDEX comments_thread ON comments (post_id, status, path);
CREATE INDEX comments_fingerprint ON comments (post_id, fingerprint, created_at);
CREATE INDEX comments_parent ON comments (parent_id);
CREATE INDEX comments_page ON comments (created_at, id);
CREATE INDEX comments_moderation_page ON comments (status, created_at, id);
CREATE INDEX comments_post_page ON comments (post_id, created_at, id);
CREATE UNIQUE INDEX comments_source_id ON comments (source_id) WHERE source_id IS NOT NULL;

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
CREATE INDEX subscribers_page ON subscribers (created_at, id);
CREATE INDEX subscribers_status_page ON subscribers (status, created_at, id);

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
CREATE INDEX contact_messages_page ON contact_messages (created_at, id);
CREATE INDEX contact_messages_status_page ON contact_messages (status, created_at, id);

CREATE TABLE newsletters (
    id          TEXT PRIMARY KEY NOT NULL,
    post_id     TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    source      TEXT,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'cancelled')),
    total       INTEGER NOT NULL,
    sent        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX newsletters_post ON newsletters (post_id);
CREATE INDEX newsletters_page ON newsletters (created_at, id);
CREATE INDEX newsletters_status ON newsletters (status);

-- Every e-mail goes through here, written in the same transaction as its cause.
CREATE TABLE outbox (
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
    -- For 'sending' rows, when the claim lapses (a crashed sender's message is retried).
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    newsletter_id    TEXT REFERENCES newsletters (id) ON DELETE CASCADE,
    html             TEXT
);
CREATE INDEX outbox_subscriber ON outbox (subscriber_id);
CREATE INDEX outbox_page ON outbox (created_at, id);
CREATE INDEX outbox_status_page ON outbox (status, created_at, id);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at) WHERE newsletter_id IS NULL;
CREATE INDEX outbox_newsletter_due ON outbox (status, next_attempt_at)
    WHERE newsletter_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_newsletter_copy ON outbox (newsletter_id, subscriber_id)
    WHERE newsletter_id IS NOT NULL;
CREATE INDEX outbox_newsletter_status ON outbox (newsletter_id, status)
    WHERE newsletter_id IS NOT NULL;

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY NOT NULL,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_page ON webhooks (created_at, id);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_status_code INTEGER,
    last_response    TEXT,
    duration_ms      INTEGER,
    created_at       TIMESTAMP NOT NULL,
    delivered_at     TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_page ON webhook_deliveries (webhook_id, created_at, id);

CREATE TABLE media (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    alt          TEXT NOT NULL DEFAULT '',
    uploaded_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    variants     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX media_name ON media (name);
CREATE INDEX media_page ON media (created_at, id);

CREATE TABLE preview_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX preview_links_post ON preview_links (post_id, created_at);

-- How many posts are in each stored state, site-wide ('') and per author and tag
-- ('author:<id>', 'tag:<id>'), kept by triggers in the same transaction as each change.
CREATE TABLE post_counts (
    scope  TEXT NOT NULL,
    status TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (scope, status)
);

CREATE FUNCTION post_counts_add(counted TEXT, state TEXT) RETURNS void AS $$
    INSERT INTO post_counts (scope, status, n) VALUES (counted, state, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = post_counts.n + 1;
$$ LANGUAGE sql;

-- Decrements never insert: a tag's counts may already be gone with the tag.
CREATE FUNCTION post_counts_remove(counted TEXT, state TEXT) RETURNS void AS $$
    UPDATE post_counts SET n = n - 1 WHERE scope = counted AND status = state;
$$ LANGUAGE sql;

CREATE FUNCTION posts_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM post_counts_remove('', OLD.status);
        PERFORM post_counts_remove('author:' || OLD.author_id, OLD.status);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM post_counts_add('', NEW.status);
        PERFORM post_counts_add('author:' || NEW.author_id, NEW.status);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER post_counts_insert_delete AFTER INSERT OR DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION posts_counted();
CREATE TRIGGER post_counts_update AFTER UPDATE OF status, author_id ON posts
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.author_id IS DISTINCT FROM NEW.author_id)
    EXECUTE FUNCTION posts_counted();

-- The copies beside the tags follow the post (and their counts follow them).
CREATE FUNCTION post_tags_follow_post() RETURNS trigger AS $$
BEGIN
    UPDATE post_tags SET status = NEW.status, published_at = NEW.published_at
        WHERE post_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER post_tags_follow_post AFTER UPDATE OF status, published_at ON posts
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION post_tags_follow_post();

CREATE FUNCTION post_tags_counted() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM post_counts_remove('tag:' || OLD.tag_id, OLD.status);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM post_counts_add('tag:' || NEW.tag_id, NEW.status);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER post_tags_counts_insert_delete AFTER INSERT OR DELETE ON post_tags
    FOR EACH ROW EXECUTE FUNCTION post_tags_counted();
CREATE TRIGGER post_tags_counts_update AFTER UPDATE OF status ON post_tags
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION post_tags_counted();

CREATE FUNCTION post_counts_tag_gone() RETURNS trigger AS $$
BEGIN
    DELETE FROM post_counts WHERE scope = 'tag:' || OLD.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER post_counts_tag_gone AFTER DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION post_counts_tag_gone();

-- Rate limits every node counts together: requests per key (a hash of the limit's name and the
-- client's address or the post) per minute. SQLite counts in memory (one process per file).
CREATE TABLE rate_limits (
    key          TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    n            BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
