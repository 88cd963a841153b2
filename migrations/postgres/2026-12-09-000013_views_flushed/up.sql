-- How many view flushes (any server's) have written to article_views: servers sharing the
-- database read it with the change log's position and recompute their popular totals when
-- it moved, instead of when their totals grow old. A column of the counter row, so the
-- followers' one statement reads both; a flush notifies them as a change does.
ALTER TABLE change_seq ADD COLUMN views_flushed BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER change_seq_views_notify AFTER UPDATE OF views_flushed ON change_seq
    FOR EACH STATEMENT EXECUTE FUNCTION masthead_notify_change();
