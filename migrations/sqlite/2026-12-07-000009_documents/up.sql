-- Public documents: an article's public response, rendered once per body format and read
-- back as ready bytes with their ETag. A document is a cache that lives in the database, so
-- every server shares it and every writer keeps it true: the triggers below delete the
-- documents a write makes stale, in the write's own transaction, whoever writes (the API,
-- the CLI, an import). Visibility is not stored here: every read joins the article and
-- applies the public rule, so a document never shows what is not public.
CREATE TABLE article_documents (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    format TEXT NOT NULL CHECK (format IN ('blocks', 'html', 'text')),
    etag TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (article_id, format)
) WITHOUT ROWID;

-- Bumped by every write that can change a document. A reader that renders a missing
-- document reads it first and stores the document only if it has not moved, so a document
-- rendered from what a concurrent write replaced is never kept.
CREATE TABLE content_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO content_generation (id, value) VALUES (1, 0);

CREATE TRIGGER documents_article_update AFTER UPDATE ON articles BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = OLD.id;
END;
CREATE TRIGGER documents_article_delete AFTER DELETE ON articles BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
END;

CREATE TRIGGER documents_authors_insert AFTER INSERT ON article_authors BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = NEW.article_id;
END;
CREATE TRIGGER documents_authors_update AFTER UPDATE ON article_authors BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN (OLD.article_id, NEW.article_id);
END;
CREATE TRIGGER documents_authors_delete AFTER DELETE ON article_authors BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = OLD.article_id;
END;

CREATE TRIGGER documents_tags_insert AFTER INSERT ON article_tags BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = NEW.article_id;
END;
CREATE TRIGGER documents_tags_update AFTER UPDATE ON article_tags BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN (OLD.article_id, NEW.article_id);
END;
CREATE TRIGGER documents_tags_delete AFTER DELETE ON article_tags BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = OLD.article_id;
END;

CREATE TRIGGER documents_sections_link_insert AFTER INSERT ON article_sections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = NEW.article_id;
END;
CREATE TRIGGER documents_sections_link_update AFTER UPDATE ON article_sections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN (OLD.article_id, NEW.article_id);
END;
CREATE TRIGGER documents_sections_link_delete AFTER DELETE ON article_sections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = OLD.article_id;
END;

CREATE TRIGGER documents_corrections_insert AFTER INSERT ON corrections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = NEW.article_id;
END;
CREATE TRIGGER documents_corrections_update AFTER UPDATE ON corrections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN (OLD.article_id, NEW.article_id);
END;
CREATE TRIGGER documents_corrections_delete AFTER DELETE ON corrections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id = OLD.article_id;
END;

CREATE TRIGGER documents_author_update AFTER UPDATE ON authors BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN
        (SELECT article_id FROM article_authors WHERE author_id = OLD.id);
END;
CREATE TRIGGER documents_tag_update AFTER UPDATE ON tags BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN
        (SELECT article_id FROM article_tags WHERE tag_id = OLD.id);
END;
CREATE TRIGGER documents_media_update AFTER UPDATE ON media BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents WHERE article_id IN
        (SELECT id FROM articles WHERE featured_media_id = OLD.id);
END;
-- A section's name shows in the path of every article below it, and SQLite's triggers
-- cannot walk a tree: a section change forgets every document (sections change seldom).
CREATE TRIGGER documents_section_insert AFTER INSERT ON sections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
END;
CREATE TRIGGER documents_section_update AFTER UPDATE ON sections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents;
END;
CREATE TRIGGER documents_section_delete AFTER DELETE ON sections BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    DELETE FROM article_documents;
END;
