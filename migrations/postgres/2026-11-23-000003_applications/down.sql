ALTER TABLE calls DROP COLUMN closing_reminder_queued_at;
DROP TABLE idempotency_keys;
DROP TABLE applications;
