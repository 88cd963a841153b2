ALTER TABLE change_seq DROP COLUMN views_flushed;
