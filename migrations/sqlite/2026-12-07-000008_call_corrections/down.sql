ALTER TABLE calls DROP COLUMN quota_exception_json;
ALTER TABLE calls DROP COLUMN cancellation_reason_json;
ALTER TABLE calls DROP COLUMN cancelled_at;
ALTER TABLE calls DROP COLUMN corrected_at;
