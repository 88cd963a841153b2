-- How many view flushes (any server's) have written to article_views: servers sharing the
-- database read it with the change log's position and recompute their popular totals when
-- it moved, instead of when their totals grow old. A column of the counter row, so the
-- followers' one statement reads both.
ALTER TABLE change_seq ADD COLUMN views_flushed BIGINT NOT NULL DEFAULT 0;
