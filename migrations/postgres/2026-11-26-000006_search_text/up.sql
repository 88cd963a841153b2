-- The index keeps the document vector only: snippets are cut from the article itself, so
-- a million articles no longer store their words twice.
ALTER TABLE article_search DROP COLUMN body;
