-- Back to one index of all articles, filled from the stored articles. The band tables are
-- left behind (SQL cannot name them); going up again drops and rebuilds them.
DROP TABLE article_search_bands;
CREATE VIRTUAL TABLE article_search USING fts5(
    title,
    subtitle,
    body,
    tags,
    authors,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO article_search (rowid, title, subtitle, body, tags, authors)
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
FROM articles AS a;
