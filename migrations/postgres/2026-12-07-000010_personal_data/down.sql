DROP TRIGGER audit_log_no_change ON audit_log;
DROP FUNCTION audit_log_redaction_only();
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
ALTER TABLE audit_log DROP COLUMN redactions;
DROP INDEX applications_erased_at;
DROP INDEX idempotency_keys_subject_id;
ALTER TABLE idempotency_keys DROP COLUMN subject_id;
ALTER TABLE applications DROP COLUMN erased_at;
