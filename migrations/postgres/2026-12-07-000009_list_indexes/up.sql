-- Lists page by id (keyset: `id > cursor ORDER BY id LIMIT n + 1`) within a filter. With the
-- filter's column and the id in one index, a page reads its n + 1 rows in order wherever it
-- starts, instead of sorting every row of the call (10,000 applications) for each page.
CREATE INDEX applications_call_id_id ON applications (call_id, id);
CREATE INDEX notifications_call_id_id ON notifications (call_id, id);
CREATE INDEX notifications_status_id ON notifications (status, id);
CREATE INDEX calls_council_id_id ON calls (council_id, id);
-- Their prefixes, now redundant.
DROP INDEX notifications_call_id;
DROP INDEX calls_council_id;
