-- The resized copies of a post's feature image when it is one of our uploads, as a JSON array of
-- {width, height, url}, widest first, worked out when the post is written (a read copies it).
ALTER TABLE posts ADD COLUMN feature_image_variants TEXT NOT NULL DEFAULT '[]';
