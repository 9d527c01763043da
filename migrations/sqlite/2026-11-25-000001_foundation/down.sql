DROP TABLE site;
DROP TABLE settings;
DROP INDEX api_keys_user_id;
DROP TABLE api_keys;
DROP TABLE users;
