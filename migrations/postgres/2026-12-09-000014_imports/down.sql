DROP TABLE redirects;
DROP TABLE import_ids;
