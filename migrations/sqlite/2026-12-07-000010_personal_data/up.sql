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
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (NEW.redactions = OLD.redactions + 1
          AND NEW.id = OLD.id AND NEW.call_id IS OLD.call_id AND NEW.actor_kind = OLD.actor_kind
          AND NEW.actor_id IS OLD.actor_id AND NEW.action = OLD.action AND NEW.entity = OLD.entity
          AND NEW.entity_id = OLD.entity_id AND NEW.at = OLD.at)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
