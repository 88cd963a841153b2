DROP TABLE change_seq;
DROP TABLE change_log;
