ALTER TABLE applications DROP COLUMN declined_at;
ALTER TABLE applications DROP COLUMN reserve_rank;
ALTER TABLE applications DROP COLUMN outcome;
ALTER TABLE calls DROP COLUMN decision_rules_json;
ALTER TABLE calls DROP COLUMN meeting_reference;
ALTER TABLE calls DROP COLUMN selection_run_id;
DROP TABLE seat_holders;
DROP TABLE selection_runs;
