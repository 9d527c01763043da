-- The search index keeps no copy of the text it indexes (2 KB a post, written with every post):
-- nothing reads it back, since results are posts and ranking reads only the index. Rows are
-- still deleted by rowid (`contentless_delete`), so an edit replaces its post's entry.
ALTER TABLE posts_fts RENAME TO posts_fts_old;
CREATE VIRTUAL TABLE posts_fts USING fts5(
    title,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO posts_fts (rowid, title, body) SELECT rowid, title, body FROM posts_fts_old;
DROP TABLE posts_fts_old;
