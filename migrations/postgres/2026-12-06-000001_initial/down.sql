DROP TABLE rate_limits, post_counts, preview_links, media, webhook_deliveries, webhooks, outbox, newsletters,
    contact_messages, subscriber_tokens, subscribers, comments, posts_search, idempotency_keys,
    post_revisions, post_tags, tags, posts, site, settings, api_keys, users;
DROP FUNCTION post_counts_tag_gone(), post_tags_counted(), post_tags_follow_post(),
    posts_counted(), post_counts_remove(TEXT, TEXT), post_counts_add(TEXT, TEXT);
