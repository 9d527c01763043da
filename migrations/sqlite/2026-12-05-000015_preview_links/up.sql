-- Draft preview links: whoever holds the token reads the post in any state until it expires.
-- Only the token's hash is kept; the links die with their post.
CREATE TABLE preview_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    post_id    TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX preview_links_post ON preview_links (post_id, created_at);
-- The frontend's preview page (`{token}`); empty for the API's `GET /api/v1/preview/{token}`.
ALTER TABLE site ADD COLUMN preview_url TEXT NOT NULL DEFAULT '';
