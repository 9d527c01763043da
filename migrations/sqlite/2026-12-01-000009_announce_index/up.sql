-- The scheduler looks for live posts not yet announced every second: this index makes that a
-- probe of the few waiting rows instead of a walk over every live post.
CREATE INDEX posts_unannounced ON posts (status, announced_at, published_at);

-- Sitemaps list every live post's slug and last change: from this index alone, without reading
-- the (large) post rows.
CREATE INDEX posts_sitemap ON posts (status, published_at, id, slug, updated_at);
