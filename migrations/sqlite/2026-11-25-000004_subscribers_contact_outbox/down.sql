DROP TABLE outbox;
DROP TABLE contact_messages;
DROP TABLE subscriber_tokens;
DROP TABLE subscribers;
