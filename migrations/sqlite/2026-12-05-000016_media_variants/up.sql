-- The resized copies of an image upload, as a JSON array of {width, height, name, bytes}, widest
-- first; '[]' for uploads that have none (not an image, or narrower than every width).
ALTER TABLE media ADD COLUMN variants TEXT NOT NULL DEFAULT '[]';
