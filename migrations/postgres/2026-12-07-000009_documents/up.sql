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
    body BYTEA NOT NULL,
    PRIMARY KEY (article_id, format)
);

-- Bumped by every write that can change a document. A reader that renders a missing
-- document reads it first and stores the document only if it has not moved (holding a
-- share lock on this row while it checks), so a document rendered from what a concurrent
-- write replaced is never kept. Writers bump it before they delete, once per statement.
CREATE TABLE content_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO content_generation (id, value) VALUES (1, 0);

CREATE FUNCTION documents_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_generation SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END $$;

-- Rows that hang off one article: forget that article's documents.
CREATE FUNCTION documents_forget_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM article_documents WHERE article_id = OLD.article_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        DELETE FROM article_documents WHERE article_id = NEW.article_id;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION documents_forget_self() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_documents WHERE article_id = OLD.id;
    RETURN NULL;
END $$;

CREATE FUNCTION documents_forget_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_documents WHERE article_id IN
        (SELECT article_id FROM article_authors WHERE author_id = OLD.id);
    RETURN NULL;
END $$;

CREATE FUNCTION documents_forget_tag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_documents WHERE article_id IN
        (SELECT article_id FROM article_tags WHERE tag_id = OLD.id);
    RETURN NULL;
END $$;

CREATE FUNCTION documents_forget_media() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_documents WHERE article_id IN
        (SELECT id FROM articles WHERE featured_media_id = OLD.id);
    RETURN NULL;
END $$;

-- A section's name shows in the path of every article below it.
CREATE FUNCTION documents_forget_section() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH RECURSIVE below (id) AS (
        SELECT OLD.id
        UNION
        SELECT s.id FROM sections s JOIN below b ON s.parent_id = b.id
    )
    DELETE FROM article_documents WHERE article_id IN (
        SELECT id FROM articles WHERE section_id IN (SELECT id FROM below)
        UNION
        SELECT article_id FROM article_sections WHERE section_id IN (SELECT id FROM below)
    );
    RETURN NULL;
END $$;

CREATE TRIGGER documents_bump BEFORE UPDATE OR DELETE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER UPDATE ON articles
    FOR EACH ROW EXECUTE FUNCTION documents_forget_self();

CREATE TRIGGER documents_bump BEFORE INSERT OR UPDATE OR DELETE ON article_authors
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER INSERT OR UPDATE OR DELETE ON article_authors
    FOR EACH ROW EXECUTE FUNCTION documents_forget_article();
CREATE TRIGGER documents_bump BEFORE INSERT OR UPDATE OR DELETE ON article_tags
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER INSERT OR UPDATE OR DELETE ON article_tags
    FOR EACH ROW EXECUTE FUNCTION documents_forget_article();
CREATE TRIGGER documents_bump BEFORE INSERT OR UPDATE OR DELETE ON article_sections
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER INSERT OR UPDATE OR DELETE ON article_sections
    FOR EACH ROW EXECUTE FUNCTION documents_forget_article();
CREATE TRIGGER documents_bump BEFORE INSERT OR UPDATE OR DELETE ON corrections
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER INSERT OR UPDATE OR DELETE ON corrections
    FOR EACH ROW EXECUTE FUNCTION documents_forget_article();

CREATE TRIGGER documents_bump BEFORE UPDATE OR DELETE ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER UPDATE ON authors
    FOR EACH ROW EXECUTE FUNCTION documents_forget_author();
CREATE TRIGGER documents_bump BEFORE UPDATE OR DELETE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER UPDATE ON tags
    FOR EACH ROW EXECUTE FUNCTION documents_forget_tag();
CREATE TRIGGER documents_bump BEFORE UPDATE OR DELETE ON media
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION documents_forget_media();
CREATE TRIGGER documents_bump BEFORE INSERT OR UPDATE OR DELETE ON sections
    FOR EACH STATEMENT EXECUTE FUNCTION documents_bump();
CREATE TRIGGER documents_forget AFTER UPDATE OR DELETE ON sections
    FOR EACH ROW EXECUTE FUNCTION documents_forget_section();
