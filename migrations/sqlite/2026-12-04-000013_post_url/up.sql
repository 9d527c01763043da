-- Where the site's frontend shows a post: a path under the site's URL, or an absolute URL, with
-- `{slug}` and/or `{id}` filled in. Feeds, sitemaps, newsletters, webhooks and every post's `url`
-- use it.
ALTER TABLE site ADD COLUMN post_url TEXT NOT NULL DEFAULT '/posts/{slug}';
