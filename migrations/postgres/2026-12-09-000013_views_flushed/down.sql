DROP TRIGGER change_seq_views_notify ON change_seq;
ALTER TABLE change_seq DROP COLUMN views_flushed;
