ALTER TABLE site DROP COLUMN unsubscribe_url;
ALTER TABLE site DROP COLUMN confirm_url;
