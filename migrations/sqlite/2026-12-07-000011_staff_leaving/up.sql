-- Staff leaving (issue 19). A deactivated user keeps their row, since reviews, conflicts and the
-- audit log name them by id, but none of their tokens works any more; the reason given for the
-- deactivation is kept with the row (not in the append-only audit log, which holds ids only).
-- A token works until `expires_at` (issued with `auth.token_ttl_days`, default 365) unless it
-- is revoked first; `label` says how it was issued.
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;
ALTER TABLE users ADD COLUMN deactivation_reason TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
ALTER TABLE api_tokens ADD COLUMN label TEXT;
-- Tokens issued before this migration get the default lifetime from when they were issued:
-- created_at + 365 days, to the microsecond (the date moves; the time of day, stored after the
-- tenth character, stays as written). A token older than that stops working now.
UPDATE api_tokens SET expires_at = date(created_at, '+365 days') || substr(created_at, 11);
