-- Readers' comments. The text is plain text as submitted; it is escaped when rendered.
-- Emails are kept for moderation only and never leave the server; the address is kept as a
-- keyed hash, and only until the retention period ends.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    depth INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'spam', 'trash')),
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_url TEXT,
    body TEXT NOT NULL,
    -- SHA-256 of the normalised text, for duplicate detection.
    text_hash TEXT NOT NULL,
    ip_hash TEXT,
    user_agent TEXT,
    -- Which anti-spam layer caught it, for moderators.
    spam_reason TEXT,
    idempotency_key TEXT UNIQUE,
    -- What the submitter was told (spam is answered as pending), so retries get the same.
    answered_status TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_article_status ON comments (article_id, status, created_at, id);
CREATE INDEX comments_status_created ON comments (status, created_at, id);
CREATE INDEX comments_email ON comments (author_email, status);
CREATE INDEX comments_duplicates ON comments (article_id, text_hash, created_at);
CREATE INDEX comments_parent ON comments (parent_id);
CREATE INDEX comments_created ON comments (created_at) WHERE ip_hash IS NOT NULL;
