DROP INDEX comments_source_id;
ALTER TABLE comments DROP COLUMN source_id;
DROP INDEX posts_source_url;
DROP INDEX posts_source_id;
ALTER TABLE posts DROP COLUMN source_url;
ALTER TABLE posts DROP COLUMN source_id;
