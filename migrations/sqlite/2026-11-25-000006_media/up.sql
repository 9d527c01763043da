-- Uploaded files: metadata here, bytes in BYLINE_MEDIA_DIR under a content-addressed name.
CREATE TABLE media (
    id           TEXT PRIMARY KEY NOT NULL,
    -- <sha256 of the bytes>.<extension from the detected type>: the file's name on disk and in URLs.
    name         TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    alt          TEXT NOT NULL DEFAULT '',
    uploaded_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX media_name ON media (name);
CREATE INDEX media_created ON media (created_at);
