-- What each public-able article (published or scheduled) can be related by: its tags, its
-- section and its distinctive words, each folded into one integer key, with the
-- publication time so that the candidates nearest in time to a source are read first.
-- Every article write rewrites its rows; drafts and archived articles have none.
CREATE TABLE related_keys (
    key BIGINT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    article_id BIGINT NOT NULL,
    PRIMARY KEY (key, published_at, article_id)
);
CREATE INDEX related_keys_article ON related_keys (article_id);

-- Related articles an editor pinned on an article, shown first, in order.
CREATE TABLE related_pins (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    pinned_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, pinned_id)
);
CREATE INDEX related_pins_pinned ON related_pins (pinned_id);

-- Readers' views, counted in memory and added here per article and hour.
CREATE TABLE article_views (
    hour TIMESTAMP NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    views BIGINT NOT NULL,
    PRIMARY KEY (hour, article_id)
);
CREATE INDEX article_views_article ON article_views (article_id);
