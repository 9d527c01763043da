-- Back to an index that keeps its text. The contentless index has none to give back, so the
-- posts' titles and HTML are indexed (tags' names too) until each post is next written.
DROP TABLE posts_fts;
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO posts_fts (rowid, title, body) SELECT rowid, title, html FROM posts;
