-- Posts and comments moved in from Blogger or WordPress remember where they came from: the
-- item's id in its export (re-importing the same file matches it, so nothing is written twice)
-- and, for posts, the old public URL (so a frontend can redirect old links).
ALTER TABLE posts ADD COLUMN source_id TEXT;
ALTER TABLE posts ADD COLUMN source_url TEXT;
CREATE UNIQUE INDEX posts_source_id ON posts (source_id) WHERE source_id IS NOT NULL;
CREATE INDEX posts_source_url ON posts (source_url) WHERE source_url IS NOT NULL;
ALTER TABLE comments ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX comments_source_id ON comments (source_id) WHERE source_id IS NOT NULL;
