ALTER TABLE site DROP COLUMN preview_url;
DROP TABLE preview_links;
