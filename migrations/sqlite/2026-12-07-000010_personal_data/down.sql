DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
ALTER TABLE audit_log DROP COLUMN redactions;
DROP INDEX applications_erased_at;
DROP INDEX idempotency_keys_subject_id;
ALTER TABLE idempotency_keys DROP COLUMN subject_id;
ALTER TABLE applications DROP COLUMN erased_at;
