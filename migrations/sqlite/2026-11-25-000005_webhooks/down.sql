ALTER TABLE posts DROP COLUMN announced_at;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
