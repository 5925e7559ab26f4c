-- Erasure of personal data (GDPR 17; the privacy notice's retention). An erased application keeps
-- its ids, theme, role preference, gender, scores and seat history; `erased_at` says when its
-- person's data went.
ALTER TABLE applications ADD COLUMN erased_at TIMESTAMP;
-- Which application an idempotency record's sealed response holds, so that erasing it forgets
-- the record too.
ALTER TABLE idempotency_keys ADD COLUMN subject_id TEXT;
CREATE INDEX idempotency_keys_subject_id ON idempotency_keys (subject_id);
CREATE INDEX applications_erased_at ON applications (erased_at, call_id);
-- The audit log stays append-only but for one path: a redaction, which replaces personal data in
-- `before_json`/`after_json`, counts itself in `redactions`, and changes nothing else.
ALTER TABLE audit_log ADD COLUMN redactions INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER audit_log_no_change ON audit_log;
CREATE FUNCTION audit_log_redaction_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.redactions = OLD.redactions + 1
       AND NEW.id = OLD.id AND NEW.call_id IS NOT DISTINCT FROM OLD.call_id
       AND NEW.actor_kind = OLD.actor_kind AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.action = OLD.action AND NEW.entity = OLD.entity
       AND NEW.entity_id = OLD.entity_id AND NEW.at = OLD.at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_redaction_only();
