-- Applications to open calls, the idempotency record of creating requests, and the closing
-- reminder mark on calls. Same tables and columns on both backends.

CREATE TABLE applications (
    id                            TEXT PRIMARY KEY,
    call_id                       TEXT NOT NULL REFERENCES calls (id),
    status                        TEXT NOT NULL CHECK (status IN ('submitted', 'withdrawn')),
    theme                         TEXT NOT NULL,
    role_preference               TEXT NOT NULL CHECK (role_preference IN ('representative', 'deputy', 'either')),
    association_name              TEXT NOT NULL,
    association_business_id       TEXT NOT NULL,
    association_register_number   TEXT,
    association_municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    candidate_first_name          TEXT NOT NULL,
    candidate_last_name           TEXT NOT NULL,
    candidate_email               TEXT NOT NULL,      -- as typed, trimmed
    candidate_email_key           TEXT NOT NULL,      -- lower-cased: one application per candidate
    candidate_phone               TEXT NOT NULL,      -- E.164
    candidate_municipality_code   TEXT NOT NULL REFERENCES municipalities (code),
    candidate_gender              TEXT NOT NULL CHECK (candidate_gender IN ('woman', 'man', 'other', 'undisclosed')),
    candidate_language            TEXT NOT NULL CHECK (candidate_language IN ('fi', 'sv', 'en')),
    motivation                    TEXT NOT NULL,
    privacy_notice_version        TEXT NOT NULL REFERENCES privacy_notices (version),
    consented_at                  TIMESTAMP NOT NULL,
    edit_token_hash               TEXT NOT NULL UNIQUE, -- SHA-256 of the applicant's edit token
    version                       INTEGER NOT NULL,     -- the ETag; +1 on every change
    submitted_at                  TIMESTAMP NOT NULL,
    updated_at                    TIMESTAMP NOT NULL,
    withdrawn_at                  TIMESTAMP
);
-- One candidate (email) applies once per call; a withdrawn application does not count.
CREATE UNIQUE INDEX applications_one_per_candidate
    ON applications (call_id, candidate_email_key) WHERE status <> 'withdrawn';
CREATE INDEX applications_call_theme ON applications (call_id, theme, status);

-- A creating request made with an Idempotency-Key, and its first response. The key itself is not
-- stored, only a digest; the response is encrypted with a key derived from it, so the record
-- reveals nothing (an edit token, say) without the client's key. Kept for 24 hours.
CREATE TABLE idempotency_keys (
    key_hash        TEXT PRIMARY KEY,
    request_hash    TEXT NOT NULL,
    response_status INTEGER,
    response_sealed TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- When the "call closes soon" reminder was queued to the council's secretaries.
ALTER TABLE calls ADD COLUMN closing_reminder_queued_at TIMESTAMP;
