-- The newest articles are indexed a second time, with a GIN index of their own. The GIN
-- index of all articles builds the bitmap of every match of a word before the id range cuts
-- it; a common word is held by a tenth of a million articles, but only by a few thousand of
-- the newest, among which most searches are settled. `floor`: the index holds the articles
-- with a greater id; it moves up by `span` articles once twice that many are above it.
CREATE TABLE article_search_recent_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    floor BIGINT NOT NULL,
    span BIGINT NOT NULL CHECK (span > 0)
);
INSERT INTO article_search_recent_floor (id, floor, span)
SELECT 1, greatest(0, coalesce(max(id), 0) - 32768), 32768 FROM articles;
CREATE TABLE article_search_recent (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
INSERT INTO article_search_recent (article_id, document)
SELECT article_id, document FROM article_search
WHERE article_id > (SELECT floor FROM article_search_recent_floor);
CREATE INDEX article_search_recent_document ON article_search_recent USING GIN (document);
ANALYZE article_search_recent;
