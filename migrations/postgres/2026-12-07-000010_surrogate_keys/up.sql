-- The surrogate keys of a stored document: what it shows (its article, sections, tags,
-- authors and featured media, by id), sent to CDNs with it. Documents stored before have
-- none, so they are dropped and rendered again on their next read.
DELETE FROM article_documents;
ALTER TABLE article_documents ADD COLUMN surrogate_keys TEXT NOT NULL DEFAULT '';
