-- Full-text search over every article (public or not: the public filter applies at query
-- time). The title weighs most (A), then the deck, tags and authors (B), then the body (C).
CREATE TABLE article_search (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    document TSVECTOR NOT NULL
);
CREATE INDEX article_search_document ON article_search USING GIN (document);
