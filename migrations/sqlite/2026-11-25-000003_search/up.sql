-- Full-text search over every article (public or not: the public filter applies at query
-- time, so publishing and unpublishing never have to touch the index). The rowid is the
-- article id; Masthead writes a row whenever an article's content changes.
CREATE VIRTUAL TABLE article_search USING fts5(
    title,
    subtitle,
    body,
    tags,
    authors,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
