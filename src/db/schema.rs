// @generated automatically by Diesel CLI.

diesel::table! {
    api_keys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        role -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    comments (id) {
        id -> Text,
        post_id -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        depth -> Integer,
        status -> Text,
        deleted -> Bool,
        author_name -> Text,
        author_email -> Nullable<Text>,
        user_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        fingerprint -> Text,
        body -> Text,
        html -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        source_id -> Nullable<Text>,
    }
}

diesel::table! {
    contact_messages (id) {
        id -> Text,
        email -> Text,
        name -> Nullable<Text>,
        subject -> Nullable<Text>,
        message -> Text,
        status -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        location -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> Text,
        name -> Text,
        filename -> Text,
        content_type -> Text,
        bytes -> BigInt,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        alt -> Text,
        uploaded_by -> Nullable<Text>,
        created_at -> Timestamp,
        variants -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        reply_to -> Nullable<Text>,
        list_unsubscribe -> Nullable<Text>,
        subscriber_id -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        newsletter_id -> Nullable<Text>,
        html -> Nullable<Text>,
    }
}

diesel::table! {
    post_revisions (id) {
        id -> Text,
        post_id -> Text,
        title -> Text,
        slug -> Text,
        excerpt -> Text,
        markdown -> Nullable<Text>,
        html -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        edited_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    post_tags (post_id, tag_id) {
        post_id -> Text,
        tag_id -> Text,
        position -> Integer,
        status -> Text,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    post_counts (scope, status) {
        scope -> Text,
        status -> Text,
        n -> BigInt,
    }
}

diesel::table! {
    posts (id) {
        id -> Text,
        slug -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        author_id -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        comments_enabled -> Bool,
        comment_count -> Integer,
        word_count -> Integer,
        title -> Text,
        feature_image -> Nullable<Text>,
        meta_title -> Nullable<Text>,
        meta_description -> Nullable<Text>,
        excerpt_is_custom -> Bool,
        excerpt -> Text,
        markdown -> Nullable<Text>,
        html -> Text,
        announced_at -> Nullable<Timestamp>,
        email_subscribers -> Bool,
        source_id -> Nullable<Text>,
        source_url -> Nullable<Text>,
        feature_image_variants -> Text,
    }
}

diesel::table! {
    newsletters (id) {
        id -> Text,
        post_id -> Text,
        subject -> Text,
        source -> Nullable<Text>,
        status -> Text,
        total -> Integer,
        sent -> Integer,
        failed -> Integer,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    site (id) {
        id -> Integer,
        title -> Text,
        description -> Text,
        url -> Text,
        gift_title -> Text,
        gift_description -> Text,
        gift_url -> Text,
        comments_moderated -> Bool,
        updated_at -> Timestamp,
        post_url -> Text,
        confirm_url -> Text,
        unsubscribe_url -> Text,
        preview_url -> Text,
    }
}

diesel::table! {
    preview_links (token_hash) {
        token_hash -> Text,
        post_id -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    subscriber_tokens (token_hash) {
        token_hash -> Text,
        subscriber_id -> Text,
        purpose -> Text,
        expires_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subscribers (id) {
        id -> Text,
        email -> Text,
        name -> Nullable<Text>,
        status -> Text,
        source -> Nullable<Text>,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        unsubscribed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tags (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        password_changed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status_code -> Nullable<Integer>,
        last_response -> Nullable<Text>,
        duration_ms -> Nullable<Integer>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        events -> Text,
        secret -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(comments -> posts (post_id));
diesel::joinable!(comments -> users (user_id));
diesel::joinable!(post_revisions -> posts (post_id));
diesel::joinable!(post_tags -> posts (post_id));
diesel::joinable!(post_tags -> tags (tag_id));
diesel::joinable!(media -> users (uploaded_by));
diesel::joinable!(newsletters -> posts (post_id));
diesel::joinable!(outbox -> newsletters (newsletter_id));
diesel::joinable!(outbox -> subscribers (subscriber_id));
diesel::joinable!(posts -> users (author_id));
diesel::joinable!(preview_links -> posts (post_id));
diesel::joinable!(subscriber_tokens -> subscribers (subscriber_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    comments,
    contact_messages,
    idempotency_keys,
    media,
    newsletters,
    outbox,
    post_counts,
    post_revisions,
    post_tags,
    posts,
    preview_links,
    settings,
    site,
    subscriber_tokens,
    subscribers,
    tags,
    users,
    webhook_deliveries,
    webhooks,
);
