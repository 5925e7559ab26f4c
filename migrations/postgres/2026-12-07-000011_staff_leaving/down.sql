ALTER TABLE api_tokens DROP COLUMN label;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE users DROP COLUMN deactivation_reason;
ALTER TABLE users DROP COLUMN deactivated_at;
