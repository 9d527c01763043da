-- Query shapes whose cost does not grow with the site: indexes that give both the filter and the
-- order, and post counts kept by triggers in the same transaction as each change.

-- A post's state and time beside each of its tags, so a tag's page is one index walk.
ALTER TABLE post_tags ADD COLUMN status TEXT NOT NULL DEFAULT 'draft';
ALTER TABLE post_tags ADD COLUMN published_at TIMESTAMP;
UPDATE post_tags SET
    status = (SELECT status FROM posts WHERE posts.id = post_tags.post_id),
    published_at = (SELECT published_at FROM posts WHERE posts.id = post_tags.post_id);

DROP INDEX posts_live;
DROP INDEX posts_author;
DROP INDEX post_tags_tag;
-- Live posts newest first (and the few scheduled ones just after now).
CREATE INDEX posts_live ON posts (status, published_at, id);
-- Everything newest first, for editors (never-published drafts sort last).
CREATE INDEX posts_published ON posts (published_at, id);
CREATE INDEX posts_updated ON posts (status, updated_at, id);
CREATE INDEX posts_title ON posts (status, title, id);
CREATE INDEX posts_author ON posts (author_id, status, published_at, id);
CREATE INDEX post_tags_tag ON post_tags (tag_id, status, published_at, post_id);
CREATE INDEX tags_name ON tags (name COLLATE NOCASE, slug);

-- How many posts are in each stored state, site-wide ('') and per author and tag
-- ('author:<id>', 'tag:<id>'). Live = published minus the few still scheduled.
CREATE TABLE post_counts (
    scope  TEXT NOT NULL,
    status TEXT NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (scope, status)
) WITHOUT ROWID;

INSERT INTO post_counts (scope, status, n)
    SELECT '', status, count(*) FROM posts GROUP BY status;
INSERT INTO post_counts (scope, status, n)
    SELECT 'author:' || author_id, status, count(*) FROM posts GROUP BY author_id, status;
INSERT INTO post_counts (scope, status, n)
    SELECT 'tag:' || tag_id, status, count(*) FROM post_tags GROUP BY tag_id, status;

CREATE TRIGGER post_counts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_counts (scope, status, n) VALUES ('', NEW.status, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
    INSERT INTO post_counts (scope, status, n) VALUES ('author:' || NEW.author_id, NEW.status, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_counts_delete AFTER DELETE ON posts BEGIN
    UPDATE post_counts SET n = n - 1
        WHERE status = OLD.status AND scope IN ('', 'author:' || OLD.author_id);
END;

CREATE TRIGGER post_counts_update AFTER UPDATE OF status, author_id ON posts
WHEN OLD.status IS NOT NEW.status OR OLD.author_id IS NOT NEW.author_id BEGIN
    UPDATE post_counts SET n = n - 1
        WHERE status = OLD.status AND scope IN ('', 'author:' || OLD.author_id);
    INSERT INTO post_counts (scope, status, n) VALUES ('', NEW.status, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
    INSERT INTO post_counts (scope, status, n) VALUES ('author:' || NEW.author_id, NEW.status, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
END;

-- The copies beside the tags follow the post (and their counts follow them).
CREATE TRIGGER post_tags_follow_post AFTER UPDATE OF status, published_at ON posts
WHEN OLD.status IS NOT NEW.status OR OLD.published_at IS NOT NEW.published_at BEGIN
    UPDATE post_tags SET status = NEW.status, published_at = NEW.published_at
        WHERE post_id = NEW.id;
END;

CREATE TRIGGER post_tags_counts_insert AFTER INSERT ON post_tags BEGIN
    INSERT INTO post_counts (scope, status, n) VALUES ('tag:' || NEW.tag_id, NEW.status, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_tags_counts_delete AFTER DELETE ON post_tags BEGIN
    UPDATE post_counts SET n = n - 1 WHERE scope = 'tag:' || OLD.tag_id AND status = OLD.status;
END;

CREATE TRIGGER post_tags_counts_update AFTER UPDATE OF status ON post_tags
WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE post_counts SET n = n - 1 WHERE scope = 'tag:' || OLD.tag_id AND status = OLD.status;
    INSERT INTO post_counts (scope, status, n) VALUES ('tag:' || NEW.tag_id, NEW.status, 1)
        ON CONFLICT (scope, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_counts_tag_gone AFTER DELETE ON tags BEGIN
    DELETE FROM post_counts WHERE scope = 'tag:' || OLD.id;
END;
