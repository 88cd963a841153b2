-- Back to one index of all articles: the bands' vectors are gathered into it.
CREATE TABLE article_search (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
DO $$
DECLARE
    total BIGINT;
    n BIGINT := 0;
BEGIN
    SELECT count INTO total FROM article_search_bands WHERE id = 1;
    WHILE n < total LOOP
        EXECUTE format(
            'INSERT INTO article_search (article_id, document) '
            '  SELECT article_id, document FROM article_search_band_%1$s; '
            'DROP TABLE article_search_band_%1$s',
            n);
        n := n + 1;
    END LOOP;
END $$;
CREATE INDEX article_search_document ON article_search USING GIN (document);
DROP TABLE article_search_bands;
