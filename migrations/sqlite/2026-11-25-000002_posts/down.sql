DROP TABLE posts_fts;
DROP TABLE idempotency_keys;
DROP TABLE post_revisions;
DROP TABLE post_tags;
DROP TABLE tags;
DROP TABLE posts;
