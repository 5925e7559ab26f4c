DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE reviews;
DROP TABLE conflicts;
DROP TABLE committee_members;
ALTER TABLE calls DROP COLUMN rubric_json;
