ALTER TABLE article_documents DROP COLUMN surrogate_keys;
