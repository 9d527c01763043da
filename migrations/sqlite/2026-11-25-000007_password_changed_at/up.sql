-- Tokens issued before a password change stop working.
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP;
