-- The newest articles are indexed a second time, in a small index of their own. Ranking
-- (bm25) first counts every article holding each query word; a common word is held by a
-- tenth of a million articles, but only by a few thousand of the newest, among which most
-- searches are settled. `floor`: the index holds the articles with a greater id; it moves
-- up by `span` articles once twice that many are above it.
CREATE TABLE article_search_recent_floor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    floor BIGINT NOT NULL,
    span BIGINT NOT NULL CHECK (span > 0)
);
INSERT INTO article_search_recent_floor (id, floor, span)
SELECT 1, max(0, coalesce(max(id), 0) - 32768), 32768 FROM articles;
CREATE VIRTUAL TABLE article_search_recent USING fts5(
    title,
    subtitle,
    body,
    tags,
    authors,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO article_search_recent (rowid, title, subtitle, body, tags, authors)
SELECT
    a.id,
    a.title,
    a.subtitle,
    coalesce((SELECT group_concat(j.value, ' ') FROM json_tree(a.body) AS j
              WHERE j.key IN ('text', 'caption', 'credit', 'attribution') AND j.type = 'text'), ''),
    coalesce((SELECT group_concat(t.name, ' ') FROM article_tags AS x JOIN tags AS t ON t.id = x.tag_id
              WHERE x.article_id = a.id), ''),
    coalesce((SELECT group_concat(u.name, ' ') FROM article_authors AS x JOIN authors AS u ON u.id = x.author_id
              WHERE x.article_id = a.id), '')
FROM articles AS a
WHERE a.id > (SELECT floor FROM article_search_recent_floor);
