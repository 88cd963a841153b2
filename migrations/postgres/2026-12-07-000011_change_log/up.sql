-- The change log: every change to public content, written in the change's own transaction
-- with a sequence number that only grows, so delta sync (and events and webhooks after it)
-- can ask "what changed after N" and never miss a write. The numbers come from one counter
-- row that a writer holds until it commits: they commit in order on PostgreSQL too, so a
-- reader never sees N+1 before N.
CREATE TABLE change_log (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'section', 'tag', 'author', 'comments')),
    entity_id BIGINT NOT NULL,
    -- For an article, what readers saw happen, when they saw anything: it became public,
    -- changed while public, or stopped being public (or was deleted). Events and webhooks
    -- are these entries.
    action TEXT CHECK (action IN ('published', 'updated', 'unpublished', 'deleted')),
    -- Set by the editor who published it: apps may alert readers.
    breaking BOOLEAN NOT NULL DEFAULT FALSE,
    at TIMESTAMP NOT NULL
);
CREATE INDEX change_log_at ON change_log (at);
CREATE INDEX change_log_kind ON change_log (kind, seq);

CREATE TABLE change_seq (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 0);
