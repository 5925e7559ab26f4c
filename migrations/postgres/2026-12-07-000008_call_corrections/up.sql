-- A published call's texts can be corrected (the call page says when it last was), and a call
-- not yet decided can be cancelled: the cancellation is kept beside the phase the call had
-- reached, with the reason the public sees. A decision whose composition does not meet the
-- Equality Act's balance states its special reason and the measures taken.
ALTER TABLE calls ADD COLUMN corrected_at TIMESTAMP;
ALTER TABLE calls ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE calls ADD COLUMN cancellation_reason_json TEXT;
ALTER TABLE calls ADD COLUMN quota_exception_json TEXT;
