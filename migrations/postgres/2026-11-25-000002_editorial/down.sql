DROP INDEX articles_editorial;
DROP TABLE audit_log;
DROP TABLE slug_redirects;
DROP TABLE revisions;
ALTER TABLE articles DROP COLUMN created_by;
DROP TABLE api_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
