CREATE INDEX calls_council_id ON calls (council_id);
CREATE INDEX notifications_call_id ON notifications (call_id);
DROP INDEX calls_council_id_id;
DROP INDEX notifications_status_id;
DROP INDEX notifications_call_id_id;
DROP INDEX applications_call_id_id;
