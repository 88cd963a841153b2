-- The index of all articles is split into bands of consecutive ids, one FTS5 table per band
-- (`article_search_band_<n>` holds the ids from n * span to (n + 1) * span - 1). Ranking
-- (bm25) first counts every article of its table that holds each query word, so a search
-- whose newest matches lie in one period ranks them among that period's articles instead of
-- among all. SQL cannot name a table by number: Masthead creates each band's table when
-- the first id of the band is written, and on start creates and fills from the stored
-- articles the bands that existing ids need (`count`: how many bands have a table).
CREATE TABLE article_search_bands (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    span BIGINT NOT NULL CHECK (span > 0),
    count BIGINT NOT NULL CHECK (count >= 0)
);
INSERT INTO article_search_bands (id, span, count) VALUES (1, 65536, 0);
DROP TABLE article_search;
