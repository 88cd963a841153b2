DROP TABLE article_views;
DROP TABLE related_pins;
DROP TABLE related_keys;
