-- The search index keeps copies of its post's status and publication time, as post_tags does:
-- a search for live posts then filters and orders one table, so the planner can walk the index
-- newest first for a common word instead of joining every match to posts.
ALTER TABLE posts_search ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE posts_search ADD COLUMN published_at TIMESTAMP;
UPDATE posts_search s SET status = p.status, published_at = p.published_at
    FROM posts p WHERE p.id = s.post_id;

CREATE FUNCTION posts_search_follows_post() RETURNS trigger AS $$
BEGIN
    UPDATE posts_search SET status = NEW.status, published_at = NEW.published_at
        WHERE post_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER posts_search_follows_post AFTER UPDATE OF status, published_at ON posts
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION posts_search_follows_post();
