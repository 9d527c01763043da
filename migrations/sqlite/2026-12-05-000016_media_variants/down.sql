ALTER TABLE media DROP COLUMN variants;
