DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE reviews;
DROP TABLE conflicts;
DROP TABLE committee_members;
ALTER TABLE calls DROP COLUMN rubric_json;
