-- What an import brought in: each thing's id in the system it came from (a WordPress site)
-- and here, with its modification time there, so that a second run updates what changed,
-- adds what is new and never makes a duplicate, and an interrupted run goes on from there.
CREATE TABLE import_ids (
    source TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('post', 'category', 'tag', 'user', 'comment', 'media')),
    remote_id BIGINT NOT NULL,
    local_id BIGINT NOT NULL,
    remote_modified TIMESTAMP,
    PRIMARY KEY (source, kind, remote_id)
);
CREATE INDEX import_ids_local ON import_ids (kind, local_id);

-- The old addresses of imported content (permalinks, category, tag and author pages, feeds),
-- so the links the web already has keep working. The target is named by id: a renamed slug
-- is followed, and an article that is not public is not revealed.
CREATE TABLE redirects (
    path TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'section', 'tag', 'author', 'feed')),
    -- NULL for the site's own feed.
    target_id BIGINT,
    -- For a feed: the kind of what it is the feed of (site, section, tag, author).
    feed_of TEXT CHECK (feed_of IN ('site', 'section', 'tag', 'author')),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX redirects_target ON redirects (kind, target_id);
