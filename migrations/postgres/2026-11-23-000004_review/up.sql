-- The committee's review: who reviews a call, their conflicts of interest, their reviews, and the
-- audit log of every change to a call and its applications. Same tables and columns on both
-- backends.

-- The call's rubric as JSON; NULL means the default rubric.
ALTER TABLE calls ADD COLUMN rubric_json TEXT;

CREATE TABLE committee_members (
    call_id  TEXT NOT NULL REFERENCES calls (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (call_id, user_id)
);
CREATE INDEX committee_members_user_id ON committee_members (user_id);

-- Hallintolaki 28 §: a member with a conflict of interest steps aside for that application.
CREATE TABLE conflicts (
    id             TEXT PRIMARY KEY,
    call_id        TEXT NOT NULL REFERENCES calls (id),
    application_id TEXT NOT NULL REFERENCES applications (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    kind           TEXT NOT NULL CHECK (kind IN ('board_member', 'employee', 'relative', 'other')),
    note           TEXT,
    declared_by    TEXT NOT NULL REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (application_id, user_id)
);
CREATE INDEX conflicts_call_id ON conflicts (call_id);

CREATE TABLE reviews (
    id             TEXT PRIMARY KEY,
    call_id        TEXT NOT NULL REFERENCES calls (id),
    application_id TEXT NOT NULL REFERENCES applications (id),
    reviewer_id    TEXT NOT NULL REFERENCES users (id),
    scores_json    TEXT NOT NULL,   -- {"criterion key": whole number}
    comment        TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (application_id, reviewer_id)
);
CREATE INDEX reviews_call_id ON reviews (call_id);

-- Append-only (the triggers below refuse changes): who did what, when, before and after.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,   -- UUID v7, so ordered by time
    call_id     TEXT REFERENCES calls (id),
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('staff', 'applicant', 'system')),
    actor_id    TEXT,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_call_id ON audit_log (call_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
