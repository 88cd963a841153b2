//! Table definitions shared by both backends. Only types that mean the same on SQLite and
//! PostgreSQL are used (BigInt, Integer, Text, Timestamp), so every query is written once.

diesel::table! {
    sections (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    authors (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        title -> Text,
        bio -> Text,
        avatar_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    media (id) {
        id -> BigInt,
        url -> Text,
        alt -> Text,
        caption -> Text,
        credit -> Text,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        subtitle -> Text,
        dateline -> Text,
        excerpt -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        section_id -> BigInt,
        featured_media_id -> Nullable<BigInt>,
        canonical_url -> Nullable<Text>,
        language -> Text,
        comment_status -> Text,
        word_count -> Integer,
        reading_time_minutes -> Integer,
        version -> Integer,
        body -> Text,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    article_sections (article_id, section_id) {
        article_id -> BigInt,
        section_id -> BigInt,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> BigInt,
        author_id -> BigInt,
        position -> Integer,
        role -> Nullable<Text>,
    }
}

diesel::table! {
    corrections (id) {
        id -> BigInt,
        article_id -> BigInt,
        noted_at -> Timestamp,
        note -> Text,
    }
}

diesel::table! {
    article_documents (article_id, format) {
        article_id -> BigInt,
        format -> Text,
        etag -> Text,
        body -> Binary,
        surrogate_keys -> Text,
    }
}

diesel::table! {
    content_generation (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::joinable!(articles -> sections (section_id));
diesel::joinable!(article_documents -> articles (article_id));
diesel::joinable!(articles -> media (featured_media_id));
diesel::joinable!(article_sections -> articles (article_id));
diesel::joinable!(article_sections -> sections (section_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_authors -> articles (article_id));
diesel::joinable!(article_authors -> authors (author_id));
diesel::joinable!(corrections -> articles (article_id));

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        display_name -> Text,
        role -> Text,
        author_id -> Nullable<BigInt>,
        password_hash -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        family -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        spent_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        tier -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        version -> Integer,
        actor_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        summary -> Text,
        content -> Text,
    }
}

diesel::table! {
    slug_redirects (slug) {
        slug -> Text,
        article_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        target -> Text,
        summary -> Text,
    }
}

diesel::table! {
    related_keys (key, published_at, article_id) {
        key -> BigInt,
        published_at -> Timestamp,
        article_id -> BigInt,
    }
}

diesel::table! {
    related_pins (article_id, pinned_id) {
        article_id -> BigInt,
        pinned_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    article_views (hour, article_id) {
        hour -> Timestamp,
        article_id -> BigInt,
        views -> BigInt,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        article_id -> BigInt,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        status -> Text,
        author_name -> Text,
        author_email -> Text,
        author_url -> Nullable<Text>,
        body -> Text,
        text_hash -> Text,
        ip_hash -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        spam_reason -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        answered_status -> Text,
        request_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(revisions -> articles (article_id));
diesel::joinable!(slug_redirects -> articles (article_id));

diesel::table! {
    change_log (seq) {
        seq -> BigInt,
        kind -> Text,
        entity_id -> BigInt,
        action -> Nullable<Text>,
        breaking -> Bool,
        at -> Timestamp,
    }
}

diesel::table! {
    change_seq (id) {
        id -> Integer,
        value -> BigInt,
        views_flushed -> BigInt,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        description -> Text,
        events -> Text,
        section_id -> Nullable<BigInt>,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        after_seq -> BigInt,
        failing_since -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        seq -> BigInt,
        message_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        response_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        retry_from -> Timestamp,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_cursors (name) {
        name -> Text,
        seq -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    webhooks,
    webhook_deliveries,
    sections,
    tags,
    authors,
    media,
    articles,
    article_sections,
    article_tags,
    article_authors,
    corrections,
    article_documents,
    content_generation,
    users,
    refresh_tokens,
    api_keys,
    revisions,
    slug_redirects,
    audit_log,
    related_keys,
    related_pins,
    article_views,
    comments,
);

diesel::table! {
    import_ids (source, kind, remote_id) {
        source -> Text,
        kind -> Text,
        remote_id -> BigInt,
        local_id -> BigInt,
        remote_modified -> Nullable<Timestamp>,
    }
}

diesel::table! {
    redirects (path) {
        path -> Text,
        kind -> Text,
        target_id -> Nullable<BigInt>,
        feed_of -> Nullable<Text>,
        created_at -> Timestamp,
    }
}
