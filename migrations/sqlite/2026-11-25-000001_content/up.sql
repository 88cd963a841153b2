-- The content model: sections (a tree), tags, authors, media, articles and their relations.
-- Timestamps are UTC; ids are 64-bit integers.

CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id BIGINT REFERENCES sections (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sections_parent ON sections (parent_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tags_name ON tags (name, id);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    bio TEXT NOT NULL DEFAULT '',
    avatar_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX authors_name ON authors (name, id);

CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    width INTEGER,
    height INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    subtitle TEXT NOT NULL DEFAULT '',
    dateline TEXT NOT NULL DEFAULT '',
    excerpt TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    section_id BIGINT NOT NULL REFERENCES sections (id) ON DELETE RESTRICT,
    featured_media_id BIGINT REFERENCES media (id) ON DELETE SET NULL,
    canonical_url TEXT,
    language TEXT NOT NULL DEFAULT 'en',
    comment_status TEXT NOT NULL DEFAULT 'open' CHECK (comment_status IN ('open', 'closed')),
    word_count INTEGER NOT NULL DEFAULT 0,
    reading_time_minutes INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    -- Last, so that reading the other columns never walks a long body's overflow pages.
    body TEXT NOT NULL DEFAULT '[]'
);
-- Public lists walk these newest first and stop after one page. They are partial indexes
-- over the statuses that can be public; queries repeat the predicate as literal SQL so that
-- both planners can prove it and use them.
CREATE INDEX articles_public_order ON articles (published_at DESC, id DESC)
    WHERE status IN ('published', 'scheduled');
CREATE INDEX articles_public_section ON articles (section_id, published_at DESC, id DESC)
    WHERE status IN ('published', 'scheduled');

CREATE TABLE article_sections (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    section_id BIGINT NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, section_id)
);
CREATE INDEX article_sections_section ON article_sections (section_id, article_id);

CREATE TABLE article_tags (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);

CREATE TABLE article_authors (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    role TEXT,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id, article_id);

CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    noted_at TIMESTAMP NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_id, noted_at, id);
