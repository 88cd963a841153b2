-- The index of all articles is split into bands of consecutive ids, one table with its own
-- GIN index per band (`article_search_band_<n>` holds the ids from n * span to
-- (n + 1) * span - 1). A GIN index builds the bitmap of every match of a word in its table
-- before the id range cuts it, so a search whose newest matches lie in one period reads
-- that period's matches instead of all. Masthead creates each later band's table when the
-- first id of the band is written (`count`: how many bands have a table); the existing
-- vectors are moved into bands here.
CREATE TABLE article_search_bands (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    span BIGINT NOT NULL CHECK (span > 0),
    count BIGINT NOT NULL CHECK (count >= 0)
);
INSERT INTO article_search_bands (id, span, count) VALUES (1, 65536, 0);
DO $$
DECLARE
    width CONSTANT BIGINT := 65536;
    total BIGINT;
    n BIGINT := 0;
BEGIN
    SELECT coalesce(max(id) / width + 1, 0) INTO total FROM articles;
    WHILE n < total LOOP
        EXECUTE format(
            'DROP TABLE IF EXISTS article_search_band_%1$s; '
            'CREATE TABLE article_search_band_%1$s ('
            '  article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,'
            '  document TSVECTOR NOT NULL); '
            'INSERT INTO article_search_band_%1$s (article_id, document) '
            '  SELECT article_id, document FROM article_search '
            '  WHERE article_id >= %2$s AND article_id < %3$s; '
            'CREATE INDEX article_search_band_%1$s_document ON article_search_band_%1$s USING GIN (document); '
            'ANALYZE article_search_band_%1$s',
            n, n * width, (n + 1) * width);
        n := n + 1;
    END LOOP;
    UPDATE article_search_bands SET count = total WHERE id = 1;
END $$;
DROP TABLE article_search;
