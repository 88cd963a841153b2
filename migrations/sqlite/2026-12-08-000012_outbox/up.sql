-- Webhooks: endpoints admins register, and the outbox of their deliveries. Deliveries are
-- made from the change log (each endpoint remembers how far it has been given events, in
-- after_seq), so an event committed before a server dies is still delivered after; one row
-- per (endpoint, log entry) keeps it to one message, whichever server makes it.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Event types, comma-separated: article.published, article.updated, ...
    events TEXT NOT NULL,
    -- Only articles filed under this section or below (no foreign key: an endpoint that
    -- filters on a section that is gone is told nothing rather than everything).
    section_id BIGINT,
    -- The Standard Webhooks signing secret (whsec_...). Kept as is: signing needs it.
    secret TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    after_seq BIGINT NOT NULL,
    -- Since when every attempt has failed: too long, and the endpoint is disabled.
    failing_since TIMESTAMP,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    -- The webhook-id header: the same on every attempt, so receivers can drop repeats.
    message_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A server sending it holds it until then; one that died lets it go by itself.
    locked_until TIMESTAMP,
    response_status INTEGER,
    last_error TEXT,
    -- Retries stop this long after here (the first try, or a manual redelivery).
    retry_from TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    UNIQUE (webhook_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_of ON webhook_deliveries (webhook_id, id);

-- How far other readers of the change log have gone (WebSub pings), shared by servers.
CREATE TABLE outbox_cursors (
    name TEXT PRIMARY KEY,
    seq BIGINT NOT NULL
);
