-- Foundation: users, API keys, internal settings and the site's public settings.
-- Ids are UUID v7 strings; timestamps are UTC.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

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
    updated_at         TIMESTAMP NOT NULL
);
INSERT INTO site (id, title, description, url, gift_title, gift_description, gift_url, comments_moderated, updated_at)
VALUES (1, 'Byline', 'A blog powered by Byline', '', '', '', '', 1, CURRENT_TIMESTAMP);
