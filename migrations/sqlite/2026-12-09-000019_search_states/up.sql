-- What a search filters on, in a narrow table beside the search index: a search checks each of
-- its newest matches (up to 1,001) for being live, and reading that off the post rows (4 KB and
-- a page or more each) was 40% of a common word's search. Kept by triggers, in the same
-- transaction as each change. post_rowid = posts.rowid = posts_fts.rowid.
CREATE TABLE post_states (
    post_rowid   INTEGER PRIMARY KEY,
    id           TEXT NOT NULL,
    status       TEXT NOT NULL,
    published_at TIMESTAMP
);
INSERT INTO post_states (post_rowid, id, status, published_at)
    SELECT rowid, id, status, published_at FROM posts;

CREATE TRIGGER post_states_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_states (post_rowid, id, status, published_at)
        VALUES (NEW.rowid, NEW.id, NEW.status, NEW.published_at);
END;

CREATE TRIGGER post_states_update AFTER UPDATE OF status, published_at ON posts
WHEN OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at BEGIN
    UPDATE post_states SET status = NEW.status, published_at = NEW.published_at
        WHERE post_rowid = NEW.rowid;
END;

CREATE TRIGGER post_states_delete AFTER DELETE ON posts BEGIN
    DELETE FROM post_states WHERE post_rowid = OLD.rowid;
END;
