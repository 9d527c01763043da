-- Every collection pages in the order of an index that also holds its filter, ending in the id
-- that breaks ties: a page (or a cursor's page) is a short index walk at any size.
CREATE INDEX post_revisions_page ON post_revisions (post_id, created_at, id);
DROP INDEX post_revisions_post;
CREATE INDEX comments_page ON comments (created_at, id);
CREATE INDEX comments_moderation_page ON comments (status, created_at, id);
DROP INDEX comments_moderation;
CREATE INDEX comments_post_page ON comments (post_id, created_at, id);
CREATE INDEX subscribers_page ON subscribers (created_at, id);
CREATE INDEX subscribers_status_page ON subscribers (status, created_at, id);
DROP INDEX subscribers_status;
CREATE INDEX contact_messages_page ON contact_messages (created_at, id);
CREATE INDEX contact_messages_status_page ON contact_messages (status, created_at, id);
DROP INDEX contact_messages_status;
CREATE INDEX outbox_page ON outbox (created_at, id);
CREATE INDEX outbox_status_page ON outbox (status, created_at, id);
CREATE INDEX webhook_deliveries_page ON webhook_deliveries (webhook_id, created_at, id);
DROP INDEX webhook_deliveries_webhook;
CREATE INDEX media_page ON media (created_at, id);
DROP INDEX media_created;
CREATE INDEX users_page ON users (created_at, id);
CREATE INDEX api_keys_page ON api_keys (created_at, id);
CREATE INDEX webhooks_page ON webhooks (created_at, id);
