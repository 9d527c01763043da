DROP TRIGGER posts_search_follows_post ON posts;
DROP FUNCTION posts_search_follows_post();
ALTER TABLE posts_search DROP COLUMN published_at;
ALTER TABLE posts_search DROP COLUMN status;
