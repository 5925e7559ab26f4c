-- The email outbox: a message is written in the same transaction as the change that causes it and
-- delivered later by the sender worker. Same tables and columns on both backends.

-- The language staff messages are written in.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'fi';

CREATE TABLE notifications (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    language         TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,
    body_html        TEXT NOT NULL,
    call_id          TEXT REFERENCES calls (id),
    -- The application the message concerns. Not a foreign key: an application may be erased on
    -- request while the record that a message was sent stays.
    application_id   TEXT,
    user_id          TEXT REFERENCES users (id),
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    -- Set while a sender holds the message; a sender that crashes loses it when the lease ends.
    claim_token      TEXT,
    lease_expires_at TIMESTAMP,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_call_id ON notifications (call_id);
CREATE INDEX notifications_user_id ON notifications (user_id);

-- A secretary's template for one kind of message in one language, for one call.
CREATE TABLE email_templates (
    call_id    TEXT NOT NULL REFERENCES calls (id),
    kind       TEXT NOT NULL,
    language   TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT REFERENCES users (id),
    PRIMARY KEY (call_id, kind, language)
);
