-- Texts come back empty; each article's is written again at its next edit.
ALTER TABLE article_search ADD COLUMN body TEXT NOT NULL DEFAULT '';
