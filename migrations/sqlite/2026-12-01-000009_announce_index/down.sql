DROP INDEX posts_sitemap;
DROP INDEX posts_unannounced;
